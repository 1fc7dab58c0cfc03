/*  work: inbox work as pure functions (docs/inbox-work.md): what a mention
    received, a person's request and a reply's publication do to inbox
    items (inbox.h), with the rules of common/hd_inbox.h (states, who may
    do what) and assign.h (who gets an item).

      mention.received   -> a new item: routed to the department of the
                            first routing rule that takes it, else to
                            triage (department "", triage); a crisis in
                            force may reroute it to its team (watch.h);
                            its first-response deadlines from its queue's
                            calendar (calendar.h); mention.routed. When
                            the author's newest item in the same queue
                            (routed in the last 7 days) is waiting or
                            resolved, that item is reopened
                            (inbox.reopened) and the new one continues it
                            (conversation_of) and goes to its assignee
                            when eligible; else, auto-assignment
                            (inbox.assigned) unless the queue's setting
                            says auto_assign false. Nothing for a mention
                            already in the inbox (a replay).
      inbox.requested    -> hd_inbox_may (who), hd_inbox_next (which
                            state), then: assign (to the person named, or
                            the actor), unassign, escalate (to the
                            department's coach picked as auto-assignment
                            picks, cap ignored; escalated), wait, resolve,
                            reopen, route (to a department: deadlines
                            recomputed, unassigned, then auto-assigned
                            there); inbox.<what> with request_id, or
                            inbox.refused with the reason. Nothing for a
                            request already answered (a replay).
      a reply published  -> the item replied: the first published reply
                            stops the clock (first_response_at, business
                            and wall milliseconds, reply_content_id,
                            replied_by); state per hd_inbox_next(REPLIED);
                            inbox.replied (first set on the first).

    Every change bumps a stored item's version; the people's counts of
    assigned items follow every change (wf_assign_moved). */
#ifndef WF_WORK_H
#define WF_WORK_H

#include "decide.h"

/* The steps of decide.h's table for these events; st is already reset,
   its department set to the event's. */
void wf_work_mention(wf_inbox_t *in, const wf_facts_t *f, const hd_envelope_t *ev, wf_step_t *st);
void wf_work_request(wf_inbox_t *in, const wf_facts_t *f, const hd_envelope_t *ev, wf_step_t *st);

/* reply (kind reply, answering reply->reply_to_mention_id) was published
   by ev: its inbox item replied. Adds to st's changes (nothing when the
   mention has no inbox item). */
void wf_work_replied(wf_inbox_t *in, const wf_facts_t *f, const wf_item_t *reply,
                     const hd_envelope_t *ev, wf_step_t *st);

#endif
