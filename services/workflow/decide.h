/*  decide: the approval state machine of workflow, and the inbox's, as pure
    functions.

    wf_decide takes one event, the batch's items (item.h), inbox items and
    people (inbox.h) and facts (facts.h), moves what the event is about to
    its next state in memory and says in a step what else the event
    produces: the events to emit, an approval to record. Nothing here reads
    or writes the database or a socket (apply.c does, before and after),
    so every transition is unit-tested with values alone
    (tests/unit/test_workflow_decide.c, test_workflow_work.c).

      content.submitted  -> new item, evaluating (nothing if it exists);
                            its kind and, for a holding statement (kind
                            statement), its crisis kept; for a reply, the
                            mention it answers; a reply that supersedes a
                            pending one (same mention) not yet approved
                            (evaluating or awaiting_approval): that one
                            rejected + content.rejected ("superseded by
                            reply <id>"); one approved already stays
      policy.evaluated   -> block: blocked + content.blocked
                            a holding statement: approved at once + its
                              approval as WF_ROLE_PLAYBOOK by its author
                              (the playbook's version was its approval) +
                              content.approved
                            a reply, pass with no role, by an author
                              holding the certification its department's
                              inbox setting names (skip_approval_
                              certification; for its channel or every
                              channel, not expired): approved + its
                              approval as WF_ROLE_CERTIFIED by its author +
                              content.approved
                            pass, chain with 'auto', no extra role:
                              approved + content.approved
                            else: awaiting_approval + approval.requested
                            (an item no longer evaluating: nothing)
      decision.recorded  -> decision.refused (with the rule's reason), or
                            rejected + content.rejected, or
                            approval.recorded (+ approved and
                            content.approved when no role is left)
      publish.succeeded  -> published; publish.failed (permanent) -> failed
                            (only from approved or failed); a reply
                            published: its inbox item replied (work.h)
      content.released   -> a held item's outcome when its crisis resumed
                            (only from approved, workflow's state of a held
                            item): reapprove: awaiting_approval again, every
                            approval cleared, approval.requested with its
                            roles (a statement's playbook role left out:
                            a person decides; none left: the fallback
                            role); expire: expired (final); publish: nothing
      mention.received   -> an inbox item + mention.routed (+ inbox.reopened,
                            inbox.assigned): work.h
      inbox.requested    -> inbox.<what> or inbox.refused: work.h

    Items whose chain yields no role at all are never approved by nobody:
    they need the fallback role (facts.fallback_role, "orchestrator"). */
#ifndef WF_DECIDE_H
#define WF_DECIDE_H

#include "facts.h"
#include "hd_envelope.h"
#include "inbox.h"
#include "item.h"

#include <stddef.h>

/* The role a holding statement is approved as: its playbook's version,
   recorded with the statement's author as the actor. */
#define WF_ROLE_PLAYBOOK "playbook"
/* The role a reply that skips approval is approved as: its author's
   certification, recorded with the author as the actor. */
#define WF_ROLE_CERTIFIED "certified"

typedef enum {
    WF_OUT_BLOCKED,            /* content.blocked */
    WF_OUT_APPROVAL_REQUESTED, /* approval.requested */
    WF_OUT_APPROVED,           /* content.approved */
    WF_OUT_APPROVAL_RECORDED,  /* approval.recorded */
    WF_OUT_REJECTED,           /* content.rejected */
    WF_OUT_REFUSED,            /* decision.refused */
    WF_OUT_ROUTED,             /* mention.routed */
    WF_OUT_SUPERSEDED          /* content.rejected of the reply superseded */
} wf_out_t;

#define WF_MAX_CHANGES 3

/* An inbox item's change: the inbox.<what> event to emit, with the item as
   it was just after the change (the same step may change it again). */
typedef struct {
    const char *what; /* static: hd_inbox_action_what, or "refused" */
    char mention_id[HD_ID_LEN];
    char department[HD_DEPT_LEN];      /* the item's after the change ("" in triage) */
    char from_department[HD_DEPT_LEN]; /* routed: where it was */
    int known;                         /* the item exists: state and from are set */
    hd_inbox_state_t state, from;
    char assignee_id[HD_ID_LEN];        /* "" nobody */
    const char *assignee_email;         /* borrowed from the people; "" */
    const char *actor_id, *actor_email; /* borrowed from the event; "" workflow itself */
    const char *request_id;             /* borrowed from the event; "" */
    const char *reply_content_id;       /* borrowed from the reply's item; "" */
    const char *channel, *feed;         /* borrowed from the inbox item; "" */
    int64_t sla_due_ms, response_ms, wall_ms;
    int first; /* replied: the first published reply */
    char reason[320];
} wf_change_t;

/* What one event does besides moving its item. */
typedef struct {
    int dead;         /* never applicable: why says why (nothing else is set) */
    wf_item_t *item;  /* the event's item, when it has one (borrowed) */
    wf_item_t *other; /* the reply a reply supersedes (borrowed) */
    wf_out_t out[3];  /* events to emit, in order, before the changes */
    size_t nout;
    wf_inbox_item_t *inbox;              /* mention.received: its new inbox item (borrowed) */
    wf_change_t changes[WF_MAX_CHANGES]; /* inbox.<what> events, in order */
    size_t nchanges;
    int approval;           /* record (item, role, actor_id) */
    char role[HD_ROLE_LEN]; /* the role decided as */
    const char *actor_id;   /* who approved (borrowed from ev or the item) */
    int clear_approvals;    /* forget every approval of the item */
    const char *department; /* the emitted events' department (borrowed) */
    const char *log;        /* the log line's event name (static) */
    char why[512];          /* dead reason, refusal reason, or log detail */
} wf_step_t;

/* Decides what `ev` does. Changes at most the event's item in items (a new
   one for content.submitted; item->changed set when it must be written;
   and the reply it supersedes), and the inbox items and people's counts
   the event concerns (work.h). Every string in step is borrowed from ev,
   items, inbox or facts, or held in step, valid until the next decision.
   Pure. A mention.received must have been scanned first (wf_watch_scan on
   facts->watch) for a crisis to reroute it. */
void wf_decide(wf_items_t *items, wf_inbox_t *inbox, const wf_facts_t *facts,
               const hd_envelope_t *ev, wf_step_t *step);

/* The content id an event of workflow's types is about, or NULL (a
   mention, an inbox request, an event without one). Borrowed from ev. */
const char *wf_decide_content_id(const hd_envelope_t *ev);

/* Marks st dead (its event can never apply: the consumer dead-letters it)
   with the reason, printf-style, in st->why. */
void wf_step_dead(wf_step_t *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The event's time: its occurred_at, or now when it has none. */
int64_t wf_decide_when(const hd_envelope_t *ev);

#endif
