/*  policy_rules: the rule kinds decided after the scan, from its matches
    (PII, links, disclosure, limits) or from facts about the item (author,
    timing, crisis). Each adds findings to the result; so do the crises
    in force, whatever the rules (pol_prules_crisis_approvals). */
#include "policy_engine_int.h"

#include "policy_detect.h"
#include "policy_time.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const s_pii_label[POL_PII_COUNT] = {
    "an email address", "a phone number", "a payment card number", "a bank account (IBAN)",
    "a US social security number"};

static int eval_pii(const pol_prule_t *r, uint32_t ri, const pol_ctx_t *ctx, pol_result_t *res) {
    for (size_t i = 0; i < res->nhits; i++) {
        const pol_phit_t *h = &res->hits[i];
        if (!(r->detectors & (1u << h->sub)))
            continue;
        if (r->allow_set[h->sub] &&
            pol_pscope_match(&r->allow[h->sub], ctx->channel, ctx->department, ctx->kind))
            continue;
        if (pol_presult_add(res, r, ri, h->start, h->end, "%s must not be published (%s)",
                            s_pii_label[h->sub], pol_pii_name(h->sub)) < 0)
            return -1;
    }
    return 0;
}

static int list_match(const pol_strlist_t *l, const char *host) {
    for (size_t i = 0; i < l->n; i++)
        if (pol_detect_domain_match(host, l->v[i]))
            return 1;
    return 0;
}

/* Every link is reported: as a violation of the rule when it breaks it,
   else as an "info" finding when the rule reports links. */
static int eval_links(const pol_prule_t *r, uint32_t ri, const char *text, pol_result_t *res) {
    for (size_t i = 0; i < res->nurls; i++) {
        const pol_pspan_t *u = &res->urls[i];
        char host[300];
        int rc = 0;
        if (pol_detect_url_host(text + u->start, u->end - u->start, host, sizeof host) < 0)
            rc = pol_presult_add(res, r, ri, u->start, u->end, "a link with an unreadable host");
        else if (list_match(&r->deny_domains, host))
            rc = pol_presult_add(res, r, ri, u->start, u->end, "links to %s are not allowed", host);
        else if (r->deny_shorteners && pol_detect_shortener(host))
            rc = pol_presult_add(res, r, ri, u->start, u->end,
                                 "%s is a URL shortener: link to the destination itself", host);
        else if (r->allow_domains.n && !list_match(&r->allow_domains, host))
            rc = pol_presult_add(res, r, ri, u->start, u->end,
                                 "%s is not on the list of allowed domains", host);
        else if (r->report_links) {
            pol_prule_t info = *r;
            info.action = POL_ACT_INFO;
            info.severity = (char *)"low";
            info.role = (char *)"";
            info.message = (char *)"";
            rc = pol_presult_add(res, &info, ri, u->start, u->end, "link to %s", host);
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int eval_disclosure(const pol_prule_t *r, uint32_t ri, const pol_ctx_t *ctx,
                           pol_result_t *res) {
    const char *why = NULL;
    uint32_t s = 0, e = 0;
    if (res->cond[ri]) {
        why = "it mentions a partner or campaign";
        s = res->cond_s[ri], e = res->cond_e[ri];
    } else if (r->when_sponsored && ctx->sponsored) {
        why = "it is sponsored";
    } else {
        for (size_t i = 0; ctx->campaign && i < r->campaigns.n && !why; i++)
            if (!strcasecmp(ctx->campaign, r->campaigns.v[i]))
                why = "its campaign requires it";
    }
    if (!why || res->req[ri])
        return 0;
    return pol_presult_add(res, r, ri, s, e, "add a disclosure (%s%s): %s",
                           r->nrequired ? r->required[0].text : "", r->nrequired > 1 ? ", ..." : "",
                           why);
}

static const char *counting_for(const pol_t *p, const pol_ctx_t *ctx, long *max) {
    const char *counting = NULL;
    *max = ctx->channel_max_length;
    for (size_t i = 0; ctx->channel && i < p->m->nchannels; i++)
        if (!strcmp(p->m->channels[i].id, ctx->channel)) {
            counting = p->m->channels[i].counting;
            if (p->m->channels[i].max_length > 0)
                *max = p->m->channels[i].max_length;
        }
    if (!counting && pol_count_known(ctx->channel_kind))
        counting = ctx->channel_kind;
    return counting ? counting : "plain";
}

static int eval_limits(const pol_t *p, const pol_prule_t *r, uint32_t ri, const char *text,
                       size_t len, const pol_ctx_t *ctx, pol_result_t *res) {
    long chan_max;
    const char *counting = counting_for(p, ctx, &chan_max);
    long max = r->max_length > 0 ? r->max_length : r->max_length == 0 ? chan_max : -1;
    if (max > 0) {
        uint32_t over;
        long n = pol_count_length(counting, text, len, res->urls, res->nurls, max, &over);
        if (n > max &&
            pol_presult_add(res, r, ri, over, (uint32_t)len,
                            "%ld characters (%s counting); the limit is %ld", n, counting, max) < 0)
            return -1;
    }
    const struct {
        long limit;
        char sigil;
        const char *what;
    } tok[2] = {{r->max_hashtags, '#', "hashtags"}, {r->max_mentions, '@', "mentions"}};
    for (int k = 0; k < 2; k++) {
        if (tok[k].limit < 0)
            continue;
        uint32_t s = 0, e = 0;
        long n =
            pol_count_tokens(tok[k].sigil, text, len, res->urls, res->nurls, tok[k].limit, &s, &e);
        if (n > tok[k].limit && pol_presult_add(res, r, ri, s, e, "%ld %s; at most %ld", n,
                                                tok[k].what, tok[k].limit) < 0)
            return -1;
    }
    return 0;
}

static int64_t now_ms(const pol_ctx_t *ctx) {
    if (ctx->now_ms)
        return ctx->now_ms;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int eval_author(const pol_prule_t *r, uint32_t ri, const pol_ctx_t *ctx, pol_result_t *res) {
    if (!ctx->author_facts)
        return 0; /* nobody looked: offline check */
    const char *who = ctx->author_email && *ctx->author_email ? ctx->author_email : "the author";
    if (!ctx->author_known)
        return pol_presult_add(res, r, ri, 0, 0, "%s is not a known person", who);
    if (!ctx->author_active)
        return pol_presult_add(res, r, ri, 0, 0, "%s is no longer active", who);
    if (r->require_certification) {
        int64_t t = now_ms(ctx);
        if (!ctx->author_certified)
            return pol_presult_add(res, r, ri, 0, 0, "%s is not certified for %s", who,
                                   ctx->channel ? ctx->channel : "this channel");
        if (ctx->cert_expires_ms && ctx->cert_expires_ms <= t)
            return pol_presult_add(res, r, ri, 0, 0, "%s's certification for %s has expired", who,
                                   ctx->channel ? ctx->channel : "this channel");
    }
    if (ctx->submitter_email && *ctx->submitter_email && ctx->author_email &&
        strcasecmp(ctx->submitter_email, ctx->author_email) != 0 &&
        (!r->allow_delegation || !ctx->delegated))
        return pol_presult_add(res, r, ri, 0, 0, "%s may not post on behalf of %s%s",
                               ctx->submitter_email, who,
                               r->allow_delegation ? " (no delegation)" : "");
    return 0;
}

static int window_holds(const pol_pwindow_t *w, int wday, int minute, int64_t wall) {
    if (w->absolute)
        return wall >= w->abs_from && wall < w->abs_to;
    unsigned days = w->days ? w->days : 0x7F;
    if (w->from_min < 0)
        return (days >> wday) & 1;
    if (w->from_min < w->to_min)
        return ((days >> wday) & 1) && minute >= w->from_min && minute < w->to_min;
    /* wraps past midnight: the day named is the evening's */
    int yesterday = (wday + 6) % 7;
    return (((days >> wday) & 1) && minute >= w->from_min) ||
           (((days >> yesterday) & 1) && minute < w->to_min);
}

static int eval_timing(const pol_t *p, const pol_prule_t *r, uint32_t ri, const pol_ctx_t *ctx,
                       pol_result_t *res) {
    int64_t t = ctx->scheduled_ms   ? ctx->scheduled_ms
                : ctx->submitted_ms ? ctx->submitted_ms
                                    : now_ms(ctx);
    int wday, minute;
    int64_t wall;
    if (pol_ptime_local(p->m->timezone, t, &wday, &minute, &wall) < 0)
        return 0;
    for (size_t i = 0; i < r->nwindows; i++)
        if (window_holds(&r->windows[i], wday, minute, wall))
            return pol_presult_add(res, r, ri, 0, 0, "%s falls in a blackout window (%02d:%02d %s)",
                                   ctx->scheduled_ms ? "the scheduled time" : "now", minute / 60,
                                   minute % 60, p->m->timezone);
    return 0;
}

/* 1 when crisis c applies to the item: it covers the item's department
   and channel, and the item is not c's own holding statement (which c's
   playbook approved: no crisis rule or approval stands in its way). */
static int crisis_applies(const pol_crisis_t *c, const pol_ctx_t *ctx) {
    if (ctx->kind && strcmp(ctx->kind, "statement") == 0 && ctx->crisis_id && c->id &&
        strcasecmp(ctx->crisis_id, c->id) == 0)
        return 0;
    return hd_crisis_covers(&c->scope, ctx->department, ctx->channel);
}

static int eval_crisis(const pol_prule_t *r, uint32_t ri, const pol_ctx_t *ctx, pol_result_t *res) {
    if (!ctx->crisis_facts)
        return 0;
    for (size_t i = 0; i < ctx->ncrises; i++) {
        const pol_crisis_t *c = &ctx->crises[i];
        if (!crisis_applies(c, ctx))
            continue;
        return pol_presult_add(res, r, ri, 0, 0, "crisis \"%s\" is active: %s must approve",
                               c->name ? c->name : "", r->role[0] ? r->role : "the crisis team");
    }
    return 0;
}

/* What a crisis's approval finding is, but for its role and rule id. */
static const pol_prule_t s_crisis_approval = {.id = (char *)"",
                                              .description = (char *)"",
                                              .message = (char *)"",
                                              .severity = (char *)"high",
                                              .role = (char *)"",
                                              .action = POL_ACT_REVIEW,
                                              .kind = POL_PK_CRISIS};

int pol_prules_crisis_approvals(const pol_ctx_t *ctx, pol_result_t *res) {
    for (size_t i = 0; ctx->crisis_facts && i < ctx->ncrises; i++) {
        const pol_crisis_t *c = &ctx->crises[i];
        if (c->napproval_roles == 0 || !crisis_applies(c, ctx))
            continue;
        const char *name = c->name ? c->name : "", *playbook = c->playbook ? c->playbook : "";
        for (size_t k = 0; k < c->napproval_roles; k++) {
            pol_prule_t r = s_crisis_approval;
            r.role = (char *)c->approval_roles[k];
            if (pol_presult_add(res, &r, UINT32_MAX, 0, 0,
                                "crisis \"%s\" (%s) is in force: %s must approve", name, playbook,
                                r.role) < 0 ||
                pol_presult_rule_id(res, "crisis:%s", playbook) < 0)
                return -1;
        }
    }
    return 0;
}

int pol_prules_eval(pol_t *p, const char *text, size_t len, const pol_ctx_t *ctx,
                    pol_result_t *res) {
    for (uint32_t i = 0; i < p->m->nrules; i++) {
        const pol_prule_t *r = &p->m->rules[i];
        if (!res->active[i])
            continue;
        int rc = 0;
        switch (r->kind) {
        case POL_PK_PII:
            rc = eval_pii(r, i, ctx, res);
            break;
        case POL_PK_LINKS:
            rc = eval_links(r, i, text, res);
            break;
        case POL_PK_DISCLOSURE:
            rc = eval_disclosure(r, i, ctx, res);
            break;
        case POL_PK_LIMITS:
            rc = eval_limits(p, r, i, text, len, ctx, res);
            break;
        case POL_PK_AUTHOR:
            rc = eval_author(r, i, ctx, res);
            break;
        case POL_PK_TIMING:
            rc = eval_timing(p, r, i, ctx, res);
            break;
        case POL_PK_CRISIS:
            rc = eval_crisis(r, i, ctx, res);
            break;
        default:
            break;
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}
