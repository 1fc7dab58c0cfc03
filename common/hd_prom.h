/*  hd_prom: the one writer of Prometheus text exposition (format 0.0.4)
    every huddle process uses for GET /metrics (docs/metrics.md), so that
    each of them passes `promtool check metrics`.

    The rule, held here: every family is written with "# HELP" and
    "# TYPE" before its samples (hd_prom_family, and the one-call helpers
    below that cannot forget them); label values are escaped (backslash,
    double quote and line feed become \\, \" and \n) and cut at
    HD_PROM_LABEL_VALUE_MAX bytes on a UTF-8 boundary; histograms are
    cumulative (bucket le counts the observations <= le, +Inf = _count).
    Names are the caller's constants: snake_case, the unit as a suffix
    (_seconds, _bytes), _total on counters.

    Two thread-safe figure holders for a service's own counts, both plain
    structs of atomics that may be static (zero = empty, no set-up, no
    lock): hd_prom_vec_t, a labelled counter of bounded cardinality, and
    hd_prom_hist_t, a histogram with fixed buckets. */
#ifndef HD_PROM_H
#define HD_PROM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>

/* The Content-Type of a /metrics answer. */
#define HD_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#define HD_PROM_LABEL_VALUE_MAX 100 /* bytes of a value kept (cut at a UTF-8 boundary) */
#define HD_PROM_LABELS_LEN 512

/* ---- text ---- */

/* Escapes label value v (cut to HD_PROM_LABEL_VALUE_MAX bytes first) into
   out. 0, or -1 when out (n bytes) is too small. */
int hd_prom_escape(const char *v, char *out, size_t n);

/* Renders count pairs names[i]="values[i]" separated by commas into out;
   NULL values render as "". 0, or -1 when out is too small. Names are ours
   (valid identifiers); values are escaped. */
int hd_prom_labels(char *out, size_t n, const char *const *names, const char *const *values,
                   size_t count);

/* The index of the first bound >= v in the ascending bounds (the last one
   is +Inf, so every v but NaN has one; NaN gives the last). */
size_t hd_prom_bucket(const double *bounds, size_t n, double v);

/* A sample value as the format writes it: "+Inf", "-Inf", "NaN", integers
   without exponent or decimals, others with full precision. */
void hd_prom_value(char *out, size_t n, double v);

/* "# HELP name help" and "# TYPE name type" lines (type: counter, gauge,
   histogram). help is one line of our own text. */
void hd_prom_family(FILE *out, const char *name, const char *type, const char *help);

/* One sample line: name{labels} value (no braces when labels is empty).
   labels is rendered (hd_prom_labels); suffix (e.g. "_sum") may be NULL. */
void hd_prom_sample(FILE *out, const char *name, const char *suffix, const char *labels,
                    double value);

/* One bucket line: name_bucket{labels,le="bound"} count. */
void hd_prom_bucket_line(FILE *out, const char *name, const char *labels, double le, double count);

/* A family of one sample without labels, HELP and TYPE included. */
void hd_prom_counter(FILE *out, const char *name, const char *help, double value);
void hd_prom_gauge(FILE *out, const char *name, const char *help, double value);

/* ---- a labelled counter: hd_prom_vec_t ----
   Up to HD_PROM_VEC_LABELS label values per series, each cut to
   HD_PROM_VEC_VALUE_LEN - 1 bytes; up to HD_PROM_VEC_SLOTS - 1 distinct
   series, then every new one is counted in one series whose values are
   all "other" (cardinality stays bounded whatever callers pass). Adding
   is lock-free; writing may run at the same time as adding. */
#define HD_PROM_VEC_LABELS 3
#define HD_PROM_VEC_VALUE_LEN 48
#define HD_PROM_VEC_SLOTS 256

typedef struct {
    atomic_int state; /* 0 free, 1 being claimed, 2 ready */
    atomic_ullong count;
    char values[HD_PROM_VEC_LABELS][HD_PROM_VEC_VALUE_LEN];
} hd_prom_slot_t;

typedef struct {
    hd_prom_slot_t slots[HD_PROM_VEC_SLOTS];
} hd_prom_vec_t;

/* Adds n to the series of `values` (nvalues <= HD_PROM_VEC_LABELS; NULL
   values count as ""). Any thread. */
void hd_prom_vec_add(hd_prom_vec_t *v, const char *const *values, size_t nvalues,
                     unsigned long long n);

/* The count of the series of `values` (0 if none). Any thread. */
unsigned long long hd_prom_vec_get(hd_prom_vec_t *v, const char *const *values, size_t nvalues);

/* Writes the family: HELP, TYPE counter, one line per series with the
   label names `names` (nnames of them, the same number every add used). */
void hd_prom_vec_write(FILE *out, hd_prom_vec_t *v, const char *name, const char *help,
                       const char *const *names, size_t nnames);

/* ---- a histogram: hd_prom_hist_t ----
   bounds: ascending, static, the last need not be +Inf (it is added).
   Observing is lock-free; a scrape derives _count and every bucket from
   one read of the per-bucket counts, so its buckets are always cumulative
   and consistent with _count (_sum may be one observation ahead). */
#define HD_PROM_HIST_BUCKETS 16

typedef struct {
    const double *bounds;
    size_t nbounds;                             /* <= HD_PROM_HIST_BUCKETS - 1 */
    atomic_ullong counts[HD_PROM_HIST_BUCKETS]; /* per bucket; the last is +Inf */
    _Atomic double sum;
} hd_prom_hist_t;

/* A static initializer: hd_prom_hist_t h = HD_PROM_HIST(bounds). */
#define HD_PROM_HIST(b) \
    { .bounds = (b), .nbounds = sizeof(b) / sizeof((b)[0]) }

/* Adds one observation. Any thread. */
void hd_prom_hist_observe(hd_prom_hist_t *h, double v);

/* Writes the family: HELP, TYPE histogram, _bucket{le} lines, _sum, _count. */
void hd_prom_hist_write(FILE *out, hd_prom_hist_t *h, const char *name, const char *help);

#endif
