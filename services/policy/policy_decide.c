/*  policy_decide: one submitted item's verdict row and policy.evaluated
    event, from values only (see header). */
#include "policy_decide.h"

#include "hd_id.h"
#include "hd_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pol_decide_check(const hd_envelope_t *ev, char *why, size_t why_len) {
    const Huddle__V1__ContentSubmitted *cs = ev->content_submitted;
    if (ev->body_case != HUDDLE__V1__ENVELOPE__BODY_CONTENT_SUBMITTED || !cs || !cs->content_id ||
        !hd_id_valid(cs->content_id)) {
        snprintf(why, why_len, "content.submitted without a valid content_id");
        return -1;
    }
    if (cs->policy_version < 0) {
        snprintf(why, why_len, "policy_version %lld is negative", (long long)cs->policy_version);
        return -1;
    }
    return 0;
}

static const char *nonempty(const char *s, const char *dflt) { return s && *s ? s : dflt; }

void pol_decide_ctx(const hd_envelope_t *ev, const pol_channel_t *ch, pol_ctx_t *ctx) {
    const Huddle__V1__ContentSubmitted *cs = ev->content_submitted;
    *ctx = (pol_ctx_t){.channel = cs->channel,
                       .channel_kind = ch->kind,
                       .channel_max_length = ch->max_length,
                       .department = ev->department,
                       .kind = nonempty(cs->kind, "post"),
                       .crisis_id = cs->crisis_id,
                       .author_id = cs->author_id,
                       .author_email = cs->author_email,
                       .submitted_ms = ev->occurred_at_ms,
                       .scheduled_ms = cs->scheduled_at_ms,
                       .now_ms = ev->occurred_at_ms};
    if (ev->actor && strchr(ev->actor, '@'))
        ctx->submitter_email = ev->actor;
}

/* The findings as policy_verdict.findings stores them. */
static char *findings_text(const pol_result_t *res, const char *text) {
    json_t *fj = pol_findings_json(res, text);
    char *s = fj ? json_dumps(fj, JSON_COMPACT) : NULL;
    json_decref(fj);
    if (!s)
        abort();                /* jansson fails only on out-of-memory */
    char *owned = hd_strdup(s); /* freed with free(), whatever jansson's allocator */
    free(s);
    return owned;
}

int pol_decide(pol_t *pol, int64_t version, const hd_envelope_t *ev, const pol_ctx_t *ctx,
               pol_result_t *res, pol_decision_t *d) {
    const Huddle__V1__ContentSubmitted *cs = ev->content_submitted;
    const char *text = cs->text ? cs->text : "";
    memset(d, 0, sizeof *d);
    if (pol_eval(pol, text, strlen(text), ctx, res) < 0)
        return -1;
    d->content_id = cs->content_id;
    d->version = version;
    d->verdict = pol_verdict_name(pol_result_verdict(res));
    d->findings = findings_text(res, text);
    d->body = (Huddle__V1__PolicyEvaluated)HUDDLE__V1__POLICY_EVALUATED__INIT;
    pol_pb_fill(&d->pb, &d->body, res, text, version);
    d->body.content_id = cs->content_id;
    d->env = (hd_envelope_t)HUDDLE__V1__ENVELOPE__INIT;
    d->env.body_case = HUDDLE__V1__ENVELOPE__BODY_POLICY_EVALUATED;
    d->env.policy_evaluated = &d->body;
    d->env.correlation_id = (char *)nonempty(ev->correlation_id, cs->content_id);
    d->env.actor = (char *)"policy";
    return 0;
}

void pol_decision_free(pol_decision_t *d) {
    free(d->findings);
    d->findings = NULL;
    pol_pb_free(&d->pb);
}
