/*  apply: read, decide, emit and write one workflow batch. */
#include "apply.h"

#include "decide.h"
#include "hd_log.h"
#include "read.h"

#include <stdio.h>
#include <string.h>

const char *const wf_types[] = {"content.submitted", "policy.evaluated", "decision.recorded",
                                "publish.succeeded", "publish.failed",   "mention.received",
                                "content.released"};
const size_t wf_ntypes = sizeof wf_types / sizeof wf_types[0];

static const char *str(const char *s) { return s ? s : ""; }

/* content.approved from the item as it now is. */
static void emit_approved(hd_batch_out_t *out, const hd_envelope_t *ev, const wf_item_t *it) {
    Huddle__V1__ContentApproved body = HUDDLE__V1__CONTENT_APPROVED__INIT;
    body.content_id = (char *)it->a.content_id;
    body.channel = (char *)it->channel;
    body.text = (char *)str(it->text);
    body.author_id = (char *)it->a.author_id;
    body.author_email = (char *)it->author_email;
    body.scheduled_at_ms = it->scheduled_ms;
    body.crisis_id = (char *)it->crisis_id;
    body.kind = (char *)it->kind;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_APPROVED;
    env.content_approved = &body;
    hd_batch_emit(out, ev, &env, it->a.department, "content.approved");
}

static void emit_blocked(hd_batch_out_t *out, const hd_envelope_t *ev, const wf_item_t *it) {
    const Huddle__V1__PolicyEvaluated *b = ev->policy_evaluated;
    Huddle__V1__ContentBlocked body = HUDDLE__V1__CONTENT_BLOCKED__INIT;
    body.content_id = (char *)it->a.content_id;
    body.findings = b->findings;
    body.n_findings = b->n_findings;
    body.policy_version = b->policy_version;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_BLOCKED;
    env.content_blocked = &body;
    hd_batch_emit(out, ev, &env, it->a.department, "content.blocked");
}

static void emit_requested(hd_batch_out_t *out, const hd_envelope_t *ev, const wf_item_t *it) {
    char *names[HD_MAX_ROLES];
    for (size_t i = 0; i < it->a.nroles; i++)
        names[i] = (char *)it->a.roles[i].name;
    Huddle__V1__ApprovalRequested body = HUDDLE__V1__APPROVAL_REQUESTED__INIT;
    body.content_id = (char *)it->a.content_id;
    body.roles = names;
    body.n_roles = it->a.nroles;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_APPROVAL_REQUESTED;
    env.approval_requested = &body;
    hd_batch_emit(out, ev, &env, it->a.department, "approval.requested");
}

static void emit_recorded(hd_batch_out_t *out, const hd_envelope_t *ev, const wf_item_t *it,
                          const wf_step_t *st) {
    const Huddle__V1__DecisionRecorded *b = ev->decision_recorded;
    const char *left[HD_MAX_ROLES];
    size_t nleft = hd_approval_remaining(&it->a, left, HD_MAX_ROLES);
    Huddle__V1__ApprovalRecorded body = HUDDLE__V1__APPROVAL_RECORDED__INIT;
    body.content_id = (char *)it->a.content_id;
    body.actor_id = b->actor_id;
    body.actor_email = b->actor_email;
    body.role = (char *)st->role;
    body.remaining_roles = (char **)left;
    body.n_remaining_roles = nleft;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_APPROVAL_RECORDED;
    env.approval_recorded = &body;
    hd_batch_emit(out, ev, &env, it->a.department, "approval.recorded");
}

static void emit_rejected(hd_batch_out_t *out, const hd_envelope_t *ev, const wf_item_t *it,
                          const wf_step_t *st) {
    const Huddle__V1__DecisionRecorded *b = ev->decision_recorded;
    Huddle__V1__ContentRejected body = HUDDLE__V1__CONTENT_REJECTED__INIT;
    body.content_id = (char *)it->a.content_id;
    body.actor_email = b->actor_email;
    body.role = (char *)st->role;
    body.reason = b->reason;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_REJECTED;
    env.content_rejected = &body;
    hd_batch_emit(out, ev, &env, it->a.department, "content.rejected");
}

static void emit_refused(hd_batch_out_t *out, const hd_envelope_t *ev, const wf_step_t *st) {
    const Huddle__V1__DecisionRecorded *b = ev->decision_recorded;
    Huddle__V1__DecisionRefused body = HUDDLE__V1__DECISION_REFUSED__INIT;
    body.content_id = b->content_id;
    body.decision_id = b->decision_id;
    body.actor_email = b->actor_email;
    body.reason = (char *)st->why;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_DECISION_REFUSED;
    env.decision_refused = &body;
    hd_batch_emit(out, ev, &env, st->department, "decision.refused");
}

/* mention.routed, correlated to the mention even if ingest left the
   correlation empty. */
static void emit_routed(hd_batch_out_t *out, const hd_envelope_t *ev, const wf_step_t *st) {
    const Huddle__V1__MentionReceived *b = ev->mention_received;
    Huddle__V1__MentionRouted body = HUDDLE__V1__MENTION_ROUTED__INIT;
    body.mention_id = b->mention_id;
    body.rule_id = (char *)st->rule_id;
    body.channel = b->channel;
    body.author_handle = b->author_handle;
    body.text = b->text;
    body.url = b->url;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_MENTION_ROUTED;
    env.mention_routed = &body;
    env.correlation_id = *str(ev->correlation_id) ? ev->correlation_id : b->mention_id;
    hd_batch_emit(out, ev, &env, st->department, "mention.routed");
}

static void emit_step(hd_batch_out_t *out, const hd_envelope_t *ev, const wf_step_t *st) {
    for (size_t k = 0; k < st->nout; k++) {
        switch (st->out[k]) {
        case WF_OUT_BLOCKED:
            emit_blocked(out, ev, st->item);
            break;
        case WF_OUT_APPROVAL_REQUESTED:
            emit_requested(out, ev, st->item);
            break;
        case WF_OUT_APPROVED:
            emit_approved(out, ev, st->item);
            break;
        case WF_OUT_APPROVAL_RECORDED:
            emit_recorded(out, ev, st->item, st);
            break;
        case WF_OUT_REJECTED:
            emit_rejected(out, ev, st->item, st);
            break;
        case WF_OUT_REFUSED:
            emit_refused(out, ev, st);
            break;
        case WF_OUT_ROUTED:
            emit_routed(out, ev, st);
            break;
        }
    }
}

/* The rows a step adds to the batch's writes (strings borrowed from ev and
   the items, which live until the batch is written); an item's approvals
   cleared also drops those gathered for it earlier in the batch. */
static void gather_rows(wf_writes_t *w, const hd_envelope_t *ev, const wf_step_t *st) {
    if (st->clear_approvals)
        wf_writes_clear_approvals(w, st->item->a.content_id);
    if (st->approval) {
        wf_approval_row_t row = {.actor_id = st->actor_id, .at_ms = wf_decide_when(ev)};
        snprintf(row.content_id, sizeof row.content_id, "%s", st->item->a.content_id);
        snprintf(row.role, sizeof row.role, "%s", st->role);
        wf_writes_approval(w, &row);
    }
    if (st->nout && st->out[0] == WF_OUT_ROUTED) {
        const Huddle__V1__MentionReceived *b = ev->mention_received;
        wf_inbox_row_t row = {.mention_id = b->mention_id,
                              .channel = b->channel,
                              .author_handle = b->author_handle,
                              .text = b->text,
                              .url = b->url};
        snprintf(row.department, sizeof row.department, "%s", st->routed_to);
        snprintf(row.rule_id, sizeof row.rule_id, "%s", st->rule_id);
        snprintf(row.crisis_id, sizeof row.crisis_id, "%s", st->crisis_id);
        wf_writes_inbox(w, &row);
    }
}

static void log_step(const hd_envelope_t *ev, const wf_step_t *st) {
    if (!st->log)
        return;
    const char *corr = st->item ? st->item->a.content_id : str(ev->correlation_id);
    hd_log(HD_LOG_INFO, st->log, ev->id, corr, "%s", st->why);
}

int wf_apply_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n, hd_batch_out_t *out,
                   void *arg) {
    wf_ctx_t *ctx = arg;
    wf_writes_clear(&ctx->writes);
    wf_watch_clear(&ctx->watch);
    ctx->facts.watch = &ctx->watch;
    if (wf_read_batch(db, evs, n, &ctx->items, &ctx->facts) < 0)
        return HD_APPLY_RETRY;
    for (size_t i = 0; i < n; i++) {
        int mention = evs[i]->body_case == HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED;
        if (mention && wf_watch_scan(&ctx->watch, evs[i]) < 0)
            return HD_APPLY_RETRY;
        wf_step_t st;
        wf_decide(&ctx->items, &ctx->facts, evs[i], &st);
        if (st.dead)
            return hd_batch_dead(out, i, "%s", st.why);
        log_step(evs[i], &st);
        emit_step(out, evs[i], &st);
        gather_rows(&ctx->writes, evs[i], &st);
        if (mention)
            wf_watch_count(&ctx->watch, evs[i]);
    }
    if (wf_write_batch(db, &ctx->items, &ctx->writes) < 0 || wf_watch_flush(db, &ctx->watch) < 0)
        return HD_APPLY_RETRY;
    return HD_APPLY_OK;
}

void wf_ctx_free(wf_ctx_t *ctx) {
    wf_items_free(&ctx->items);
    wf_facts_free(&ctx->facts);
    wf_writes_free(&ctx->writes);
    wf_watch_free(&ctx->watch);
}
