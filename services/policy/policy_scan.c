/*  policy_scan: one evaluation: fold, scan once, keep the matches that
    count, hand over to the fact rules (policy_rules.c), order the findings
    and decide the verdict. The result object is reused between texts, so a
    steady stream of evaluations allocates nothing. */
#include "policy_engine_int.h"

#include "hd_mem.h"
#include "policy_detect.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RAW 8192

/* hd_grow for the result's arrays; always 0 (out of memory aborts). */
static int grow(void **p, size_t *cap, size_t need, size_t elem) {
    *p = hd_grow(*p, cap, need, elem);
    return 0;
}

pol_result_t *pol_result_new(void) { return hd_calloc(1, sizeof(pol_result_t)); }

void pol_result_destroy(pol_result_t **self_p) {
    if (!self_p || !*self_p)
        return;
    pol_result_t *r = *self_p;
    free(r->f), free(r->seq), free(r->moff), free(r->roff), free(r->pool);
    pol_fold_free(&r->fold);
    free(r->raw), free(r->hits), free(r->urls);
    free(r->active), free(r->cond), free(r->req), free(r->cond_s), free(r->cond_e);
    free(r);
    *self_p = NULL;
}

pol_verdict_t pol_result_verdict(const pol_result_t *r) { return r->verdict; }
size_t pol_result_count(const pol_result_t *r) { return r->n; }
const pol_finding_t *pol_result_finding(const pol_result_t *r, size_t i) {
    return i < r->n ? &r->f[i] : NULL;
}
size_t pol_result_nroles(const pol_result_t *r) { return r->nroles; }
const char *pol_result_role(const pol_result_t *r, size_t i) {
    return i < r->nroles ? r->roles[i] : NULL;
}

const char *pol_verdict_name(pol_verdict_t v) {
    return v == POL_VERDICT_BLOCK ? "block" : v == POL_VERDICT_REVIEW ? "review" : "pass";
}

/* vsnprintf into the pool (cut at 511 bytes); its offset in *off. */
static int pool_vprintf(pol_result_t *res, uint32_t *off, const char *fmt, va_list ap) {
    char buf[512];
    int w = vsnprintf(buf, sizeof buf, fmt, ap);
    size_t l = w < 0 ? 0 : (size_t)w < sizeof buf ? (size_t)w : sizeof buf - 1;
    if (grow((void **)&res->pool, &res->pool_cap, res->pool_len + l + 1, 1) < 0)
        return -1;
    memcpy(res->pool + res->pool_len, buf, l);
    res->pool[res->pool_len + l] = 0;
    *off = (uint32_t)res->pool_len;
    res->pool_len += l + 1;
    return 0;
}

int pol_presult_add(pol_result_t *res, const pol_prule_t *r, uint32_t ri, uint32_t s, uint32_t e,
                    const char *fmt, ...) {
    size_t c1 = res->cap, c2 = res->cap, c3 = res->cap, c4 = res->cap;
    if (grow((void **)&res->f, &c1, res->n + 1, sizeof *res->f) < 0 ||
        grow((void **)&res->seq, &c2, res->n + 1, sizeof *res->seq) < 0 ||
        grow((void **)&res->moff, &c3, res->n + 1, sizeof *res->moff) < 0 ||
        grow((void **)&res->roff, &c4, res->n + 1, sizeof *res->roff) < 0)
        return -1;
    res->cap = c1 < c2 ? c1 : c2;
    res->cap = res->cap < c3 ? res->cap : c3;
    res->cap = res->cap < c4 ? res->cap : c4;
    pol_finding_t *f = &res->f[res->n];
    *f = (pol_finding_t){.rule_id = r->id,
                         .kind = pol_pkind_name(r->kind),
                         .severity = r->severity,
                         .action = pol_paction_name(r->action),
                         .role = r->role,
                         .message = r->message,
                         .start = s,
                         .end = e,
                         .rule_index = ri};
    res->moff[res->n] = res->roff[res->n] = UINT32_MAX;
    res->seq[res->n] = (uint32_t)res->n;
    if (!r->message[0] && fmt) {
        va_list ap;
        va_start(ap, fmt);
        int rc = pool_vprintf(res, &res->moff[res->n], fmt, ap);
        va_end(ap);
        if (rc < 0)
            return -1;
    }
    res->n++;
    return 0;
}

int pol_presult_rule_id(pol_result_t *res, const char *fmt, ...) {
    if (res->n == 0)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int rc = pool_vprintf(res, &res->roff[res->n - 1], fmt, ap);
    va_end(ap);
    return rc;
}

/* Adds a finding reporting a literal or pattern match. */
static int add_match(pol_result_t *res, const pol_t *p, const pol_ppat_t *pat, uint32_t s,
                     uint32_t e, const char *text) {
    const pol_prule_t *r = &p->m->rules[pat->rule];
    int len = (int)(e - s > 80 ? 80 : e - s);
    if (r->action == POL_ACT_BLOCK)
        return pol_presult_add(res, r, pat->rule, s, e, "\"%.*s\" is not allowed%s%s", len,
                               text + s, r->description[0] ? ": " : "", r->description);
    if (r->action == POL_ACT_REVIEW)
        return pol_presult_add(res, r, pat->rule, s, e, "\"%.*s\" needs review by %s%s%s", len,
                               text + s, r->role, r->description[0] ? ": " : "", r->description);
    return pol_presult_add(res, r, pat->rule, s, e, "\"%.*s\": think twice%s%s", len, text + s,
                           r->description[0] ? ": " : "", r->description);
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *arg) {
    (void)flags;
    pol_result_t *res = arg;
    const pol_ppat_t *pat = &res->pol->pats[id];
    if (pat->type != P_PII && pat->type != P_URL && !res->active[pat->rule])
        return 0;
    if (res->nraw == MAX_RAW) {
        res->truncated = 1;
        return 1; /* stop: enough to judge, and bounded work */
    }
    if (grow((void **)&res->raw, &res->rawcap, res->nraw + 1, sizeof *res->raw) < 0) {
        res->truncated = 1;
        return 1;
    }
    uint32_t start = pat->som ? (uint32_t)from : (uint32_t)(to - pat->flen);
    res->raw[res->nraw++] = (pol_praw_t){id, start, (uint32_t)to};
    return 0;
}

static int raw_cmp(const void *a, const void *b) {
    const pol_praw_t *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    return x->to > y->to ? -1 : x->to < y->to;
}

/* Whole-word / prefix boundaries, on the folded text. */
static int boundaries_ok(const pol_fold_t *f, int match, uint32_t s, uint32_t e) {
    if (match == POL_MATCH_SUBSTRING)
        return 1;
    if (pol_detect_word_before(f->text, s) && pol_detect_word_at(f->text, f->len, s))
        return 0;
    if (match == POL_MATCH_PREFIX)
        return 1;
    return !(pol_detect_word_at(f->text, f->len, e) && e > 0 && pol_detect_word_before(f->text, e));
}

/* exact: the original bytes must be the term as written. */
static int exact_ok(const char *text, uint32_t s, uint32_t e, const char *term) {
    size_t n = strlen(term);
    return e - s == n && memcmp(text + s, term, n) == 0;
}

static void process_terms(pol_result_t *res, const pol_t *p, const char *text, size_t i0,
                          size_t i1) {
    const pol_fold_t *f = &res->fold;
    uint32_t last_from = UINT32_MAX, last_to = UINT32_MAX;
    for (size_t i = i0; i < i1; i++) {
        const pol_praw_t *m = &res->raw[i];
        const pol_ppat_t *pat = &p->pats[m->id];
        if (m->from == last_from && m->to == last_to)
            continue;
        last_from = m->from, last_to = m->to;
        if (!boundaries_ok(f, pat->match, m->from, m->to))
            continue;
        uint32_t s, e;
        pol_fold_span(f, m->from, m->to, &s, &e);
        if (pat->exact && !exact_ok(text, s, e, pat->text))
            continue;
        if (pat->type == P_TERM) {
            add_match(res, p, pat, s, e, text);
        } else if (pat->type == P_REQUIRE) {
            res->req[pat->rule] = 1;
        } else if (!res->cond[pat->rule]) { /* partner or campaign: first mention */
            res->cond[pat->rule] = 1;
            res->cond_s[pat->rule] = s;
            res->cond_e[pat->rule] = e;
        }
    }
}

/* Patterns report leftmost-longest, non-overlapping spans. */
static void process_regex(pol_result_t *res, const pol_t *p, const char *text, size_t i0,
                          size_t i1) {
    uint32_t end = 0;
    for (size_t i = i0; i < i1; i++) {
        const pol_praw_t *m = &res->raw[i];
        if (m->from < end || (i > i0 && m->from == res->raw[i - 1].from))
            continue;
        end = m->to;
        uint32_t s, e;
        pol_fold_span(&res->fold, m->from, m->to, &s, &e);
        add_match(res, p, &p->pats[m->id], s, e, text);
    }
}

static int is_alnum_at(const char *t, size_t n, size_t i) {
    return i < n && isalnum((unsigned char)t[i]);
}

static int pii_valid(int d, const char *t, size_t n, uint32_t s, uint32_t e) {
    if (d == POL_PII_EMAIL) {
        if (s > 0 && (t[s - 1] == '@' || t[s - 1] == '.'))
            return 0; /* @user@host is a fediverse handle, not an address */
        return !is_alnum_at(t, n, e) && !(e < n && t[e] == '-') &&
               !(e + 1 < n && t[e] == '.' && isalnum((unsigned char)t[e + 1]));
    }
    /* A number that goes on past a separator is a longer number. */
    if (s > 0 && (isalnum((unsigned char)t[s - 1]) || t[s - 1] == '+' ||
                  (strchr(" -.", t[s - 1]) && s > 1 && isdigit((unsigned char)t[s - 2]))))
        return 0;
    if (is_alnum_at(t, n, e) ||
        (e + 1 < n && strchr(" -.", t[e]) && isdigit((unsigned char)t[e + 1])))
        return 0;
    switch (d) {
    case POL_PII_PHONE:
        return pol_detect_phone(t + s, e - s);
    case POL_PII_CARD:
        return pol_detect_card(t + s, e - s);
    case POL_PII_IBAN:
        return pol_detect_iban(t + s, e - s);
    default:
        return pol_detect_ssn(t + s, e - s);
    }
}

static int add_hit(pol_result_t *res, int d, uint32_t fs, uint32_t fe) {
    if (grow((void **)&res->hits, &res->hitcap, res->nhits + 1, sizeof *res->hits) < 0)
        return -1;
    pol_phit_t *h = &res->hits[res->nhits++];
    h->fstart = fs, h->fend = fe, h->sub = d;
    pol_fold_span(&res->fold, fs, fe, &h->start, &h->end);
    return 0;
}

/* PII: per leftmost start, the longest valid span; when none, starts after
   a separator inside it (Vectorscan gives only the leftmost start of each
   end, and "Ref 2024 - 415 555 2671" starts too early). */
static void process_pii(pol_result_t *res, const pol_t *p, size_t i0, size_t i1) {
    const char *t = res->fold.text;
    size_t n = res->fold.len;
    int d = p->pats[res->raw[i0].id].sub;
    uint32_t last_end = 0;
    for (size_t g = i0; g < i1;) {
        size_t h = g;
        while (h < i1 && res->raw[h].from == res->raw[g].from)
            h++;
        uint32_t s0 = res->raw[g].from, maxe = res->raw[g].to;
        int found = 0, tries = 0;
        for (uint32_t ps = s0; ps < maxe && !found && tries < 12; ps++) {
            if (ps != s0 && !strchr(" -.()", t[ps - 1]))
                continue;
            if (ps < last_end || strchr(" -.()", t[ps]))
                continue;
            tries++;
            for (size_t k = g; k < h && !found; k++)
                if (res->raw[k].to > ps + 3 && pii_valid(d, t, n, ps, res->raw[k].to)) {
                    add_hit(res, d, ps, res->raw[k].to);
                    last_end = res->raw[k].to;
                    found = 1;
                }
        }
        g = h;
    }
}

/* Trailing punctuation is the sentence's, not the link's; a ')' stays when
   the link opened one (Wikipedia-style paths). */
static uint32_t trim_url(const char *t, uint32_t s, uint32_t e) {
    while (e > s) {
        char c = t[e - 1];
        if (strchr(".,;:!?'\"*", c)) {
            e--;
            continue;
        }
        char open = c == ')' ? '(' : c == ']' ? '[' : c == '}' ? '{' : 0;
        if (!open)
            break;
        int depth = 0;
        for (uint32_t i = s; i < e; i++)
            depth += t[i] == open ? 1 : t[i] == c ? -1 : 0;
        if (depth >= 0)
            break;
        e--;
    }
    return e;
}

static void process_urls(pol_result_t *res, const pol_t *p, size_t i0, size_t i1) {
    const char *t = res->fold.text;
    int sub = p->pats[res->raw[i0].id].sub;
    for (size_t g = i0; g < i1;) {
        size_t h = g;
        while (h < i1 && res->raw[h].from == res->raw[g].from)
            h++;
        uint32_t s = res->raw[g].from;
        char before = s > 0 ? t[s - 1] : ' ';
        int ok = !(sub > 0 && (isalnum((unsigned char)before) || strchr(".@/_-:", before) ||
                               pol_detect_word_before(t, s)));
        for (size_t k = g; k < h && ok; k++) {
            uint32_t e = res->raw[k].to;
            /* the expression ends on the character after the link */
            if (e > s && (strchr(" \t\n\r\f\v<>\"'`", t[e - 1]) ||
                          (sub == 2 && e < res->fold.len && strchr(".,;:!?)]", t[e - 1]))))
                e--;
            e = trim_url(t, s, e);
            if (e <= s + (sub == 0 ? 8u : 4u))
                break;
            if (grow((void **)&res->urls, &res->urlcap, res->nurls + 1, sizeof *res->urls) < 0)
                return;
            pol_pspan_t *u = &res->urls[res->nurls++];
            u->start = s, u->end = e, u->scheme = sub == 0;
            break;
        }
        g = h;
    }
}

static int span_cmp(const void *a, const void *b) {
    const pol_pspan_t *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->end > y->end ? -1 : x->end < y->end;
}

/* Links from the three expressions overlap ("https://www.example.com"):
   keep the first and longest of each, then map spans to the original. */
static void finish_urls(pol_result_t *res) {
    if (res->nurls)
        qsort(res->urls, res->nurls, sizeof *res->urls, span_cmp);
    size_t k = 0;
    uint32_t end = 0;
    for (size_t i = 0; i < res->nurls; i++) {
        if (k && res->urls[i].start < end)
            continue;
        end = res->urls[i].end;
        res->urls[k++] = res->urls[i];
    }
    res->nurls = k;
    for (size_t i = 0; i < k; i++) {
        uint32_t s, e;
        pol_fold_span(&res->fold, res->urls[i].start, res->urls[i].end, &s, &e);
        res->urls[i].start = s, res->urls[i].end = e;
    }
}

/* A phone number inside a link or a card is not a phone number; an
   address inside a link's user part is the link's. */
static void finish_pii(pol_result_t *res) {
    size_t k = 0;
    for (size_t i = 0; i < res->nhits; i++) {
        pol_phit_t *h = &res->hits[i];
        int drop = 0;
        for (size_t u = 0; u < res->nurls && !drop; u++)
            drop = (h->sub == POL_PII_PHONE || h->sub == POL_PII_EMAIL) &&
                   h->start >= res->urls[u].start && h->end <= res->urls[u].end;
        for (size_t j = 0; j < res->nhits && !drop && h->sub == POL_PII_PHONE; j++)
            drop = j != i && res->hits[j].sub != POL_PII_PHONE &&
                   res->hits[j].sub != POL_PII_EMAIL && h->start < res->hits[j].end &&
                   res->hits[j].start < h->end;
        if (!drop)
            res->hits[k++] = *h;
    }
    res->nhits = k;
}

static int prepare(pol_result_t *res, const pol_t *p, const pol_ctx_t *ctx) {
    res->n = res->pool_len = res->nroles = res->nraw = res->nhits = res->nurls = 0;
    res->truncated = 0;
    res->verdict = POL_VERDICT_PASS;
    res->pol = p;
    size_t nr = p->m->nrules ? p->m->nrules : 1;
    if (nr > res->rulecap) {
        free(res->active), free(res->cond), free(res->req), free(res->cond_s), free(res->cond_e);
        res->active = hd_calloc(nr, 1);
        res->cond = hd_calloc(nr, 1);
        res->req = hd_calloc(nr, 1);
        res->cond_s = hd_calloc(nr, sizeof *res->cond_s);
        res->cond_e = hd_calloc(nr, sizeof *res->cond_e);
        res->rulecap = nr;
    }
    for (size_t i = 0; i < p->m->nrules; i++) {
        res->active[i] = (uint8_t)pol_pscope_match(&p->m->rules[i].scope, ctx->channel,
                                                   ctx->department, ctx->kind);
        res->cond[i] = res->req[i] = 0;
    }
    return 0;
}

static int finding_cmp(const void *a, const void *b) {
    const pol_finding_t *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    if (x->rule_index != y->rule_index)
        return x->rule_index < y->rule_index ? -1 : 1;
    return strcmp(x->message, y->message);
}

static int role_cmp(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void finish(pol_result_t *res) {
    for (size_t i = 0; i < res->n; i++) {
        if (res->moff[i] != UINT32_MAX)
            res->f[i].message = res->pool + res->moff[i];
        if (res->roff[i] != UINT32_MAX)
            res->f[i].rule_id = res->pool + res->roff[i];
    }
    if (res->n)
        qsort(res->f, res->n, sizeof *res->f, finding_cmp);
    for (size_t i = 0; i < res->n; i++) {
        const pol_finding_t *f = &res->f[i];
        if (!strcmp(f->action, "block"))
            res->verdict = POL_VERDICT_BLOCK;
        else if (!strcmp(f->action, "review") && res->verdict != POL_VERDICT_BLOCK)
            res->verdict = POL_VERDICT_REVIEW;
        if (strcmp(f->action, "review") != 0 || !f->role[0])
            continue;
        size_t k = 0;
        while (k < res->nroles && strcmp(res->roles[k], f->role) != 0)
            k++;
        if (k == res->nroles && res->nroles < sizeof res->roles / sizeof res->roles[0])
            res->roles[res->nroles++] = f->role;
    }
    if (res->nroles)
        qsort(res->roles, res->nroles, sizeof res->roles[0], role_cmp);
}

static pol_prule_t s_size_rule = {.id = (char *)"huddle.text-size",
                                  .description = (char *)"",
                                  .message = (char *)"",
                                  .severity = (char *)"high",
                                  .role = (char *)"",
                                  .action = POL_ACT_BLOCK,
                                  .kind = POL_PK_LIMITS};

static pol_prule_t s_match_rule = {.id = (char *)"huddle.match-limit",
                                   .description = (char *)"",
                                   .message = (char *)"",
                                   .severity = (char *)"high",
                                   .role = (char *)"",
                                   .action = POL_ACT_BLOCK,
                                   .kind = POL_PK_PATTERN};

int pol_eval(pol_t *p, const char *text, size_t len, const pol_ctx_t *ctx, pol_result_t *res) {
    static const pol_ctx_t none = {0};
    if (!ctx)
        ctx = &none;
    if (prepare(res, p, ctx) < 0)
        return -1;
    if (!text)
        text = "", len = 0;
    if (len > POL_MAX_TEXT) {
        pol_presult_add(res, &s_size_rule, UINT32_MAX, 0, 0,
                        "the text is %zu bytes; at most %u can be evaluated", len, POL_MAX_TEXT);
        finish(res);
        return 0;
    }
    if (pol_fold_run(&res->fold, text, len) < 0)
        return -1;
    if (p->db && res->fold.len > 0) {
        hs_error_t rc =
            hs_scan(p->db, res->fold.text, (unsigned)res->fold.len, 0, p->scratch, on_match, res);
        if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED)
            return -1;
    }
    if (res->nraw)
        qsort(res->raw, res->nraw, sizeof *res->raw, raw_cmp);
    for (size_t g = 0; g < res->nraw;) {
        size_t h = g;
        while (h < res->nraw && res->raw[h].id == res->raw[g].id)
            h++;
        switch (p->pats[res->raw[g].id].type) {
        case P_REGEX:
            process_regex(res, p, text, g, h);
            break;
        case P_PII:
            process_pii(res, p, g, h);
            break;
        case P_URL:
            process_urls(res, p, g, h);
            break;
        default:
            process_terms(res, p, text, g, h);
            break;
        }
        g = h;
    }
    finish_urls(res);
    finish_pii(res);
    if (pol_prules_eval(p, text, len, ctx, res) < 0 || pol_prules_crisis_approvals(ctx, res) < 0)
        return -1;
    if (res->truncated)
        pol_presult_add(res, &s_match_rule, UINT32_MAX, 0, 0,
                        "the text has more than %d matches; shorten it", MAX_RAW);
    finish(res);
    return 0;
}
