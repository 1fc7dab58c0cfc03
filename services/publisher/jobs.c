/*  jobs: publish_job bookkeeping and the delivery runner (see jobs.h). */
#include "jobs.h"

#include "adapter.h"
#include "claim.h"
#include "due.h"
#include "fence.h"
#include "hd_id.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_prom.h"
#include "hd_signal.h"
#include "hold_store.h"
#include "job_state.h"
#include "new_job.h"
#include "recall.h"
#include "record.h"
#include "retry.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void pub_jobs_init(pub_jobs_t *self, int max_attempts) {
    memset(self, 0, sizeof *self);
    self->max_attempts = max_attempts > 0 ? max_attempts : 8;
    self->batch = PUB_BATCH_DEFAULT;
    self->concurrency = PUB_CONCURRENCY_DEFAULT;
    self->seed = (unsigned)hd_now_ms() ^ (unsigned)getpid();
}

void pub_jobs_destroy(pub_jobs_t *self) { pub_pool_destroy(&self->pool); }

void pub_jobs_metrics(FILE *out, void *arg) {
    pub_jobs_t *self = arg;
    static const char *const outcome[] = {"outcome=\"delivered\"", "outcome=\"retried\"",
                                          "outcome=\"failed\""};
    unsigned long n[] = {atomic_load(&self->delivered), atomic_load(&self->retried),
                         atomic_load(&self->failed)};
    hd_prom_family(out, "huddle_publisher_attempts_total", "counter",
                   "Delivery attempts by outcome since start.");
    for (size_t i = 0; i < 3; i++)
        hd_prom_sample(out, "huddle_publisher_attempts_total", NULL, outcome[i], (double)n[i]);
    hd_prom_gauge(out, "huddle_publisher_held_jobs", "Publish jobs a crisis holds now.",
                  (double)atomic_load(&self->held_now));
    hd_prom_counter(out, "huddle_publisher_holds_total",
                    "Items held by crises, as recorded (crisis_item, action held).",
                    (double)atomic_load(&self->holds));
    hd_prom_family(out, "huddle_publisher_recalls_total", "counter",
                   "Recalled posts by outcome, as recorded (crisis_item, action recalled).");
    hd_prom_sample(out, "huddle_publisher_recalls_total", NULL, "outcome=\"deleted\"",
                   (double)atomic_load(&self->recalls_deleted));
    hd_prom_sample(out, "huddle_publisher_recalls_total", NULL, "outcome=\"failed\"",
                   (double)atomic_load(&self->recalls_failed));
}

/* The held-now count is a literal state for the partial index
   publish_job_held; $1 deleted, $2 failed (recall outcomes). */
static const char *FIGURES_SQL = "SELECT (SELECT count(*) FROM publish_job WHERE state = 'held'), "
                                 "  count(*) FILTER (WHERE action = 'held'), "
                                 "  count(*) FILTER (WHERE action = 'recalled' AND outcome = $1), "
                                 "  count(*) FILTER (WHERE action = 'recalled' AND outcome = $2) "
                                 "FROM crisis_item";

int pub_jobs_refresh_figures(hd_db_t *db, pub_jobs_t *self) {
    const char *p[2] = {pub_recall_state_name(PUB_RECALL_DELETED),
                        pub_recall_state_name(PUB_RECALL_FAILED)};
    PGresult *r = hd_db_exec(db, FIGURES_SQL, 2, p);
    if (!r)
        return -1;
    atomic_store(&self->held_now, atol(PQgetvalue(r, 0, 0)));
    atomic_store(&self->holds, atol(PQgetvalue(r, 0, 1)));
    atomic_store(&self->recalls_deleted, atol(PQgetvalue(r, 0, 2)));
    atomic_store(&self->recalls_failed, atol(PQgetvalue(r, 0, 3)));
    PQclear(r);
    return 0;
}

int pub_jobs_apply_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n,
                         hd_batch_out_t *out, void *arg) {
    (void)arg;
    pub_new_job_t *jobs = hd_calloc(n, sizeof *jobs);
    const hd_envelope_t **causes = hd_calloc(n, sizeof *causes);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const char *why = "";
        pub_new_job_verdict_t v = pub_new_job_of(evs[i], &jobs[m], &why);
        if (v == PUB_NEW_JOB_DEAD) {
            free(causes);
            free(jobs);
            return hd_batch_dead(out, i, "%s", why);
        }
        causes[m] = evs[i];
        m += v == PUB_NEW_JOB_ROW;
    }
    int rc = pub_new_job_insert(db, jobs, m);
    if (rc == 0)
        rc = pub_hold_new(db, jobs, causes, m, out);
    free(causes);
    free(jobs);
    return rc < 0 ? HD_APPLY_RETRY : HD_APPLY_OK;
}

double pub_jobs_jitter(pub_jobs_t *self) { return (double)rand_r(&self->seed) / RAND_MAX; }

/* Why a job cannot be delivered at all, or NULL with *adapter set. */
static const char *undeliverable(const pub_job_t *job, const pub_adapter_t **adapter) {
    if (!job->have_channel)
        return "the channel is not configured";
    if (!job->have_account)
        return "the department has no account on the channel";
    if (!job->have_credential)
        return "channel credential cannot be opened";
    *adapter = pub_adapter_find(job->kind);
    return *adapter ? NULL : "no adapter for the channel's kind";
}

static pub_request_t request_of(const pub_jobs_t *self, const pub_job_t *job) {
    pub_request_t req = {.base_url = job->base_url,
                         .token = job->token,
                         .idempotency_key = job->content_id,
                         .text = job->text,
                         .in_reply_to_id = job->in_reply_to_id,
                         .connect_timeout_ms = self->connect_timeout_ms,
                         .timeout_ms = self->timeout_ms};
    return req;
}

/* ---------------- delivering a batch ---------------- */

/* Why the calls of a batch not yet begun are not to begin (fence.h). */
enum { GO_ON = 0, YIELD, LOST };

/* The runner's watch over the fence while a batch's calls run: `stop` is
   set once a declaration waits for the fence (YIELD) or the session, and
   the fence with it, is seen gone (LOST); a worker reads it before each
   call. */
typedef struct {
    hd_db_t *db;
    atomic_int stop;
    atomic_int begun; /* calls begun, for the log */
} watch_t;

static void watch_fence(void *arg) {
    watch_t *w = arg;
    if (atomic_load(&w->stop) != GO_ON)
        return;
    int wanted = pub_fence_alive(w->db) ? pub_fence_wanted(w->db) : -1;
    if (wanted != 0)
        atomic_store(&w->stop, wanted < 0 ? LOST : YIELD);
}

/* One job's call, filled by the runner, made by a worker. */
typedef struct {
    const pub_adapter_t *adapter; /* NULL: undeliverable, res already set */
    pub_request_t req;
    pub_result_t res;
    watch_t *watch;
    int not_called; /* YIELD or LOST before it began: pending again */
} call_t;

static void make_call(void *arg, pub_conn_t *conn) {
    call_t *c = arg;
    /* Once stopping, a call not yet begun is not begun: the job stays in
       flight and is looked up at the next start, like one cut short. */
    if (hd_stop) {
        memset(&c->res, 0, sizeof c->res);
        c->res.outcome = PUB_ABORTED;
        snprintf(c->res.error, sizeof c->res.error, "stopped before the call");
        return;
    }
    /* A declaration waits for this batch: the calls on the wire are all it
       needs to wait for. Without the fence one may already have
       committed: a call begun now could publish what it holds. */
    int stop = atomic_load(&c->watch->stop);
    if (stop != GO_ON) {
        c->not_called = stop;
        return;
    }
    atomic_fetch_add(&c->watch->begun, 1);
    c->req.conn = conn;
    c->adapter->post(&c->req, &c->res);
}

/* Fills calls[i] for jobs[i]; the deliverable ones go into tasks.
   Returns their number. */
static size_t prepare(const pub_jobs_t *self, const pub_job_t *jobs, int n, call_t *calls,
                      void **tasks, watch_t *watch) {
    size_t ntasks = 0;
    for (int i = 0; i < n; i++) {
        const pub_job_t *job = &jobs[i];
        call_t *c = &calls[i];
        c->watch = watch;
        const char *why = undeliverable(job, &c->adapter);
        if (why) {
            c->adapter = NULL;
            c->res.outcome = PUB_FAIL;
            snprintf(c->res.error, sizeof c->res.error, "%s (channel %s, kind '%s')", why,
                     job->channel, job->kind);
            continue;
        }
        hd_log(HD_LOG_INFO, "publish_attempt", job->cause, job->content_id,
               "attempt %d on channel %s", job->attempts, job->channel);
        c->req = request_of(self, job);
        tasks[ntasks++] = c;
    }
    return ntasks;
}

/* The pool, started on first use; NULL when it cannot start. */
static pub_pool_t *pool(pub_jobs_t *self) {
    if (!self->pool && !self->pool_failed) {
        int size = self->concurrency;
        size = size < 1 ? 1 : size > PUB_POOL_MAX ? PUB_POOL_MAX : size;
        self->pool = pub_pool_new(size);
        self->pool_failed = self->pool == NULL;
        if (self->pool)
            hd_info("publish_workers", "%d delivery worker(s) started", size);
    }
    return self->pool;
}

void pub_jobs_run_calls(pub_jobs_t *self, pub_pool_fn *fn, void *const *tasks, size_t n) {
    if (n > 0 && pool(self)) {
        pub_pool_run(self->pool, fn, tasks, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        fn(tasks[i], NULL);
}

/* Runs the calls on the pool, watching the fence; without a pool one
   after the other on this thread, the fence looked at before each. */
static void deliver(pub_jobs_t *self, void **tasks, size_t n, watch_t *watch) {
    if (n > 0 && pool(self)) {
        pub_pool_run_watched(self->pool, make_call, tasks, n, watch_fence, watch,
                             PUB_FENCE_WATCH_MS);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        watch_fence(watch);
        make_call(tasks[i], NULL);
    }
}

/* A lease long enough for the batch's last call: a worker makes about
   n / workers calls, each at most the timeout. */
static int lease_s(const pub_jobs_t *self, int n) {
    long workers = self->pool ? pub_pool_size(self->pool) : self->concurrency;
    workers = workers < 1 ? 1 : workers;
    long timeout = self->timeout_ms > 0 ? self->timeout_ms : 10000;
    long waves = ((long)n + workers - 1) / workers;
    long s = waves * timeout / 1000 + 10;
    return s > PUB_LEASE_S ? (int)s : PUB_LEASE_S;
}

static void count(pub_jobs_t *self, const pub_rec_t *recs, int n) {
    for (int i = 0; i < n; i++) {
        if (!recs[i].recorded)
            continue;
        if (recs[i].kind == PUB_REC_DONE)
            self->delivered++;
        else if (recs[i].kind == PUB_REC_FAILED)
            self->failed++;
        else if (recs[i].kind == PUB_REC_LATER)
            self->retried++;
    }
}

/* What each call's result means for its job; a job whose call never
   began because the fence was lost is pending again at once. */
static void plan(pub_jobs_t *self, const pub_job_t *jobs, const call_t *calls, int n,
                 pub_rec_t *recs) {
    for (int i = 0; i < n; i++) {
        if (!calls[i].not_called) {
            pub_rec_plan(&recs[i], &jobs[i], &calls[i].res, self->max_attempts,
                         pub_jobs_jitter(self));
            continue;
        }
        memset(&recs[i], 0, sizeof recs[i]);
        recs[i].job = &jobs[i];
        pub_rec_later(&recs[i], PUB_JOB_PENDING, 0,
                      calls[i].not_called == YIELD
                          ? "not called: a crisis declaration was waiting for the batch"
                          : "not called: the database session, and the crisis fence with it, "
                            "was lost");
    }
}

/* Logs a batch cut short: for a declaration, or unfenced. */
static void log_stop(const watch_t *w, int n) {
    if (atomic_load(&w->stop) == YIELD)
        hd_log(HD_LOG_INFO, "fence_yield", NULL, NULL,
               "a crisis declaration waits: %d of %d call(s) had begun, the others wait for "
               "the next claim",
               atomic_load(&w->begun), n);
    else
        hd_log(HD_LOG_WARN, "fence_lost", NULL, NULL,
               "the database session ended during a batch of %d call(s): %d had begun and may "
               "have published after a declaration; the others were not made",
               n, atomic_load(&w->begun));
}

int pub_jobs_run_due(hd_db_t *db, pub_jobs_t *self, int max) {
    if (hd_stop || max <= 0)
        return 0;
    if (pub_fence_take(db) < 0)
        return -1;
    pub_job_t *jobs = NULL;
    int held = 0;
    int n = pub_claim_due(db, max, lease_s(self, max), &jobs, &held);
    if (n <= 0) {
        pub_fence_release(db);
        return n < 0 ? -1 : held;
    }
    call_t *calls = hd_calloc((size_t)n, sizeof *calls);
    void **tasks = hd_calloc((size_t)n, sizeof *tasks);
    pub_rec_t *recs = hd_calloc((size_t)n, sizeof *recs);
    watch_t watch = {.db = db};
    deliver(self, tasks, prepare(self, jobs, n, calls, tasks, &watch), &watch);
    /* Every call has returned: a declaration may commit now. */
    if (atomic_load(&watch.stop) != GO_ON)
        log_stop(&watch, n);
    pub_fence_release(db);
    plan(self, jobs, calls, n, recs);
    int recorded = pub_rec_batch(db, recs, (size_t)n);
    count(self, recs, n);
    hd_debug("publish_batch", "%d job(s) attempted, %d held, %d outcome(s) recorded", n, held,
             recorded);
    free(recs);
    free(tasks);
    free(calls);
    pub_claim_free(&jobs, n);
    return n + held;
}

/* ---------------- reconciliation ---------------- */

/* What the channel's answer to a lookup means for an in-flight job;
   0 when nothing is to be written. */
static int reconcile_plan(pub_jobs_t *self, const pub_job_t *job, const pub_result_t *res,
                          pub_rec_t *rec) {
    memset(rec, 0, sizeof *rec);
    rec->job = job;
    char why[sizeof rec->error];
    switch (res->outcome) {
    case PUB_DONE:
        pub_rec_done(rec, res);
        return 1;
    case PUB_NOT_FOUND:
        pub_rec_later(rec, PUB_JOB_PENDING, 0, "reconciled: not posted");
        return 1;
    case PUB_RETRY: /* keep it in flight: only a lookup may settle it */
        pub_rec_later(rec, PUB_JOB_IN_FLIGHT,
                      pub_retry_backoff_ms((unsigned)job->attempts, res->retry_after_ms,
                                           pub_jobs_jitter(self)),
                      res->error);
        return 1;
    case PUB_FAIL:
        snprintf(why, sizeof why, "reconciliation failed: %s", res->error);
        pub_rec_failed(rec, why);
        return 1;
    case PUB_ABORTED:
        return 0;
    }
    return 0;
}

/* Settles one in_flight job by asking the channel what it holds. */
static void reconcile_one(hd_db_t *db, pub_jobs_t *self, const pub_job_t *job) {
    const pub_adapter_t *adapter = NULL;
    const char *why = undeliverable(job, &adapter);
    pub_rec_t rec;
    if (why) {
        char reason[sizeof rec.error];
        memset(&rec, 0, sizeof rec);
        rec.job = job;
        snprintf(reason, sizeof reason, "%s (channel %s)", why, job->channel);
        pub_rec_failed(&rec, reason);
        pub_rec_one(db, &rec);
        return;
    }
    pub_request_t req = request_of(self, job);
    pub_result_t res;
    adapter->lookup(&req, &res);
    hd_log(HD_LOG_INFO, "publish_reconcile", job->cause, job->content_id,
           "in flight after attempt %d: the channel %s", job->attempts,
           res.outcome == PUB_DONE        ? "has the post"
           : res.outcome == PUB_NOT_FOUND ? "has no post: retrying with the same key"
                                          : "could not say");
    if (reconcile_plan(self, job, &res, &rec))
        pub_rec_one(db, &rec);
}

int pub_jobs_reconcile(hd_db_t *db, pub_jobs_t *self, int all) {
    pub_job_t *jobs = NULL;
    int n = pub_claim_in_flight(db, all, PUB_RECONCILE_MAX, &jobs), handled = 0;
    for (int i = 0; i < n && !hd_stop; i++) {
        reconcile_one(db, self, &jobs[i]);
        handled++;
    }
    pub_claim_free(&jobs, n);
    return n < 0 ? -1 : handled;
}

/* Milliseconds until the next job falls due (pending, or a lease runs out),
   at most 1000. The states are literals (job_state.h): they are the
   partial index publish_job_due's predicate, which serves this min(). */
static int next_due_ms(hd_db_t *db) { return pub_due_in_ms(db, PUB_DUE_SQL("publish_job"), 1000); }

int pub_jobs_idle(hd_db_t *db, void *arg) {
    pub_jobs_t *self = arg;
    int batch = self->batch > 0 ? self->batch : PUB_BATCH_DEFAULT;
    if (hd_db_ensure(db) < 0)
        return 1000;
    /* Leases last a minute or more: looking for expired ones once a second
       is soon enough, and the look costs a scan of the due index. */
    int64_t now = hd_now_ms();
    if (!self->started || now >= self->reconcile_at) {
        int handled = pub_jobs_reconcile(db, self, !self->started);
        if (handled < 0)
            return 1000;
        self->started = 1;
        self->reconcile_at = handled >= PUB_RECONCILE_MAX ? now : now + PUB_RECONCILE_EVERY_MS;
    }
    int n = pub_jobs_run_due(db, self, batch);
    if (n < 0)
        return 1000;
    int recalled = pub_recall_run_due(db, self, batch);
    if (now >= self->figures_at && pub_jobs_refresh_figures(db, self) == 0)
        self->figures_at = now + 1000;
    if (n >= batch || recalled >= batch)
        return 0;
    return pub_recall_next_due_ms(db, next_due_ms(db));
}
