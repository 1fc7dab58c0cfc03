/*  decide: workflow's transitions, one function per consumed event. */
#include "decide.h"

#include "calendar.h"
#include "hd_crisis.h"
#include "hd_id.h"
#include "work.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *str(const char *s) { return s ? s : ""; }

void wf_step_dead(wf_step_t *st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->why, sizeof st->why, fmt, ap);
    va_end(ap);
    st->dead = 1;
}

static void emit(wf_step_t *st, wf_out_t out) { st->out[st->nout++] = out; }

int64_t wf_decide_when(const hd_envelope_t *ev) {
    return ev->occurred_at_ms > 0 ? ev->occurred_at_ms : hd_now_ms();
}

/* An item's state changes; a decision (blocked, rejected, approved) also
   stamps decided_at. */
static void move(wf_item_t *it, hd_item_state_t to, int64_t at_ms, int decided) {
    it->a.state = to;
    if (decided)
        it->decided_ms = at_ms;
    it->changed |= decided ? WF_CHANGED_ALL : WF_CHANGED_STATE;
}

/* ---------- content.submitted ---------- */

static int is_statement(const char *kind) { return strcmp(kind, "statement") == 0; }

static int is_reply(const wf_item_t *it) { return strcmp(it->kind, WF_KIND_REPLY) == 0; }

/* The kind ("post" when none), crisis and reply fields of b, or 0 with st
   dead. */
static int kind_ok(const Huddle__V1__ContentSubmitted *b, wf_step_t *st) {
    const char *kind = *str(b->kind) ? b->kind : "post", *crisis = str(b->crisis_id);
    const char *mention = str(b->reply_to_mention_id), *old = str(b->supersedes);
    if (strlen(kind) >= WF_KIND_LEN)
        wf_step_dead(st, "content.submitted: kind is too long");
    else if (*crisis && !hd_id_valid(crisis))
        wf_step_dead(st, "content.submitted: crisis_id is not a UUID");
    else if (is_statement(kind) && !*crisis)
        wf_step_dead(st,
                     "content.submitted: a statement needs the crisis it speaks for (crisis_id)");
    else if ((*mention && !hd_id_valid(mention)) || (*old && !hd_id_valid(old)))
        wf_step_dead(st, "content.submitted: reply_to_mention_id and supersedes must be UUIDs");
    else if (strlen(str(b->reply_to_external_id)) >= WF_EXTERNAL_LEN)
        wf_step_dead(st, "content.submitted: reply_to_external_id is longer than %d bytes",
                     WF_EXTERNAL_LEN - 1);
    return !st->dead;
}

/* A reply superseding a pending one of the same mention withdraws it while
   no approval is complete: it is rejected (content.rejected). */
static void supersede(wf_items_t *items, wf_item_t *it, const char *old_id, int64_t at,
                      wf_step_t *st) {
    wf_item_t *old = wf_items_find(items, old_id);
    st->log = "supersede_ignored";
    if (!old || strcasecmp(old->reply_to_mention_id, it->reply_to_mention_id) != 0)
        snprintf(st->why, sizeof st->why, "%s is not a reply to mention %s", old_id,
                 it->reply_to_mention_id);
    else if (old->a.state != HD_ITEM_EVALUATING && old->a.state != HD_ITEM_AWAITING_APPROVAL)
        snprintf(st->why, sizeof st->why,
                 "reply %s is %s: only a reply not yet approved is "
                 "withdrawn",
                 old_id, hd_item_state_name(old->a.state));
    else {
        move(old, HD_ITEM_REJECTED, at, 1);
        st->other = old;
        emit(st, WF_OUT_SUPERSEDED);
        st->log = "reply_superseded";
        snprintf(st->why, sizeof st->why, "reply %s withdrawn by reply %s", old_id,
                 it->a.content_id);
    }
}

static void on_submitted(wf_items_t *items, const hd_envelope_t *ev, wf_step_t *st) {
    const Huddle__V1__ContentSubmitted *b = ev->content_submitted;
    if (!b || !hd_id_valid(str(b->content_id)))
        return wf_step_dead(st, "content.submitted: content_id is not a UUID");
    if (!hd_id_valid(str(b->author_id)))
        return wf_step_dead(st, "content.submitted: author_id is not a UUID");
    if (!*str(ev->department) || !*str(b->channel))
        return wf_step_dead(st, "content.submitted: department and channel are required");
    if (strlen(ev->department) >= HD_DEPT_LEN || strlen(b->channel) >= HD_DEPT_LEN ||
        strlen(str(b->author_email)) >= WF_EMAIL_LEN)
        return wf_step_dead(st,
                            "content.submitted: department, channel or author_email is too long");
    if (!kind_ok(b, st))
        return;
    st->item = wf_items_find(items, b->content_id);
    if (st->item) {
        st->log = "item_exists";
        return;
    }
    wf_item_t *it = st->item = wf_items_add(items, b->content_id);
    snprintf(it->a.author_id, sizeof it->a.author_id, "%s", b->author_id);
    snprintf(it->a.department, sizeof it->a.department, "%s", ev->department);
    snprintf(it->author_email, sizeof it->author_email, "%s", str(b->author_email));
    snprintf(it->channel, sizeof it->channel, "%s", b->channel);
    snprintf(it->kind, sizeof it->kind, "%s", *str(b->kind) ? b->kind : "post");
    snprintf(it->crisis_id, sizeof it->crisis_id, "%s", str(b->crisis_id));
    snprintf(it->reply_to_mention_id, sizeof it->reply_to_mention_id, "%s",
             str(b->reply_to_mention_id));
    snprintf(it->reply_to_external_id, sizeof it->reply_to_external_id, "%s",
             str(b->reply_to_external_id));
    wf_item_set_text(it, str(b->text));
    it->scheduled_ms = b->scheduled_at_ms > 0 ? b->scheduled_at_ms : 0;
    it->submitted_ms = wf_decide_when(ev);
    it->a.state = HD_ITEM_EVALUATING;
    it->changed = WF_CHANGED_ALL;
    st->log = "item_evaluating";
    snprintf(st->why, sizeof st->why, "department=%.127s channel=%.127s", it->a.department,
             it->channel);
    if (is_reply(it) && *it->reply_to_mention_id && *str(b->supersedes))
        supersede(items, it, b->supersedes, it->submitted_ms, st);
}

/* ---------- policy.evaluated ---------- */

/* The roles the item needs now, or the fallback role when none. */
static void request(const wf_facts_t *f, wf_item_t *it, const hd_role_t *roles, int nroles,
                    int64_t at, wf_step_t *st) {
    if (nroles == 0) {
        memset(&it->a.roles[0], 0, sizeof it->a.roles[0]);
        snprintf(it->a.roles[0].name, HD_ROLE_LEN, "%s",
                 f->fallback_role && *f->fallback_role ? f->fallback_role : "orchestrator");
        nroles = 1;
    } else {
        memcpy(it->a.roles, roles, (size_t)nroles * sizeof *roles);
    }
    it->a.nroles = (size_t)nroles;
    it->requested_ms = at;
    it->changed |= WF_CHANGED_ALL;
    move(it, HD_ITEM_AWAITING_APPROVAL, at, 0);
    emit(st, WF_OUT_APPROVAL_REQUESTED);
    st->log = "item_awaiting_approval";
}

/* Approved by its author as `role` (a pseudo-role no person holds): the
   one approval it needs, recorded so that the approvals say why no person
   approved it. */
static void approve_as(wf_item_t *it, const char *role, int64_t at, wf_step_t *st) {
    memset(&it->a.roles[0], 0, sizeof it->a.roles[0]);
    snprintf(it->a.roles[0].name, HD_ROLE_LEN, "%s", role);
    it->a.roles[0].approved = 1;
    it->a.nroles = 1;
    it->requested_ms = at;
    st->approval = 1;
    snprintf(st->role, sizeof st->role, "%s", role);
    st->actor_id = it->a.author_id;
    move(it, HD_ITEM_APPROVED, at, 1);
    emit(st, WF_OUT_APPROVED);
}

/* A holding statement policy did not block: its playbook, applied by
   people allowed to, was its approval; what policy asked for besides is
   not waited for. */
static void approve_statement(wf_item_t *it, int64_t at, wf_step_t *st) {
    approve_as(it, WF_ROLE_PLAYBOOK, at, st);
    st->log = "statement_approved";
    snprintf(st->why, sizeof st->why, "holding statement of crisis %s", it->crisis_id);
}

/* A reply its author may send without a human approval: the department's
   inbox setting names a certification, and the author holds it for the
   reply's channel or every channel. */
static int certified(const wf_facts_t *f, const wf_item_t *it, const char **cert) {
    if (!is_reply(it) || !f->calendars)
        return 0;
    *cert = wf_setting_of(f->calendars, it->a.department)->skip_approval_certification;
    return *cert && **cert && wf_facts_certified(f, it->a.author_id, it->channel, *cert);
}

/* Approved as WF_ROLE_CERTIFIED by its author: the approvals and the log
   say why no person approved it. */
static void approve_certified(wf_item_t *it, const char *cert, int64_t at, wf_step_t *st) {
    approve_as(it, WF_ROLE_CERTIFIED, at, st);
    st->log = "reply_approved_certified";
    snprintf(st->why, sizeof st->why,
             "policy passed it and its author holds certification '%.63s', which department "
             "%.127s lets skip approval",
             cert, it->a.department);
}

static int verdict_ok(const Huddle__V1__PolicyEvaluated *b, wf_step_t *st) {
    const char *v = str(b->verdict);
    if (strcmp(v, "block") && strcmp(v, "pass") && strcmp(v, "review")) {
        wf_step_dead(st, "policy.evaluated: unknown verdict '%.40s'", v);
        return 0;
    }
    for (size_t i = 0; i < b->n_roles; i++)
        if (!hd_approval_role_ok(b->roles[i])) {
            wf_step_dead(st, "policy.evaluated: role %zu is empty, too long or malformed", i);
            return 0;
        }
    return 1;
}

static void on_evaluated(wf_items_t *items, const wf_facts_t *f, const hd_envelope_t *ev,
                         wf_step_t *st) {
    const Huddle__V1__PolicyEvaluated *b = ev->policy_evaluated;
    if (!b || !hd_id_valid(str(b->content_id)))
        return wf_step_dead(st, "policy.evaluated: content_id is not a UUID");
    if (!verdict_ok(b, st))
        return;
    wf_item_t *it = st->item = wf_items_find(items, b->content_id);
    if (!it)
        return wf_step_dead(st,
                            "policy.evaluated for content %s arrived before its content.submitted "
                            "was applied",
                            b->content_id);
    st->department = it->a.department;
    if (it->a.state != HD_ITEM_EVALUATING) {
        st->log = "verdict_ignored";
        snprintf(st->why, sizeof st->why, "item is %s, no longer evaluating",
                 hd_item_state_name(it->a.state));
        return;
    }
    int64_t at = wf_decide_when(ev);
    if (strcmp(b->verdict, "block") == 0) {
        move(it, HD_ITEM_BLOCKED, at, 1);
        emit(st, WF_OUT_BLOCKED);
        st->log = "item_blocked";
        return;
    }
    if (is_statement(it->kind))
        return approve_statement(it, at, st);
    const char *cert;
    if (strcmp(b->verdict, "pass") == 0 && b->n_roles == 0 && certified(f, it, &cert))
        return approve_certified(it, cert, at, st);
    hd_role_t roles[HD_MAX_ROLES];
    int auto_pass = 0;
    int nroles = wf_facts_chain(f, it->a.department, (const char *const *)b->roles, b->n_roles,
                                roles, &auto_pass, st->why, sizeof st->why);
    if (nroles < 0) {
        char reason[sizeof st->why];
        snprintf(reason, sizeof reason, "%s", st->why);
        return wf_step_dead(st, "policy.evaluated: %.200s", reason);
    }
    if (strcmp(b->verdict, "pass") == 0 && auto_pass && b->n_roles == 0) {
        it->a.nroles = 0;
        it->requested_ms = at;
        move(it, HD_ITEM_APPROVED, at, 1);
        emit(st, WF_OUT_APPROVED);
        st->log = "item_auto_approved";
        return;
    }
    request(f, it, roles, nroles, at, st);
}

/* ---------- decision.recorded ---------- */

static void refuse(wf_step_t *st, const char *department) {
    st->department = department;
    st->nout = 0;
    emit(st, WF_OUT_REFUSED);
    st->log = "decision_refused";
}

static void approve(wf_item_t *it, const char *role, int64_t at, wf_step_t *st) {
    hd_approval_mark(&it->a, role); /* recorded in workflow_approval, not on the item */
    st->approval = 1;
    emit(st, WF_OUT_APPROVAL_RECORDED);
    st->log = "approval_recorded";
    const char *left[HD_MAX_ROLES];
    if (hd_approval_remaining(&it->a, left, HD_MAX_ROLES) > 0)
        return;
    move(it, HD_ITEM_APPROVED, at, 1);
    emit(st, WF_OUT_APPROVED);
    st->log = "item_approved";
}

/* Which role the actor decides as: the one named, or the rule's pick. */
static void decided_role(const Huddle__V1__DecisionRecorded *b, const wf_item_t *it,
                         const hd_actor_t *actor, wf_step_t *st) {
    if (*str(b->role))
        snprintf(st->role, sizeof st->role, "%s", b->role);
    else if (hd_approval_pick_role(&it->a, actor, st->role, sizeof st->role) < 0)
        st->role[0] = 0;
}

static void on_decision(wf_items_t *items, const wf_facts_t *f, const hd_envelope_t *ev,
                        wf_step_t *st) {
    const Huddle__V1__DecisionRecorded *b = ev->decision_recorded;
    if (!b || !hd_id_valid(str(b->content_id)) || !hd_id_valid(str(b->actor_id)))
        return wf_step_dead(st, "decision.recorded: content_id and actor_id must be UUIDs");
    if (wf_facts_applied(f, ev->id)) {
        st->log = "decision_replayed";
        snprintf(st->why, sizeof st->why, "already applied");
        return;
    }
    wf_item_t *it = st->item = wf_items_find(items, b->content_id);
    if (!it) {
        snprintf(st->why, sizeof st->why, "no workflow item for content %s", b->content_id);
        return refuse(st, ev->department);
    }
    const hd_actor_t *actor = wf_facts_actor(f, b->actor_id);
    if (!actor) {
        snprintf(st->why, sizeof st->why, "no person %s", b->actor_id);
        return refuse(st, it->a.department);
    }
    int approving = strcmp(str(b->decision), "approve") == 0;
    if (!approving && strcmp(str(b->decision), "reject") != 0) {
        snprintf(st->why, sizeof st->why, "decision must be approve or reject");
        return refuse(st, it->a.department);
    }
    decided_role(b, it, actor, st);
    if (!hd_approval_may_decide(&it->a, actor, st->role, st->why, sizeof st->why))
        return refuse(st, it->a.department);
    st->department = it->a.department;
    int64_t at = wf_decide_when(ev);
    st->actor_id = b->actor_id;
    if (approving)
        return approve(it, st->role, at, st);
    move(it, HD_ITEM_REJECTED, at, 1);
    emit(st, WF_OUT_REJECTED);
    st->log = "item_rejected";
}

/* ---------- publish.succeeded / publish.failed ---------- */

static void on_published(wf_items_t *items, wf_inbox_t *in, const wf_facts_t *f,
                         const hd_envelope_t *ev, wf_step_t *st) {
    int ok = ev->body_case == HUDDLE__V1__ENVELOPE__BODY_PUBLISH_SUCCEEDED;
    const char *cid = wf_decide_content_id(ev);
    if (!hd_id_valid(str(cid)))
        return wf_step_dead(st, "%s: content_id is not a UUID", ev->type);
    if (!ok && !ev->publish_failed->permanent) {
        st->log = "publish_retrying";
        snprintf(st->why, sizeof st->why, "failure is not permanent");
        return;
    }
    wf_item_t *it = st->item = wf_items_find(items, cid);
    snprintf(st->why, sizeof st->why, "%s", ev->type);
    if (!it || (it->a.state != HD_ITEM_APPROVED && it->a.state != HD_ITEM_FAILED)) {
        st->log = "publish_result_ignored";
        return;
    }
    move(it, ok ? HD_ITEM_PUBLISHED : HD_ITEM_FAILED, wf_decide_when(ev), 0);
    st->log = ok ? "item_published" : "item_failed";
    if (ok && is_reply(it) && *it->reply_to_mention_id)
        wf_work_replied(in, f, it, ev, st);
}

/* ---------- content.released ---------- */

/* Back to approval: every role the item needed decides again, but the
   playbook's (a statement held by another crisis: a person decides now). */
static void reapprove(const wf_facts_t *f, wf_item_t *it, int64_t at, wf_step_t *st) {
    hd_role_t roles[HD_MAX_ROLES];
    int n = 0;
    for (size_t i = 0; i < it->a.nroles; i++) {
        if (strcmp(it->a.roles[i].name, WF_ROLE_PLAYBOOK) == 0)
            continue;
        roles[n] = it->a.roles[i];
        roles[n++].approved = 0;
    }
    it->decided_ms = 0;
    st->clear_approvals = 1;
    request(f, it, roles, n, at, st);
    st->log = "item_reapproval_requested";
}

static void on_released(wf_items_t *items, const wf_facts_t *f, const hd_envelope_t *ev,
                        wf_step_t *st) {
    const Huddle__V1__ContentReleased *b = ev->content_released;
    if (!b || !hd_id_valid(str(b->content_id)))
        return wf_step_dead(st, "content.released: content_id is not a UUID");
    int outcome = hd_resume_parse(str(b->outcome));
    if (outcome < 0)
        return wf_step_dead(st, "content.released: unknown outcome '%.40s'", str(b->outcome));
    wf_item_t *it = st->item = wf_items_find(items, b->content_id);
    if (!it || it->a.state != HD_ITEM_APPROVED) {
        st->log = "release_ignored";
        snprintf(st->why, sizeof st->why, "%s: item is %s, not approved", hd_resume_name(outcome),
                 it ? hd_item_state_name(it->a.state) : "unknown");
        return;
    }
    st->department = it->a.department;
    snprintf(st->why, sizeof st->why, "crisis %.40s resumed: %s", str(b->crisis_id),
             hd_resume_name(outcome));
    int64_t at = wf_decide_when(ev);
    if (outcome == HD_RESUME_REAPPROVE)
        return reapprove(f, it, at, st);
    if (outcome == HD_RESUME_EXPIRE) {
        move(it, HD_ITEM_EXPIRED, at, 0);
        st->log = "item_expired";
        return;
    }
    st->log = "item_released"; /* publish: the publisher's job is pending again */
}

const char *wf_decide_content_id(const hd_envelope_t *ev) {
    switch (ev->body_case) {
    case HUDDLE__V1__ENVELOPE__BODY_CONTENT_SUBMITTED:
        return ev->content_submitted ? ev->content_submitted->content_id : NULL;
    case HUDDLE__V1__ENVELOPE__BODY_POLICY_EVALUATED:
        return ev->policy_evaluated ? ev->policy_evaluated->content_id : NULL;
    case HUDDLE__V1__ENVELOPE__BODY_DECISION_RECORDED:
        return ev->decision_recorded ? ev->decision_recorded->content_id : NULL;
    case HUDDLE__V1__ENVELOPE__BODY_PUBLISH_SUCCEEDED:
        return ev->publish_succeeded ? ev->publish_succeeded->content_id : NULL;
    case HUDDLE__V1__ENVELOPE__BODY_PUBLISH_FAILED:
        return ev->publish_failed ? ev->publish_failed->content_id : NULL;
    case HUDDLE__V1__ENVELOPE__BODY_CONTENT_RELEASED:
        return ev->content_released ? ev->content_released->content_id : NULL;
    default:
        return NULL;
    }
}

void wf_decide(wf_items_t *items, wf_inbox_t *inbox, const wf_facts_t *facts,
               const hd_envelope_t *ev, wf_step_t *st) {
    memset(st, 0, sizeof *st);
    st->department = str(ev->department);
    switch (ev->body_case) {
    case HUDDLE__V1__ENVELOPE__BODY_CONTENT_SUBMITTED:
        return on_submitted(items, ev, st);
    case HUDDLE__V1__ENVELOPE__BODY_POLICY_EVALUATED:
        return on_evaluated(items, facts, ev, st);
    case HUDDLE__V1__ENVELOPE__BODY_DECISION_RECORDED:
        return on_decision(items, facts, ev, st);
    case HUDDLE__V1__ENVELOPE__BODY_PUBLISH_SUCCEEDED:
    case HUDDLE__V1__ENVELOPE__BODY_PUBLISH_FAILED:
        return on_published(items, inbox, facts, ev, st);
    case HUDDLE__V1__ENVELOPE__BODY_CONTENT_RELEASED:
        return on_released(items, facts, ev, st);
    case HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED:
        return wf_work_mention(inbox, facts, ev, st);
    case HUDDLE__V1__ENVELOPE__BODY_INBOX_REQUESTED:
        return wf_work_request(inbox, facts, ev, st);
    default:
        return; /* not ours: nothing to do */
    }
}
