/*  apply: read, decide, emit and write one workflow batch. */
#include "apply.h"

#include "decide.h"
#include "hd_log.h"
#include "read.h"

#include <stdio.h>
#include <string.h>

const char *const wf_types[] = {"content.submitted", "policy.evaluated", "decision.recorded",
                                "publish.succeeded", "publish.failed",   "mention.received",
                                "content.released",  "inbox.requested"};
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
    body.reply_to_mention_id = (char *)it->reply_to_mention_id;
    body.reply_to_external_id = (char *)it->reply_to_external_id;
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

/* The reply a new reply superseded, withdrawn. */
static void emit_superseded(hd_batch_out_t *out, const hd_envelope_t *ev, const wf_step_t *st) {
    char reason[96];
    snprintf(reason, sizeof reason, "superseded by reply %s", st->item->a.content_id);
    Huddle__V1__ContentRejected body = HUDDLE__V1__CONTENT_REJECTED__INIT;
    body.content_id = (char *)st->other->a.content_id;
    body.actor_email = (char *)st->item->author_email;
    body.role = "";
    body.reason = reason;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_REJECTED;
    env.content_rejected = &body;
    env.correlation_id = (char *)st->other->a.content_id;
    hd_batch_emit(out, ev, &env, st->other->a.department, "content.rejected");
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
    const wf_inbox_item_t *it = st->inbox;
    Huddle__V1__MentionRouted body = HUDDLE__V1__MENTION_ROUTED__INIT;
    body.mention_id = b->mention_id;
    body.rule_id = (char *)it->rule_id;
    body.channel = b->channel;
    body.author_handle = b->author_handle;
    body.text = b->text;
    body.url = b->url;
    body.triage = it->triage;
    body.feed = b->feed;
    body.external_id = b->external_id;
    body.received_at_ms = it->received_ms;
    body.sla_due_at_ms = it->sla_due_ms;
    body.conversation_of = (char *)it->conversation_of;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_MENTION_ROUTED;
    env.mention_routed = &body;
    env.correlation_id = *str(ev->correlation_id) ? ev->correlation_id : b->mention_id;
    hd_batch_emit(out, ev, &env, it->department, "mention.routed");
}

/* inbox.<what> of one change, correlated to its mention; actor the
   person who asked, or workflow. */
static void emit_change(hd_batch_out_t *out, const hd_envelope_t *ev, const wf_change_t *c) {
    Huddle__V1__InboxChanged body = HUDDLE__V1__INBOX_CHANGED__INIT;
    body.mention_id = (char *)c->mention_id;
    body.what = (char *)c->what;
    body.state = (char *)(c->known ? hd_inbox_state_name(c->state) : "");
    body.from_state = (char *)(c->known ? hd_inbox_state_name(c->from) : "");
    body.assignee_id = (char *)c->assignee_id;
    body.assignee_email = (char *)c->assignee_email;
    body.actor_id = (char *)c->actor_id;
    body.actor_email = (char *)c->actor_email;
    body.reason = (char *)c->reason;
    body.request_id = (char *)c->request_id;
    body.reply_content_id = (char *)c->reply_content_id;
    body.sla_due_at_ms = c->sla_due_ms;
    body.response_ms = c->response_ms;
    body.wall_ms = c->wall_ms;
    body.channel = (char *)c->channel;
    body.feed = (char *)c->feed;
    body.first = c->first;
    body.from_department = (char *)c->from_department;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    char type[HD_TYPE_LEN], label[HD_TYPE_LEN];
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_INBOX_CHANGED;
    env.inbox_changed = &body;
    env.type = (char *)hd_envelope_inbox_type(&body, type, sizeof type);
    env.correlation_id = (char *)c->mention_id;
    env.actor = (char *)(*c->actor_email ? c->actor_email : "workflow");
    snprintf(label, sizeof label, "%s", type);
    hd_batch_emit(out, ev, &env, c->department, label);
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
        case WF_OUT_SUPERSEDED:
            emit_superseded(out, ev, st);
            break;
        }
    }
    for (size_t k = 0; k < st->nchanges; k++)
        emit_change(out, ev, &st->changes[k]);
}

/* The rows a step adds to the batch's writes (strings borrowed from ev and
   the items, which live until the batch is written); an item's approvals
   cleared also drops those gathered for it earlier in the batch. Inbox
   items are written from the batch's inbox (write.h). */
static void gather_rows(wf_writes_t *w, const hd_envelope_t *ev, const wf_step_t *st) {
    if (st->clear_approvals)
        wf_writes_clear_approvals(w, st->item->a.content_id);
    if (st->approval) {
        wf_approval_row_t row = {.actor_id = st->actor_id, .at_ms = wf_decide_when(ev)};
        snprintf(row.content_id, sizeof row.content_id, "%s", st->item->a.content_id);
        snprintf(row.role, sizeof row.role, "%s", st->role);
        wf_writes_approval(w, &row);
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
    if (!ctx->calendars)
        ctx->calendars = wf_calendars_new();
    if (wf_read_batch(db, evs, n, &ctx->items, &ctx->inbox, &ctx->facts, ctx->calendars) < 0)
        return HD_APPLY_RETRY;
    for (size_t i = 0; i < n; i++) {
        int mention = evs[i]->body_case == HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED;
        if (mention && wf_watch_scan(&ctx->watch, evs[i]) < 0)
            return HD_APPLY_RETRY;
        wf_step_t st;
        wf_decide(&ctx->items, &ctx->inbox, &ctx->facts, evs[i], &st);
        if (st.dead)
            return hd_batch_dead(out, i, "%s", st.why);
        log_step(evs[i], &st);
        emit_step(out, evs[i], &st);
        gather_rows(&ctx->writes, evs[i], &st);
        if (mention)
            wf_watch_count(&ctx->watch, evs[i]);
    }
    if (wf_write_batch(db, &ctx->items, &ctx->inbox, &ctx->writes) < 0 ||
        wf_watch_flush(db, &ctx->watch) < 0)
        return HD_APPLY_RETRY;
    return HD_APPLY_OK;
}

void wf_ctx_free(wf_ctx_t *ctx) {
    wf_items_free(&ctx->items);
    wf_facts_free(&ctx->facts);
    wf_writes_free(&ctx->writes);
    wf_watch_free(&ctx->watch);
    wf_inbox_free(&ctx->inbox);
    wf_calendars_destroy(&ctx->calendars);
}
