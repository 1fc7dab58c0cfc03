/*  hd_prom: Prometheus text exposition (see hd_prom.h). */
#include "hd_prom.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hd_prom_escape(const char *v, char *out, size_t n) {
    size_t len = v ? strlen(v) : 0, o = 0;
    if (len > HD_PROM_LABEL_VALUE_MAX) {
        len = HD_PROM_LABEL_VALUE_MAX;
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

int hd_prom_labels(char *out, size_t n, const char *const *names, const char *const *values,
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
        if (hd_prom_escape(values[i] ? values[i] : "", out + o, n - o) < 0)
            return -1;
        o += strlen(out + o);
        if (o + 1 >= n)
            return -1;
        out[o++] = '"';
        out[o] = 0;
    }
    return 0;
}

size_t hd_prom_bucket(const double *bounds, size_t n, double v) {
    for (size_t i = 0; i < n; i++)
        if (v <= bounds[i])
            return i;
    return n ? n - 1 : 0;
}

void hd_prom_value(char *out, size_t n, double v) {
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

void hd_prom_family(FILE *out, const char *name, const char *type, const char *help) {
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void hd_prom_sample(FILE *out, const char *name, const char *suffix, const char *labels,
                    double value) {
    char v[64];
    hd_prom_value(v, sizeof v, value);
    if (labels && *labels)
        fprintf(out, "%s%s{%s} %s\n", name, suffix ? suffix : "", labels, v);
    else
        fprintf(out, "%s%s %s\n", name, suffix ? suffix : "", v);
}

void hd_prom_bucket_line(FILE *out, const char *name, const char *labels, double le, double count) {
    char b[64], c[64];
    hd_prom_value(b, sizeof b, le);
    hd_prom_value(c, sizeof c, count);
    fprintf(out, "%s_bucket{%s%sle=\"%s\"} %s\n", name, labels ? labels : "",
            labels && *labels ? "," : "", b, c);
}

static void one_sample(FILE *out, const char *name, const char *type, const char *help,
                       double value) {
    hd_prom_family(out, name, type, help);
    hd_prom_sample(out, name, NULL, "", value);
}

void hd_prom_counter(FILE *out, const char *name, const char *help, double value) {
    one_sample(out, name, "counter", help, value);
}

void hd_prom_gauge(FILE *out, const char *name, const char *help, double value) {
    one_sample(out, name, "gauge", help, value);
}

/* ---- hd_prom_vec_t ---- */

/* The value as a slot keeps it: cut to HD_PROM_VEC_VALUE_LEN - 1 bytes,
   never inside a UTF-8 sequence. */
static void slot_value(char *dst, const char *v) {
    size_t len = v ? strlen(v) : 0;
    if (len >= HD_PROM_VEC_VALUE_LEN) {
        len = HD_PROM_VEC_VALUE_LEN - 1;
        while (len > 0 && ((unsigned char)v[len] & 0xC0) == 0x80)
            len--;
    }
    if (len)
        memcpy(dst, v, len);
    dst[len] = 0;
}

static int slot_matches(const hd_prom_slot_t *s, char keys[][HD_PROM_VEC_VALUE_LEN]) {
    for (size_t i = 0; i < HD_PROM_VEC_LABELS; i++)
        if (strcmp(s->values[i], keys[i]) != 0)
            return 0;
    return 1;
}

/* The slot holding keys, claimed if new; the last slot ("other") when the
   table is full; NULL only from a lookup (claim = 0) that finds nothing. */
static hd_prom_slot_t *vec_slot(hd_prom_vec_t *v, char keys[][HD_PROM_VEC_VALUE_LEN], int claim) {
    unsigned h = 2166136261u; /* FNV-1a over the values */
    for (size_t i = 0; i < HD_PROM_VEC_LABELS; i++)
        for (const char *c = keys[i];; c++) {
            h = (h ^ (unsigned char)*c) * 16777619u;
            if (!*c)
                break;
        }
    const size_t n = HD_PROM_VEC_SLOTS - 1;
    for (size_t probe = 0; probe < n; probe++) {
        hd_prom_slot_t *s = &v->slots[(h + probe) % n];
        int st = atomic_load_explicit(&s->state, memory_order_acquire);
        if (st == 0) {
            if (!claim)
                break;
            int expect = 0;
            if (atomic_compare_exchange_strong(&s->state, &expect, 1)) {
                memcpy(s->values, keys, sizeof s->values);
                atomic_store_explicit(&s->state, 2, memory_order_release);
                return s;
            }
            st = expect;
        }
        while (st == 1) /* another thread is writing this slot's values */
            st = atomic_load_explicit(&s->state, memory_order_acquire);
        if (slot_matches(s, keys))
            return s;
    }
    hd_prom_slot_t *other = &v->slots[n];
    if (!claim)
        return atomic_load_explicit(&other->state, memory_order_acquire) == 2 &&
                       slot_matches(other, keys)
                   ? other
                   : NULL;
    int expect = 0;
    if (atomic_compare_exchange_strong(&other->state, &expect, 1)) {
        for (size_t i = 0; i < HD_PROM_VEC_LABELS; i++)
            strcpy(other->values[i], "other");
        atomic_store_explicit(&other->state, 2, memory_order_release);
    }
    return other;
}

static void vec_keys(char keys[][HD_PROM_VEC_VALUE_LEN], const char *const *values, size_t n) {
    for (size_t i = 0; i < HD_PROM_VEC_LABELS; i++)
        slot_value(keys[i], i < n ? values[i] : NULL);
}

void hd_prom_vec_add(hd_prom_vec_t *v, const char *const *values, size_t nvalues,
                     unsigned long long n) {
    char keys[HD_PROM_VEC_LABELS][HD_PROM_VEC_VALUE_LEN];
    vec_keys(keys, values, nvalues);
    atomic_fetch_add_explicit(&vec_slot(v, keys, 1)->count, n, memory_order_relaxed);
}

unsigned long long hd_prom_vec_get(hd_prom_vec_t *v, const char *const *values, size_t nvalues) {
    char keys[HD_PROM_VEC_LABELS][HD_PROM_VEC_VALUE_LEN];
    vec_keys(keys, values, nvalues);
    hd_prom_slot_t *s = vec_slot(v, keys, 0);
    return s ? atomic_load(&s->count) : 0;
}

void hd_prom_vec_write(FILE *out, hd_prom_vec_t *v, const char *name, const char *help,
                       const char *const *names, size_t nnames) {
    hd_prom_family(out, name, "counter", help);
    if (nnames > HD_PROM_VEC_LABELS)
        nnames = HD_PROM_VEC_LABELS;
    for (size_t i = 0; i < HD_PROM_VEC_SLOTS; i++) {
        hd_prom_slot_t *s = &v->slots[i];
        if (atomic_load_explicit(&s->state, memory_order_acquire) != 2)
            continue;
        const char *values[HD_PROM_VEC_LABELS];
        for (size_t k = 0; k < nnames; k++)
            values[k] = s->values[k];
        char labels[HD_PROM_LABELS_LEN];
        if (hd_prom_labels(labels, sizeof labels, names, values, nnames) == 0)
            hd_prom_sample(out, name, NULL, labels, (double)atomic_load(&s->count));
    }
}

/* ---- hd_prom_hist_t ---- */

static size_t hist_nbounds(const hd_prom_hist_t *h) {
    size_t n = h->nbounds < HD_PROM_HIST_BUCKETS ? h->nbounds : HD_PROM_HIST_BUCKETS - 1;
    if (n && isinf(h->bounds[n - 1]))
        n--; /* +Inf is always the last bucket */
    return n;
}

void hd_prom_hist_observe(hd_prom_hist_t *h, double v) {
    size_t n = hist_nbounds(h), b = n;
    for (size_t i = 0; i < n; i++)
        if (v <= h->bounds[i]) {
            b = i;
            break;
        }
    atomic_fetch_add_explicit(&h->counts[b], 1, memory_order_relaxed);
    double old = atomic_load(&h->sum);
    while (!atomic_compare_exchange_weak(&h->sum, &old, old + v))
        ;
}

void hd_prom_hist_write(FILE *out, hd_prom_hist_t *h, const char *name, const char *help) {
    hd_prom_family(out, name, "histogram", help);
    size_t n = hist_nbounds(h);
    double cum = 0;
    for (size_t i = 0; i <= n; i++) {
        cum += (double)atomic_load_explicit(&h->counts[i], memory_order_relaxed);
        hd_prom_bucket_line(out, name, "", i < n ? h->bounds[i] : INFINITY, cum);
    }
    hd_prom_sample(out, name, "_sum", "", atomic_load(&h->sum));
    hd_prom_sample(out, name, "_count", "", cum);
}
