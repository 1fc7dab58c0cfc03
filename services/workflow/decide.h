/*  decide: the approval state machine of workflow, as pure functions.

    wf_decide takes one event, the batch's items (item.h) and facts
    (facts.h), moves the event's item to its next state in memory and says
    in a step what else the event produces: the events to emit, an approval
    to record, an inbox entry. Nothing here reads or writes the database or
    a socket (apply.c does, before and after), so every transition is
    unit-tested with values alone (tests/unit/test_workflow_decide.c).

      content.submitted  -> new item, evaluating (nothing if it exists);
                            its kind and, for a holding statement (kind
                            statement), its crisis kept
      policy.evaluated   -> block: blocked + content.blocked
                            a holding statement: approved at once + its
                              approval as WF_ROLE_PLAYBOOK by its author
                              (the playbook's version was its approval) +
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
                            (only from approved or failed)
      content.released   -> a held item's outcome when its crisis resumed
                            (only from approved, workflow's state of a held
                            item): reapprove: awaiting_approval again, every
                            approval cleared, approval.requested with its
                            roles (a statement's playbook role left out:
                            a person decides; none left: the fallback
                            role); expire: expired (final); publish: nothing
      mention.received   -> an inbox entry + mention.routed: to the
                            department of the first routing rule that takes
                            it, or, when a crisis in force reroutes it
                            (facts.watch, watch.h), to the crisis team
                            (rule crisis:<playbook>, crisis_id set)

    Items whose chain yields no role at all are never approved by nobody:
    they need the fallback role (facts.fallback_role, "orchestrator"). */
#ifndef WF_DECIDE_H
#define WF_DECIDE_H

#include "facts.h"
#include "hd_envelope.h"
#include "item.h"

#include <stddef.h>

/* The role a holding statement is approved as: its playbook's version,
   recorded with the statement's author as the actor. */
#define WF_ROLE_PLAYBOOK "playbook"

typedef enum {
    WF_OUT_BLOCKED,            /* content.blocked */
    WF_OUT_APPROVAL_REQUESTED, /* approval.requested */
    WF_OUT_APPROVED,           /* content.approved */
    WF_OUT_APPROVAL_RECORDED,  /* approval.recorded */
    WF_OUT_REJECTED,           /* content.rejected */
    WF_OUT_REFUSED,            /* decision.refused */
    WF_OUT_ROUTED              /* mention.routed */
} wf_out_t;

/* What one event does besides moving its item. */
typedef struct {
    int dead;        /* never applicable: why says why (nothing else is set) */
    wf_item_t *item; /* the event's item, when it has one (borrowed) */
    wf_out_t out[2]; /* events to emit, in order */
    size_t nout;
    int approval;                  /* record (item, role, actor_id) */
    char role[HD_ROLE_LEN];        /* the role decided as */
    const char *actor_id;          /* who approved (borrowed from ev or the item) */
    int clear_approvals;           /* forget every approval of the item */
    const char *department;        /* the emitted events' department (borrowed) */
    char rule_id[HD_ROLE_LEN * 2]; /* routing: the rule, or WF_UNROUTED */
    char routed_to[HD_DEPT_LEN];   /* routing: the department, or WF_UNROUTED */
    char crisis_id[HD_ID_LEN];     /* routing: the crisis it was rerouted by, or "" */
    const char *log;               /* the log line's event name (static) */
    char why[512];                 /* dead reason, refusal reason, or log detail */
} wf_step_t;

/* Decides what `ev` does. Changes at most the event's item in items (a new
   one for content.submitted; item->changed set when it must be written).
   Every string in step is borrowed from ev, items or facts, or held in
   step. Pure. A mention.received must have been scanned first
   (wf_watch_scan on facts->watch) for a crisis to reroute it. */
void wf_decide(wf_items_t *items, const wf_facts_t *facts, const hd_envelope_t *ev,
               wf_step_t *step);

/* The content id an event of workflow's types is about, or NULL (a
   mention, an event without one). Borrowed from ev. */
const char *wf_decide_content_id(const hd_envelope_t *ev);

/* The event's time: its occurred_at, or now when it has none. */
int64_t wf_decide_when(const hd_envelope_t *ev);

#endif
