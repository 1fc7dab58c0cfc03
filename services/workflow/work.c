/*  work: inbox work's transitions (work.h). */
#include "work.h"

#include "calendar.h"
#include "hd_id.h"
#include "watch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GATHERER "information-gatherer"

static const char *str(const char *s) { return s ? s : ""; }

/* ---------- changes ---------- */

static const char *email_of(wf_inbox_t *in, const char *id) {
    const wf_person_t *p = wf_inbox_person(in, id);
    return p ? p->email : "";
}

/* The next free change of st, zeroed. A step makes at most
   WF_MAX_CHANGES (a reopen and an assignment; a route and an
   assignment): more is a broken invariant. */
static wf_change_t *next_change(wf_step_t *st) {
    if (st->nchanges >= WF_MAX_CHANGES)
        abort();
    wf_change_t *c = &st->changes[st->nchanges++];
    memset(c, 0, sizeof *c);
    return c;
}

/* A change of it (as it now is) from state `from`, added to st. */
static wf_change_t *change(wf_step_t *st, wf_inbox_t *in, const wf_inbox_item_t *it,
                           const char *what, hd_inbox_state_t from) {
    wf_change_t *c = next_change(st);
    c->what = what;
    snprintf(c->mention_id, sizeof c->mention_id, "%s", it->mention_id);
    snprintf(c->department, sizeof c->department, "%s", it->department);
    c->known = 1;
    c->state = it->state;
    c->from = from;
    snprintf(c->assignee_id, sizeof c->assignee_id, "%s", it->assignee_id);
    c->assignee_email = email_of(in, it->assignee_id);
    c->actor_id = c->actor_email = c->request_id = c->reply_content_id = "";
    c->channel = it->channel;
    c->feed = str(it->feed);
    c->sla_due_ms = it->sla_due_ms;
    return c;
}

/* Moves it to state `to` owned by `assignee` ("" nobody; it may be
   it->assignee_id) at `at`, keeping the people's counts true. */
static void move(wf_inbox_t *in, wf_inbox_item_t *it, hd_inbox_state_t to, const char *assignee,
                 int64_t at) {
    char owner[HD_ID_LEN];
    snprintf(owner, sizeof owner, "%s", assignee);
    wf_assign_moved(in->people, in->npeople, it->assignee_id, it->state, owner, to, at);
    if (*owner && strcasecmp(it->assignee_id, owner) != 0)
        it->assigned_ms = at;
    snprintf(it->assignee_id, sizeof it->assignee_id, "%s", owner);
    if (to != it->state)
        it->state_ms = at;
    it->state = to;
    if (it->stored)
        it->version++;
    it->changed = 1;
}

/* ---------- deadlines and assignment ---------- */

static void deadlines(const wf_facts_t *f, wf_inbox_item_t *it) {
    if (wf_calendar_deadlines(f->calendars, it->department, it->received_ms, &it->sla_due_ms,
                              &it->sla_warn_ms) < 0)
        it->sla_due_ms = it->sla_warn_ms = 0; /* no working time: no deadline */
}

/* Gives it to `who` (the actor of a request, or workflow), recording the
   change with its reason. */
static wf_change_t *assign(wf_inbox_t *in, wf_inbox_item_t *it, const wf_person_t *who, int64_t at,
                           wf_step_t *st) {
    hd_inbox_state_t from = it->state, to;
    if (hd_inbox_next(from, HD_INBOX_ASSIGN, 1, &to, NULL, 0) < 0)
        return NULL;
    move(in, it, to, who->a.id, at);
    return change(st, in, it, hd_inbox_action_what(HD_INBOX_ASSIGN), from);
}

/* What an item of its queue asks of an automatic assignee. */
static wf_assign_want_t want_of(const wf_facts_t *f, const wf_inbox_item_t *it) {
    wf_assign_want_t w = {it->department, it->triage ? GATHERER : "responder",
                          wf_setting_of(f->calendars, it->department)->assign_cap};
    return w;
}

/* Auto-assignment, unless the queue's setting turns it off; nobody
   eligible leaves the item new. */
static void autoassign(wf_inbox_t *in, const wf_facts_t *f, wf_inbox_item_t *it, int64_t at,
                       wf_step_t *st) {
    if (!wf_setting_of(f->calendars, it->department)->auto_assign || *it->assignee_id)
        return;
    wf_assign_want_t w = want_of(f, it);
    int k = wf_assign_pick(in->people, in->npeople, &w);
    if (k < 0)
        return;
    wf_change_t *c = assign(in, it, &in->people[k], at, st);
    if (c)
        snprintf(c->reason, sizeof c->reason, "auto-assigned: the fewest assigned items among %s",
                 it->triage ? "the information gatherers" : "the department's responders");
}

/* ---------- mention.received ---------- */

/* A crisis in force takes the mention from the queue routing gave it
   (docs/crisis-detection.md): its scope's departments are compared with
   that department ("" in triage), its channels with the mention's. */
static void reroute(const wf_facts_t *f, const hd_envelope_t *ev, wf_inbox_item_t *it,
                    wf_step_t *st) {
    const wf_watch_crisis_t *c = wf_watch_reroute(f->watch, ev, it->channel, it->department);
    if (!c)
        return;
    snprintf(it->rule_id, sizeof it->rule_id, "crisis:%s", c->playbook);
    snprintf(it->department, sizeof it->department, "%s", c->department);
    snprintf(it->crisis_id, sizeof it->crisis_id, "%s", c->id);
    it->triage = 0;
    st->log = "mention_rerouted";
}

/* The new item of mention b, routed (and maybe rerouted), with its
   deadlines. */
static wf_inbox_item_t *routed_item(wf_inbox_t *in, const wf_facts_t *f, const hd_envelope_t *ev,
                                    wf_step_t *st) {
    const Huddle__V1__MentionReceived *b = ev->mention_received;
    int hit = wf_routing_match(f->rules, f->nrules, b->channel, str(b->text), b->departments,
                               b->n_departments);
    wf_inbox_item_t *it = wf_inbox_add(in, b->mention_id);
    it->triage = hit < 0;
    snprintf(it->rule_id, sizeof it->rule_id, "%s", hit >= 0 ? f->rules[hit].id : "");
    snprintf(it->department, sizeof it->department, "%s", hit >= 0 ? f->rules[hit].department : "");
    snprintf(it->channel, sizeof it->channel, "%s", b->channel);
    wf_inbox_set(&it->author_handle, b->author_handle);
    wf_inbox_set(&it->feed, b->feed);
    wf_inbox_set(&it->external_id, b->external_id);
    it->text = str(b->text);
    it->url = str(b->url);
    it->received_ms = it->routed_ms = it->state_ms = wf_decide_when(ev);
    it->state = HD_INBOX_NEW;
    it->changed = 1;
    st->log = hit >= 0 ? "mention_routed" : "mention_triage";
    reroute(f, ev, it, st);
    deadlines(f, it);
    return it;
}

/* The author wrote again: their newest item in the same queue, when
   waiting or resolved, is reopened, and the new item continues it with
   the same assignee when eligible. 1 when the new item was assigned. */
static int conversation(wf_inbox_t *in, const wf_facts_t *f, wf_inbox_item_t *it, int64_t at,
                        wf_step_t *st) {
    wf_inbox_item_t *old = wf_inbox_newest(in, it->channel, it->author_handle, it->department,
                                           at - WF_CONVERSATION_MS, it->mention_id);
    hd_inbox_state_t from, to;
    if (!old || (old->state != HD_INBOX_WAITING && old->state != HD_INBOX_RESOLVED) ||
        hd_inbox_next(old->state, HD_INBOX_REOPEN, *old->assignee_id != 0, &to, NULL, 0) < 0)
        return 0;
    from = old->state;
    move(in, old, to, old->assignee_id, at);
    snprintf(it->conversation_of, sizeof it->conversation_of, "%s", old->mention_id);
    wf_change_t *c = change(st, in, old, hd_inbox_action_what(HD_INBOX_REOPEN), from);
    snprintf(c->reason, sizeof c->reason, "the author wrote again: mention %s", it->mention_id);
    wf_person_t *p = wf_inbox_person(in, old->assignee_id);
    wf_assign_want_t w = want_of(f, it);
    if (!p || !wf_setting_of(f->calendars, it->department)->auto_assign ||
        !wf_assign_eligible(p, &w))
        return 0;
    c = assign(in, it, p, at, st);
    if (c)
        snprintf(c->reason, sizeof c->reason, "the author's conversation: mention %s",
                 old->mention_id);
    return c != NULL;
}

void wf_work_mention(wf_inbox_t *in, const wf_facts_t *f, const hd_envelope_t *ev, wf_step_t *st) {
    const Huddle__V1__MentionReceived *b = ev->mention_received;
    if (!b || !hd_id_valid(str(b->mention_id)))
        return wf_step_dead(st, "mention.received: mention_id is not a UUID");
    if (!*str(b->channel) || strlen(b->channel) >= HD_DEPT_LEN)
        return wf_step_dead(st, "mention.received: channel is required (and at most %d bytes)",
                            HD_DEPT_LEN - 1);
    if (wf_inbox_find(in, b->mention_id)) {
        st->log = "mention_replayed";
        snprintf(st->why, sizeof st->why, "mention %s is in the inbox already", b->mention_id);
        return;
    }
    wf_inbox_item_t *it = st->inbox = routed_item(in, f, ev, st);
    st->department = it->department;
    st->out[st->nout++] = WF_OUT_ROUTED;
    int64_t at = it->received_ms;
    if (!conversation(in, f, it, at, st))
        autoassign(in, f, it, at, st);
    snprintf(st->why, sizeof st->why, "rule=%.127s department=%.127s%s%s%s%s%s%s", it->rule_id,
             it->triage ? "(triage)" : it->department, *it->crisis_id ? " crisis=" : "",
             it->crisis_id, *it->conversation_of ? " conversation_of=" : "", it->conversation_of,
             *it->assignee_id ? " assignee=" : "", it->assignee_id);
}

/* ---------- inbox.requested ---------- */

/* One request as it is decided. */
typedef struct {
    wf_inbox_t *in;
    const wf_facts_t *f;
    const Huddle__V1__InboxRequested *b;
    wf_step_t *st;
    wf_inbox_item_t *it;
    const wf_person_t *actor, *target; /* target: assign's or escalate's new owner */
    hd_inbox_action_t a;
    int64_t at;
} req_t;

static void refuse(req_t *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void refuse(req_t *q, const char *fmt, ...) {
    wf_step_t *st = q->st;
    wf_change_t *c;
    if (q->it) {
        c = change(st, q->in, q->it, "refused", q->it->state);
    } else {
        c = next_change(st);
        c->what = "refused";
        snprintf(c->mention_id, sizeof c->mention_id, "%s", q->b->mention_id);
        snprintf(c->department, sizeof c->department, "%s", st->department);
        c->assignee_email = c->reply_content_id = c->channel = c->feed = "";
    }
    c->actor_id = str(q->b->actor_id);
    c->actor_email = str(q->b->actor_email);
    c->request_id = str(q->b->request_id);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    va_end(ap);
    st->department = c->department;
    st->log = "inbox_refused";
    snprintf(st->why, sizeof st->why, "%s %s: %s", str(q->b->action), q->b->mention_id, c->reason);
}

/* Who an assign names (the actor when nobody), or NULL with q refused. */
static int assign_target(req_t *q) {
    const char *id = *str(q->b->assignee_id) ? q->b->assignee_id : q->actor->a.id;
    q->target = wf_inbox_person(q->in, id);
    if (!q->target)
        refuse(q, "no person %s", id);
    return q->target != NULL;
}

/* The department's coach who takes an escalation, or 0 with q refused. */
static int escalation_target(req_t *q) {
    if (q->it->triage) {
        refuse(q, "a triage item has no coach: route it to a department first");
        return 0;
    }
    wf_assign_want_t w = {q->it->department, "coach", 0};
    int k = wf_assign_pick(q->in->people, q->in->npeople, &w);
    if (k < 0) {
        refuse(q, "no coach of %s is available (active and not away)", q->it->department);
        return 0;
    }
    q->target = &q->in->people[k];
    return 1;
}

/* A route's department, or 0 with q refused. */
static int route_ok(req_t *q) {
    const char *d = str(q->b->department);
    if (!*d || strlen(d) >= HD_DEPT_LEN)
        refuse(q, "route needs a department (at most %d bytes)", HD_DEPT_LEN - 1);
    else if (!q->it->triage && strcmp(d, q->it->department) == 0)
        refuse(q, "the item is in %s already", d);
    else
        return 1;
    return 0;
}

/* hd_inbox_may with the request's target (none for an assign to the
   actor: hd_inbox.h). 1 when allowed, else 0 with q refused. */
static int may(req_t *q) {
    char why[256];
    hd_inbox_item_ref_t ref = {q->it->department, q->it->assignee_id};
    hd_inbox_target_t t = {0};
    int named = q->a == HD_INBOX_ASSIGN && q->target != q->actor;
    if (named)
        t = (hd_inbox_target_t){&q->target->a, q->target->a.active, q->target->away};
    if (hd_inbox_may(&q->actor->a, &ref, q->a, named ? &t : NULL, why, sizeof why) == 0)
        return 1;
    refuse(q, "%s", why);
    return 0;
}

/* Applies the allowed request: the item moves to `to`. */
static void apply_request(req_t *q, hd_inbox_state_t to) {
    wf_inbox_item_t *it = q->it;
    hd_inbox_state_t from = it->state;
    char was[HD_DEPT_LEN];
    snprintf(was, sizeof was, "%s", it->department);
    const char *owner = q->target ? q->target->a.id : it->assignee_id;
    if (q->a == HD_INBOX_UNASSIGN || q->a == HD_INBOX_ROUTE)
        owner = "";
    if (q->a == HD_INBOX_ESCALATE)
        it->escalated = 1;
    if (q->a == HD_INBOX_ROUTE) {
        snprintf(it->department, sizeof it->department, "%s", q->b->department);
        it->triage = 0;
        it->escalated = 0;
        deadlines(q->f, it);
    }
    move(q->in, it, to, owner, q->at);
    wf_change_t *c = change(q->st, q->in, it, hd_inbox_action_what(q->a), from);
    c->actor_id = str(q->b->actor_id);
    c->actor_email = str(q->b->actor_email);
    c->request_id = str(q->b->request_id);
    snprintf(c->reason, sizeof c->reason, "%s", str(q->b->reason));
    if (q->a == HD_INBOX_ROUTE)
        snprintf(c->from_department, sizeof c->from_department, "%s", was);
    q->st->department = it->department;
    q->st->log = "inbox_changed";
    snprintf(q->st->why, sizeof q->st->why, "%s %s: %s -> %s", hd_inbox_action_name(q->a),
             it->mention_id, hd_inbox_state_name(from), hd_inbox_state_name(to));
    if (q->a == HD_INBOX_ROUTE)
        autoassign(q->in, q->f, it, q->at, q->st);
}

/* The request's item, actor and action; 0 when refused. */
static int request_parts(req_t *q) {
    q->it = wf_inbox_find(q->in, q->b->mention_id);
    if (!q->it) {
        refuse(q, "no inbox item for mention %s", q->b->mention_id);
        return 0;
    }
    q->st->department = q->it->department;
    int a = hd_inbox_action_parse(str(q->b->action));
    q->actor = wf_inbox_person(q->in, q->b->actor_id);
    if (a < 0)
        refuse(q, "unknown action '%.40s'", str(q->b->action));
    else if (!q->actor)
        refuse(q, "no person %s", q->b->actor_id);
    else
        q->a = (hd_inbox_action_t)a;
    return a >= 0 && q->actor;
}

void wf_work_request(wf_inbox_t *in, const wf_facts_t *f, const hd_envelope_t *ev, wf_step_t *st) {
    const Huddle__V1__InboxRequested *b = ev->inbox_requested;
    if (!b || !hd_id_valid(str(b->mention_id)) || !hd_id_valid(str(b->actor_id)))
        return wf_step_dead(st, "inbox.requested: mention_id and actor_id must be UUIDs");
    if (wf_facts_applied(f, ev->id)) {
        st->log = "request_replayed";
        snprintf(st->why, sizeof st->why, "already answered");
        return;
    }
    req_t q = {.in = in, .f = f, .b = b, .st = st, .at = wf_decide_when(ev)};
    if (!request_parts(&q))
        return;
    if (q.a == HD_INBOX_ASSIGN && !assign_target(&q))
        return;
    if (!may(&q) || (q.a == HD_INBOX_ROUTE && !route_ok(&q)))
        return;
    int owned = q.a == HD_INBOX_ASSIGN || q.a == HD_INBOX_ESCALATE ||
                (q.a != HD_INBOX_UNASSIGN && q.a != HD_INBOX_ROUTE && *q.it->assignee_id);
    hd_inbox_state_t to;
    char why[256];
    if (hd_inbox_next(q.it->state, q.a, owned, &to, why, sizeof why) < 0)
        return refuse(&q, "%s", why);
    if (q.a == HD_INBOX_ESCALATE && !escalation_target(&q))
        return;
    apply_request(&q, to);
}

/* ---------- a reply published ---------- */

void wf_work_replied(wf_inbox_t *in, const wf_facts_t *f, const wf_item_t *reply,
                     const hd_envelope_t *ev, wf_step_t *st) {
    wf_inbox_item_t *it = wf_inbox_find(in, reply->reply_to_mention_id);
    hd_inbox_state_t from, to;
    if (!it || hd_inbox_next(it->state, HD_INBOX_REPLIED, *it->assignee_id != 0, &to, NULL, 0) < 0)
        return;
    int64_t at = wf_decide_when(ev), business = 0;
    int first = it->first_response_at_ms == 0;
    if (first) {
        it->first_response_at_ms = at;
        if (wf_calendar_elapsed(f->calendars, it->department, it->received_ms, at, &business) < 0)
            business = -1; /* no working time: unknown */
        it->first_response_ms = business;
        snprintf(it->reply_content_id, sizeof it->reply_content_id, "%s", reply->a.content_id);
        snprintf(it->replied_by, sizeof it->replied_by, "%s", reply->author_email);
    }
    from = it->state;
    move(in, it, to, it->assignee_id, at);
    wf_change_t *c = change(st, in, it, hd_inbox_action_what(HD_INBOX_REPLIED), from);
    c->first = first;
    c->response_ms = first && business > 0 ? business : 0;
    c->wall_ms = first && at > it->received_ms ? at - it->received_ms : 0;
    c->reply_content_id = reply->a.content_id;
    c->actor_id = reply->a.author_id;
    c->actor_email = reply->author_email;
    snprintf(c->reason, sizeof c->reason, "reply %s published", reply->a.content_id);
}
