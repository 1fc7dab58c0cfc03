/*  terms: sets of whole-word terms, compiled into one Vectorscan database. */
#include "terms.h"

#include "hd_mem.h"

#include <hs/hs.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wf_terms {
    hs_database_t *db;  /* NULL when no set has a term to scan for */
    unsigned char *all; /* per set: it holds "*" (matches every text) */
    size_t nsets;
    uint64_t generation; /* which build: tells a thread its scratch may be short */
};

/* Each build gets a number no other build had, so a thread's scratch,
   grown for one build, is not mistaken for grown for a later one that
   reused the same address. */
static _Atomic uint64_t s_generation;

static _Thread_local hs_scratch_t *t_scratch;
static _Thread_local uint64_t t_generation;

/* A word character of routing.h: a boundary must not be one. */
static int is_word(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c >= 0x80;
}

#define NOT_WORD "[^0-9A-Za-z_\\x80-\\xff]"

/* The expression for one term (not "" or "*"): its bytes, each but ASCII
   letters and digits written \xHH (outside UTF-8 mode that names the byte,
   and no character of the term is read as syntax), with a boundary on each
   side that starts or ends with a word character. Caller frees. */
static char *term_expr(const char *term) {
    size_t n = strlen(term);
    char *e = hd_malloc(n * 4 + 2 * sizeof "(?:^|" NOT_WORD ")" + 1), *o = e;
    const unsigned char *t = (const unsigned char *)term;
    if (is_word(t[0]))
        o += sprintf(o, "(?:^|" NOT_WORD ")");
    for (size_t i = 0; i < n; i++) {
        if (is_word(t[i]) && t[i] < 0x80 && t[i] != '_')
            *o++ = (char)t[i];
        else
            o += sprintf(o, "\\x%02x", t[i]);
    }
    if (is_word(t[n - 1]))
        o += sprintf(o, "(?:" NOT_WORD "|$)");
    *o = '\0';
    return e;
}

/* The expressions of every set's scannable terms, with their set's index
   as id. */
typedef struct {
    char **expr;
    unsigned *flags, *ids;
    size_t n, cap;
} exprs_t;

static void exprs_add(exprs_t *x, char *expr, unsigned id) {
    size_t c1 = x->cap, c2 = x->cap;
    x->expr = hd_grow(x->expr, &x->cap, x->n + 1, sizeof *x->expr);
    x->flags = hd_grow(x->flags, &c1, x->n + 1, sizeof *x->flags);
    x->ids = hd_grow(x->ids, &c2, x->n + 1, sizeof *x->ids);
    x->expr[x->n] = expr;
    /* whether a set matches is all that is asked: its first match will do */
    x->flags[x->n] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
    x->ids[x->n++] = id;
}

static void exprs_free(exprs_t *x) {
    for (size_t i = 0; i < x->n; i++)
        free(x->expr[i]);
    free(x->expr);
    free(x->flags);
    free(x->ids);
}

static int compile(wf_terms_t *t, exprs_t *x, char *why, size_t whylen) {
    hs_compile_error_t *ce = NULL;
    if (hs_compile_multi((const char *const *)x->expr, x->flags, x->ids, (unsigned)x->n,
                         HS_MODE_BLOCK, NULL, &t->db, &ce) == HS_SUCCESS)
        return 0;
    if (ce && ce->expression >= 0 && (size_t)ce->expression < x->n)
        snprintf(why, whylen, "term expression %s: %s", x->expr[ce->expression], ce->message);
    else
        snprintf(why, whylen, "terms: %s", ce ? ce->message : "compile failed");
    hs_free_compile_error(ce);
    t->db = NULL;
    return -1;
}

wf_terms_t *wf_terms_new(const wf_terms_set_t *sets, size_t n, char *why, size_t whylen) {
    wf_terms_t *t = hd_calloc(1, sizeof *t);
    t->nsets = n;
    t->all = hd_calloc(n ? n : 1, 1);
    t->generation = atomic_fetch_add(&s_generation, 1) + 1;
    exprs_t x = {0};
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < sets[i].nterms; k++) {
            const char *term = sets[i].terms[k];
            if (!term || !*term)
                continue;
            if (strcmp(term, "*") == 0)
                t->all[i] = 1;
            else
                exprs_add(&x, term_expr(term), (unsigned)i);
        }
    int rc = x.n ? compile(t, &x, why, whylen) : 0;
    exprs_free(&x);
    if (rc < 0)
        wf_terms_destroy(&t);
    return t;
}

void wf_terms_destroy(wf_terms_t **self_p) {
    if (!self_p || !*self_p)
        return;
    hs_free_database((*self_p)->db);
    free((*self_p)->all);
    free(*self_p);
    *self_p = NULL;
}

size_t wf_terms_nsets(const wf_terms_t *self) { return self->nsets; }

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *arg) {
    (void)from, (void)to, (void)flags;
    ((unsigned char *)arg)[id] = 1;
    return 0;
}

int wf_terms_match(const wf_terms_t *self, const char *text, unsigned char *hits) {
    memcpy(hits, self->all, self->nsets);
    size_t len = text ? strlen(text) : 0;
    if (!self->db || len == 0)
        return 0;
    if (t_generation != self->generation) {
        /* grows the thread's scratch for this database too, if need be */
        if (hs_alloc_scratch(self->db, &t_scratch) != HS_SUCCESS)
            return -1;
        t_generation = self->generation;
    }
    return hs_scan(self->db, text, (unsigned)len, 0, t_scratch, on_match, hits) == HS_SUCCESS ? 0
                                                                                              : -1;
}

uint64_t wf_terms_hash(const wf_terms_set_t *sets, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < sets[i].nterms; k++) {
            /* each term with its NUL, each set closed by 0xff: ["a","b"]
               and ["ab"], or a term moved to the next set, differ */
            const char *s = sets[i].terms[k] ? sets[i].terms[k] : "";
            for (size_t j = 0, len = strlen(s); j <= len; j++)
                h = (h ^ (unsigned char)s[j]) * 1099511628211ull;
        }
        h = (h ^ 0xffu) * 1099511628211ull;
    }
    return h;
}

const wf_terms_t *wf_terms_cache_get(wf_terms_cache_t *c, const wf_terms_set_t *sets, size_t n,
                                     char *why, size_t whylen) {
    uint64_t h = wf_terms_hash(sets, n);
    if (c->terms && c->hash == h && c->terms->nsets == n)
        return c->terms;
    wf_terms_destroy(&c->terms);
    c->terms = wf_terms_new(sets, n, why, whylen);
    c->hash = h;
    return c->terms;
}

void wf_terms_cache_free(wf_terms_cache_t *c) {
    wf_terms_destroy(&c->terms);
    c->hash = 0;
}

void wf_terms_thread_done(void) {
    hs_free_scratch(t_scratch);
    t_scratch = NULL;
    t_generation = 0;
}
