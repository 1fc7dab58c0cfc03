/*  hd_inbox: inbox states, actions and the reply collision rule (hd_inbox.h). */
#include "hd_inbox.h"

#include <stdio.h>
#include <string.h>

static const char *const s_states[HD_INBOX_STATE_COUNT] = {
    [HD_INBOX_NEW] = "new",
    [HD_INBOX_ASSIGNED] = "assigned",
    [HD_INBOX_WAITING] = "waiting",
    [HD_INBOX_RESOLVED] = "resolved",
};

static const struct {
    const char *name, *what;
} s_actions[HD_INBOX_ACTION_COUNT] = {
    [HD_INBOX_ASSIGN] = {"assign", "assigned"},
    [HD_INBOX_UNASSIGN] = {"unassign", "unassigned"},
    [HD_INBOX_ESCALATE] = {"escalate", "escalated"},
    [HD_INBOX_WAIT] = {"wait", "waiting"},
    [HD_INBOX_RESOLVE] = {"resolve", "resolved"},
    [HD_INBOX_REOPEN] = {"reopen", "reopened"},
    [HD_INBOX_ROUTE] = {"route", "routed"},
    [HD_INBOX_REPLIED] = {"replied", "replied"},
};

const char *hd_inbox_state_name(hd_inbox_state_t s) {
    return (unsigned)s < HD_INBOX_STATE_COUNT ? s_states[s] : "unknown";
}

int hd_inbox_state_parse(const char *name) {
    if (!name)
        return -1;
    if (strcmp(name, "open") == 0)
        return HD_INBOX_NEW;
    for (int i = 0; i < HD_INBOX_STATE_COUNT; i++)
        if (strcmp(s_states[i], name) == 0)
            return i;
    return -1;
}

const char *hd_inbox_action_name(hd_inbox_action_t a) {
    return (unsigned)a < HD_INBOX_ACTION_COUNT ? s_actions[a].name : "unknown";
}

const char *hd_inbox_action_what(hd_inbox_action_t a) {
    return (unsigned)a < HD_INBOX_ACTION_COUNT ? s_actions[a].what : "unknown";
}

int hd_inbox_action_parse(const char *name) {
    for (int i = 0; name && i < HD_INBOX_REPLIED; i++)
        if (strcmp(s_actions[i].name, name) == 0)
            return i;
    return -1;
}

int hd_inbox_state_counts(hd_inbox_state_t s) { return s == HD_INBOX_ASSIGNED; }

static int refuse(char *why, size_t n, const char *fmt, hd_inbox_state_t from) {
    if (why && n)
        snprintf(why, n, fmt, hd_inbox_state_name(from));
    return -1;
}

/* The state an action leads to from an open (not resolved) item. */
static int from_open(hd_inbox_state_t from, hd_inbox_action_t a, int has_assignee,
                     hd_inbox_state_t *to, char *why, size_t n) {
    switch (a) {
    case HD_INBOX_ASSIGN:
    case HD_INBOX_ESCALATE:
        /* a waiting item keeps waiting under its new owner */
        *to = from == HD_INBOX_WAITING ? HD_INBOX_WAITING : HD_INBOX_ASSIGNED;
        return 0;
    case HD_INBOX_UNASSIGN:
        if (from == HD_INBOX_NEW)
            return refuse(why, n, "item is %s: nobody is assigned", from);
        *to = HD_INBOX_NEW;
        return 0;
    case HD_INBOX_WAIT:
        if (from != HD_INBOX_ASSIGNED)
            return refuse(why, n, "item is %s: only an assigned item waits for its author", from);
        *to = HD_INBOX_WAITING;
        return 0;
    case HD_INBOX_RESOLVE:
        *to = HD_INBOX_RESOLVED;
        return 0;
    case HD_INBOX_REOPEN:
        if (from != HD_INBOX_WAITING)
            return refuse(why, n, "item is %s: it is open already", from);
        *to = has_assignee ? HD_INBOX_ASSIGNED : HD_INBOX_NEW;
        return 0;
    case HD_INBOX_ROUTE:
        *to = HD_INBOX_NEW;
        return 0;
    case HD_INBOX_REPLIED:
        *to = HD_INBOX_WAITING;
        return 0;
    default:
        return refuse(why, n, "unknown action on a %s item", from);
    }
}

int hd_inbox_next(hd_inbox_state_t from, hd_inbox_action_t a, int has_assignee,
                  hd_inbox_state_t *to, char *why, size_t why_len) {
    if ((unsigned)from >= HD_INBOX_STATE_COUNT)
        return refuse(why, why_len, "item is in an %s state", from);
    if (from != HD_INBOX_RESOLVED)
        return from_open(from, a, has_assignee, to, why, why_len);
    if (a == HD_INBOX_REOPEN) {
        *to = has_assignee ? HD_INBOX_ASSIGNED : HD_INBOX_NEW;
        return 0;
    }
    if (a == HD_INBOX_REPLIED) { /* a late reply does not reopen what was closed */
        *to = HD_INBOX_RESOLVED;
        return 0;
    }
    return refuse(why, why_len, "item is %s: reopen it first", from);
}

static int set(const char *s) { return s && *s; }

hd_reply_verdict_t hd_inbox_reply_check(const hd_inbox_reply_state_t *st, const char *caller_id,
                                        int supersede, const char **by, int64_t *since_ms) {
    int owned = set(st->assignee_id) && (!caller_id || strcmp(st->assignee_id, caller_id) != 0);
    int pending = set(st->pending_content_id);
    if (supersede)
        return pending ? HD_REPLY_OK_SUPERSEDING : HD_REPLY_OK;
    if (pending) {
        *by = st->pending_by ? st->pending_by : "";
        *since_ms = st->pending_since_ms;
        return HD_REPLY_PENDING;
    }
    if (owned) {
        *by = st->assignee_email ? st->assignee_email : "";
        *since_ms = st->assigned_at_ms;
        return HD_REPLY_OWNED;
    }
    return HD_REPLY_OK;
}

int hd_inbox_holds(const hd_actor_t *actor, const char *role) {
    for (size_t i = 0; actor && i < actor->nroles; i++)
        if (strcmp(actor->roles[i], role) == 0)
            return 1;
    return 0;
}

static int deny(char *why, size_t n, int status, const char *msg) {
    if (why && n)
        snprintf(why, n, "%s", msg);
    return status;
}

/* 1 if `who` works items of `item`'s queue: information gatherers in
   triage, the department's responders and coaches otherwise. */
static int works(const hd_actor_t *who, const hd_inbox_item_ref_t *item) {
    if (!*item->department)
        return hd_inbox_holds(who, "information-gatherer");
    return strcmp(who->department, item->department) == 0 &&
           (hd_inbox_holds(who, "responder") || hd_inbox_holds(who, "coach"));
}

/* 1 if `who` leads the queue: a coach of the department, an information
   gatherer (who route any item: they triage). */
static int leads(const hd_actor_t *who, const hd_inbox_item_ref_t *item) {
    if (hd_inbox_holds(who, "information-gatherer"))
        return 1;
    return *item->department && strcmp(who->department, item->department) == 0 &&
           hd_inbox_holds(who, "coach");
}

static int target_ok(const hd_inbox_item_ref_t *item, const hd_inbox_target_t *t, char *why,
                     size_t n) {
    if (!t->active)
        return deny(why, n, 422, "that person is not active");
    if (!works(t->who, item))
        return deny(why, n, 422,
                    *item->department
                        ? "that person is not a responder or coach of the item's department"
                        : "that person is not an information gatherer (triage)");
    if (t->away)
        return deny(why, n, 422, "that person is away");
    return 0;
}

int hd_inbox_may(const hd_actor_t *actor, const hd_inbox_item_ref_t *item, hd_inbox_action_t a,
                 const hd_inbox_target_t *target, char *why, size_t why_len) {
    int other = target && target->who && strcmp(target->who->id, actor->id) != 0;
    int owned = item->assignee_id && *item->assignee_id;
    int mine = owned && strcmp(item->assignee_id, actor->id) == 0;
    if (!hd_inbox_holds(actor, "orchestrator")) {
        if (!works(actor, item) && !leads(actor, item))
            return deny(why, why_len, 403,
                        *item->department ? "only the department's responders and coaches work "
                                            "its inbox"
                                          : "only information gatherers work the triage queue");
        int lead = leads(actor, item);
        if (!lead && ((a == HD_INBOX_ASSIGN && other) || a == HD_INBOX_ROUTE ||
                      (a == HD_INBOX_UNASSIGN && owned && !mine)))
            return deny(why, why_len, 403,
                        "only a coach of the department (an information gatherer in triage) "
                        "assigns others, unassigns others and routes");
        if (!lead && owned && !mine &&
            (a == HD_INBOX_WAIT || a == HD_INBOX_RESOLVE || a == HD_INBOX_REOPEN))
            return deny(why, why_len, 403, "the item is someone else's: its owner or a coach may");
    }
    if (a == HD_INBOX_ASSIGN && target && target->who)
        return target_ok(item, target, why, why_len);
    return 0;
}
