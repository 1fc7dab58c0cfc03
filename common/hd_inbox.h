/*  hd_inbox: an inbox item (a routed mention) as every service sees it
    (docs/inbox.md): its states, the actions people take on it, which
    action leads where, and the collision rule for replies. One home for
    each rule: ingest checks a request early with them, workflow decides
    with them, the CLI and console show what they say.

    States (inbox_item.state), one enum and one name table:
      new        routed (or in triage), nobody owns it
      assigned   a person owns it and owes the author an answer
      waiting    answered (a reply was published, or the owner set it):
                 the next move is the author's
      resolved   done; the author writing again reopens it

    Every change is an inbox.<what> event (hd_envelope_inbox_type). */
#ifndef HD_INBOX_H
#define HD_INBOX_H

#include "hd_approval.h"

#include <stddef.h>
#include <stdint.h>

typedef enum {
    HD_INBOX_NEW = 0,
    HD_INBOX_ASSIGNED,
    HD_INBOX_WAITING,
    HD_INBOX_RESOLVED,
    HD_INBOX_STATE_COUNT
} hd_inbox_state_t;

/* What a person (or workflow itself) does to an item. */
typedef enum {
    HD_INBOX_ASSIGN = 0, /* to a person (by hand or automatically) */
    HD_INBOX_UNASSIGN,   /* back to the queue */
    HD_INBOX_ESCALATE,   /* to the department's coach */
    HD_INBOX_WAIT,       /* the owner waits for the author */
    HD_INBOX_RESOLVE,
    HD_INBOX_REOPEN,  /* by hand, or the author wrote again */
    HD_INBOX_ROUTE,   /* to a department (out of triage, or elsewhere) */
    HD_INBOX_REPLIED, /* a reply was published (workflow only) */
    HD_INBOX_ACTION_COUNT
} hd_inbox_action_t;

/* The state's name as stored ("assigned"); "unknown" out of range. Static. */
const char *hd_inbox_state_name(hd_inbox_state_t s);

/* The state named `name`; -1 for none (or NULL). The pre-issue-16 name
   "open" reads as new. */
int hd_inbox_state_parse(const char *name);

/* The action's name ("assign"), and the event's what ("assigned"). Static;
   "unknown" out of range. */
const char *hd_inbox_action_name(hd_inbox_action_t a);
const char *hd_inbox_action_what(hd_inbox_action_t a);

/* The action named `name` ("assign"); -1 for none. HD_INBOX_REPLIED is not
   a person's action: it does not parse. */
int hd_inbox_action_parse(const char *name);

/* The state `a` leads to from `from`. has_assignee: whether the item has
   an owner once the action is done (reopen goes back to assigned when it
   has one, to new when not). 0 with *to set, or -1 with why (for the
   person: "item is resolved: reopen it first") when the action does not
   apply in that state. */
int hd_inbox_next(hd_inbox_state_t from, hd_inbox_action_t a, int has_assignee,
                  hd_inbox_state_t *to, char *why, size_t why_len);

/* 1 for the states that count against a person's assignment cap. */
int hd_inbox_state_counts(hd_inbox_state_t s);

/* Who may act on an item (one rule for ingest's early check and
   workflow's decision). The item as far as the rule needs it: */
typedef struct {
    const char *department;  /* "" while in triage */
    const char *assignee_id; /* "" none */
} hd_inbox_item_ref_t;

/* The person an assign names (NULL for an action that names nobody, or
   an assign to the actor). away: away now. */
typedef struct {
    const hd_actor_t *who;
    int active, away;
} hd_inbox_target_t;

/* Whether `actor` may take `a` on `item` (with `target` for assign, the
   department for route). The rules, in order:
   - the orchestrator may do anything;
   - a triage item is worked by information gatherers (any department);
     a department's item by its people holding responder or coach;
   - assign to another person, unassign someone else, and route: a coach of
     the item's department (information gatherers in triage);
   - wait, resolve, reopen on an item someone owns: its owner or a coach;
   - an assign's target must be active, of the item's department (triage:
     an information gatherer), holding responder or coach, and not away.
   0 when allowed; else the HTTP status (403 for the actor, 422 for the
   target) with a reason for a person in why. Pure. */
int hd_inbox_may(const hd_actor_t *actor, const hd_inbox_item_ref_t *item, hd_inbox_action_t a,
                 const hd_inbox_target_t *target, char *why, size_t why_len);

/* 1 if actor holds role. */
int hd_inbox_holds(const hd_actor_t *actor, const char *role);

/* The reply collision rule. A reply by `caller_id` to an item is refused
   when another person owns the item, or when a reply to it is still
   pending (neither published nor finally refused) -- unless the caller
   supersedes explicitly. Borrowed strings; "" for none. */
typedef struct {
    const char *assignee_id, *assignee_email;
    int64_t assigned_at_ms;
    const char *pending_content_id; /* the newest pending reply */
    const char *pending_by;         /* its author's email */
    int64_t pending_since_ms;
} hd_inbox_reply_state_t;

typedef enum {
    HD_REPLY_OK = 0,         /* go ahead */
    HD_REPLY_OK_SUPERSEDING, /* go ahead; the pending reply is withdrawn */
    HD_REPLY_PENDING,        /* refused: a reply is pending (by, since) */
    HD_REPLY_OWNED,          /* refused: another person owns the item (by, since) */
} hd_reply_verdict_t;

/* The verdict, and on a refusal who and since when (borrowed from st). */
hd_reply_verdict_t hd_inbox_reply_check(const hd_inbox_reply_state_t *st, const char *caller_id,
                                        int supersede, const char **by, int64_t *since_ms);

#endif
