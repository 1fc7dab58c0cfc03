/*  tally: one upsert for a batch's counters (see tally.h). */
#include "tally.h"

#include "hd_mem.h"
#include "hd_pgarray.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A batch touches a handful of distinct counters (event types times
   departments), so a linear search beats hashing here. */
void mx_tally_add(mx_tally_t *self, const mx_bump_t *b) { mx_tally_add_n(self, b, 1); }

void mx_tally_add_n(mx_tally_t *self, const mx_bump_t *b, long n) {
    for (size_t i = 0; i < self->n; i++)
        if (strcmp(self->bumps[i].name, b->name) == 0 &&
            strcmp(self->bumps[i].labels, b->labels) == 0) {
            self->counts[i] += n;
            return;
        }
    size_t cap = self->cap; /* both arrays grow alike */
    self->bumps = hd_grow(self->bumps, &cap, self->n + 1, sizeof *self->bumps);
    self->counts = hd_grow(self->counts, &self->cap, self->n + 1, sizeof *self->counts);
    self->bumps[self->n] = *b;
    self->counts[self->n++] = n;
}

int mx_tally_write(const mx_tally_t *self, hd_db_t *db) {
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
    return hd_db_cmd_arrays(db,
                            "INSERT INTO metrics_counter (name, labels, value) "
                            "SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) "
                            "  AS x(name, labels, value) ORDER BY name, labels "
                            "ON CONFLICT (name, labels) DO UPDATE "
                            "SET value = metrics_counter.value + EXCLUDED.value",
                            col, 3);
}

void mx_tally_free(mx_tally_t *self) {
    free(self->bumps);
    free(self->counts);
    memset(self, 0, sizeof *self);
}
