/*  prom: the Prometheus text exposition format (version 0.0.4), pure.

    Label values are escaped as the format requires (backslash, double
    quote and line feed become \\, \" and \n); a label set is rendered once,
    'type="x",department="y"', and stored that way (metrics_counter.labels).
    Histograms are cumulative: bucket le counts the observations <= le. */
#ifndef MX_PROM_H
#define MX_PROM_H

#include <stddef.h>
#include <stdio.h>

#define MX_LABEL_VALUE_MAX 100 /* bytes of a value kept (cut at a UTF-8 boundary) */
#define MX_LABELS_LEN 512

/* The approval latency buckets, seconds: 1,5,15,60,300,900,3600,14400,
   86400,+Inf. */
extern const double mx_latency_buckets[];
extern const size_t mx_latency_nbuckets;

/* Escapes label value v (cut to MX_LABEL_VALUE_MAX bytes first) into out.
   0, or -1 when out (n bytes) is too small. */
int mx_prom_escape(const char *v, char *out, size_t n);

/* Renders count pairs names[i]="values[i]" separated by commas into out;
   NULL values render as "". 0, or -1 when out is too small. Names are ours
   (valid identifiers); values are escaped. */
int mx_prom_labels(char *out, size_t n, const char *const *names, const char *const *values,
                   size_t count);

/* The index of the first bound >= v in the ascending bounds (the last one
   is +Inf, so every v but NaN has one; NaN gives the last). */
size_t mx_prom_bucket(const double *bounds, size_t n, double v);

/* A sample value as the format writes it: "+Inf", "-Inf", "NaN", integers
   without exponent or decimals, others with full precision. */
void mx_prom_value(char *out, size_t n, double v);

/* "# HELP name help" and "# TYPE name type" lines. */
void mx_prom_family(FILE *out, const char *name, const char *type, const char *help);

/* One sample line: name{labels} value (no braces when labels is empty).
   suffix (e.g. "_sum") may be NULL. */
void mx_prom_sample(FILE *out, const char *name, const char *suffix, const char *labels,
                    double value);

/* One bucket line: name_bucket{labels,le="bound"} count. */
void mx_prom_bucket_line(FILE *out, const char *name, const char *labels, double le, double count);

#endif
