/*  recall: claiming, deleting and recording recall jobs (see recall.h). */
#include "recall.h"

#include "claim.h"
#include "due.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_outbox.h"
#include "hd_pgarray.h"
#include "hd_signal.h"
#include "job_state.h"
#include "retry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const s_names[PUB_RECALL_STATE_COUNT] = {
    [PUB_RECALL_PENDING] = "pending",
    [PUB_RECALL_IN_FLIGHT] = "in_flight",
    [PUB_RECALL_DELETED] = "deleted",
    [PUB_RECALL_FAILED] = "failed",
};

const char *pub_recall_state_name(pub_recall_state_t s) {
    return (unsigned)s < PUB_RECALL_STATE_COUNT ? s_names[s] : "unknown";
}

void pub_recall_plan(const pub_recall_t *job, const pub_result_t *res, int max_attempts,
                     double jitter, pub_recall_rec_t *rec) {
    memset(rec, 0, sizeof *rec);
    snprintf(rec->error, sizeof rec->error, "%s", res->error);
    switch (res->outcome) {
    case PUB_DONE:
        rec->state = PUB_RECALL_DELETED;
        return;
    case PUB_RETRY:
        if (job->attempts >= max_attempts) {
            rec->state = PUB_RECALL_FAILED;
            snprintf(rec->error, sizeof rec->error, "gave up after %d attempts: %s", job->attempts,
                     res->error);
            return;
        }
        rec->state = PUB_RECALL_PENDING;
        rec->delay_ms = pub_retry_backoff_ms((unsigned)job->attempts, res->retry_after_ms, jitter);
        return;
    case PUB_FAIL:
    case PUB_NOT_FOUND: /* lookup only */
        rec->state = PUB_RECALL_FAILED;
        return;
    case PUB_ABORTED:
        break;
    }
    rec->state = PUB_RECALL_IN_FLIGHT;
}

/* ---------------- claiming ---------------- */

/* The due jobs are locked, marked and returned in one statement, as the
   delivery claim does; the states looked for are literals, the due
   index's predicate. $3 in_flight. */
static const char *CLAIM_SQL =
    "WITH due AS (SELECT crisis_id, content_id, not_before FROM recall_job "
    "  WHERE state IN ('pending', 'in_flight') AND not_before <= now() "
    "  ORDER BY not_before LIMIT $2 FOR UPDATE SKIP LOCKED), "
    "r AS (UPDATE recall_job k SET state = $3, attempts = k.attempts + 1, updated_at = now(), "
    "  not_before = now() + make_interval(secs => $1::int) "
    "  FROM due WHERE k.crisis_id = due.crisis_id AND k.content_id = due.content_id "
    "  RETURNING k.crisis_id, k.content_id, k.cause_event_id, k.channel_id, k.department_id, "
    "    k.post_id, k.attempts, due.not_before AS due_at) "
    "SELECT r.crisis_id, r.content_id, r.cause_event_id, r.channel_id, r.department_id, "
    "  r.post_id, r.attempts, c.id IS NOT NULL, a.channel_id IS NOT NULL, coalesce(c.kind, ''), "
    "  coalesce(c.base_url, ''), coalesce(encode(a.secret, 'hex'), '') "
    "FROM r LEFT JOIN channel c ON c.id = r.channel_id "
    "LEFT JOIN channel_account a ON a.channel_id = r.channel_id "
    "  AND a.department_id = r.department_id "
    "ORDER BY r.due_at";

static void copy(char *dst, size_t n, PGresult *r, int row, int col) {
    snprintf(dst, n, "%s", PQgetvalue(r, row, col));
}

static void read_job(PGresult *r, int row, pub_recall_t *job) {
    memset(job, 0, sizeof *job);
    copy(job->crisis_id, sizeof job->crisis_id, r, row, 0);
    copy(job->content_id, sizeof job->content_id, r, row, 1);
    copy(job->cause, sizeof job->cause, r, row, 2);
    copy(job->channel, sizeof job->channel, r, row, 3);
    copy(job->department, sizeof job->department, r, row, 4);
    copy(job->post_id, sizeof job->post_id, r, row, 5);
    job->attempts = atoi(PQgetvalue(r, row, 6));
    job->have_channel = PQgetvalue(r, row, 7)[0] == 't';
    job->have_account = PQgetvalue(r, row, 8)[0] == 't';
    copy(job->kind, sizeof job->kind, r, row, 9);
    copy(job->base_url, sizeof job->base_url, r, row, 10);
    job->have_credential =
        job->have_account &&
        pub_claim_open_credential(PQgetvalue(r, row, 11), job->token, sizeof job->token) == 0;
}

/* Claims up to max due jobs in a committed transaction; *jobs the
   caller's to free. Returns the count, -1 on a database error. */
static int claim(hd_db_t *db, int max, int lease_s, pub_recall_t **jobs) {
    char lease[16], limit[16];
    snprintf(lease, sizeof lease, "%d", lease_s);
    snprintf(limit, sizeof limit, "%d", max > 0 ? max : 1);
    const char *p[3] = {lease, limit, pub_recall_state_name(PUB_RECALL_IN_FLIGHT)};
    *jobs = NULL;
    if (hd_db_begin(db) < 0)
        return -1;
    PGresult *r = hd_db_exec(db, CLAIM_SQL, 3, p);
    if (!r) {
        hd_db_rollback(db);
        return -1;
    }
    int n = PQntuples(r);
    *jobs = n > 0 ? hd_calloc((size_t)n, sizeof **jobs) : NULL;
    for (int i = 0; i < n; i++)
        read_job(r, i, &(*jobs)[i]);
    PQclear(r);
    if (hd_db_commit(db) < 0) {
        hd_db_rollback(db);
        free(*jobs);
        *jobs = NULL;
        return -1;
    }
    return n;
}

/* ---------------- calling ---------------- */

typedef struct {
    const pub_adapter_t *adapter; /* NULL: cannot be called, res already set */
    pub_request_t req;
    pub_result_t res;
} call_t;

static void make_call(void *arg, pub_conn_t *conn) {
    call_t *c = arg;
    if (hd_stop) {
        memset(&c->res, 0, sizeof c->res);
        c->res.outcome = PUB_ABORTED;
        snprintf(c->res.error, sizeof c->res.error, "stopped before the call");
        return;
    }
    c->req.conn = conn;
    c->adapter->delete (&c->req, &c->res);
}

/* Why a recall job cannot be called at all, or NULL with *adapter set. */
static const char *uncallable(const pub_recall_t *job, const pub_adapter_t **adapter) {
    if (!job->have_channel)
        return "the channel is not configured";
    if (!job->have_account)
        return "the department has no account on the channel";
    if (!job->have_credential)
        return "channel credential cannot be opened";
    *adapter = pub_adapter_find(job->kind);
    return *adapter ? NULL : "no adapter for the channel's kind";
}

static size_t prepare(const pub_jobs_t *self, const pub_recall_t *jobs, int n, call_t *calls,
                      void **tasks) {
    size_t ntasks = 0;
    for (int i = 0; i < n; i++) {
        const pub_recall_t *job = &jobs[i];
        call_t *c = &calls[i];
        const char *why = uncallable(job, &c->adapter);
        if (why) {
            c->adapter = NULL;
            c->res.outcome = PUB_FAIL;
            snprintf(c->res.error, sizeof c->res.error, "%s (channel %s, kind '%s')", why,
                     job->channel, job->kind);
            continue;
        }
        hd_log(HD_LOG_INFO, "recall_attempt", job->cause, job->content_id,
               "attempt %d: deleting post %s on channel %s", job->attempts, job->post_id,
               job->channel);
        c->req = (pub_request_t){.base_url = job->base_url,
                                 .token = job->token,
                                 .post_id = job->post_id,
                                 .connect_timeout_ms = self->connect_timeout_ms,
                                 .timeout_ms = self->timeout_ms};
        tasks[ntasks++] = c;
    }
    return ntasks;
}

/* ---------------- recording ---------------- */

/* Final outcomes: the recall job, the publish job (only when deleted), the
   crisis_item row, in one statement; returns the rows it settled. $1..$4
   the columns; $5 in_flight (expected); $6 recalled, $7 done (the publish
   job's next and expected states), $8 deleted. */
static const char *FINAL_SQL =
    "WITH x AS (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) "
    "  AS x(crisis, content, state, detail)), "
    "k AS (UPDATE recall_job k SET state = x.state, last_error = nullif(x.detail, ''), "
    "    updated_at = now() "
    "  FROM x WHERE k.crisis_id = x.crisis AND k.content_id = x.content AND k.state = $5 "
    "  RETURNING k.crisis_id, k.content_id, x.state, x.detail), "
    "j AS (UPDATE publish_job j SET state = $6, updated_at = now() "
    "  FROM k WHERE j.content_id = k.content_id AND k.state = $8 AND j.state = $7), "
    "i AS (INSERT INTO crisis_item (crisis_id, content_id, action, outcome, outcome_at, detail) "
    "  SELECT crisis_id, content_id, 'recalled', state, now(), detail FROM k "
    "  ON CONFLICT (crisis_id, content_id, action) DO UPDATE SET outcome = excluded.outcome, "
    "    outcome_at = excluded.outcome_at, detail = excluded.detail) "
    "SELECT crisis_id, content_id FROM k";

/* Retries: pending after a delay, or left in flight (stopping). */
static const char *LATER_SQL =
    "UPDATE recall_job k SET state = x.state, last_error = x.error, updated_at = now(), "
    "  not_before = now() + make_interval(secs => x.ms / 1000.0) "
    "FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bigint[], $5::text[]) "
    "  AS x(crisis, content, state, ms, error) "
    "WHERE k.crisis_id = x.crisis AND k.content_id = x.content AND k.state = $6";

static int is_final(const pub_recall_rec_t *rec) {
    return rec->state == PUB_RECALL_DELETED || rec->state == PUB_RECALL_FAILED;
}

/* 1 when (crisis, content) is a row of r. */
static int settled(PGresult *r, const pub_recall_t *job) {
    for (int i = 0; i < PQntuples(r); i++)
        if (strcasecmp(PQgetvalue(r, i, 0), job->crisis_id) == 0 &&
            strcasecmp(PQgetvalue(r, i, 1), job->content_id) == 0)
            return 1;
    return 0;
}

/* The content.recalled of every settled job, in one statement. */
static int emit(hd_db_t *db, const pub_recall_t *jobs, const pub_recall_rec_t *recs, int n,
                PGresult *done) {
    hd_envelope_t *envs = hd_calloc((size_t)n, sizeof *envs);
    Huddle__V1__ContentRecalled *bodies = hd_calloc((size_t)n, sizeof *bodies);
    char(*ids)[HD_ID_LEN] = hd_calloc((size_t)n, sizeof *ids);
    const hd_envelope_t **out = hd_calloc((size_t)n, sizeof *out);
    size_t m = 0;
    for (int i = 0; i < n; i++) {
        if (!is_final(&recs[i]) || !settled(done, &jobs[i]))
            continue;
        Huddle__V1__ContentRecalled b = HUDDLE__V1__CONTENT_RECALLED__INIT;
        b.content_id = (char *)jobs[i].content_id;
        b.crisis_id = (char *)jobs[i].crisis_id;
        b.channel = (char *)jobs[i].channel;
        b.post_id = (char *)jobs[i].post_id;
        b.deleted = recs[i].state == PUB_RECALL_DELETED;
        b.reason = (char *)recs[i].error;
        b.attempts = (uint32_t)jobs[i].attempts;
        bodies[m] = b;
        hd_envelope_t e = HUDDLE__V1__ENVELOPE__INIT;
        envs[m] = e;
        envs[m].body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_RECALLED;
        envs[m].content_recalled = &bodies[m];
        envs[m].correlation_id = (char *)jobs[i].content_id;
        envs[m].department = (char *)jobs[i].department;
        char label[64];
        snprintf(label, sizeof label, "content.recalled:%s", jobs[i].content_id);
        hd_envelope_stamp(&envs[m], ids[m], "publisher", jobs[i].cause, label);
        out[m] = &envs[m];
        m++;
    }
    int rc = hd_outbox_put_many(db, out, m);
    free(out);
    free(ids);
    free(bodies);
    free(envs);
    return rc < 0 ? -1 : 0;
}

/* The final outcomes and their events; 0 or -1. */
static int write_final(hd_db_t *db, const pub_recall_t *jobs, const pub_recall_rec_t *recs, int n) {
    hd_pgarray_t col[4] = {{0}};
    for (int i = 0; i < n; i++) {
        if (!is_final(&recs[i]))
            continue;
        const char *v[4] = {jobs[i].crisis_id, jobs[i].content_id,
                            pub_recall_state_name(recs[i].state), recs[i].error};
        for (int c = 0; c < 4; c++)
            hd_pgarray_add(&col[c], v[c]);
    }
    if (col[0].n == 0) {
        for (int c = 0; c < 4; c++)
            hd_pgarray_free(&col[c]);
        return 0;
    }
    const char *p[8] = {NULL,
                        NULL,
                        NULL,
                        NULL,
                        pub_recall_state_name(PUB_RECALL_IN_FLIGHT),
                        pub_job_state_name(PUB_JOB_RECALLED),
                        pub_job_state_name(PUB_JOB_DONE),
                        pub_recall_state_name(PUB_RECALL_DELETED)};
    for (int c = 0; c < 4; c++)
        p[c] = hd_pgarray_str(&col[c]);
    PGresult *r = hd_db_exec(db, FINAL_SQL, 8, p);
    for (int c = 0; c < 4; c++)
        hd_pgarray_free(&col[c]);
    if (!r)
        return -1;
    int rc = emit(db, jobs, recs, n, r);
    PQclear(r);
    return rc;
}

static int write_later(hd_db_t *db, const pub_recall_t *jobs, const pub_recall_rec_t *recs, int n) {
    hd_pgarray_t col[5] = {{0}};
    for (int i = 0; i < n; i++) {
        if (recs[i].state != PUB_RECALL_PENDING)
            continue;
        char ms[32];
        snprintf(ms, sizeof ms, "%ld", recs[i].delay_ms);
        const char *v[5] = {jobs[i].crisis_id, jobs[i].content_id,
                            pub_recall_state_name(recs[i].state), ms, recs[i].error};
        for (int c = 0; c < 5; c++)
            hd_pgarray_add(&col[c], v[c]);
    }
    const char *p[6];
    for (int c = 0; c < 5; c++)
        p[c] = hd_pgarray_str(&col[c]);
    p[5] = pub_recall_state_name(PUB_RECALL_IN_FLIGHT);
    int rc = col[0].n ? hd_db_cmd(db, LATER_SQL, 6, p) : 0;
    for (int c = 0; c < 5; c++)
        hd_pgarray_free(&col[c]);
    return rc;
}

static void log_outcomes(const pub_recall_t *jobs, const pub_recall_rec_t *recs, int n) {
    for (int i = 0; i < n; i++) {
        const pub_recall_t *j = &jobs[i];
        if (recs[i].state == PUB_RECALL_DELETED)
            hd_log(HD_LOG_INFO, "recall_deleted", j->cause, j->content_id,
                   "post %s deleted from channel %s%s%s", j->post_id, j->channel,
                   *recs[i].error ? ": " : "", recs[i].error);
        else if (recs[i].state == PUB_RECALL_FAILED)
            hd_log(HD_LOG_WARN, "recall_failed", j->cause, j->content_id,
                   "post %s on channel %s could not be deleted: %s", j->post_id, j->channel,
                   recs[i].error);
        else if (recs[i].state == PUB_RECALL_PENDING)
            hd_log(HD_LOG_INFO, "recall_retry", j->cause, j->content_id,
                   "attempt %d failed (%s); next in %ld ms", j->attempts, recs[i].error,
                   recs[i].delay_ms);
    }
}

static int record(hd_db_t *db, const pub_recall_t *jobs, const pub_recall_rec_t *recs, int n) {
    if (hd_db_begin(db) < 0 || write_final(db, jobs, recs, n) < 0 ||
        write_later(db, jobs, recs, n) < 0 || hd_db_commit(db) < 0) {
        hd_db_rollback(db);
        hd_log(HD_LOG_WARN, "recall_record_failed", NULL, NULL,
               "%d recall outcome(s) not recorded (%s); claimed again when their lease runs out", n,
               hd_db_error(db));
        return -1;
    }
    log_outcomes(jobs, recs, n);
    return 0;
}

/* A lease for the batch: every call may take the whole timeout, one
   worker after another. */
static int lease_s(const pub_jobs_t *self, int n) {
    long workers = self->concurrency > 0 ? self->concurrency : 1;
    long timeout = self->timeout_ms > 0 ? self->timeout_ms : 10000;
    long s = ((long)n + workers - 1) / workers * timeout / 1000 + 10;
    return s > PUB_LEASE_S ? (int)s : PUB_LEASE_S;
}

int pub_recall_run_due(hd_db_t *db, pub_jobs_t *self, int max) {
    if (hd_stop || max <= 0)
        return 0;
    pub_recall_t *jobs = NULL;
    int n = claim(db, max, lease_s(self, max), &jobs);
    if (n <= 0)
        return n;
    call_t *calls = hd_calloc((size_t)n, sizeof *calls);
    void **tasks = hd_calloc((size_t)n, sizeof *tasks);
    pub_recall_rec_t *recs = hd_calloc((size_t)n, sizeof *recs);
    pub_jobs_run_calls(self, make_call, tasks, prepare(self, jobs, n, calls, tasks));
    for (int i = 0; i < n; i++)
        pub_recall_plan(&jobs[i], &calls[i].res, self->max_attempts, pub_jobs_jitter(self),
                        &recs[i]);
    record(db, jobs, recs, n);
    free(recs);
    free(tasks);
    free(calls);
    free(jobs);
    return n;
}

int pub_recall_next_due_ms(hd_db_t *db, int cap) {
    /* The states are literals: recall_job_due's predicate serves the min(). */
    return pub_due_in_ms(db, PUB_DUE_SQL("recall_job"), cap);
}
