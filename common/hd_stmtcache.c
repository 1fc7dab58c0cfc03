/*  hd_stmtcache: SQL text -> prepared statement name (see hd_stmtcache.h).
    Open addressing with linear probing over a power-of-two table kept at
    most half full; deletion re-inserts the rest of its cluster, so lookups
    never need tombstones. */
#include "hd_stmtcache.h"

#include "hd_mem.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    char *sql; /* NULL: free slot */
    char name[HD_STMT_NAME_LEN];
} slot_t;

struct hd_stmtcache {
    slot_t *slots;
    size_t cap, n, max;
    unsigned long long next; /* names are never reused within a session */
};

static uint64_t hash(const char *s) {
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

hd_stmtcache_t *hd_stmtcache_new(size_t max) {
    hd_stmtcache_t *self = hd_calloc(1, sizeof *self);
    size_t cap = 16;
    while (cap < max * 2)
        cap *= 2;
    self->slots = hd_calloc(cap, sizeof *self->slots);
    self->cap = cap;
    self->max = max;
    return self;
}

void hd_stmtcache_destroy(hd_stmtcache_t **self_p) {
    if (!self_p || !*self_p)
        return;
    hd_stmtcache_clear(*self_p);
    free((*self_p)->slots);
    free(*self_p);
    *self_p = NULL;
}

/* The slot holding sql, or the free slot where it would go. */
static size_t probe(const hd_stmtcache_t *self, const char *sql) {
    size_t mask = self->cap - 1, i = (size_t)hash(sql) & mask;
    while (self->slots[i].sql && strcmp(self->slots[i].sql, sql) != 0)
        i = (i + 1) & mask;
    return i;
}

const char *hd_stmtcache_find(const hd_stmtcache_t *self, const char *sql) {
    const slot_t *s = &self->slots[probe(self, sql)];
    return s->sql ? s->name : NULL;
}

int hd_stmtcache_name(hd_stmtcache_t *self, char name[HD_STMT_NAME_LEN]) {
    if (self->n >= self->max)
        return -1;
    snprintf(name, HD_STMT_NAME_LEN, "hd_%llu", ++self->next);
    return 0;
}

void hd_stmtcache_put(hd_stmtcache_t *self, const char *sql, const char *name) {
    slot_t *s = &self->slots[probe(self, sql)];
    if (!s->sql) {
        if (self->n >= self->max)
            return;
        s->sql = hd_strdup(sql);
        self->n++;
    }
    snprintf(s->name, sizeof s->name, "%s", name);
}

void hd_stmtcache_forget(hd_stmtcache_t *self, const char *sql) {
    size_t mask = self->cap - 1, i = probe(self, sql);
    if (!self->slots[i].sql)
        return;
    free(self->slots[i].sql);
    self->slots[i].sql = NULL;
    self->n--;
    /* Re-seat the rest of the cluster so no lookup stops at the new hole. */
    for (size_t j = (i + 1) & mask; self->slots[j].sql; j = (j + 1) & mask) {
        slot_t moved = self->slots[j];
        self->slots[j].sql = NULL;
        self->slots[probe(self, moved.sql)] = moved;
    }
}

void hd_stmtcache_clear(hd_stmtcache_t *self) {
    for (size_t i = 0; i < self->cap; i++) {
        free(self->slots[i].sql);
        self->slots[i].sql = NULL;
    }
    self->n = 0;
}

size_t hd_stmtcache_size(const hd_stmtcache_t *self) { return self->n; }

int hd_stmtcache_wanted(const char *sql) {
    static const char *const kinds[] = {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"};
    while (isspace((unsigned char)*sql))
        sql++;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        size_t len = strlen(kinds[k]);
        if (strncasecmp(sql, kinds[k], len) == 0 && !isalnum((unsigned char)sql[len]) &&
            sql[len] != '_')
            return 1;
    }
    return 0;
}
