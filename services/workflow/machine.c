/*  machine: workflow's handlers for content, policy, decision and publish
    events. The rules about who may decide live in chain.c; this file only
    moves items between states and records what it did. */
#include "machine.h"

#include "chain.h"
#include "hd_id.h"
#include "hd_log.h"
#include "hd_outbox.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const wf_types[] = {"content.submitted", "policy.evaluated", "decision.recorded",
                                "publish.succeeded", "publish.failed",   "mention.received"};
const size_t wf_ntypes = sizeof wf_types / sizeof wf_types[0];

static int dead(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int dead(char *why, size_t n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return HD_APPLY_DEAD;
}

static const char *str(const char *s) { return s ? s : ""; }

int wf_emit(hd_db_t *db, const hd_envelope_t *cause, hd_envelope_t *env, const char *department,
            const char *label) {
    char id[HD_ID_LEN];
    env->department = (char *)str(department);
    env->correlation_id = (char *)str(cause->correlation_id);
    hd_envelope_stamp(env, id, "workflow", cause->id, label);
    int rc = hd_outbox_put(db, env);
    if (rc == 1)
        hd_log(HD_LOG_INFO, "emit_replayed", id, env->correlation_id,
               "%s caused by %s was already recorded", env->type, cause->id);
    else if (rc == 0)
        hd_log(HD_LOG_INFO, "emitted", id, env->correlation_id, "%s caused by %s", env->type,
               cause->id);
    env->id = NULL; /* id lived on this stack frame */
    return rc < 0 ? -1 : 0;
}

/* Whether some output of `cause` is already recorded: then its effects were
   applied in the same transaction, and applying it again would only produce
   a different, refusing answer. 1 yes, 0 no, -1 database error. */
static int already_applied(hd_db_t *db, const hd_envelope_t *cause) {
    const char *p[2] = {cause->id,
                        hd_id_valid(str(cause->correlation_id)) ? cause->correlation_id : NULL};
    PGresult *r = hd_db_exec(db,
                             "SELECT EXISTS (SELECT 1 FROM outbox WHERE causation_id = $1) "
                             "    OR EXISTS (SELECT 1 FROM event_log WHERE causation_id = $1 "
                             "               AND ($2::uuid IS NULL OR correlation_id = $2))",
                             2, p);
    if (!r)
        return -1;
    int yes = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return yes;
}

static int set_state(hd_db_t *db, const char *content_id, const char *state, int64_t at_ms,
                     int decided) {
    char at[32];
    snprintf(at, sizeof at, "%" PRId64, at_ms);
    const char *p[4] = {content_id, state, at, decided ? "t" : "f"};
    return hd_db_cmd(db,
                     "UPDATE workflow_item SET state = $2, updated_at = now(), "
                     "decided_at = CASE WHEN $4::boolean THEN to_timestamp($3::bigint / 1000.0) "
                     "                  ELSE decided_at END "
                     "WHERE content_id = $1",
                     4, p);
}

static int64_t when(const hd_envelope_t *ev) {
    return ev->occurred_at_ms > 0 ? ev->occurred_at_ms : hd_now_ms();
}

/* ---------- content.submitted ---------- */

/* Before an event reads or writes item content_id: what the batch read
   ahead of it is forgotten (the item may change now), and the held-back
   writes are flushed if one concerns it, so it sees the events before it
   as applied. 0, or -1 on a database error. */
static int settle(hd_db_t *db, wf_ctx_t *ctx, const char *content_id) {
    if (ctx && ctx->prefetch)
        wf_prefetch_drop(ctx->prefetch, content_id);
    if (!ctx || !ctx->pending || !wf_pending_has(ctx->pending, content_id))
        return 0;
    return wf_pending_flush(ctx->pending, db);
}

/* Where a write is held: the batch's set, or (no batch) a set of its own in
   *one, which written_now then writes at once. */
static wf_pending_t *holder(wf_ctx_t *ctx, wf_pending_t **one) {
    *one = ctx && ctx->pending ? NULL : wf_pending_new();
    return *one ? *one : ctx->pending;
}

/* Writes and frees a set of holder's own; 0 when there is none. */
static int written_now(hd_db_t *db, wf_pending_t **one) {
    if (!*one)
        return 0;
    int rc = wf_pending_flush(*one, db);
    wf_pending_destroy(one);
    return rc;
}

/* The item's INSERT, now (no batch) or held back for the batch's end. */
static int insert_item(hd_db_t *db, wf_ctx_t *ctx, const wf_new_item_t *it) {
    wf_pending_t *one;
    wf_pending_item(holder(ctx, &one), it);
    return written_now(db, &one);
}

static int on_submitted(hd_db_t *db, const hd_envelope_t *ev, wf_ctx_t *ctx, char *why,
                        size_t n) {
    const Huddle__V1__ContentSubmitted *b = ev->content_submitted;
    if (!b || !hd_id_valid(str(b->content_id)))
        return dead(why, n, "content.submitted: content_id is not a UUID");
    if (!hd_id_valid(str(b->author_id)))
        return dead(why, n, "content.submitted: author_id is not a UUID");
    if (!*str(ev->department) || !*str(b->channel))
        return dead(why, n, "content.submitted: department and channel are required");
    if (settle(db, ctx, b->content_id) < 0)
        return HD_APPLY_RETRY;
    wf_new_item_t it = {.content_id = b->content_id, .department = ev->department,
                        .author_id = b->author_id, .author_email = str(b->author_email),
                        .channel = b->channel, .text = str(b->text),
                        .scheduled_ms = b->scheduled_at_ms, .submitted_ms = when(ev),
                        .event_id = ev->id};
    return insert_item(db, ctx, &it) < 0 ? HD_APPLY_RETRY : HD_APPLY_OK;
}

/* ---------- approval ---------- */

/* The workflow_item columns content.approved carries, in the order
   emit_approved_row reads them. */
#define APPROVED_COLS                                                                              \
    "channel_id, text, author_id, author_email, department_id, "                                   \
    "coalesce((extract(epoch FROM scheduled_at) * 1000)::bigint, 0)"

/* content.approved with the given fields (all borrowed). */
static int emit_approved_body(hd_db_t *db, const hd_envelope_t *cause, const char *content_id,
                              const char *channel, const char *text, const char *author_id,
                              const char *author_email, const char *department,
                              int64_t scheduled_ms) {
    Huddle__V1__ContentApproved body = HUDDLE__V1__CONTENT_APPROVED__INIT;
    body.content_id = (char *)content_id;
    body.channel = (char *)channel;
    body.text = (char *)text;
    body.author_id = (char *)author_id;
    body.author_email = (char *)author_email;
    body.scheduled_at_ms = scheduled_ms;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_APPROVED;
    env.content_approved = &body;
    return wf_emit(db, cause, &env, department, "content.approved");
}

/* content.approved from a row of APPROVED_COLS. r stays the caller's. */
static int emit_approved_row(hd_db_t *db, const hd_envelope_t *cause, const char *content_id,
                             PGresult *r) {
    return emit_approved_body(db, cause, content_id, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1),
                              PQgetvalue(r, 0, 2), PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 4),
                              strtoll(PQgetvalue(r, 0, 5), NULL, 10));
}

/* content.approved for an item, from its stored row. */
static int emit_approved(hd_db_t *db, const hd_envelope_t *cause, const char *content_id) {
    const char *p[1] = {content_id};
    PGresult *r = hd_db_exec(db, "SELECT " APPROVED_COLS " FROM workflow_item WHERE content_id = $1",
                             1, p);
    int rc = r && PQntuples(r) == 1 ? emit_approved_row(db, cause, content_id, r) : -1;
    PQclear(r);
    return rc;
}

/* Approves without a person. An item read ahead (k) is approved at the
   batch's end and its event built from what was read; otherwise the update
   hands back what the event needs. */
static int approve_now(hd_db_t *db, wf_ctx_t *ctx, const hd_envelope_t *ev,
                       const char *content_id, const wf_known_t *k) {
    hd_log(HD_LOG_INFO, "item_auto_approved", ev->id, content_id,
           "the department's chain approves passing items automatically");
    if (k && ctx && ctx->pending) {
        wf_pending_approved(ctx->pending, content_id, when(ev));
        int rc = emit_approved_body(db, ev, content_id, k->channel, k->text, k->item.author_id,
                                    k->author_email, k->item.department, k->scheduled_ms);
        return rc < 0 ? HD_APPLY_RETRY : HD_APPLY_OK;
    }
    char at[32];
    snprintf(at, sizeof at, "%" PRId64, when(ev));
    const char *p[2] = {content_id, at};
    PGresult *r = hd_db_exec(db,
                             "UPDATE workflow_item SET state = 'approved', required_roles = '{}', "
                             "  same_department_roles = '{}', updated_at = now(), "
                             "  requested_at = to_timestamp($2::bigint / 1000.0), "
                             "  decided_at = to_timestamp($2::bigint / 1000.0) "
                             "WHERE content_id = $1 RETURNING " APPROVED_COLS,
                             2, p);
    if (!r || PQntuples(r) != 1) {
        PQclear(r);
        return HD_APPLY_RETRY;
    }
    int rc = emit_approved_row(db, ev, content_id, r);
    PQclear(r);
    return rc < 0 ? HD_APPLY_RETRY : HD_APPLY_OK;
}

/* Joins role names with '\n' (role names never hold one: checked) for
   string_to_array on the server. */
static void join_roles(const hd_role_t *roles, size_t n, int only_same, char *out, size_t len) {
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (only_same && !roles[i].same_department)
            continue;
        int w = snprintf(out + used, len - used, "%s%s", used ? "\n" : "", roles[i].name);
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
}

static int request_approval(hd_db_t *db, const hd_envelope_t *ev, const hd_approval_item_t *item,
                            const hd_role_t *roles, size_t nroles) {
    char all[HD_MAX_ROLES * (HD_ROLE_LEN + 1)], same[sizeof all], at[32];
    join_roles(roles, nroles, 0, all, sizeof all);
    join_roles(roles, nroles, 1, same, sizeof same);
    snprintf(at, sizeof at, "%" PRId64, when(ev));
    const char *p[4] = {item->content_id, all, same, at};
    if (hd_db_cmd(db,
                  "UPDATE workflow_item SET state = 'awaiting_approval', updated_at = now(), "
                  "  required_roles = string_to_array($2, E'\\n'), "
                  "  same_department_roles = coalesce(string_to_array($3, E'\\n'), '{}'), "
                  "  requested_at = to_timestamp($4::bigint / 1000.0) "
                  "WHERE content_id = $1",
                  4, p) < 0)
        return HD_APPLY_RETRY;
    char *names[HD_MAX_ROLES];
    for (size_t i = 0; i < nroles; i++)
        names[i] = (char *)roles[i].name;
    Huddle__V1__ApprovalRequested body = HUDDLE__V1__APPROVAL_REQUESTED__INIT;
    body.content_id = (char *)item->content_id;
    body.roles = names;
    body.n_roles = nroles;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_APPROVAL_REQUESTED;
    env.approval_requested = &body;
    hd_log(HD_LOG_INFO, "item_awaiting_approval", ev->id, item->content_id, "roles=%s", all);
    return wf_emit(db, ev, &env, item->department, "approval.requested") < 0 ? HD_APPLY_RETRY
                                                                             : HD_APPLY_OK;
}

/* ---------- policy.evaluated ---------- */

static int on_blocked(hd_db_t *db, const hd_envelope_t *ev, const hd_approval_item_t *item) {
    const Huddle__V1__PolicyEvaluated *b = ev->policy_evaluated;
    if (set_state(db, item->content_id, "blocked", when(ev), 1) < 0)
        return HD_APPLY_RETRY;
    Huddle__V1__ContentBlocked body = HUDDLE__V1__CONTENT_BLOCKED__INIT;
    body.content_id = (char *)item->content_id;
    body.findings = b->findings;
    body.n_findings = b->n_findings;
    body.policy_version = b->policy_version;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_BLOCKED;
    env.content_blocked = &body;
    hd_log(HD_LOG_INFO, "item_blocked", ev->id, item->content_id, "%zu findings, policy v%" PRId64,
           b->n_findings, b->policy_version);
    return wf_emit(db, ev, &env, item->department, "content.blocked") < 0 ? HD_APPLY_RETRY
                                                                          : HD_APPLY_OK;
}

static int on_evaluated(hd_db_t *db, const hd_envelope_t *ev, wf_ctx_t *ctx, char *why,
                        size_t n) {
    const Huddle__V1__PolicyEvaluated *b = ev->policy_evaluated;
    if (!b || !hd_id_valid(str(b->content_id)))
        return dead(why, n, "policy.evaluated: content_id is not a UUID");
    const char *verdict = str(b->verdict);
    int block = strcmp(verdict, "block") == 0, pass = strcmp(verdict, "pass") == 0;
    if (!block && !pass && strcmp(verdict, "review") != 0)
        return dead(why, n, "policy.evaluated: unknown verdict '%.40s'", verdict);
    for (size_t i = 0; i < b->n_roles; i++)
        if (!hd_approval_role_ok(str(b->roles[i])))
            return dead(why, n, "policy.evaluated: role %zu is empty, too long or malformed", i);
    /* read ahead and untouched since the batch began (taken before settle
       forgets it), or read now */
    const wf_known_t *k = ctx && ctx->prefetch ? wf_prefetch_take(ctx->prefetch, b->content_id)
                                               : NULL;
    if (settle(db, ctx, b->content_id) < 0)
        return HD_APPLY_RETRY;
    hd_approval_item_t item;
    char reason[256];
    int rc = k ? 0 : wf_chain_load(db, b->content_id, &item, reason, sizeof reason);
    if (rc < 0)
        return HD_APPLY_RETRY;
    if (k)
        item = k->item;
    if (rc == 1)
        return dead(why, n,
                    "policy.evaluated for content %s arrived before its content.submitted "
                    "was applied",
                    b->content_id);
    if (item.state != HD_ITEM_EVALUATING) {
        hd_log(HD_LOG_INFO, "verdict_ignored", ev->id, b->content_id,
               "item is %s, no longer evaluating", hd_item_state_name(item.state));
        return HD_APPLY_OK;
    }
    if (block)
        return on_blocked(db, ev, &item);
    hd_role_t roles[HD_MAX_ROLES];
    int auto_pass = 0;
    int nroles =
        wf_chain_required(db, ctx ? &ctx->chains : NULL, item.department,
                          (const char *const *)b->roles, b->n_roles, roles, &auto_pass, reason,
                          sizeof reason);
    if (nroles == -1)
        return HD_APPLY_RETRY;
    if (nroles < 0)
        return dead(why, n, "policy.evaluated: %s", reason);
    if (pass && auto_pass && b->n_roles == 0)
        return approve_now(db, ctx, ev, item.content_id, k);
    if (nroles == 0) {
        memset(&roles[0], 0, sizeof roles[0]);
        snprintf(roles[0].name, sizeof roles[0].name, "%s",
                 ctx && ctx->fallback_role ? ctx->fallback_role : "orchestrator");
        nroles = 1;
    }
    return request_approval(db, ev, &item, roles, (size_t)nroles);
}

/* ---------- decision.recorded ---------- */

static int refuse(hd_db_t *db, const hd_envelope_t *ev, const char *department,
                  const char *reason) {
    const Huddle__V1__DecisionRecorded *b = ev->decision_recorded;
    Huddle__V1__DecisionRefused body = HUDDLE__V1__DECISION_REFUSED__INIT;
    body.content_id = b->content_id;
    body.decision_id = b->decision_id;
    body.actor_email = b->actor_email;
    body.reason = (char *)reason;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_DECISION_REFUSED;
    env.decision_refused = &body;
    hd_log(HD_LOG_INFO, "decision_refused", ev->id, b->content_id, "%s: %s", str(b->actor_email),
           reason);
    return wf_emit(db, ev, &env, department, "decision.refused") < 0 ? HD_APPLY_RETRY : HD_APPLY_OK;
}

static int reject(hd_db_t *db, const hd_envelope_t *ev, const hd_approval_item_t *item, const char *role) {
    const Huddle__V1__DecisionRecorded *b = ev->decision_recorded;
    if (set_state(db, item->content_id, "rejected", when(ev), 1) < 0)
        return HD_APPLY_RETRY;
    Huddle__V1__ContentRejected body = HUDDLE__V1__CONTENT_REJECTED__INIT;
    body.content_id = (char *)item->content_id;
    body.actor_email = b->actor_email;
    body.role = (char *)role;
    body.reason = b->reason;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_REJECTED;
    env.content_rejected = &body;
    hd_log(HD_LOG_INFO, "item_rejected", ev->id, item->content_id, "by %s as %s",
           str(b->actor_email), role);
    return wf_emit(db, ev, &env, item->department, "content.rejected") < 0 ? HD_APPLY_RETRY
                                                                           : HD_APPLY_OK;
}

static int approve(hd_db_t *db, const hd_envelope_t *ev, hd_approval_item_t *item, const char *role) {
    const Huddle__V1__DecisionRecorded *b = ev->decision_recorded;
    const char *p[3] = {item->content_id, role, b->actor_id};
    if (hd_db_cmd(db,
                  "INSERT INTO workflow_approval (content_id, role, actor_id) "
                  "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                  3, p) < 0)
        return HD_APPLY_RETRY;
    for (size_t i = 0; i < item->nroles; i++)
        if (strcmp(item->roles[i].name, role) == 0)
            item->roles[i].approved = 1;
    const char *left[HD_MAX_ROLES];
    size_t nleft = hd_approval_remaining(item, left, HD_MAX_ROLES);
    Huddle__V1__ApprovalRecorded body = HUDDLE__V1__APPROVAL_RECORDED__INIT;
    body.content_id = (char *)item->content_id;
    body.actor_id = b->actor_id;
    body.actor_email = b->actor_email;
    body.role = (char *)role;
    body.remaining_roles = (char **)left;
    body.n_remaining_roles = nleft;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_APPROVAL_RECORDED;
    env.approval_recorded = &body;
    hd_log(HD_LOG_INFO, "approval_recorded", ev->id, item->content_id, "by %s as %s, %zu left",
           str(b->actor_email), role, nleft);
    if (wf_emit(db, ev, &env, item->department, "approval.recorded") < 0)
        return HD_APPLY_RETRY;
    if (nleft > 0)
        return HD_APPLY_OK;
    if (set_state(db, item->content_id, "approved", when(ev), 1) < 0)
        return HD_APPLY_RETRY;
    hd_log(HD_LOG_INFO, "item_approved", ev->id, item->content_id, "every role approved");
    return emit_approved(db, ev, item->content_id) < 0 ? HD_APPLY_RETRY : HD_APPLY_OK;
}

static int on_decision(hd_db_t *db, const hd_envelope_t *ev, wf_ctx_t *ctx, char *why,
                       size_t n) {
    const Huddle__V1__DecisionRecorded *b = ev->decision_recorded;
    if (!b || !hd_id_valid(str(b->content_id)) || !hd_id_valid(str(b->actor_id)))
        return dead(why, n, "decision.recorded: content_id and actor_id must be UUIDs");
    if (settle(db, ctx, b->content_id) < 0)
        return HD_APPLY_RETRY;
    int done = already_applied(db, ev);
    if (done < 0)
        return HD_APPLY_RETRY;
    if (done) {
        hd_log(HD_LOG_INFO, "decision_replayed", ev->id, b->content_id, "already applied");
        return HD_APPLY_OK;
    }
    hd_approval_item_t item;
    hd_actor_t actor;
    char reason[256];
    int rc = wf_chain_load(db, b->content_id, &item, reason, sizeof reason);
    if (rc < 0)
        return HD_APPLY_RETRY;
    if (rc == 1)
        return refuse(db, ev, ev->department, reason);
    rc = wf_chain_load_actor(db, b->actor_id, &actor, reason, sizeof reason);
    if (rc < 0)
        return HD_APPLY_RETRY;
    if (rc == 1)
        return refuse(db, ev, item.department, reason);
    int approving = strcmp(str(b->decision), "approve") == 0;
    if (!approving && strcmp(str(b->decision), "reject") != 0) {
        snprintf(reason, sizeof reason, "decision must be approve or reject");
        return refuse(db, ev, item.department, reason);
    }
    char role[HD_ROLE_LEN] = "";
    if (*str(b->role))
        snprintf(role, sizeof role, "%s", b->role);
    else
        hd_approval_pick_role(&item, &actor, role, sizeof role);
    if (!hd_approval_may_decide(&item, &actor, role, reason, sizeof reason))
        return refuse(db, ev, item.department, reason);
    return approving ? approve(db, ev, &item, role) : reject(db, ev, &item, role);
}

/* ---------- publish.succeeded / publish.failed ---------- */

/* The final state's UPDATE, now (no batch) or held back for the batch's end. */
static int set_final(hd_db_t *db, wf_ctx_t *ctx, const hd_envelope_t *ev, const char *cid,
                     const char *state) {
    wf_pending_t *one;
    wf_pending_final(holder(ctx, &one), cid, state, ev->id, ev->type);
    return written_now(db, &one);
}

static int on_published(hd_db_t *db, const hd_envelope_t *ev, wf_ctx_t *ctx, char *why,
                        size_t n) {
    int ok = ev->body_case == HUDDLE__V1__ENVELOPE__BODY_PUBLISH_SUCCEEDED;
    const char *cid = ok ? str(ev->publish_succeeded ? ev->publish_succeeded->content_id : NULL)
                         : str(ev->publish_failed ? ev->publish_failed->content_id : NULL);
    if (!hd_id_valid(cid))
        return dead(why, n, "%s: content_id is not a UUID", ev->type);
    if (!ok && !ev->publish_failed->permanent) {
        hd_log(HD_LOG_INFO, "publish_retrying", ev->id, cid, "failure is not permanent");
        return HD_APPLY_OK;
    }
    if (settle(db, ctx, cid) < 0 || set_final(db, ctx, ev, cid, ok ? "published" : "failed") < 0)
        return HD_APPLY_RETRY;
    return HD_APPLY_OK;
}

void wf_batch_begin(void *arg) {
    wf_ctx_t *ctx = arg;
    if (!ctx)
        return;
    wf_chain_memo_clear(&ctx->chains);
    if (ctx->pending)
        wf_pending_clear(ctx->pending);
    if (ctx->prefetch)
        wf_prefetch_clear(ctx->prefetch);
}

int wf_batch_prepare(hd_db_t *db, void *arg, const hd_envelope_t *const *evs, size_t n) {
    wf_ctx_t *ctx = arg;
    if (!ctx || !ctx->prefetch)
        return 0;
    size_t k = 0;
    const char **ids = malloc((n ? n : 1) * sizeof *ids);
    if (!ids)
        abort();
    for (size_t i = 0; i < n; i++) {
        const hd_envelope_t *ev = evs[i];
        if (ev->body_case == HUDDLE__V1__ENVELOPE__BODY_POLICY_EVALUATED &&
            ev->policy_evaluated && hd_id_valid(str(ev->policy_evaluated->content_id)))
            ids[k++] = ev->policy_evaluated->content_id;
    }
    int rc = wf_prefetch_load(ctx->prefetch, db, ids, k);
    free(ids);
    return rc;
}

int wf_batch_flush(hd_db_t *db, void *arg) {
    wf_ctx_t *ctx = arg;
    return ctx && ctx->pending ? wf_pending_flush(ctx->pending, db) : 0;
}

int wf_apply(hd_db_t *db, const hd_envelope_t *ev, void *arg, char *why, size_t why_len) {
    wf_ctx_t *ctx = arg;
    switch (ev->body_case) {
    case HUDDLE__V1__ENVELOPE__BODY_CONTENT_SUBMITTED:
        return on_submitted(db, ev, ctx, why, why_len);
    case HUDDLE__V1__ENVELOPE__BODY_POLICY_EVALUATED:
        return on_evaluated(db, ev, ctx, why, why_len);
    case HUDDLE__V1__ENVELOPE__BODY_DECISION_RECORDED:
        return on_decision(db, ev, ctx, why, why_len);
    case HUDDLE__V1__ENVELOPE__BODY_PUBLISH_SUCCEEDED:
    case HUDDLE__V1__ENVELOPE__BODY_PUBLISH_FAILED:
        return on_published(db, ev, ctx, why, why_len);
    case HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED:
        return wf_inbox_apply(db, ev, why, why_len);
    default:
        return HD_APPLY_OK; /* not ours: nothing to do */
    }
}
