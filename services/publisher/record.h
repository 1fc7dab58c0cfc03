/*  record: writing down what became of delivery attempts.

    Each outcome is a change of the job's row and, for the final ones, its
    event, in the same transaction: done (published_at = the time it is
    recorded, which a crisis's recall window compares with; never earlier
    than the post) + publish.succeeded, failed +
    publish.failed, or back to pending (or kept in flight) with a delay.
    Event ids derive from the job's content.approved event and the event
    type ("publish.succeeded", "publish.failed"), so recording the same
    outcome twice yields the same id and the outbox refuses the copy; and
    every update only applies to a job still in the state it expects, so a
    job recorded once is never recorded again.

    A batch is recorded in one transaction (one commit for all of it). If
    that fails, each outcome is tried in its own transaction, so one bad
    row does not hold back the rest; what still fails stays in flight and
    is reconciled when its lease runs out. */
#ifndef PUB_RECORD_H
#define PUB_RECORD_H

#include "adapter.h"
#include "claim.h"
#include "hd_db.h"
#include "job_state.h"

#include <stddef.h>

typedef enum {
    PUB_REC_NONE = 0, /* nothing to write: the job stays in flight */
    PUB_REC_DONE,     /* done, post_id, url, published_at + publish.succeeded */
    PUB_REC_LATER,    /* `state` again after delay_ms, last_error = error */
    PUB_REC_FAILED    /* failed, last_error = error + publish.failed */
} pub_rec_kind_t;

typedef struct {
    const pub_job_t *job; /* borrowed */
    pub_rec_kind_t kind;
    pub_job_state_t state; /* LATER: PENDING (retry) or IN_FLIGHT (keep it leased) */
    long delay_ms;         /* LATER */
    char post_id[128];     /* DONE */
    char url[512];         /* DONE */
    char error[400];       /* LATER: the last error; FAILED: the reason */
    int recorded;          /* out: the transaction holding it committed */
    int changed;           /* out: the row was still in the expected state (events written) */
} pub_rec_t;

/* The three kinds of outcome, written into rec (whose job is set): done
   with res's post_id and url; `state` again after delay_ms with error;
   failed with error. Shared by delivery and reconciliation. */
void pub_rec_done(pub_rec_t *rec, const pub_result_t *res);
void pub_rec_later(pub_rec_t *rec, pub_job_state_t state, long delay_ms, const char *error);
void pub_rec_failed(pub_rec_t *rec, const char *error);

/* Decides what a delivery attempt's result means for its job: delivered,
   retried after a backoff (jitter in [0, 1), at least the channel's
   Retry-After), failed for good (permanent, or max_attempts used), or
   left in flight (aborted: unknown outcome). Logs the retry or the
   abandonment. Pure otherwise; job and res are borrowed. */
void pub_rec_plan(pub_rec_t *rec, const pub_job_t *job, const pub_result_t *res, int max_attempts,
                  double jitter);

/* Records one outcome in its own transaction. 0 committed (rec->recorded
   set), -1 rolled back (logged; the job is as it was). */
int pub_rec_one(hd_db_t *db, pub_rec_t *rec);

/* Records n outcomes in one transaction, falling back to pub_rec_one for
   each when that fails. Returns how many were recorded. */
int pub_rec_batch(hd_db_t *db, pub_rec_t *recs, size_t n);

#endif
