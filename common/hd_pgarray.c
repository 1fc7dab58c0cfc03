/*  hd_pgarray: array literals. The buffer always holds "{e1,e2,...}" minus
    the closing brace, which _str adds (and the next add removes). */
#include "hd_pgarray.h"
#include "hd_mem.h"

#include <stdlib.h>
#include <string.h>

static void reserve(hd_pgarray_t *a, size_t more) {
    if (a->len + more + 2 <= a->cap)
        return;
    a->data = hd_grow(a->data, &a->cap, a->len + more + 2, 1);
}

/* Opens the next element: the "{" or the "," before it. */
static void open_element(hd_pgarray_t *a) {
    reserve(a, 1);
    if (a->len == 0)
        a->data[a->len++] = '{';
    else if (a->data[a->len - 1] == '}')
        a->len--; /* reopen after _str */
    if (a->n > 0)
        a->data[a->len++] = ',';
    a->n++;
}

void hd_pgarray_add(hd_pgarray_t *a, const char *s) {
    open_element(a);
    if (!s) {
        reserve(a, 4);
        memcpy(a->data + a->len, "NULL", 4);
        a->len += 4;
        return;
    }
    size_t n = strlen(s);
    reserve(a, 2 * n + 2);
    a->data[a->len++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\')
            a->data[a->len++] = '\\';
        a->data[a->len++] = s[i];
    }
    a->data[a->len++] = '"';
}

void hd_pgarray_add_bytea(hd_pgarray_t *a, const uint8_t *p, size_t len) {
    static const char hex[] = "0123456789abcdef";
    open_element(a);
    reserve(a, 2 * len + 5);
    /* "\\x..." inside the literal is the bytea text \x... */
    memcpy(a->data + a->len, "\"\\\\x", 4);
    a->len += 4;
    for (size_t i = 0; i < len; i++) {
        a->data[a->len++] = hex[p[i] >> 4];
        a->data[a->len++] = hex[p[i] & 15];
    }
    a->data[a->len++] = '"';
}

const char *hd_pgarray_str(hd_pgarray_t *a) {
    if (a->len == 0) {
        reserve(a, 2);
        a->data[a->len++] = '{';
    }
    if (a->data[a->len - 1] != '}')
        a->data[a->len++] = '}';
    a->data[a->len] = '\0';
    return a->data;
}

void hd_pgarray_free(hd_pgarray_t *a) {
    free(a->data);
    memset(a, 0, sizeof *a);
}
