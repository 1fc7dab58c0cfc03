/*  index: open-addressing hash table of 32-bit values (see index.h). */
#include "index.h"

#include "hd_log.h"
#include "hd_mem.h"

#include <stdlib.h>
#include <string.h>

#define MIN_CAP 64

typedef struct {
    uint32_t hash;  /* the key's hash, folded to 32 bits */
    uint32_t value; /* value + 1; 0 marks an empty slot */
} slot_t;

struct sb_index {
    slot_t *slots;
    size_t cap; /* a power of two */
    size_t count;
};

static slot_t *alloc_slots(size_t cap) {
    slot_t *s = hd_calloc(cap, sizeof *s);
    return s;
}

sb_index_t *sb_index_new(void) {
    sb_index_t *self = hd_calloc(1, sizeof *self);
    self->cap = MIN_CAP;
    self->slots = alloc_slots(self->cap);
    return self;
}

void sb_index_destroy(sb_index_t **self_p) {
    if (!self_p || !*self_p)
        return;
    free((*self_p)->slots);
    free(*self_p);
    *self_p = NULL;
}

size_t sb_index_count(const sb_index_t *self) { return self ? self->count : 0; }

/* FNV-1a hashes well enough bit by bit but leaves the low bits, which pick
   the slot, weakly mixed; a final avalanche (from splitmix64) fixes that. */
static uint32_t fold(uint64_t h) {
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
    return (uint32_t)(h ^ (h >> 31));
}

uint64_t sb_index_hash(uint64_t h, const void *data, size_t n) {
    const unsigned char *p = data;
    if (h == 0)
        h = 0xCBF29CE484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001B3ULL;
    return h * 0x100000001B3ULL; /* the part's end, as a NUL byte (h ^ 0) */
}

/* The slot holding the key, or the empty slot where it would go. */
static slot_t *probe(const sb_index_t *self, uint32_t h, sb_index_match_fn *match, const void *key,
                     void *arg) {
    size_t mask = self->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        slot_t *s = &self->slots[i];
        if (s->value == 0 || (s->hash == h && match(s->value - 1, key, arg)))
            return s;
    }
}

static void grow(sb_index_t *self) {
    slot_t *old = self->slots;
    size_t old_cap = self->cap;
    self->cap *= 2;
    self->slots = alloc_slots(self->cap);
    size_t mask = self->cap - 1;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].value == 0)
            continue;
        size_t j = old[i].hash & mask;
        while (self->slots[j].value != 0)
            j = (j + 1) & mask;
        self->slots[j] = old[i];
    }
    free(old);
}

uint32_t sb_index_find(const sb_index_t *self, uint64_t hash, sb_index_match_fn *match,
                       const void *key, void *arg) {
    if (!self)
        return SB_INDEX_NONE;
    const slot_t *s = probe(self, fold(hash), match, key, arg);
    return s->value ? s->value - 1 : SB_INDEX_NONE;
}

void sb_index_put(sb_index_t *self, uint64_t hash, uint32_t value, sb_index_match_fn *match,
                  const void *key, void *arg) {
    if (!self || value == SB_INDEX_NONE)
        return;
    /* Growing first keeps an empty slot for probe to stop at. */
    if ((self->count + 1) * 10 > self->cap * 7)
        grow(self);
    uint32_t h = fold(hash);
    slot_t *s = probe(self, h, match, key, arg);
    if (s->value == 0)
        self->count++;
    s->hash = h;
    s->value = value + 1;
}

void sb_index_clear(sb_index_t *self) {
    if (!self)
        return;
    memset(self->slots, 0, self->cap * sizeof *self->slots);
    self->count = 0;
}
