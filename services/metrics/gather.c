/*  gather: one upsert per distinct counter per batch (see gather.h). */
#include "gather.h"

#include "hd_pgarray.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A batch touches a handful of distinct counters (event types times
   departments), so a linear search beats hashing here. */
void mx_gather_add(mx_gather_t *self, const mx_bump_t *b) {
    for (size_t i = 0; i < self->n; i++)
        if (strcmp(self->bumps[i].name, b->name) == 0 && strcmp(self->bumps[i].labels, b->labels) == 0) {
            self->counts[i]++;
            return;
        }
    if (self->n == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 16;
        mx_bump_t *bumps = realloc(self->bumps, cap * sizeof *bumps);
        long *counts = bumps ? realloc(self->counts, cap * sizeof *counts) : NULL;
        if (!bumps || !counts)
            abort();
        self->bumps = bumps;
        self->counts = counts;
        self->cap = cap;
    }
    self->bumps[self->n] = *b;
    self->counts[self->n++] = 1;
}

void mx_gather_begin(void *arg) {
    mx_gather_t *self = arg;
    self->n = 0;
}

int mx_gather_flush(hd_db_t *db, void *arg) {
    mx_gather_t *self = arg;
    if (self->n == 0)
        return 0;
    hd_pgarray_t col[3] = {{0}};
    for (size_t i = 0; i < self->n; i++) {
        char count[24];
        snprintf(count, sizeof count, "%ld", self->counts[i]);
        hd_pgarray_add(&col[0], self->bumps[i].name);
        hd_pgarray_add(&col[1], self->bumps[i].labels);
        hd_pgarray_add(&col[2], count);
    }
    /* Sorted, so two writers of the same rows always lock them in one order. */
    int rc = hd_db_cmd_arrays(db,
                              "INSERT INTO metrics_counter (name, labels, value) "
                              "SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) "
                              "  AS x(name, labels, value) ORDER BY name, labels "
                              "ON CONFLICT (name, labels) DO UPDATE "
                              "SET value = metrics_counter.value + EXCLUDED.value",
                              col, 3);
    if (rc < 0)
        return -1;
    self->n = 0;
    return 0;
}

void mx_gather_free(mx_gather_t *self) {
    free(self->bumps);
    free(self->counts);
    memset(self, 0, sizeof *self);
}
