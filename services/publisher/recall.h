/*  recall: deleting the posts a crisis recalls (table recall_job,
    docs/crisis-hold.md).

    A declaration whose playbook recalls (recall_minutes > 0) leaves one
    recall job per post published in its scope in the last N minutes
    (crisis_apply.h). The runner (pub_jobs_idle, after the deliveries)
    takes the due ones a batch at a time as it takes delivery jobs:
      1. claims up to `max` due jobs (pending, or in flight with a lease
         run out), skipping those another transaction locks, and records
         the attempt (in_flight, attempts + 1, a lease) in one committed
         transaction;
      2. calls the channel's adapter `delete` with the department's account
         token, on the delivery workers;
      3. records every outcome in one transaction: deleted (the post is
         gone, or already was) -> recall job deleted, publish job recalled,
         crisis_item (recalled, outcome deleted), content.recalled; a
         transient failure -> pending again after a backoff (retry.h);
         permanent, or max_attempts used -> recall job failed, crisis_item
         outcome failed, content.recalled with deleted false and the
         reason. Event ids derive from the declaration (the recall job's
         cause) and "content.recalled:<content id>". If that transaction
         fails, the jobs stay in flight and are claimed again when their
         lease runs out: deleting twice is deleting once.
    No fence: a deletion never publishes. */
#ifndef PUB_RECALL_H
#define PUB_RECALL_H

#include "adapter.h"
#include "hd_db.h"
#include "hd_id.h"
#include "jobs.h"

/* The states of a recall job (recall_job.state), one enum and one name
   table. The due index's predicate names pending and in_flight as
   literals (migrations/017_crisis.sql), so the claim's text does too. */
typedef enum {
    PUB_RECALL_PENDING = 0,
    PUB_RECALL_IN_FLIGHT,
    PUB_RECALL_DELETED, /* final: the post is gone */
    PUB_RECALL_FAILED,  /* final: could not be deleted */
    PUB_RECALL_STATE_COUNT
} pub_recall_state_t;

/* "pending", "in_flight", "deleted", "failed"; "unknown" out of range. */
const char *pub_recall_state_name(pub_recall_state_t s);

/* A claimed recall job with what deleting it needs. */
typedef struct {
    char crisis_id[HD_ID_LEN];
    char content_id[HD_ID_LEN];
    char cause[HD_ID_LEN]; /* the crisis.declared that asked for it */
    char channel[128];
    char department[128];
    char post_id[128];
    int attempts; /* including the one being made */
    int have_channel, have_account, have_credential;
    char kind[64];
    char base_url[512];
    char token[512];
} pub_recall_t;

/* What became of one attempt. */
typedef struct {
    pub_recall_state_t state; /* DELETED, FAILED, PENDING (retry), IN_FLIGHT (leave it) */
    long delay_ms;            /* PENDING */
    char error[400];          /* PENDING: the last error; FAILED: the reason; DELETED: a note */
} pub_recall_rec_t;

/* Decides what a delete's result means (pure): done -> deleted; retry ->
   pending after pub_retry_backoff_ms(attempts, retry-after, jitter), or
   failed once max_attempts attempts were made; fail -> failed; aborted
   (stopping) -> left in flight. */
void pub_recall_plan(const pub_recall_t *job, const pub_result_t *res, int max_attempts,
                     double jitter, pub_recall_rec_t *rec);

/* Deletes up to `max` due recall jobs as one batch (claim, calls on the
   runner's workers, one record). Returns the number claimed, -1 on a
   database error (nothing claimed). Outside any transaction. */
int pub_recall_run_due(hd_db_t *db, pub_jobs_t *jobs, int max);

/* Milliseconds until the next recall job falls due, at most cap. */
int pub_recall_next_due_ms(hd_db_t *db, int cap);

#endif
