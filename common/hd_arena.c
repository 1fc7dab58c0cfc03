/*  hd_arena: a list of blocks, the newest first; allocations bump through
    the newest block, and a request that does not fit starts a new block at
    least as large as the last (so a message outgrowing its hint costs a few
    blocks, not one per allocation). */
#include "hd_arena.h"

#include "hd_mem.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

#define ALIGN alignof(max_align_t)
#define MIN_BLOCK 1024

typedef struct block {
    struct block *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char data[];
} block_t;

struct hd_arena {
    block_t *head;
    size_t used;
    ProtobufCAllocator pb;
};

static block_t *block_new(size_t cap) {
    block_t *b = hd_malloc(sizeof *b + cap);
    b->next = NULL;
    b->used = 0;
    b->cap = cap;
    return b;
}

static void *pb_alloc(void *data, size_t n) { return hd_arena_alloc(data, n); }

static void pb_free(void *data, void *ptr) {
    (void)data; /* released with the arena */
    (void)ptr;
}

hd_arena_t *hd_arena_new(size_t hint) {
    hd_arena_t *self = hd_malloc(sizeof *self);
    self->head = block_new(hint < MIN_BLOCK ? MIN_BLOCK : hint);
    self->used = 0;
    self->pb = (ProtobufCAllocator){pb_alloc, pb_free, self};
    return self;
}

void hd_arena_destroy(hd_arena_t **self_p) {
    if (!self_p || !*self_p)
        return;
    block_t *b = (*self_p)->head;
    while (b) {
        block_t *next = b->next;
        free(b);
        b = next;
    }
    free(*self_p);
    *self_p = NULL;
}

void *hd_arena_alloc(hd_arena_t *self, size_t n) {
    if (n > SIZE_MAX - 2 * ALIGN)
        abort();
    size_t size = n ? (n + ALIGN - 1) & ~(ALIGN - 1) : ALIGN;
    block_t *b = self->head;
    if (b->cap - b->used < size) {
        size_t cap = b->cap > size ? b->cap : size;
        block_t *nb = block_new(cap);
        nb->next = b;
        self->head = b = nb;
    }
    void *p = b->data + b->used;
    b->used += size;
    self->used += size;
    return p;
}

ProtobufCAllocator *hd_arena_protobuf(hd_arena_t *self) { return &self->pb; }

size_t hd_arena_used(const hd_arena_t *self) { return self->used; }
