/*  prom: Prometheus text format rendering. */
#include "prom.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const double mx_latency_buckets[] = {1, 5, 15, 60, 300, 900, 3600, 14400, 86400, INFINITY};
const size_t mx_latency_nbuckets = sizeof mx_latency_buckets / sizeof mx_latency_buckets[0];

int mx_prom_escape(const char *v, char *out, size_t n) {
    size_t len = v ? strlen(v) : 0, o = 0;
    if (len > MX_LABEL_VALUE_MAX) {
        len = MX_LABEL_VALUE_MAX;
        /* never cut a UTF-8 sequence in two */
        while (len > 0 && ((unsigned char)v[len] & 0xC0) == 0x80)
            len--;
    }
    for (size_t i = 0; i < len; i++) {
        const char *rep = v[i] == '\\'   ? "\\\\"
                          : v[i] == '"'  ? "\\\""
                          : v[i] == '\n' ? "\\n"
                                         : NULL;
        size_t k = rep ? 2 : 1;
        if (o + k >= n)
            return -1;
        if (rep)
            memcpy(out + o, rep, 2);
        else
            out[o] = v[i];
        o += k;
    }
    if (o >= n)
        return -1;
    out[o] = 0;
    return 0;
}

int mx_prom_labels(char *out, size_t n, const char *const *names, const char *const *values,
                   size_t count) {
    size_t o = 0;
    if (n == 0)
        return -1;
    out[0] = 0;
    for (size_t i = 0; i < count; i++) {
        int w = snprintf(out + o, n - o, "%s%s=\"", i ? "," : "", names[i]);
        if (w < 0 || (size_t)w >= n - o)
            return -1;
        o += (size_t)w;
        if (mx_prom_escape(values[i] ? values[i] : "", out + o, n - o) < 0)
            return -1;
        o += strlen(out + o);
        if (o + 1 >= n)
            return -1;
        out[o++] = '"';
        out[o] = 0;
    }
    return 0;
}

size_t mx_prom_bucket(const double *bounds, size_t n, double v) {
    for (size_t i = 0; i < n; i++)
        if (v <= bounds[i])
            return i;
    return n ? n - 1 : 0;
}

void mx_prom_value(char *out, size_t n, double v) {
    if (isnan(v))
        snprintf(out, n, "NaN");
    else if (isinf(v))
        snprintf(out, n, v > 0 ? "+Inf" : "-Inf");
    else if (v == floor(v) && fabs(v) < 1e15)
        snprintf(out, n, "%.0f", v);
    else {
        /* the shortest form that reads back as the same double */
        snprintf(out, n, "%.15g", v);
        if (strtod(out, NULL) != v)
            snprintf(out, n, "%.17g", v);
    }
}

void mx_prom_family(FILE *out, const char *name, const char *type, const char *help) {
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void mx_prom_sample(FILE *out, const char *name, const char *suffix, const char *labels,
                    double value) {
    char v[64];
    mx_prom_value(v, sizeof v, value);
    if (labels && *labels)
        fprintf(out, "%s%s{%s} %s\n", name, suffix ? suffix : "", labels, v);
    else
        fprintf(out, "%s%s %s\n", name, suffix ? suffix : "", v);
}

void mx_prom_bucket_line(FILE *out, const char *name, const char *labels, double le, double count) {
    char b[64], c[64];
    mx_prom_value(b, sizeof b, le);
    mx_prom_value(c, sizeof c, count);
    fprintf(out, "%s_bucket{%s%sle=\"%s\"} %s\n", name, labels ? labels : "",
            labels && *labels ? "," : "", b, c);
}
