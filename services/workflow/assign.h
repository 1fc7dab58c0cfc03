/*  assign: who gets an inbox item (docs/inbox-work.md), as pure functions
    over the people a batch read once (inbox.h) and the counts the batch
    keeps up to date as it assigns.

    Eligible for an item: active, not away, holding the role asked for
    (responder; coach for an escalation; information-gatherer in triage),
    of the item's department (triage: of any department), and, when a cap
    is given, with fewer items in state assigned than the cap. The pick is
    the eligible person with the fewest assigned items; ties go to the one
    assigned least recently (never assigned first), then to the smaller
    email, so the same facts always give the same person. */
#ifndef WF_ASSIGN_H
#define WF_ASSIGN_H

#include "hd_approval.h"
#include "hd_inbox.h"
#include "item.h"

#include <stddef.h>
#include <stdint.h>

/* A person who may work inbox items, with the batch's view of their load. */
typedef struct {
    hd_actor_t a; /* id, department, active, roles */
    char email[WF_EMAIL_LEN];
    int away;                 /* away now (person.away_until in the future) */
    int assigned;             /* items in state assigned to them */
    int64_t last_assigned_ms; /* the latest assigned_at of their items; 0: never */
} wf_person_t;

/* What an item asks of its assignee. */
typedef struct {
    const char *department; /* the item's; "" in triage: any department */
    const char *role;       /* responder, coach or information-gatherer */
    int cap;                /* fewer assigned items than this; <= 0: no cap */
} wf_assign_want_t;

/* 1 if p may be given an item that wants w (rules above), else 0. Pure. */
int wf_assign_eligible(const wf_person_t *p, const wf_assign_want_t *w);

/* The index of the person of people[0..n) who gets the item (rules above),
   or -1 when nobody is eligible. Pure. */
int wf_assign_pick(const wf_person_t *people, size_t n, const wf_assign_want_t *w);

/* Keeps the counts true when an item moves from (from_id, from) to
   (to_id, to): one fewer assigned item for from_id when `from` counts
   (hd_inbox_state_counts), one more for to_id when `to` counts; to_id's
   last_assigned_ms becomes at_ms when it is a new owner. Ids "" or NULL:
   nobody; unknown ids are passed over. */
void wf_assign_moved(wf_person_t *people, size_t n, const char *from_id, hd_inbox_state_t from,
                     const char *to_id, hd_inbox_state_t to, int64_t at_ms);

/* The person with id (compared without regard to case), or NULL. */
wf_person_t *wf_assign_find(wf_person_t *people, size_t n, const char *id);

#endif
