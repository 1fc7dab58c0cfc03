/*  paging: Rails' query, Mastodon's pages and Link headers (see
    paging.h). */
#include "paging.h"

#include "hd_mem.h"
#include "hd_utf8.h"
#include "strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- the query ---- */

static int hexv(int c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* n bytes of p decoded; NULL when they hold a NUL or are not UTF-8. */
static char *decode(const char *p, size_t n) {
    char *out = hd_malloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)p[i];
        if (c == '+')
            c = ' ';
        else if (c == '%' && i + 2 < n && hexv(p[i + 1]) >= 0 && hexv(p[i + 2]) >= 0) {
            c = hexv(p[i + 1]) * 16 + hexv(p[i + 2]);
            i += 2;
        }
        if (c == 0) {
            free(out);
            return NULL;
        }
        out[o++] = (char)c;
    }
    out[o] = '\0';
    if (!hd_utf8_valid(out, o)) {
        free(out);
        return NULL;
    }
    return out;
}

int sb_query_parse(const char *query, sb_query_t *q) {
    size_t cap = 0;
    *q = (sb_query_t){0};
    for (const char *p = query ? query : ""; *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (len > 0) {
            char *name = decode(p, eq ? (size_t)(eq - p) : len);
            char *value = eq ? decode(eq + 1, len - (size_t)(eq - p) - 1) : hd_strdup("");
            if (!name || !value) {
                free(name);
                free(value);
                sb_query_free(q);
                return -1;
            }
            q->v = hd_grow(q->v, &cap, q->n + 1, sizeof *q->v);
            q->v[q->n++] = (sb_param_t){name, value};
        }
        p += len + (amp != NULL);
    }
    return 0;
}

void sb_query_free(sb_query_t *q) {
    for (size_t i = 0; i < q->n; i++) {
        free(q->v[i].name);
        free(q->v[i].value);
    }
    free(q->v);
    *q = (sb_query_t){0};
}

const char *sb_query_get(const sb_query_t *q, const char *name) {
    for (size_t i = q->n; i-- > 0;)
        if (strcmp(q->v[i].name, name) == 0)
            return q->v[i].value;
    return NULL;
}

int sb_query_has(const sb_query_t *q, const char *name, const char *value) {
    for (size_t i = 0; i < q->n; i++)
        if (strcmp(q->v[i].name, name) == 0 && strcmp(q->v[i].value, value) == 0)
            return 1;
    return 0;
}

int sb_query_given(const sb_query_t *q, const char *name) {
    for (size_t i = 0; i < q->n; i++)
        if (strcmp(q->v[i].name, name) == 0)
            return 1;
    return 0;
}

/* ---- a page ---- */

/* An id parameter into *id: -1 when absent or empty, else its value. -1
   when it is not digits (or too large). */
static int id_param(const sb_query_t *q, const char *name, long long *id) {
    const char *v = sb_query_get(q, name);
    *id = -1;
    if (!v || !*v)
        return 0;
    for (const char *c = v; *c; c++)
        if (!isdigit((unsigned char)*c))
            return -1;
    errno = 0;
    *id = strtoll(v, NULL, 10);
    return errno ? -1 : 0;
}

long sb_query_to_i(const char *s) {
    while (isspace((unsigned char)*s))
        s++;
    int neg = *s == '-';
    s += *s == '-' || *s == '+';
    long n = 0;
    for (; isdigit((unsigned char)*s) && n < 1000000000L; s++)
        n = n * 10 + (*s - '0');
    return neg ? -n : n;
}

int sb_page_parse(const sb_query_t *q, long def, sb_page_t *p, const char **bad) {
    static const char *const names[] = {"max_id", "since_id", "min_id"};
    long long *ids[] = {&p->max_id, &p->since_id, &p->min_id};
    for (size_t i = 0; i < 3; i++) {
        if (id_param(q, names[i], ids[i]) < 0) {
            *bad = names[i];
            return -1;
        }
    }
    const char *limit = sb_query_get(q, "limit");
    long n = limit ? labs(sb_query_to_i(limit)) : def;
    p->limit = n < 2 * def ? n : 2 * def;
    return 0;
}

/* The first candidate whose id is above x (n when none). */
static size_t above(size_t n, sb_page_id_fn *id, void *arg, long long x) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (id(arg, mid) <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t sb_page_select(const sb_page_t *p, size_t n, sb_page_id_fn *id, sb_page_keep_fn *keep,
                      void *arg, size_t *out) {
    size_t got = 0;
    size_t top = p->max_id >= 0 ? above(n, id, arg, p->max_id - 1) : n; /* below max_id */
    if (p->min_id >= 0) { /* paginate_by_min_id, then reversed */
        for (size_t i = above(n, id, arg, p->min_id); i < top && got < (size_t)p->limit; i++)
            if (keep(arg, i))
                out[got++] = i;
        for (size_t a = 0, b = got; a + 1 < b; a++, b--) {
            size_t t = out[a];
            out[a] = out[b - 1];
            out[b - 1] = t;
        }
        return got;
    }
    size_t bottom = p->since_id >= 0 ? above(n, id, arg, p->since_id) : 0;
    for (size_t i = top; i-- > bottom && got < (size_t)p->limit;)
        if (keep(arg, i))
            out[got++] = i;
    return got;
}

/* ---- the Link header ---- */

static int by_text(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The request's pairs of name, CGI-escaped and joined by '&'; NULL when
   the request has none. */
static char *pairs_of(const sb_query_t *q, const char *name) {
    sb_strbuf_t b = {0};
    int array = strlen(name) > 2 && strcmp(name + strlen(name) - 2, "[]") == 0;
    const char *scalar = array ? NULL : sb_query_get(q, name);
    for (size_t i = 0; i < q->n; i++) {
        const sb_param_t *v = &q->v[i];
        if (strcmp(v->name, name) != 0 || (!array && v->value != scalar))
            continue;
        if (b.len)
            sb_strbuf_puts(&b, "&");
        sb_strbuf_add_query(&b, name, strlen(name));
        sb_strbuf_puts(&b, "=");
        sb_strbuf_add_query(&b, v->value, strlen(v->value));
    }
    return b.len ? sb_strbuf_take(&b) : NULL;
}

/* URL?<the echoed pairs and core=id, sorted> */
static void page_url(sb_strbuf_t *b, const char *url, const sb_query_t *q, const char *const *echo,
                     const char *core, const char *id) {
    size_t n = 0, cap = 0;
    char **parts = NULL;
    for (size_t i = 0; echo[i]; i++) {
        char *p = pairs_of(q, echo[i]);
        if (!p)
            continue;
        parts = hd_grow(parts, &cap, n + 1, sizeof *parts);
        parts[n++] = p;
    }
    sb_strbuf_t c = {0};
    sb_strbuf_puts(&c, core);
    sb_strbuf_puts(&c, "=");
    sb_strbuf_add_query(&c, id, strlen(id));
    parts = hd_grow(parts, &cap, n + 1, sizeof *parts);
    parts[n++] = sb_strbuf_take(&c);
    qsort(parts, n, sizeof *parts, by_text);
    sb_strbuf_puts(b, url);
    for (size_t i = 0; i < n; i++) {
        sb_strbuf_puts(b, i ? "&" : "?");
        sb_strbuf_puts(b, parts[i]);
        free(parts[i]);
    }
    free(parts);
}

char *sb_page_link(const char *url, const sb_query_t *q, const char *const *echo,
                   const char *oldest, const char *newest) {
    sb_strbuf_t b = {0};
    sb_strbuf_puts(&b, "<");
    page_url(&b, url, q, echo, "max_id", oldest);
    sb_strbuf_puts(&b, ">; rel=\"next\", <");
    page_url(&b, url, q, echo, "min_id", newest);
    sb_strbuf_puts(&b, ">; rel=\"prev\"");
    return sb_strbuf_take(&b);
}
