/*  jobs: the publisher's delivery jobs (table publish_job).

    The consumer's batch of content.approved inserts its pending jobs
    (not_before = the scheduled time, or now) in one statement in the
    batch's transaction (new_job.h). The runner (the consumer's idle
    hook) delivers due jobs a batch at a time:
      0. takes the crisis fence shared (fence.h, hd_crisis.h), so that no
         declaration commits while this batch's calls may be on the wire;
      1. claims up to `batch` due jobs and records their attempt (in_flight,
         attempts + 1, a lease in not_before) in one transaction, committed
         before any call (claim.h); in the same transaction the jobs a
         crisis in force holds become held and are not called
         (hold_store.h);
      2. calls each job's channel through the adapter of the channel's kind,
         with the department's account token and the content id as
         idempotency key, up to `concurrency` calls at a time on a pool of
         worker threads, each keeping its connection alive (pool.h), while
         watching its own database session: once the session (and the
         fence with it) is gone no further call begins; then gives the
         fence back;
      3. records every outcome in one transaction (record.h): done +
         publish.succeeded; pending again with a backoff (retry.h) for a
         transient failure; failed + publish.failed for a permanent one or
         when max_attempts attempts failed. If that transaction fails, each
         outcome is recorded on its own; one that still fails stays in
         flight.
    A job still in_flight when the runner starts (a crash mid-call: outcome
    unknown) or whose lease ran out is reconciled: the channel is asked what
    it holds under the idempotency key; found -> recorded as delivered, not
    found -> pending again with the same key. A post is never made twice.
    A reconciliation only looks (it never posts), so it needs no fence: a
    job it finds unposted goes back to pending and the next claim holds it
    if a crisis covers it. After the deliveries the runner deletes the
    posts a crisis recalls (recall.h).

    One publisher process per database: at start it treats every in_flight
    job as orphaned. */
#ifndef PUB_JOBS_H
#define PUB_JOBS_H

#include "hd_consumer.h"
#include "hd_db.h"
#include "pool.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The shortest lease; a batch's lease also outlasts all its calls (the
   last may wait for batch / concurrency - 1 earlier ones on its worker). */
#define PUB_LEASE_S 60
#define PUB_BATCH_DEFAULT 256
#define PUB_RECONCILE_EVERY_MS 1000 /* expired leases are looked for this often */
#define PUB_RECONCILE_MAX 64        /* in-flight jobs settled per look */
#define PUB_CONCURRENCY_DEFAULT 16

typedef struct {
    int max_attempts;        /* HUDDLE_PUBLISH_MAX_ATTEMPTS, default 8 */
    int batch;               /* HUDDLE_PUBLISH_BATCH: jobs claimed at once, default 256 */
    int concurrency;         /* HUDDLE_PUBLISH_CONCURRENCY: calls at once, default 16 */
    long connect_timeout_ms; /* 0: adapter default (2 s) */
    long timeout_ms;         /* 0: adapter default (10 s) */
    int started;             /* set once the start-up reconciliation ran */
    int64_t reconcile_at;    /* next look for expired leases (hd_now_ms) */
    unsigned seed;           /* jitter */
    pub_pool_t *pool;        /* started by the first batch; NULL: calls run inline */
    int pool_failed;         /* the pool could not start: do not retry every batch */
    /* outcomes since start, read by the /metrics thread */
    _Atomic unsigned long delivered, retried, failed;
    /* the crisis figures, read from the database once a second (recorded
       rows: they count what every publisher run did) */
    _Atomic long held_now, holds, recalls_deleted, recalls_failed;
    int64_t figures_at; /* next refresh (hd_now_ms) */
} pub_jobs_t;

/* Appends this runner's figures as Prometheus text (hd_health_fn; arg is
   the pub_jobs_t). Safe from another thread. */
void pub_jobs_metrics(FILE *out, void *arg);

/* Initializes a runner with defaults (max_attempts 8, batch 256,
   concurrency 16); set the fields before the first batch to change them. */
void pub_jobs_init(pub_jobs_t *self, int max_attempts);

/* Stops the runner's workers (between batches only). Safe twice. */
void pub_jobs_destroy(pub_jobs_t *self);

/* hd_consumer_batch_fn: every content.approved of the batch becomes a
   pending job (others are ignored), decided in memory (pub_new_job_of)
   and inserted in one statement (pub_new_job_insert); a content approved
   twice keeps its first job (but a returned one is pending again). A job
   a crisis in force holds is held at once (pub_hold_new), with its
   content.held. A content.approved that can never make a job (bad ids,
   no channel or department) is marked dead in out. arg is unused (the
   service passes its pub_jobs_t for idle). */
int pub_jobs_apply_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n,
                         hd_batch_out_t *out, void *arg);

/* hd_consumer_idle_fn: on the first call reconciles every in_flight job,
   later ones (at most once a second) those whose lease ran out; then
   delivers one batch of due jobs and deletes one batch of due recalls,
   and refreshes the crisis figures once a second. Returns how long the
   loop may wait before calling again (ms, 0..1000): 0 when a batch was
   full, so a backlog drains between quick fetches. arg is a pub_jobs_t.
   Runs outside any transaction. */
int pub_jobs_idle(hd_db_t *db, void *arg);

/* Reconciles in_flight jobs (all when `all`, else expired leases).
   Returns the number handled, -1 on database error. */
int pub_jobs_reconcile(hd_db_t *db, pub_jobs_t *self, int all);

/* Delivers up to `max` due pending jobs as one batch under the crisis
   fence: one claim (holding what a crisis covers), the calls in
   parallel, one record. Returns the number claimed (attempted or held),
   -1 on database error (nothing claimed). */
int pub_jobs_run_due(hd_db_t *db, pub_jobs_t *self, int max);

/* Runs fn on each of the n tasks on the runner's workers (started on
   first use), or one after the other on this thread without them; returns
   when all have returned. For the runner's other calls (recall.h). */
void pub_jobs_run_calls(pub_jobs_t *self, pub_pool_fn *fn, void *const *tasks, size_t n);

/* A jitter in [0, 1) for backoffs, from the runner's seed. */
double pub_jobs_jitter(pub_jobs_t *self);

/* Reads the crisis figures (held jobs, holds and recalls recorded) into
   self for /metrics. 0, or -1 on a database error. */
int pub_jobs_refresh_figures(hd_db_t *db, pub_jobs_t *self);

#endif
