/*  strbuf: a growable string (see strbuf.h). */
#include "strbuf.h"

#include "hd_mem.h"

#include <stdlib.h>
#include <string.h>

void sb_strbuf_add(sb_strbuf_t *b, const char *p, size_t n) {
    b->s = hd_grow(b->s, &b->cap, b->len + n + 1, 1);
    if (n)
        memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sb_strbuf_puts(sb_strbuf_t *b, const char *s) { sb_strbuf_add(b, s, strlen(s)); }

void sb_strbuf_add_html(sb_strbuf_t *b, const char *p, size_t n) {
    size_t run = 0; /* bytes since the last escaped one, copied together */
    for (size_t i = 0; i < n; i++) {
        const char *e = p[i] == '&'    ? "&amp;"
                        : p[i] == '<'  ? "&lt;"
                        : p[i] == '>'  ? "&gt;"
                        : p[i] == '"'  ? "&quot;"
                        : p[i] == '\'' ? "&#39;"
                                       : NULL;
        if (!e) {
            run++;
            continue;
        }
        sb_strbuf_add(b, p + i - run, run);
        sb_strbuf_puts(b, e);
        run = 0;
    }
    sb_strbuf_add(b, p + n - run, run);
}

void sb_strbuf_add_query(sb_strbuf_t *b, const char *p, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        char out[3] = {(char)c, 0, 0};
        size_t len = 1;
        if (c == ' ') {
            out[0] = '+';
        } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     (c && strchr("_.-~", c)))) {
            out[0] = '%';
            out[1] = hex[c >> 4];
            out[2] = hex[c & 15];
            len = 3;
        }
        sb_strbuf_add(b, out, len);
    }
}

void sb_strbuf_add_segment(sb_strbuf_t *b, const char *p, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            (c && strchr("-._~!$&'()*+,;=:@", c))) {
            sb_strbuf_add(b, &p[i], 1);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            sb_strbuf_add(b, esc, 3);
        }
    }
}

char *sb_strbuf_take(sb_strbuf_t *b) {
    char *s = b->s ? b->s : hd_strdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void sb_strbuf_free(sb_strbuf_t *b) {
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}
