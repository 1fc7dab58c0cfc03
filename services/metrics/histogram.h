/*  histogram: observations summed in memory per series (name, labels), then
    added to metrics_histogram / metrics_histogram_sum in two statements
    whatever their number, instead of two per observation. Each family has
    one bucket set (mx_buckets_t, below), given with every observation of
    it; buckets are cumulative: bucket le counts the observations <= le;
    every bucket row of a series is written, zeros too, so a scrape shows
    the whole series. */
#ifndef MX_HISTOGRAM_H
#define MX_HISTOGRAM_H

#include "hd_db.h"
#include "hd_prom.h"

#include <stddef.h>

/* The approval latency buckets, seconds: 1,5,15,60,300,900,3600,14400,
   86400,+Inf (also detection -> declaration of a crisis). */
extern const double mx_latency_buckets[];
extern const size_t mx_latency_nbuckets;

/* A family's bucket bounds: ascending, the last INFINITY. Static. */
typedef struct {
    const double *le;
    size_t n;
} mx_buckets_t;

/* mx_latency_buckets as a set. */
extern const mx_buckets_t mx_latency_set;

/* How long a crisis's hold took to apply, seconds: 0.005, 0.01, 0.025,
   0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, +Inf. */
extern const mx_buckets_t mx_hold_set;

typedef struct {
    const char *name;                /* static */
    char labels[HD_PROM_LABELS_LEN]; /* rendered, escaped */
    const mx_buckets_t *buckets;     /* static: the family's */
    long *le;                        /* per bucket: observations <= its bound */
    double sum;
    long count;
} mx_series_t;

typedef struct {
    mx_series_t *series; /* distinct (name, labels) so far */
    size_t n, cap;
} mx_histogram_t;

/* Adds one observation v to series (name, labels) of a family whose
   buckets are mx_latency_set. name must be static; labels is copied.
   Aborts on out-of-memory. */
void mx_histogram_observe(mx_histogram_t *self, const char *name, const char *labels, double v);

/* The same for a family whose buckets are `buckets` (static; every
   observation of a name must give the same set). */
void mx_histogram_observe_in(mx_histogram_t *self, const char *name, const mx_buckets_t *buckets,
                             const char *labels, double v);

/* Adds what was observed to the tables inside the open transaction, then
   forgets it. 0, or -1 (kept; the caller rolls back). */
int mx_histogram_flush(mx_histogram_t *self, hd_db_t *db);

/* Frees the memory; the histogram may be reused afterwards. */
void mx_histogram_free(mx_histogram_t *self);

#endif
