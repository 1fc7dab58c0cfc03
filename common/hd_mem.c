/*  hd_mem: allocation that aborts instead of failing (see hd_mem.h). */
#include "hd_mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *hd_calloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        abort();
    return p;
}

void *hd_malloc(size_t size) {
    void *p = malloc(size ? size : 1);
    if (!p)
        abort();
    return p;
}

char *hd_strndup(const char *s, size_t n) {
    char *d = strndup(s ? s : "", n);
    if (!d)
        abort();
    return d;
}

char *hd_strdup(const char *s) {
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

void *hd_grow(void *p, size_t *cap, size_t need, size_t size) {
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap : 64;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            abort();
        n *= 2;
    }
    if (size && n > SIZE_MAX / size)
        abort();
    void *q = realloc(p, n * size);
    if (!q)
        abort();
    *cap = n;
    return q;
}
