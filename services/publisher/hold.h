/*  hold: the publisher's crisis decisions, pure (docs/crisis-hold.md).

    Which crisis in force holds a job (pub_hold_cover): the first, in the
    order given (the order of declaration), whose scope covers the job's
    department and channel (hd_crisis_covers), unless the job is that
    crisis's own holding statement (statement_of): a statement passes its
    crisis's hold, not another's. pub_hold_partition applies it to a batch
    (the runner's claim, a declaration's pending jobs).

    What becomes of a held job when its crisis resumes (pub_hold_release):
    another crisis in force that covers it takes it over (moved, still
    held); else the playbook's exit rule for its slot
    (hd_crisis_resume_outcome) decides: publish (pending again at the
    later of now and its slot), reapprove (returned) or expire (expired). */
#ifndef PUB_HOLD_H
#define PUB_HOLD_H

#include "hd_crisis.h"
#include "job_state.h"

#include <stddef.h>
#include <stdint.h>

/* A crisis that holds publishing: its id and scope (borrowed). */
typedef struct {
    const char *id;
    hd_crisis_scope_t scope;
} pub_hold_crisis_t;

/* What the decisions need of a job (borrowed strings; statement_of NULL
   or "" when the job is no statement). */
typedef struct {
    const char *department, *channel, *statement_of;
} pub_hold_item_t;

/* The index of the first of the nc crises that holds item, or -1. */
int pub_hold_cover(const pub_hold_crisis_t *crises, size_t nc, const pub_hold_item_t *item);

/* held_by[i] = pub_hold_cover(crises, nc, &items[i]) for each of the n
   items; returns how many are held. */
size_t pub_hold_partition(const pub_hold_crisis_t *crises, size_t nc, const pub_hold_item_t *items,
                          size_t n, int *held_by);

/* A held job's fate at its crisis's resume. */
typedef struct {
    int moved_to;          /* index of the crisis that takes it over, or -1 */
    hd_resume_t outcome;   /* when not moved */
    pub_job_state_t state; /* the job's next state: held (moved), pending, returned, expired */
    int64_t not_before_ms; /* pending: the later of now_ms and the slot */
} pub_release_t;

/* Decides a held job's fate at now_ms: `others` are the crises still in
   force that hold publishing (the resumed one is not among them);
   on_time / late are the resumed crisis's exit rules; scheduled_ms its
   slot (0: none). */
pub_release_t pub_hold_release(const pub_hold_crisis_t *others, size_t nothers,
                               const pub_hold_item_t *item, hd_resume_t on_time, hd_resume_t late,
                               int64_t scheduled_ms, int64_t now_ms);

/* Why a released job got its outcome, for content.released's reason and
   the author: which rule applied and whether the slot had passed. Writes
   into buf (n bytes); returns buf. */
const char *pub_hold_reason(char *buf, size_t n, const char *crisis_name, hd_resume_t outcome,
                            int64_t scheduled_ms, int64_t now_ms);

#endif
