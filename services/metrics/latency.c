/*  latency: request -> decision times, the stops applied per batch (see
    latency.h). */
#include "latency.h"

#include "hd_mem.h"
#include "hd_pgarray.h"
#include "histogram.h"
#include "prom.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LATENCY_NAME "huddle_approval_latency_seconds"

/* PostgreSQL writes a uuid in lower case; gathered ids are kept that way so
   the ids a DELETE returns compare equal to them. id must be valid. */
static void lower(char out[HD_ID_LEN], const char *id) {
    for (size_t i = 0; i < HD_ID_LEN - 1; i++)
        out[i] = (char)tolower((unsigned char)id[i]);
    out[HD_ID_LEN - 1] = 0;
}

/* Index of id among the stops, or n. A batch holds a few hundred at most;
   searching them all costs less than one statement on the server. */
static size_t find(const mx_latency_t *stops, const char *id) {
    for (size_t i = 0; i < stops->n; i++)
        if (strcmp(stops->ids[i], id) == 0)
            return i;
    return stops->n;
}

static void observe(mx_histogram_t *h, const char *department, int64_t ms) {
    const char *name = "department";
    char labels[MX_LABELS_LEN];
    if (mx_prom_labels(labels, sizeof labels, &name, &department, 1) < 0)
        return; /* cannot happen with capped values; never count garbage */
    /* A clock skewed between services must not make time run backwards. */
    mx_histogram_observe(h, LATENCY_NAME, labels, ms < 0 ? 0 : (double)ms / 1000.0);
}

/* Deletes the pending rows of every stop in one statement and observes the
   latency of each row found, up to its own stop's time. Ids repeated in
   stops would be deleted once and observed once. 0 or -1. */
static int apply(const mx_latency_t *stops, hd_db_t *db) {
    hd_pgarray_t ids = {0};
    for (size_t i = 0; i < stops->n; i++)
        hd_pgarray_add(&ids, stops->ids[i]);
    PGresult *r =
        hd_db_exec_arrays(db,
                          "DELETE FROM metrics_pending WHERE content_id = ANY($1::uuid[]) "
                          "RETURNING content_id, department, requested_at_ms",
                          &ids, 1);
    if (!r)
        return -1;
    mx_histogram_t h = {0};
    for (int row = 0; row < PQntuples(r); row++) {
        size_t i = find(stops, PQgetvalue(r, row, 0));
        if (i == stops->n)
            continue; /* cannot happen: only these ids were asked for */
        int64_t requested = strtoll(PQgetvalue(r, row, 2), NULL, 10);
        observe(&h, PQgetvalue(r, row, 1), stops->at_ms[i] - requested);
    }
    PQclear(r);
    int rc = mx_histogram_flush(&h, db);
    mx_histogram_free(&h);
    return rc;
}

int mx_latency_start(mx_latency_t *self, hd_db_t *db, const char *content_id,
                     const char *department, int64_t at_ms) {
    if (!hd_id_valid(content_id))
        return 0;
    char id[HD_ID_LEN], at[32];
    lower(id, content_id);
    /* Applied after this insert, that stop would delete the new request. */
    if (self && find(self, id) < self->n && mx_latency_flush(self, db) < 0)
        return -1;
    snprintf(at, sizeof at, "%" PRId64, at_ms);
    const char *p[3] = {id, department, at};
    return hd_db_cmd(db,
                     "INSERT INTO metrics_pending (content_id, department, requested_at_ms) "
                     "VALUES ($1, $2, $3) ON CONFLICT (content_id) DO UPDATE "
                     "SET department = EXCLUDED.department, "
                     "    requested_at_ms = EXCLUDED.requested_at_ms",
                     3, p);
}

/* Appends a stop, growing the arrays. Aborts on out-of-memory. */
static void push(mx_latency_t *self, const char *id, int64_t at_ms) {
    size_t cap = self->cap; /* both arrays grow alike */
    self->ids = hd_grow(self->ids, &cap, self->n + 1, sizeof *self->ids);
    self->at_ms = hd_grow(self->at_ms, &self->cap, self->n + 1, sizeof *self->at_ms);
    memcpy(self->ids[self->n], id, HD_ID_LEN);
    self->at_ms[self->n++] = at_ms;
}

int mx_latency_stop(mx_latency_t *self, hd_db_t *db, const char *content_id, int64_t at_ms) {
    if (!hd_id_valid(content_id))
        return 0;
    char id[1][HD_ID_LEN];
    lower(id[0], content_id);
    if (!self) {
        int64_t at[1] = {at_ms};
        mx_latency_t one = {.ids = id, .at_ms = at, .n = 1, .cap = 1};
        return apply(&one, db);
    }
    /* The first stop takes the pending row; one-by-one, this one would find
       none (a start in between would have applied the first already). */
    if (find(self, id[0]) == self->n)
        push(self, id[0], at_ms);
    return 0;
}

void mx_latency_begin(mx_latency_t *self) { self->n = 0; }

int mx_latency_flush(mx_latency_t *self, hd_db_t *db) {
    if (self->n == 0)
        return 0;
    if (apply(self, db) < 0)
        return -1;
    self->n = 0;
    return 0;
}

void mx_latency_free(mx_latency_t *self) {
    free(self->ids);
    free(self->at_ms);
    memset(self, 0, sizeof *self);
}
