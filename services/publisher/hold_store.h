/*  hold_store: the crises that hold publishing, as the database says, and
    holding jobs (docs/crisis-hold.md).

    pub_hold_read reads the crises in force whose playbook holds publishing
    (view crisis_in_force, hold true), oldest declaration first: the set
    pub_hold_cover (hold.h) decides against. pub_hold_mark makes jobs held
    and records a crisis_item row (action held) for each, in one
    statement; pub_hold_event builds a held job's content.held. Three
    paths hold: the runner's claim (pub_hold_claimed, below, under the
    fence of hd_crisis.h: the one the guarantee rests on), a declaration's
    consumer (crisis_apply.h: every pending job in its scope), and the
    consumer of content.approved (pub_hold_new: a job approved while a
    crisis covers it is held at once, so it shows held rather than pending
    until its slot). */
#ifndef PUB_HOLD_STORE_H
#define PUB_HOLD_STORE_H

#include "claim.h"
#include "hd_batch.h"
#include "hd_db.h"
#include "hd_envelope.h"
#include "hold.h"
#include "job_state.h"
#include "new_job.h"

#include <stddef.h>

/* The crises in force that hold, with the strings their scopes point to. */
typedef struct {
    pub_hold_crisis_t *crises; /* n of them */
    size_t n, ccap;
    void **owned; /* every string and array the crises borrow */
    size_t nowned, cap;
} pub_hold_set_t;

/* Reads the set inside the caller's transaction (or none). 0, or -1 on a
   database error (set empty). Free with pub_hold_set_free. */
int pub_hold_read(hd_db_t *db, pub_hold_set_t *set);

/* Adds a crisis to a set (read or empty: zero it first): its id and its
   departments and channels as JSON arrays of strings, copied. Returns it
   (borrowed from the set; moves when the next is added). */
const pub_hold_crisis_t *pub_hold_add(pub_hold_set_t *set, const char *id,
                                      const char *departments_json, const char *channels_json);

/* Frees what pub_hold_read filled; safe twice. */
void pub_hold_set_free(pub_hold_set_t *set);

/* Inside the caller's transaction: each job ids[i] still in state `from`
   becomes held by crisis_ids[i] (an in-flight job gives its attempt
   back: none was made), with a crisis_item row (crisis, content, held)
   unless one exists. ids and crisis_ids are array columns of equal
   length; both are freed. Returns the jobs changed (content_id,
   department_id, channel_id; the caller PQclears), NULL on a database
   error. */
PGresult *pub_hold_mark(hd_db_t *db, hd_pgarray_t *ids, hd_pgarray_t *crisis_ids,
                        pub_job_state_t from);

/* Fills env (and b, which env points to) with the content.held of a job
   held by crisis_id: correlation the content, department the job's. Not
   stamped: the caller derives the id from its cause. Strings borrowed. */
void pub_hold_event(hd_envelope_t *env, Huddle__V1__ContentHeld *b, const char *content_id,
                    const char *crisis_id, const char *channel, const char *department);

/* The claim's hold, inside its open transaction (the fence held): the
   claimed jobs a crisis in force holds become held (pub_hold_mark from
   in_flight), each with its content.held (id derived from the job's
   content.approved and "content.held:<crisis id>"), and leave the array:
   jobs[0 .. n - held - 1] are the ones to call, the others are freed.
   Returns how many were held, -1 on a database error (the caller rolls
   back; jobs untouched). */
int pub_hold_claimed(hd_db_t *db, pub_job_t *jobs, int n);

/* Inside the consumer's transaction, after pub_new_job_insert: each of
   the n jobs still pending that a crisis in force holds becomes held,
   its content.held emitted through out (caused by causes[i], its
   content.approved; labelled as the claim labels it, so the two paths
   make one id). 0, or -1 on a database error. */
int pub_hold_new(hd_db_t *db, const pub_new_job_t *jobs, const hd_envelope_t *const *causes,
                 size_t n, hd_batch_out_t *out);

#endif
