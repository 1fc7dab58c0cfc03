/*  record: outcomes of delivery attempts, one by one or a batch at once
    (see record.h). */
#include "record.h"

#include "hd_log.h"
#include "hd_mem.h"
#include "hd_outbox.h"
#include "hd_pgarray.h"
#include "retry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- deciding ---------------- */

void pub_rec_done(pub_rec_t *rec, const pub_result_t *res) {
    rec->kind = PUB_REC_DONE;
    snprintf(rec->post_id, sizeof rec->post_id, "%s", res->post_id);
    snprintf(rec->url, sizeof rec->url, "%s", res->url);
}

void pub_rec_later(pub_rec_t *rec, pub_job_state_t state, long delay_ms, const char *error) {
    rec->kind = PUB_REC_LATER;
    rec->state = state;
    rec->delay_ms = delay_ms;
    snprintf(rec->error, sizeof rec->error, "%s", error);
}

void pub_rec_failed(pub_rec_t *rec, const char *error) {
    rec->kind = PUB_REC_FAILED;
    snprintf(rec->error, sizeof rec->error, "%s", error);
}

void pub_rec_plan(pub_rec_t *rec, const pub_job_t *job, const pub_result_t *res, int max_attempts,
                  double jitter) {
    memset(rec, 0, sizeof *rec);
    rec->job = job;
    switch (res->outcome) {
    case PUB_DONE:
        pub_rec_done(rec, res);
        return;
    case PUB_RETRY:
        if (job->attempts >= max_attempts) {
            char why[sizeof rec->error];
            snprintf(why, sizeof why, "gave up after %d attempts: %s", job->attempts, res->error);
            pub_rec_failed(rec, why);
            return;
        }
        pub_rec_later(rec, PUB_JOB_PENDING,
                      pub_retry_backoff_ms((unsigned)job->attempts, res->retry_after_ms, jitter),
                      res->error);
        hd_log(HD_LOG_INFO, "publish_retry", job->cause, job->content_id,
               "attempt %d failed (%s); next in %ld ms", job->attempts, res->error, rec->delay_ms);
        return;
    case PUB_FAIL:
        pub_rec_failed(rec, res->error);
        return;
    case PUB_NOT_FOUND: /* lookup only; handled by reconcile */
    case PUB_ABORTED:
        rec->kind = PUB_REC_NONE;
        hd_log(HD_LOG_INFO, "publish_abandoned", job->cause, job->content_id,
               "%s; the job stays in flight and is reconciled at start", res->error);
        return;
    }
}

/* ---------------- events ---------------- */

/* An outcome's event, with the storage its envelope points into. Must not
   move once built. */
typedef struct {
    char id[HD_ID_LEN];
    hd_envelope_t env;
    Huddle__V1__PublishSucceeded ok;
    Huddle__V1__PublishFailed ko;
} event_t;

/* Builds the event of a DONE or FAILED outcome. */
static hd_envelope_t *build_event(event_t *e, const pub_rec_t *rec) {
    const pub_job_t *job = rec->job;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    e->env = env;
    const char *label;
    if (rec->kind == PUB_REC_DONE) {
        Huddle__V1__PublishSucceeded b = HUDDLE__V1__PUBLISH_SUCCEEDED__INIT;
        b.content_id = (char *)job->content_id;
        b.channel = (char *)job->channel;
        b.post_id = (char *)rec->post_id;
        b.url = (char *)rec->url;
        b.attempts = (uint32_t)job->attempts;
        e->ok = b;
        e->env.body_case = HUDDLE__V1__ENVELOPE__BODY_PUBLISH_SUCCEEDED;
        e->env.publish_succeeded = &e->ok;
        label = "publish.succeeded";
    } else {
        Huddle__V1__PublishFailed b = HUDDLE__V1__PUBLISH_FAILED__INIT;
        b.content_id = (char *)job->content_id;
        b.channel = (char *)job->channel;
        b.reason = (char *)rec->error;
        b.attempts = (uint32_t)job->attempts;
        b.permanent = 1;
        e->ko = b;
        e->env.body_case = HUDDLE__V1__ENVELOPE__BODY_PUBLISH_FAILED;
        e->env.publish_failed = &e->ko;
        label = "publish.failed";
    }
    e->env.department = (char *)job->department;
    e->env.correlation_id = (char *)job->content_id;
    hd_envelope_stamp(&e->env, e->id, "publisher", job->cause, label);
    return &e->env;
}

/* Logs a final outcome once it is committed, so the log never claims
   what a rolled-back transaction undid. */
static void log_outcome(const pub_rec_t *rec) {
    const pub_job_t *job = rec->job;
    if (!rec->changed)
        return;
    if (rec->kind == PUB_REC_DONE)
        hd_log(HD_LOG_INFO, "publish_succeeded", job->cause, job->content_id,
               "post %s at %s after %d attempt(s)", rec->post_id, rec->url, job->attempts);
    else if (rec->kind == PUB_REC_FAILED)
        hd_log(HD_LOG_WARN, "publish_failed", job->cause, job->content_id,
               "after %d attempt(s): %s", job->attempts, rec->error);
}

/* ---------------- one outcome, one transaction ---------------- */

/* Every state a statement sets or expects is a parameter named from
   job_state.h: $2 the state set, $3 the state expected, $4 (FAILED only)
   a second state expected. */
static const char *const ONE_SQL[] = {
    [PUB_REC_DONE] = "UPDATE publish_job SET state = $2, post_id = $4, url = $5, "
                     "  last_error = NULL, updated_at = now(), published_at = now() "
                     "WHERE content_id = $1 AND state = $3",
    [PUB_REC_LATER] = "UPDATE publish_job SET state = $2, last_error = $5, updated_at = now(), "
                      "  not_before = now() + make_interval(secs => $4::bigint / 1000.0) "
                      "WHERE content_id = $1 AND state = $3",
    [PUB_REC_FAILED] = "UPDATE publish_job SET state = $2, last_error = $5, "
                       "  updated_at = now() "
                       "WHERE content_id = $1 AND state IN ($3, $4)",
};

/* The state an outcome sets. */
static pub_job_state_t state_set(const pub_rec_t *rec) {
    return rec->kind == PUB_REC_DONE     ? PUB_JOB_DONE
           : rec->kind == PUB_REC_FAILED ? PUB_JOB_FAILED
                                         : rec->state;
}

/* The row change and its event, inside the caller's transaction. */
static int write_one(hd_db_t *db, pub_rec_t *rec) {
    char ms[32];
    snprintf(ms, sizeof ms, "%ld", rec->delay_ms);
    const char *cid = rec->job->content_id;
    const char *set = pub_job_state_name(state_set(rec));
    const char *in_flight = pub_job_state_name(PUB_JOB_IN_FLIGHT);
    const char *done[5] = {cid, set, in_flight, rec->post_id, rec->url};
    const char *failed[5] = {cid, set, in_flight, pub_job_state_name(PUB_JOB_PENDING), rec->error};
    const char *lat[5] = {cid, set, in_flight, ms, rec->error};
    const char *const *p = rec->kind == PUB_REC_DONE     ? done
                           : rec->kind == PUB_REC_FAILED ? failed
                                                         : lat;
    long c = hd_db_count(db, ONE_SQL[rec->kind], 5, p);
    if (c < 0)
        return -1;
    rec->changed = c > 0;
    if (c == 0 || rec->kind == PUB_REC_LATER)
        return 0; /* 0 rows: recorded already; nothing to emit */
    event_t e;
    hd_envelope_t *env = build_event(&e, rec);
    int rc = hd_outbox_put(db, env);
    if (rc >= 0)
        hd_log(HD_LOG_INFO, rc ? "emit_replayed" : "emitted", e.id, cid, "%s", env->type);
    return rc < 0 ? -1 : 0;
}

int pub_rec_one(hd_db_t *db, pub_rec_t *rec) {
    rec->recorded = rec->changed = 0;
    if (rec->kind == PUB_REC_NONE) {
        rec->recorded = 1;
        return 0;
    }
    if (hd_db_begin(db) < 0 || write_one(db, rec) < 0 || hd_db_commit(db) < 0) {
        hd_db_rollback(db);
        rec->changed = 0;
        hd_log(HD_LOG_WARN, "job_record_failed", NULL, rec->job->content_id,
               "outcome not recorded (%s); the job will be reconciled", hd_db_error(db));
        return -1;
    }
    rec->recorded = 1;
    log_outcome(rec);
    return 0;
}

/* ---------------- a batch, one transaction ---------------- */

/* As ONE_SQL: the states are the last parameters ($n-1 set, $n expected;
   FAILED: $3 set, $4 and $5 expected). */
static const char *const BATCH_SQL[] = {
    [PUB_REC_DONE] = "UPDATE publish_job j SET state = $4, post_id = x.post_id, url = x.url, "
                     "  last_error = NULL, updated_at = now(), published_at = now() "
                     "FROM unnest($1::uuid[], $2::text[], $3::text[]) AS x(id, post_id, url) "
                     "WHERE j.content_id = x.id AND j.state = $5 "
                     "RETURNING j.content_id",
    [PUB_REC_LATER] = "UPDATE publish_job j SET state = x.state, last_error = x.error, "
                      "  updated_at = now(), "
                      "  not_before = now() + make_interval(secs => x.ms / 1000.0) "
                      "FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[]) "
                      "  AS x(id, state, ms, error) "
                      "WHERE j.content_id = x.id AND j.state = $5 "
                      "RETURNING j.content_id",
    [PUB_REC_FAILED] = "UPDATE publish_job j SET state = $3, last_error = x.error, "
                       "  updated_at = now() "
                       "FROM unnest($1::uuid[], $2::text[]) AS x(id, error) "
                       "WHERE j.content_id = x.id AND j.state IN ($4, $5) "
                       "RETURNING j.content_id",
};

static void add_columns(hd_pgarray_t *col, const pub_rec_t *rec) {
    char ms[32];
    hd_pgarray_add(&col[0], rec->job->content_id);
    switch (rec->kind) {
    case PUB_REC_DONE:
        hd_pgarray_add(&col[1], rec->post_id);
        hd_pgarray_add(&col[2], rec->url);
        return;
    case PUB_REC_LATER:
        snprintf(ms, sizeof ms, "%ld", rec->delay_ms);
        hd_pgarray_add(&col[1], pub_job_state_name(rec->state));
        hd_pgarray_add(&col[2], ms);
        hd_pgarray_add(&col[3], rec->error);
        return;
    case PUB_REC_FAILED:
        hd_pgarray_add(&col[1], rec->error);
        return;
    case PUB_REC_NONE:
        return;
    }
}

/* The state parameters of kind's statement, after its ncol array columns. */
static int state_params(pub_rec_kind_t kind, const char **p) {
    const char *in_flight = pub_job_state_name(PUB_JOB_IN_FLIGHT);
    switch (kind) {
    case PUB_REC_DONE:
        p[0] = pub_job_state_name(PUB_JOB_DONE);
        p[1] = in_flight;
        return 2;
    case PUB_REC_FAILED:
        p[0] = pub_job_state_name(PUB_JOB_FAILED);
        p[1] = in_flight;
        p[2] = pub_job_state_name(PUB_JOB_PENDING);
        return 3;
    case PUB_REC_LATER:
        p[0] = in_flight;
        return 1;
    case PUB_REC_NONE:
        break;
    }
    return 0;
}

/* One statement for every outcome of `kind`; marks the rows it changed. */
static int update_kind(hd_db_t *db, pub_rec_t *recs, size_t n, pub_rec_kind_t kind) {
    int ncol = kind == PUB_REC_DONE ? 3 : kind == PUB_REC_FAILED ? 2 : 4;
    hd_pgarray_t col[4] = {{0}};
    for (size_t i = 0; i < n; i++)
        if (recs[i].kind == kind)
            add_columns(col, &recs[i]);
    if (col[0].n == 0)
        return 0;
    const char *p[6];
    for (int c = 0; c < ncol; c++)
        p[c] = hd_pgarray_str(&col[c]);
    int np = ncol + state_params(kind, p + ncol);
    PGresult *r = hd_db_exec(db, BATCH_SQL[kind], np, p);
    for (int c = 0; c < 4; c++)
        hd_pgarray_free(&col[c]);
    if (!r)
        return -1;
    for (int row = 0; row < PQntuples(r); row++)
        for (size_t i = 0; i < n; i++)
            if (recs[i].kind == kind && strcmp(recs[i].job->content_id, PQgetvalue(r, row, 0)) == 0)
                recs[i].changed = 1;
    PQclear(r);
    return 0;
}

/* The events of every changed DONE / FAILED outcome, in one statement. */
static int emit_changed(hd_db_t *db, pub_rec_t *recs, size_t n) {
    event_t *evs = hd_calloc(n, sizeof *evs);
    const hd_envelope_t **envs = hd_calloc(n, sizeof *envs);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!recs[i].changed || recs[i].kind == PUB_REC_LATER)
            continue;
        envs[m] = build_event(&evs[m], &recs[i]);
        m++;
    }
    int rc = hd_outbox_put_many(db, envs, m);
    for (size_t i = 0; rc >= 0 && i < m; i++)
        hd_log(HD_LOG_INFO, "emitted", envs[i]->id, envs[i]->correlation_id, "%s", envs[i]->type);
    if (rc >= 0 && (size_t)rc < m)
        hd_log(HD_LOG_INFO, "emit_replayed", NULL, NULL, "%zu of %zu events were recorded before",
               m - (size_t)rc, m);
    free(envs);
    free(evs);
    return rc < 0 ? -1 : 0;
}

static int write_batch(hd_db_t *db, pub_rec_t *recs, size_t n) {
    if (hd_db_begin(db) < 0)
        return -1;
    if (update_kind(db, recs, n, PUB_REC_DONE) < 0 ||
        update_kind(db, recs, n, PUB_REC_FAILED) < 0 ||
        update_kind(db, recs, n, PUB_REC_LATER) < 0 || emit_changed(db, recs, n) < 0 ||
        hd_db_commit(db) < 0) {
        hd_db_rollback(db);
        return -1;
    }
    return 0;
}

int pub_rec_batch(hd_db_t *db, pub_rec_t *recs, size_t n) {
    for (size_t i = 0; i < n; i++)
        recs[i].recorded = recs[i].changed = 0;
    if (write_batch(db, recs, n) == 0) {
        for (size_t i = 0; i < n; i++) {
            recs[i].recorded = 1;
            log_outcome(&recs[i]);
        }
        return (int)n;
    }
    hd_log(HD_LOG_WARN, "job_record_batch_failed", NULL, NULL,
           "%zu outcome(s) not recorded together (%s); recording them one by one", n,
           hd_db_error(db));
    /* A dropped connection is the likeliest cause: reconnect first. An
       outcome the failed commit did write is found already recorded. */
    for (size_t i = 0; i < n; i++)
        recs[i].changed = 0;
    if (hd_db_ensure(db) < 0)
        return 0;
    int recorded = 0;
    for (size_t i = 0; i < n; i++)
        recorded += pub_rec_one(db, &recs[i]) == 0;
    return recorded;
}
