/*  histogram: two upserts per flush, however many observations (see
    histogram.h). */
#include "histogram.h"

#include "hd_mem.h"
#include "hd_pgarray.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const double mx_latency_buckets[] = {1, 5, 15, 60, 300, 900, 3600, 14400, 86400, INFINITY};
const size_t mx_latency_nbuckets = sizeof mx_latency_buckets / sizeof mx_latency_buckets[0];
const mx_buckets_t mx_latency_set = {mx_latency_buckets,
                                     sizeof mx_latency_buckets / sizeof mx_latency_buckets[0]};

/* A hold waits for the calls already on the wire (HUDDLE_PUBLISH_TIMEOUT_MS
   at most) and for the publisher's consumer to reach the declaration:
   milliseconds when all is well, minutes when a service was down. */
static const double s_hold[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,     1,
                                2.5,   5,    10,    30,   60,  300,  INFINITY};
const mx_buckets_t mx_hold_set = {s_hold, sizeof s_hold / sizeof s_hold[0]};

/* The series of (name, labels), added when new. A flush sees a handful of
   departments, so a linear search beats hashing here. */
static mx_series_t *series(mx_histogram_t *self, const char *name, const mx_buckets_t *buckets,
                           const char *labels) {
    for (size_t i = 0; i < self->n; i++)
        if (strcmp(self->series[i].name, name) == 0 && strcmp(self->series[i].labels, labels) == 0)
            return &self->series[i];
    self->series = hd_grow(self->series, &self->cap, self->n + 1, sizeof *self->series);
    mx_series_t *s = &self->series[self->n];
    memset(s, 0, sizeof *s);
    s->name = name;
    snprintf(s->labels, sizeof s->labels, "%s", labels);
    s->buckets = buckets;
    s->le = hd_calloc(buckets->n, sizeof *s->le);
    self->n++;
    return s;
}

void mx_histogram_observe_in(mx_histogram_t *self, const char *name, const mx_buckets_t *buckets,
                             const char *labels, double v) {
    mx_series_t *s = series(self, name, buckets, labels);
    for (size_t i = 0; i < s->buckets->n; i++)
        if (v <= s->buckets->le[i])
            s->le[i]++;
    s->sum += v;
    s->count++;
}

void mx_histogram_observe(mx_histogram_t *self, const char *name, const char *labels, double v) {
    mx_histogram_observe_in(self, name, &mx_latency_set, labels, v);
}

/* A float8 as PostgreSQL reads it back exactly ("Infinity" for +Inf). */
static void float8(char *out, size_t n, double v) {
    if (isinf(v))
        snprintf(out, n, "%sInfinity", v < 0 ? "-" : "");
    else
        snprintf(out, n, "%.17g", v);
}

/* Every bucket row of every series, in one upsert. 0 or -1. */
static int write_buckets(const mx_histogram_t *self, hd_db_t *db) {
    hd_pgarray_t col[4] = {{0}};
    char le[32], count[24];
    for (size_t i = 0; i < self->n; i++)
        for (size_t b = 0; b < self->series[i].buckets->n; b++) {
            float8(le, sizeof le, self->series[i].buckets->le[b]);
            snprintf(count, sizeof count, "%ld", self->series[i].le[b]);
            hd_pgarray_add(&col[0], self->series[i].name);
            hd_pgarray_add(&col[1], self->series[i].labels);
            hd_pgarray_add(&col[2], le);
            hd_pgarray_add(&col[3], count);
        }
    /* Sorted, so two writers of the same rows always lock them in one order. */
    return hd_db_cmd_arrays(db,
                            "INSERT INTO metrics_histogram (name, labels, le, count) "
                            "SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], "
                            "  $4::bigint[]) AS x(name, labels, le, count) "
                            "ORDER BY name, labels, le "
                            "ON CONFLICT (name, labels, le) DO UPDATE "
                            "SET count = metrics_histogram.count + EXCLUDED.count",
                            col, 4);
}

/* The sum and count of every series, in one upsert. 0 or -1. */
static int write_sums(const mx_histogram_t *self, hd_db_t *db) {
    hd_pgarray_t col[4] = {{0}};
    char sum[32], count[24];
    for (size_t i = 0; i < self->n; i++) {
        float8(sum, sizeof sum, self->series[i].sum);
        snprintf(count, sizeof count, "%ld", self->series[i].count);
        hd_pgarray_add(&col[0], self->series[i].name);
        hd_pgarray_add(&col[1], self->series[i].labels);
        hd_pgarray_add(&col[2], sum);
        hd_pgarray_add(&col[3], count);
    }
    return hd_db_cmd_arrays(db,
                            "INSERT INTO metrics_histogram_sum (name, labels, sum, count) "
                            "SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], "
                            "  $4::bigint[]) AS x(name, labels, sum, count) ORDER BY name, labels "
                            "ON CONFLICT (name, labels) DO UPDATE "
                            "SET sum = metrics_histogram_sum.sum + EXCLUDED.sum, "
                            "    count = metrics_histogram_sum.count + EXCLUDED.count",
                            col, 4);
}

/* Forgets every series (their bucket arrays go; the array is kept). */
static void forget(mx_histogram_t *self) {
    for (size_t i = 0; i < self->n; i++)
        free(self->series[i].le);
    self->n = 0;
}

int mx_histogram_flush(mx_histogram_t *self, hd_db_t *db) {
    if (self->n == 0)
        return 0;
    if (write_buckets(self, db) < 0 || write_sums(self, db) < 0)
        return -1;
    forget(self);
    return 0;
}

void mx_histogram_free(mx_histogram_t *self) {
    forget(self);
    free(self->series);
    memset(self, 0, sizeof *self);
}
