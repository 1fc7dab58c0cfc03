/*  jobs: publish_job bookkeeping and the delivery runner (see jobs.h). */
#include "jobs.h"

#include "adapter.h"
#include "hd_id.h"
#include "hd_log.h"
#include "hd_outbox.h"
#include "hd_signal.h"
#include "retry.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEXT_(x) #x
#define TEXT(x) TEXT_(x)
#define LEASE_TEXT TEXT(PUB_LEASE_S)

typedef struct {
    char content_id[HD_ID_LEN];
    char cause[HD_ID_LEN];
    char channel[128];
    char department[128];
    char *text;
    int attempts;
    int have_channel, have_account;
    char kind[64];
    char base_url[512];
    char token[512];
} job_t;

static const char *str(const char *s) { return s ? s : ""; }

void pub_jobs_init(pub_jobs_t *self, int max_attempts) {
    memset(self, 0, sizeof *self);
    self->max_attempts = max_attempts > 0 ? max_attempts : 8;
    self->seed = (unsigned)hd_now_ms() ^ (unsigned)getpid();
}

void pub_jobs_metrics(FILE *out, void *arg) {
    pub_jobs_t *self = arg;
    fprintf(out,
            "# HELP huddle_publisher_attempts_total Delivery attempts by outcome since start.\n"
            "# TYPE huddle_publisher_attempts_total counter\n"
            "huddle_publisher_attempts_total{outcome=\"delivered\"} %lu\n"
            "huddle_publisher_attempts_total{outcome=\"retried\"} %lu\n"
            "huddle_publisher_attempts_total{outcome=\"failed\"} %lu\n",
            (unsigned long)self->delivered, (unsigned long)self->retried,
            (unsigned long)self->failed);
}

int pub_jobs_apply(hd_db_t *db, const hd_envelope_t *ev, void *arg, char *why, size_t why_len) {
    if (ev->body_case != HUDDLE__V1__ENVELOPE__BODY_CONTENT_APPROVED)
        return HD_APPLY_OK;
    const Huddle__V1__ContentApproved *b = ev->content_approved;
    if (!b || !hd_id_valid(str(b->content_id)) || !hd_id_valid(str(ev->id))) {
        snprintf(why, why_len, "content.approved: content_id and event id must be UUIDs");
        return HD_APPLY_DEAD;
    }
    if (!*str(b->channel) || !*str(ev->department)) {
        snprintf(why, why_len, "content.approved: channel and department are required");
        return HD_APPLY_DEAD;
    }
    char sched[32];
    snprintf(sched, sizeof sched, "%" PRId64, b->scheduled_at_ms);
    const char *p[6] = {b->content_id, b->channel, ev->department, str(b->text), sched, ev->id};
    long c =
        hd_db_count(db,
                    "INSERT INTO publish_job (content_id, channel_id, department_id, text, state, "
                    "  not_before, cause_event_id) "
                    "VALUES ($1, $2, $3, $4, 'pending', CASE WHEN $5::bigint > 0 "
                    "  THEN to_timestamp($5::bigint / 1000.0) ELSE now() END, $6) "
                    "ON CONFLICT (content_id) DO NOTHING",
                    6, p);
    if (c < 0)
        return HD_APPLY_RETRY;
    hd_log(HD_LOG_INFO, c ? "job_created" : "job_exists", ev->id, b->content_id,
           "channel=%s department=%s scheduled_at_ms=%" PRId64, b->channel, ev->department,
           b->scheduled_at_ms);
    return HD_APPLY_OK;
}

static void copy(char *dst, size_t n, PGresult *r, int col) {
    snprintf(dst, n, "%s", PQgetvalue(r, 0, col));
}

/* Loads a job with its channel and account. 1 loaded, 0 none, -1 error. */
static int load_job(hd_db_t *db, const char *content_id, job_t *job) {
    const char *p[1] = {content_id};
    PGresult *r =
        hd_db_exec(db,
                   "SELECT j.content_id, j.cause_event_id, j.channel_id, j.department_id, j.text, "
                   "  j.attempts, c.id IS NOT NULL, a.token IS NOT NULL, coalesce(c.kind, ''), "
                   "  coalesce(c.base_url, ''), coalesce(a.token, '') "
                   "FROM publish_job j LEFT JOIN channel c ON c.id = j.channel_id "
                   "LEFT JOIN channel_account a ON a.channel_id = j.channel_id "
                   "  AND a.department_id = j.department_id "
                   "WHERE j.content_id = $1",
                   1, p);
    if (!r)
        return -1;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return 0;
    }
    memset(job, 0, sizeof *job);
    copy(job->content_id, sizeof job->content_id, r, 0);
    copy(job->cause, sizeof job->cause, r, 1);
    copy(job->channel, sizeof job->channel, r, 2);
    copy(job->department, sizeof job->department, r, 3);
    job->text = strdup(PQgetvalue(r, 0, 4));
    job->attempts = atoi(PQgetvalue(r, 0, 5));
    job->have_channel = PQgetvalue(r, 0, 6)[0] == 't';
    job->have_account = PQgetvalue(r, 0, 7)[0] == 't';
    copy(job->kind, sizeof job->kind, r, 8);
    copy(job->base_url, sizeof job->base_url, r, 9);
    copy(job->token, sizeof job->token, r, 10);
    PQclear(r);
    if (!job->text)
        abort();
    return 1;
}

static int emit(hd_db_t *db, const job_t *job, hd_envelope_t *env, const char *label) {
    char id[HD_ID_LEN];
    env->department = (char *)job->department;
    env->correlation_id = (char *)job->content_id;
    hd_envelope_stamp(env, id, "publisher", job->cause, label);
    int rc = hd_outbox_put(db, env);
    if (rc >= 0)
        hd_log(HD_LOG_INFO, rc ? "emit_replayed" : "emitted", id, job->content_id, "%s", env->type);
    return rc < 0 ? -1 : 0;
}

/* Runs `fn` in its own transaction; 0 committed, -1 rolled back. */
static int in_txn(hd_db_t *db, int (*fn)(hd_db_t *, const job_t *, const void *), const job_t *job,
                  const void *arg) {
    if (hd_db_begin(db) < 0)
        return -1;
    if (fn(db, job, arg) < 0 || hd_db_commit(db) < 0) {
        hd_db_rollback(db);
        hd_log(HD_LOG_WARN, "job_record_failed", NULL, job->content_id,
               "outcome not recorded (%s); the job will be reconciled", hd_db_error(db));
        return -1;
    }
    return 0;
}

static int record_done(hd_db_t *db, const job_t *job, const void *arg) {
    const pub_result_t *res = arg;
    const char *p[3] = {job->content_id, res->post_id, res->url};
    long c = hd_db_count(db,
                         "UPDATE publish_job SET state = 'done', post_id = $2, url = $3, "
                         "  last_error = NULL, updated_at = now() "
                         "WHERE content_id = $1 AND state = 'in_flight'",
                         3, p);
    if (c <= 0)
        return (int)c; /* 0: somebody else recorded it; nothing to emit */
    Huddle__V1__PublishSucceeded body = HUDDLE__V1__PUBLISH_SUCCEEDED__INIT;
    body.content_id = (char *)job->content_id;
    body.channel = (char *)job->channel;
    body.post_id = (char *)res->post_id;
    body.url = (char *)res->url;
    body.attempts = (uint32_t)job->attempts;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_PUBLISH_SUCCEEDED;
    env.publish_succeeded = &body;
    hd_log(HD_LOG_INFO, "publish_succeeded", job->cause, job->content_id,
           "post %s at %s after %d attempt(s)", res->post_id, res->url, job->attempts);
    return emit(db, job, &env, "publish.succeeded");
}

static int record_failed(hd_db_t *db, const job_t *job, const void *arg) {
    const char *reason = arg;
    const char *p[2] = {job->content_id, reason};
    long c = hd_db_count(db,
                         "UPDATE publish_job SET state = 'failed', last_error = $2, "
                         "  updated_at = now() "
                         "WHERE content_id = $1 AND state IN ('in_flight', 'pending')",
                         2, p);
    if (c <= 0)
        return (int)c;
    Huddle__V1__PublishFailed body = HUDDLE__V1__PUBLISH_FAILED__INIT;
    body.content_id = (char *)job->content_id;
    body.channel = (char *)job->channel;
    body.reason = (char *)reason;
    body.attempts = (uint32_t)job->attempts;
    body.permanent = 1;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_PUBLISH_FAILED;
    env.publish_failed = &body;
    hd_log(HD_LOG_WARN, "publish_failed", job->cause, job->content_id, "after %d attempt(s): %s",
           job->attempts, reason);
    return emit(db, job, &env, "publish.failed");
}

typedef struct {
    const char *state; /* pending: retry; in_flight: keep the lease */
    long delay_ms;
    const char *error;
} later_t;

static int record_later(hd_db_t *db, const job_t *job, const void *arg) {
    const later_t *l = arg;
    char ms[32];
    snprintf(ms, sizeof ms, "%ld", l->delay_ms);
    const char *p[4] = {job->content_id, l->state, ms, l->error};
    return hd_db_cmd(db,
                     "UPDATE publish_job SET state = $2, last_error = $4, updated_at = now(), "
                     "  not_before = now() + make_interval(secs => $3::bigint / 1000.0) "
                     "WHERE content_id = $1 AND state = 'in_flight'",
                     4, p);
}

static double jitter(pub_jobs_t *self) { return (double)rand_r(&self->seed) / RAND_MAX; }

/* Why a job cannot be delivered at all, or NULL with *adapter set. */
static const char *undeliverable(const job_t *job, const pub_adapter_t **adapter) {
    if (!job->have_channel)
        return "the channel is not configured";
    if (!job->have_account)
        return "the department has no account on the channel";
    *adapter = pub_adapter_find(job->kind);
    return *adapter ? NULL : "no adapter for the channel's kind";
}

static void record_outcome(hd_db_t *db, pub_jobs_t *self, const job_t *job,
                           const pub_result_t *res) {
    char reason[400];
    switch (res->outcome) {
    case PUB_DONE:
        if (in_txn(db, record_done, job, res) == 0)
            self->delivered++;
        return;
    case PUB_RETRY:
        if (job->attempts >= self->max_attempts) {
            snprintf(reason, sizeof reason, "gave up after %d attempts: %s", job->attempts,
                     res->error);
            if (in_txn(db, record_failed, job, reason) == 0)
                self->failed++;
            return;
        }
        self->retried++;
        later_t l = {
            "pending",
            pub_retry_backoff_ms((unsigned)job->attempts, res->retry_after_ms, jitter(self)),
            res->error};
        hd_log(HD_LOG_INFO, "publish_retry", job->cause, job->content_id,
               "attempt %d failed (%s); next in %ld ms", job->attempts, res->error, l.delay_ms);
        in_txn(db, record_later, job, &l);
        return;
    case PUB_FAIL:
        if (in_txn(db, record_failed, job, res->error) == 0)
            self->failed++;
        return;
    case PUB_NOT_FOUND: /* lookup only; handled by reconcile */
    case PUB_ABORTED:
        hd_log(HD_LOG_INFO, "publish_abandoned", job->cause, job->content_id,
               "%s; the job stays in flight and is reconciled at start", res->error);
        return;
    }
}

static pub_request_t request_of(const pub_jobs_t *self, const job_t *job) {
    pub_request_t req = {
        job->base_url,   job->token, job->content_id, job->text, self->connect_timeout_ms,
        self->timeout_ms};
    return req;
}

/* Takes the next due pending job and records the attempt. 1 claimed (job
   filled; the caller frees job->text), 0 none due, -1 database error. */
static int claim(hd_db_t *db, job_t *job) {
    if (hd_db_begin(db) < 0)
        return -1;
    PGresult *r =
        hd_db_exec(db,
                   "UPDATE publish_job SET state = 'in_flight', attempts = attempts + 1, "
                   "  updated_at = now(), not_before = now() + make_interval(secs => $1::int) "
                   "WHERE content_id = (SELECT content_id FROM publish_job "
                   "  WHERE state = 'pending' AND not_before <= now() "
                   "  ORDER BY not_before LIMIT 1 FOR UPDATE SKIP LOCKED) "
                   "RETURNING content_id",
                   1, (const char *const[]){LEASE_TEXT});
    if (!r) {
        hd_db_rollback(db);
        return -1;
    }
    char cid[HD_ID_LEN] = "";
    if (PQntuples(r) == 1)
        snprintf(cid, sizeof cid, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    int rc = *cid ? load_job(db, cid, job) : 0;
    if (rc < 0 || hd_db_commit(db) < 0) {
        if (rc > 0)
            free(job->text);
        hd_db_rollback(db);
        return -1;
    }
    return rc;
}

int pub_jobs_run_due(hd_db_t *db, pub_jobs_t *self, int max) {
    int done = 0;
    while (done < max && !hd_stop) {
        job_t job;
        int rc = claim(db, &job);
        if (rc < 0)
            return -1;
        if (rc == 0)
            break;
        done++;
        const pub_adapter_t *adapter = NULL;
        const char *why = undeliverable(&job, &adapter);
        pub_result_t res;
        if (why) {
            memset(&res, 0, sizeof res);
            res.outcome = PUB_FAIL;
            snprintf(res.error, sizeof res.error, "%s (channel %s, kind '%s')", why, job.channel,
                     job.kind);
        } else {
            hd_log(HD_LOG_INFO, "publish_attempt", job.cause, job.content_id,
                   "attempt %d on channel %s", job.attempts, job.channel);
            pub_request_t req = request_of(self, &job);
            adapter->post(&req, &res);
        }
        record_outcome(db, self, &job, &res);
        free(job.text);
    }
    return done;
}

/* Settles one in_flight job by asking the channel what it holds. */
static void reconcile_one(hd_db_t *db, pub_jobs_t *self, const job_t *job) {
    const pub_adapter_t *adapter = NULL;
    const char *why = undeliverable(job, &adapter);
    char reason[400];
    if (why) {
        snprintf(reason, sizeof reason, "%s (channel %s)", why, job->channel);
        in_txn(db, record_failed, job, reason);
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
    later_t l = {"pending", 0, "reconciled: not posted"};
    switch (res.outcome) {
    case PUB_DONE:
        in_txn(db, record_done, job, &res);
        return;
    case PUB_NOT_FOUND:
        in_txn(db, record_later, job, &l);
        return;
    case PUB_RETRY: /* keep it in flight: only a lookup may settle it */
        l.state = "in_flight";
        l.delay_ms =
            pub_retry_backoff_ms((unsigned)job->attempts, res.retry_after_ms, jitter(self));
        l.error = res.error;
        in_txn(db, record_later, job, &l);
        return;
    case PUB_FAIL:
        snprintf(reason, sizeof reason, "reconciliation failed: %s", res.error);
        in_txn(db, record_failed, job, reason);
        return;
    case PUB_ABORTED:
        return;
    }
}

int pub_jobs_reconcile(hd_db_t *db, pub_jobs_t *self, int all) {
    const char *p[1] = {all ? "t" : "f"};
    PGresult *r = hd_db_exec(db,
                             "SELECT content_id FROM publish_job WHERE state = 'in_flight' "
                             "  AND ($1::boolean OR not_before <= now()) "
                             "ORDER BY not_before LIMIT 64",
                             1, p);
    if (!r)
        return -1;
    int n = PQntuples(r), handled = 0;
    for (int i = 0; i < n && !hd_stop; i++) {
        job_t job;
        int rc = load_job(db, PQgetvalue(r, i, 0), &job);
        if (rc < 0) {
            PQclear(r);
            return -1;
        }
        if (rc == 0)
            continue;
        reconcile_one(db, self, &job);
        free(job.text);
        handled++;
    }
    PQclear(r);
    return handled;
}

/* Milliseconds until the next job falls due (pending, or a lease runs out),
   at most 1000. */
static int next_due_ms(hd_db_t *db) {
    PGresult *r = hd_db_exec(db,
                             "SELECT coalesce(ceil(extract(epoch FROM min(not_before) - "
                             "  clock_timestamp()) * 1000), 1000)::bigint "
                             "FROM publish_job WHERE state IN ('pending', 'in_flight')",
                             0, NULL);
    if (!r)
        return 1000;
    long long ms = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return ms < 0 ? 0 : ms > 1000 ? 1000 : (int)ms;
}

int pub_jobs_idle(hd_db_t *db, void *arg) {
    pub_jobs_t *self = arg;
    enum { PER_TICK = 8 };
    if (hd_db_ensure(db) < 0)
        return 1000;
    if (pub_jobs_reconcile(db, self, !self->started) < 0)
        return 1000;
    self->started = 1;
    int n = pub_jobs_run_due(db, self, PER_TICK);
    if (n < 0)
        return 1000;
    return n >= PER_TICK ? 0 : next_due_ms(db);
}
