/*  policy_simulate: the what-if report (see the header). */
#include "policy_simulate.h"

#include "hd_mem.h"
#include "policy.h"
#include "policy_store.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 1000
#define MAX_RULES_SEEN 256

long pol_parse_period(const char *s) {
    char *end;
    long v = s ? strtol(s, &end, 10) : -1;
    if (!s || end == s || v < 0)
        return -1;
    long mul = !*end               ? 1
               : !strcmp(end, "s") ? 1
               : !strcmp(end, "m") ? 60
               : !strcmp(end, "h") ? 3600
               : !strcmp(end, "d") ? 86400
               : !strcmp(end, "w") ? 604800
                                   : -1;
    if (mul < 0 || v > 100L * 365 * 86400 / mul)
        return -1;
    return v * mul;
}

typedef struct {
    char id[104];
    char sign;        /* '+' the candidate adds it, '-' the candidate drops it */
    long count[3][3]; /* by transition */
    int nex;
    char *examples[8];
} rule_stat_t;

typedef struct {
    pol_t *cand, *base;
    pol_result_t *rc, *rb;
    long changed, total;
    long trans[3][3];
    rule_stat_t rules[MAX_RULES_SEEN];
    size_t nrules;
    int max_examples;
} sim_t;

static rule_stat_t *stat_for(sim_t *s, const char *id, char sign) {
    for (size_t i = 0; i < s->nrules; i++)
        if (!strcmp(s->rules[i].id, id) && s->rules[i].sign == sign)
            return &s->rules[i];
    if (s->nrules == MAX_RULES_SEEN)
        return NULL;
    rule_stat_t *r = &s->rules[s->nrules++];
    snprintf(r->id, sizeof r->id, "%s", id);
    r->sign = sign;
    return r;
}

static int has_rule(const pol_result_t *res, const char *id) {
    for (size_t i = 0; i < pol_result_count(res); i++) {
        const pol_finding_t *f = pol_result_finding(res, i);
        if (!strcmp(f->rule_id, id) && strcmp(f->action, "info") != 0)
            return 1;
    }
    return 0;
}

/* "…before [[match]] after…" around a finding, cut on UTF-8 boundaries. */
static char *excerpt(const char *id, const char *text, const pol_finding_t *f) {
    size_t len = strlen(text), s = f->start > 40 ? f->start - 40 : 0,
           e = f->end + 40 < len ? f->end + 40 : len;
    while (s > 0 && ((unsigned char)text[s] & 0xC0) == 0x80)
        s--;
    while (e < len && ((unsigned char)text[e] & 0xC0) == 0x80)
        e++;
    size_t cap = (e - s) + 128;
    char *out = hd_calloc(cap, 1);
    int w = snprintf(out, cap, "%.36s: %s%.*s[[%.*s]]%.*s%s", id, s ? "..." : "",
                     (int)(f->start - s), text + s, (int)(f->end - f->start), text + f->start,
                     (int)(e - f->end), text + f->end, e < len ? "..." : "");
    for (char *p = out; w > 0 && *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    return out;
}

static void attribute(sim_t *s, const char *cid, const char *text, int vb, int vc) {
    const pol_result_t *sets[2] = {s->rc, s->rb};
    const pol_result_t *other[2] = {s->rb, s->rc};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < pol_result_count(sets[k]); i++) {
            const pol_finding_t *f = pol_result_finding(sets[k], i);
            if (!strcmp(f->action, "info") || has_rule(other[k], f->rule_id))
                continue;
            rule_stat_t *r = stat_for(s, f->rule_id, k == 0 ? '+' : '-');
            if (!r)
                continue;
            int first = 1; /* count an item once per rule */
            for (size_t j = 0; j < i; j++)
                if (!strcmp(pol_result_finding(sets[k], j)->rule_id, f->rule_id))
                    first = 0;
            if (!first)
                continue;
            r->count[vb][vc]++;
            if (r->nex < s->max_examples && r->nex < 8)
                r->examples[r->nex++] = excerpt(cid, text, f);
        }
}

static int eval_both(sim_t *s, hd_db_t *db, PGresult *r, int row) {
    const char *cid = PQgetvalue(r, row, 0), *text = PQgetvalue(r, row, 1);
    size_t tlen = (size_t)PQgetlength(r, row, 1);
    pol_ctx_t ctx = {.channel = PQgetvalue(r, row, 2),
                     .department = PQgetvalue(r, row, 3),
                     .kind = PQgetvalue(r, row, 4),
                     .author_email = PQgetvalue(r, row, 5),
                     .author_id = PQgetvalue(r, row, 6),
                     .submitted_ms = atoll(PQgetvalue(r, row, 7)),
                     .scheduled_ms = atoll(PQgetvalue(r, row, 8)),
                     .channel_kind = PQgetvalue(r, row, 9),
                     .channel_max_length = atol(PQgetvalue(r, row, 10))};
    ctx.now_ms = ctx.submitted_ms;
    pol_crises_t crises = {0};
    int need_a = pol_needs_author(s->cand) || (s->base && pol_needs_author(s->base));
    int need_c = pol_needs_crisis(s->cand) || (s->base && pol_needs_crisis(s->base));
    if (need_a && pol_store_author(db, &ctx, ctx.submitted_ms) < 0)
        return -1;
    if (need_c) {
        if (pol_store_crises(db, &crises) < 0)
            return -1;
        ctx.crisis_facts = 1;
        ctx.crises = crises.items;
        ctx.ncrises = crises.n;
    }
    int rc = pol_eval(s->cand, text, tlen, &ctx, s->rc);
    if (rc == 0 && s->base)
        rc = pol_eval(s->base, text, tlen, &ctx, s->rb);
    pol_crises_free(&crises);
    if (rc < 0)
        return -1;
    int vb = s->base ? (int)pol_result_verdict(s->rb) : 0;
    int vc = (int)pol_result_verdict(s->rc);
    s->total++;
    if (vb != vc) {
        s->changed++;
        s->trans[vb][vc]++;
        attribute(s, cid, text, vb, vc);
    }
    return 0;
}

static int run_pages(sim_t *s, hd_db_t *db, long since_s, char *err, size_t err_len) {
    char since[32], after_ts[64] = "-infinity",
                    after_id[40] = "00000000-0000-0000-0000-000000000000";
    snprintf(since, sizeof since, "%ld", since_s);
    for (;;) {
        const char *p[3] = {since, after_ts, after_id};
        PGresult *r = hd_db_exec(
            db,
            "SELECT c.id, c.text, c.channel_id, c.department_id, c.kind, p.email, c.author_id, "
            " (extract(epoch FROM c.created_at) * 1000)::bigint, "
            " coalesce((extract(epoch FROM c.scheduled_at) * 1000)::bigint, 0), "
            " coalesce(ch.kind, ''), coalesce(ch.max_length, 0), c.created_at "
            "FROM content c JOIN person p ON p.id = c.author_id "
            "LEFT JOIN channel ch ON ch.id = c.channel_id "
            "WHERE c.created_at >= now() - $1::bigint * interval '1 second' "
            "  AND (c.created_at, c.id) > ($2::timestamptz, $3::uuid) "
            "ORDER BY c.created_at, c.id LIMIT 1000",
            3, p);
        if (!r) {
            snprintf(err, err_len, "database: %s\n", hd_db_error(db));
            return -1;
        }
        int n = PQntuples(r);
        for (int i = 0; i < n; i++)
            if (eval_both(s, db, r, i) < 0) {
                snprintf(err, err_len, "evaluation failed: %s\n", hd_db_error(db));
                PQclear(r);
                return -1;
            }
        if (n > 0) {
            snprintf(after_ts, sizeof after_ts, "%s", PQgetvalue(r, n - 1, 11));
            snprintf(after_id, sizeof after_id, "%s", PQgetvalue(r, n - 1, 0));
        }
        PQclear(r);
        if (n < PAGE)
            return 0;
    }
}

static void report(const sim_t *s, FILE *out, long since_s, int64_t active) {
    static const char *const v[3] = {"pass", "review", "block"};
    fprintf(out, "simulated %ld item(s) of the last %ld s: candidate vs %s", s->total, since_s,
            active ? "" : "no policy");
    if (active)
        fprintf(out, "active version %lld", (long long)active);
    fprintf(out, "\nverdicts that would change: %ld\n", s->changed);
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
            if (s->trans[a][b])
                fprintf(out, "  %-6s -> %-6s %ld\n", v[a], v[b], s->trans[a][b]);
    if (s->nrules)
        fprintf(out, "by rule (+ candidate finds it, - candidate no longer finds it):\n");
    for (size_t i = 0; i < s->nrules; i++) {
        const rule_stat_t *r = &s->rules[i];
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++)
                if (r->count[a][b])
                    fprintf(out, "  %c %s: %s -> %s %ld\n", r->sign, r->id, v[a], v[b],
                            r->count[a][b]);
        for (int k = 0; k < r->nex; k++)
            fprintf(out, "      e.g. %s\n", r->examples[k]);
    }
}

long pol_simulate(hd_db_t *db, const char *src, size_t len, long since_s, int examples, FILE *out,
                  char *err, size_t err_len) {
    sim_t *s = hd_calloc(1, sizeof *s);
    s->max_examples = examples;
    long rc = -1;
    int64_t active = 0;
    s->cand = pol_new(src, len, err, err_len);
    s->rc = pol_result_new();
    s->rb = pol_result_new();
    if (!s->cand || !s->rc || !s->rb)
        goto done;
    if (pol_store_active(db, &active) < 0) {
        snprintf(err, err_len, "database: %s\n", hd_db_error(db));
        goto done;
    }
    if (active) {
        char *asrc = NULL, e2[1024];
        size_t alen;
        if (pol_store_source(db, active, &asrc, &alen) != 0) {
            snprintf(err, err_len, "cannot read active version %lld\n", (long long)active);
            goto done;
        }
        s->base = pol_new(asrc, alen, e2, sizeof e2);
        free(asrc);
        if (!s->base) {
            snprintf(err, err_len, "active version %lld does not compile:\n%s", (long long)active,
                     e2);
            goto done;
        }
    }
    if (run_pages(s, db, since_s, err, err_len) < 0)
        goto done;
    report(s, out, since_s, active);
    rc = s->changed;
done:
    for (size_t i = 0; i < s->nrules; i++)
        for (int k = 0; k < s->rules[i].nex; k++)
            free(s->rules[i].examples[k]);
    pol_destroy(&s->cand);
    pol_destroy(&s->base);
    pol_result_destroy(&s->rc);
    pol_result_destroy(&s->rb);
    free(s);
    return rc;
}
