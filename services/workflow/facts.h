/*  facts: what a workflow batch knows besides its items, read once per
    batch (read.h) and only when some event of the batch needs it: the
    approval chains and review roles, the people deciding, the routing
    rules, which decisions and inbox requests were already applied, the
    inbox settings and calendars, and the certifications of the authors
    of replies (the skip-approval rule).

    The organization's tables may change while workflow runs; a change
    applies from the next batch, as if it had been made a moment later. */
#ifndef WF_FACTS_H
#define WF_FACTS_H

#include "hd_approval.h"
#include "routing.h"

#include <stddef.h>

#define WF_ROLE_AUTO "auto" /* an approval_step role: a PASS needs no person */

/* One approval_step row. */
typedef struct {
    char department[HD_DEPT_LEN]; /* "" with any_department */
    int any_department;           /* department_id IS NULL: the default chain */
    char role[HD_ROLE_LEN];
    int same_department;
} wf_step_row_t;

/* A certification in force (not expired when the batch read it). */
typedef struct {
    char person_id[HD_ID_LEN];
    char channel[HD_DEPT_LEN]; /* "" every channel */
    char name[HD_ROLE_LEN];
} wf_cert_t;

/* One review_role row: whether a role a verdict adds must be held by
   someone of the item's own department. */
typedef struct {
    char role[HD_ROLE_LEN];
    int same_department;
} wf_review_row_t;

typedef struct {
    wf_step_row_t *steps; /* in approval_step id order */
    size_t nsteps, capsteps;
    wf_review_row_t *reviews;
    size_t nreviews, capreviews;
    hd_actor_t *actors; /* the batch's deciding people that exist */
    size_t nactors, capactors;
    wf_rule_t *rules; /* routing rules in priority order; strings in rules_mem */
    size_t nrules;
    void *rules_mem;     /* owned (the rows the rules point into) */
    const char **words;  /* owned (the rules' keywords) */
    char (*applied)[37]; /* decision and inbox request event ids whose outputs are recorded */
    size_t napplied, capapplied;
    const char *fallback_role; /* borrowed: role of an item no chain names */
    struct wf_watch *watch;    /* borrowed: the crises mentions reroute to (watch.h), or NULL */
    /* borrowed: the inbox settings and calendars (calendar.h); NULL when
       no event of the batch needs them */
    const struct wf_calendars *calendars;
    wf_cert_t *certs; /* the certifications of the batch's reply authors */
    size_t ncerts, capcerts;
} wf_facts_t;

/* The roles an item of `department` needs after a verdict adding `extra`:
   the department's chain (its approval_step rows, else the default rows)
   united with the extra roles (same_department from review_role; a role
   listed twice keeps the stricter flag). A role with no review_role row
   is not bound to the item's department (review_role's own default): the
   roles a crisis adds (legal, orchestrator: docs/policy.md) need no row. *auto_pass is set when the chain
   holds WF_ROLE_AUTO, which is never put in out (room for HD_MAX_ROLES).
   Pure. The number of roles, or -1 when they do not fit (why says so). */
int wf_facts_chain(const wf_facts_t *f, const char *department, const char *const *extra,
                   size_t nextra, hd_role_t *out, int *auto_pass, char *why, size_t n);

/* The person with id, or NULL. Borrowed. */
const hd_actor_t *wf_facts_actor(const wf_facts_t *f, const char *id);

/* 1 if person_id holds a certification named `name` for channel or for
   every channel, else 0. */
int wf_facts_certified(const wf_facts_t *f, const char *person_id, const char *channel,
                       const char *name);

/* Whether decision or inbox request event `event_id` was already applied. */
int wf_facts_applied(const wf_facts_t *f, const char *event_id);

/* Forgets everything read (a new batch); the memory is kept. */
void wf_facts_clear(wf_facts_t *f);

/* Frees everything; f may be reused afterwards. */
void wf_facts_free(wf_facts_t *f);

#endif
