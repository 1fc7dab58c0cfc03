/*  policy_engine: compiling a policy into one Vectorscan database and
    scanning a text once. Lexicon terms, patterns, PII detectors, link
    extraction and the phrases of disclosure rules are all expressions of
    the same database; the scan runs on the folded copy of the text
    (policy_fold) and every match is mapped back to the original bytes.
    After the scan, matches are sorted by expression and start, and each
    expression kind keeps what it needs: whole-word checks for terms,
    leftmost-longest non-overlapping spans for patterns, checksum-valid
    spans for PII, trimmed links. */
#include "policy_engine_int.h"

#include "hd_mem.h"
#include "policy_detect.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_tlds =
    "com|org|net|edu|gov|mil|int|io|co|ly|gl|gd|ee|ae|it|to|cc|tt|me|app|dev|info|biz|us|uk|"
    "de|fr|eu|ca|au|ch|nl|es|be|at|se|no|dk|fi|pl|jp|cn|in|br|ru|tv|gg|ai|xyz|social|online|"
    "site|news|shop|store|link|blog|page|ie|nz|mx|za|kr|sg|cz|pt|gr|hu|ro|sk|id|la|im|fm|ws";

/* Detector expressions, in POL_PII_* order. */
static const char *const s_pii_expr[POL_PII_COUNT] = {
    "[a-z0-9._%+-]+@[a-z0-9-]+(?:\\.[a-z0-9-]+)*\\.[a-z]{2,}",
    "\\+?\\(?\\d[\\d ().-]{6,20}\\d",
    "\\d(?:[ -]?\\d){12,18}",
    "[a-z]{2}\\d{2}(?: ?[a-z0-9]){11,30}",
    "\\d{3}[- ]\\d{2}[- ]\\d{4}",
};

/* ---- building expressions ---- */

typedef struct {
    char **expr;
    unsigned *flags, *ids;
    pol_ppat_t *pats;
    size_t n, cap;
} builder_t;

static void bpush(builder_t *b, char *expr, unsigned flags, pol_ppat_t pat) {
    if (b->n == b->cap) {
        size_t c1 = b->cap, c2 = b->cap, c3 = b->cap; /* all four grow alike */
        b->expr = hd_grow(b->expr, &c1, b->n + 1, sizeof *b->expr);
        b->flags = hd_grow(b->flags, &c2, b->n + 1, sizeof *b->flags);
        b->ids = hd_grow(b->ids, &c3, b->n + 1, sizeof *b->ids);
        b->pats = hd_grow(b->pats, &b->cap, b->n + 1, sizeof *b->pats);
    }
    b->expr[b->n] = expr;
    b->flags[b->n] = flags;
    b->ids[b->n] = (unsigned)b->n;
    b->pats[b->n] = pat;
    b->n++;
}

/* A literal as an expression: ASCII punctuation escaped, other bytes kept
   (in UTF-8 mode \xHH would mean a code point, not a byte). */
static char *literal_expr(const char *folded) {
    size_t n = strlen(folded);
    char *e = hd_calloc(n * 4 + 1, 1), *o = e;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)folded[i];
        if (isalnum(c) || c >= 0x80)
            *o++ = (char)c;
        else
            o += sprintf(o, "\\x%02x", c);
    }
    *o = 0;
    return e;
}

/* Adds a literal (term, partner, disclosure phrase, campaign hashtag). */
static void add_literal(builder_t *b, int type, uint32_t rule, uint32_t item, const char *text,
                        int match, int exact) {
    char *f = pol_fold_string(text);
    int ascii = 1;
    for (const char *p = f; *p; p++)
        if ((unsigned char)*p >= 0x80)
            ascii = 0;
    pol_ppat_t pat = {.type = (uint8_t)type,
                      .match = (uint8_t)match,
                      .exact = (uint8_t)exact,
                      .som = (uint8_t)!ascii,
                      .rule = rule,
                      .item = item,
                      .flen = (uint32_t)strlen(f),
                      .text = text};
    /* Non-ASCII letters may change byte length with case: ask for starts. */
    unsigned flags = HS_FLAG_CASELESS | (ascii ? 0 : HS_FLAG_UTF8 | HS_FLAG_SOM_LEFTMOST);
    bpush(b, literal_expr(f), flags, pat);
    free(f);
}

static void add_rule_exprs(builder_t *b, pol_pmodel_t *m, uint32_t ri) {
    pol_prule_t *r = &m->rules[ri];
    if (r->kind == POL_PK_LEXICON)
        for (size_t i = 0; i < r->nterms; i++)
            add_literal(b, P_TERM, ri, (uint32_t)i, r->terms[i].text, r->terms[i].match,
                        r->terms[i].exact);
    if (r->kind == POL_PK_PATTERN)
        for (size_t i = 0; i < r->nterms; i++) {
            pol_ppat_t pat = {.type = P_REGEX,
                              .som = 1,
                              .rule = ri,
                              .item = (uint32_t)i,
                              .text = r->terms[i].text};
            unsigned flags =
                HS_FLAG_UTF8 | HS_FLAG_SOM_LEFTMOST | (r->terms[i].exact ? 0 : HS_FLAG_CASELESS);
            bpush(b, hd_strdup(r->terms[i].text), flags, pat);
        }
    if (r->kind == POL_PK_DISCLOSURE) {
        for (size_t i = 0; i < r->npartners; i++)
            add_literal(b, P_PARTNER, ri, (uint32_t)i, r->partners[i].text, r->partners[i].match,
                        r->partners[i].exact);
        for (size_t i = 0; i < r->campaigns.n; i++) {
            char tag[1100];
            snprintf(tag, sizeof tag, "#%s", r->campaigns.v[i]);
            /* the literal's text must outlive the policy: keep the model's */
            add_literal(b, P_CAMPAIGN, ri, (uint32_t)i, tag, POL_MATCH_WORD, 0);
            b->pats[b->n - 1].text = r->campaigns.v[i];
        }
        for (size_t i = 0; i < r->nrequired; i++)
            add_literal(b, P_REQUIRE, ri, (uint32_t)i, r->required[i].text, r->required[i].match,
                        r->required[i].exact);
    }
}

/* Checks each pattern alone so that every bad one is reported with its
   rule and line (hs_compile_multi names only the first). */
static int check_patterns(const builder_t *b, const pol_pmodel_t *m, char *err, size_t err_len) {
    size_t used = err && err_len ? strlen(err) : 0;
    int bad = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->pats[i].type != P_REGEX)
            continue;
        hs_expr_info_t *info = NULL;
        hs_compile_error_t *ce = NULL;
        const pol_prule_t *r = &m->rules[b->pats[i].rule];
        const char *why = NULL;
        if (hs_expression_info(b->expr[i], b->flags[i], &info, &ce) != HS_SUCCESS)
            why = ce ? ce->message : "invalid";
        else if (info->min_width == 0)
            why = "it can match empty text";
        if (why && err && used + 1 < err_len) {
            int w = snprintf(err + used, err_len - used, "line %d: rule %s: pattern '%s': %s\n",
                             r->terms[b->pats[i].item].line, r->id, b->expr[i], why);
            used += w > 0 ? (size_t)w : 0;
            if (used >= err_len)
                used = err_len - 1;
        }
        bad |= why != NULL;
        free(info);
        hs_free_compile_error(ce);
    }
    return bad ? -1 : 0;
}

static void builder_free(builder_t *b) {
    for (size_t i = 0; i < b->n; i++)
        free(b->expr[i]);
    free(b->expr);
    free(b->flags);
    free(b->ids);
    free(b->pats);
}

static int needs_kind(const pol_pmodel_t *m, int kind) {
    for (size_t i = 0; i < m->nrules; i++)
        if (m->rules[i].kind == kind)
            return 1;
    return 0;
}

/* The common top-level domains, plus those of every domain the policy
   names: a bare "intranet.corp/x" is a link when the policy lists it. */
static void collect_tlds(const pol_pmodel_t *m, char *out, size_t cap) {
    snprintf(out, cap, "%s", s_tlds);
    for (size_t i = 0; i < m->nrules; i++) {
        const pol_strlist_t *lists[2] = {&m->rules[i].allow_domains, &m->rules[i].deny_domains};
        for (int k = 0; k < 2; k++)
            for (size_t j = 0; j < lists[k]->n; j++) {
                const char *dot = strrchr(lists[k]->v[j], '.');
                const char *tld = dot ? dot + 1 : lists[k]->v[j];
                size_t n = strlen(tld), used = strlen(out);
                int ok = n > 0 && n < 64;
                for (size_t c = 0; c < n && ok; c++)
                    ok = isalnum((unsigned char)tld[c]) || tld[c] == '-';
                char probe[70];
                snprintf(probe, sizeof probe, "|%s|", tld);
                char hay[4100];
                snprintf(hay, sizeof hay, "|%s|", out);
                if (ok && !strstr(hay, probe) && used + n + 2 < cap)
                    snprintf(out + used, cap - used, "|%s", tld);
            }
    }
}

static int compile_db(pol_t *p, char *err, size_t err_len) {
    builder_t b = {0};
    pol_pmodel_t *m = p->m;
    for (uint32_t i = 0; i < m->nrules; i++)
        add_rule_exprs(&b, m, i);
    int pii = needs_kind(m, POL_PK_PII);
    if (pii)
        for (int d = 0; d < POL_PII_COUNT; d++) {
            pol_ppat_t pat = {.type = P_PII, .sub = (uint8_t)d, .som = 1};
            bpush(&b, hd_strdup(s_pii_expr[d]), HS_FLAG_CASELESS | HS_FLAG_SOM_LEFTMOST, pat);
        }
    if (pii || needs_kind(m, POL_PK_LINKS) || needs_kind(m, POL_PK_LIMITS)) {
        char tlds[4096], bare[5000];
        collect_tlds(m, tlds, sizeof tlds);
        snprintf(bare, sizeof bare,
                 "[a-z0-9][a-z0-9-]*(?:\\.[a-z0-9][a-z0-9-]*)*\\.(?:%s)(?::\\d{1,5})?"
                 "(?:/[^\\s<>\"'\\x60]*)?(?:[\\s<>\"'\\x60.,;:!?)\\]]|$)",
                 tlds);
        /* Each ends on the character after the link (or the text's end), so
           Vectorscan reports a link once, not at every byte of it. */
        const char *url[3] = {"(?:https?|ftp)://[^\\s<>\"'\\x60]+(?:[\\s<>\"'\\x60]|$)",
                              "www\\.[^\\s<>\"'\\x60]+(?:[\\s<>\"'\\x60]|$)", bare};
        for (int k = 0; k < 3; k++) {
            pol_ppat_t pat = {.type = P_URL, .sub = (uint8_t)k, .som = 1};
            bpush(&b, hd_strdup(url[k]), HS_FLAG_CASELESS | HS_FLAG_UTF8 | HS_FLAG_SOM_LEFTMOST,
                  pat);
        }
    }
    int rc = check_patterns(&b, m, err, err_len);
    if (rc == 0 && b.n > 0) {
        hs_compile_error_t *ce = NULL;
        if (hs_compile_multi((const char *const *)b.expr, b.flags, b.ids, (unsigned)b.n,
                             HS_MODE_BLOCK, NULL, &p->db, &ce) != HS_SUCCESS) {
            int at = ce ? ce->expression : -1;
            if (at >= 0 && (size_t)at < b.n && b.pats[at].type != P_PII && b.pats[at].type != P_URL)
                snprintf(err, err_len, "line %d: rule %s: cannot compile '%s': %s\n",
                         m->rules[b.pats[at].rule].line, m->rules[b.pats[at].rule].id, b.expr[at],
                         ce->message);
            else
                snprintf(err, err_len, "line 0: cannot compile the policy: %s\n",
                         ce ? ce->message : "unknown error");
            hs_free_compile_error(ce);
            rc = -1;
        } else if (hs_alloc_scratch(p->db, &p->scratch) != HS_SUCCESS) {
            snprintf(err, err_len, "line 0: out of memory for the scan scratch\n");
            rc = -1;
        }
    }
    if (rc == 0) {
        p->pats = b.pats;
        p->npats = b.n;
        b.pats = NULL;
    }
    builder_free(&b);
    return rc;
}

pol_t *pol_new(const char *source, size_t len, char *err, size_t err_len) {
    char dummy[2];
    if (!err || !err_len) {
        err = dummy;
        err_len = sizeof dummy;
    }
    err[0] = 0;
    if (!source || len > POL_MAX_SOURCE) {
        snprintf(err, err_len, "line 0: the policy is larger than %u bytes\n", POL_MAX_SOURCE);
        return NULL;
    }
    pol_t *p = hd_calloc(1, sizeof *p);
    p->m = pol_pmodel_parse(source, len, err, err_len);
    if (!p->m || compile_db(p, err, err_len) < 0) {
        pol_destroy(&p);
        return NULL;
    }
    p->needs_author = needs_kind(p->m, POL_PK_AUTHOR);
    p->needs_crisis = needs_kind(p->m, POL_PK_CRISIS);
    return p;
}

void pol_destroy(pol_t **self_p) {
    if (!self_p || !*self_p)
        return;
    pol_t *p = *self_p;
    hs_free_scratch(p->scratch);
    hs_free_database(p->db);
    free(p->pats);
    pol_pmodel_free(&p->m);
    free(p);
    *self_p = NULL;
}

const char *pol_name(const pol_t *self) { return self->m->name; }
size_t pol_rule_count(const pol_t *self) { return self->m->nrules; }
int pol_needs_author(const pol_t *self) { return self->needs_author; }
int pol_needs_crisis(const pol_t *self) { return self->needs_crisis; }

const char *pol_channel_counting(const pol_t *self, const char *channel) {
    for (size_t i = 0; channel && i < self->m->nchannels; i++)
        if (!strcmp(self->m->channels[i].id, channel))
            return self->m->channels[i].counting;
    return NULL;
}
