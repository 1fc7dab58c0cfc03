/*  claim: the statements that read jobs with what delivering them needs. */
#include "claim.h"

#include "hd_log.h"
#include "hd_mem.h"
#include "hd_secret.h"
#include "hold_store.h"
#include "job_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A job row `j` with its channel and the department's account on it; a
   missing channel or account is a permanent failure the runner reports,
   so both are outer joins. */
#define JOB_COLS                                                                          \
    "j.content_id, j.cause_event_id, j.channel_id, j.department_id, j.text, j.attempts, " \
    "c.id IS NOT NULL, a.channel_id IS NOT NULL, coalesce(c.kind, ''), "                  \
    "coalesce(c.base_url, ''), coalesce(encode(a.secret, 'hex'), ''), "                   \
    "coalesce(j.statement_of::text, ''), coalesce(j.in_reply_to_id, '') "
#define JOB_JOINS                                                 \
    "LEFT JOIN channel c ON c.id = j.channel_id "                 \
    "LEFT JOIN channel_account a ON a.channel_id = j.channel_id " \
    "  AND a.department_id = j.department_id "

/* The oldest due jobs are locked, marked and returned in one statement:
   the lock, the attempt and the read cannot drift apart. The state set is
   a parameter ($3, in_flight); the states looked for are literals
   (job_state.h): the partial index publish_job_due serves these scans
   only when the statement's text implies its predicate. */
static const char *CLAIM_SQL =
    "WITH due AS (SELECT content_id, not_before AS due_at FROM publish_job "
    "  WHERE state = 'pending' AND not_before <= now() "
    "  ORDER BY not_before LIMIT $2 FOR UPDATE SKIP LOCKED), "
    "j AS (UPDATE publish_job p SET state = $3, attempts = p.attempts + 1, "
    "  updated_at = now(), not_before = now() + make_interval(secs => $1::int) "
    "  FROM due WHERE p.content_id = due.content_id "
    "  RETURNING p.content_id, p.cause_event_id, p.channel_id, p.department_id, p.text, "
    "    p.attempts, p.statement_of, p.in_reply_to_id, due.due_at) "
    "SELECT " JOB_COLS "FROM j " JOB_JOINS "ORDER BY j.due_at";

/* In-flight jobs by lease: the state a literal, for publish_job_due. */
static const char *IN_FLIGHT_SQL =
    "SELECT " JOB_COLS "FROM publish_job j " JOB_JOINS
    "WHERE j.state = 'in_flight' AND ($1::boolean OR j.not_before <= now()) "
    "ORDER BY j.not_before LIMIT $2";

/* The credentials key (pub_claim_set_key); unset: no credential opens. */
static unsigned char s_key[HD_SECRET_KEY_LEN];
static int s_have_key;

void pub_claim_set_key(const unsigned char *key) {
    s_have_key = key != NULL;
    if (key)
        memcpy(s_key, key, sizeof s_key);
}

int pub_claim_open_credential(const char *sealed_hex, char *token, size_t n) {
    char *clear = s_have_key && *sealed_hex ? hd_secret_open(s_key, sealed_hex) : NULL;
    int ok = clear && strlen(clear) < n;
    if (ok)
        snprintf(token, n, "%s", clear);
    hd_secret_free(clear);
    return ok ? 0 : -1;
}

/* The account's sealed credential (hex), opened into job->token; a
   missing or undecryptable one leaves have_credential 0. */
static void open_credential(pub_job_t *job, const char *sealed) {
    job->have_credential = pub_claim_open_credential(sealed, job->token, sizeof job->token) == 0;
}

static void copy(char *dst, size_t n, PGresult *r, int row, int col) {
    snprintf(dst, n, "%s", PQgetvalue(r, row, col));
}

static void read_job(PGresult *r, int row, pub_job_t *job) {
    memset(job, 0, sizeof *job);
    copy(job->content_id, sizeof job->content_id, r, row, 0);
    copy(job->cause, sizeof job->cause, r, row, 1);
    copy(job->channel, sizeof job->channel, r, row, 2);
    copy(job->department, sizeof job->department, r, row, 3);
    job->text = hd_strdup(PQgetvalue(r, row, 4));
    job->attempts = atoi(PQgetvalue(r, row, 5));
    job->have_channel = PQgetvalue(r, row, 6)[0] == 't';
    job->have_account = PQgetvalue(r, row, 7)[0] == 't';
    copy(job->kind, sizeof job->kind, r, row, 8);
    copy(job->base_url, sizeof job->base_url, r, row, 9);
    copy(job->statement_of, sizeof job->statement_of, r, row, 11);
    copy(job->in_reply_to_id, sizeof job->in_reply_to_id, r, row, 12);
    if (job->have_account)
        open_credential(job, PQgetvalue(r, row, 10));
}

/* Every row of r as jobs (r is cleared). Returns the count. */
static int read_jobs(PGresult *r, pub_job_t **jobs) {
    int n = PQntuples(r);
    *jobs = NULL;
    if (n > 0) {
        *jobs = hd_calloc((size_t)n, sizeof **jobs);
        for (int i = 0; i < n; i++)
            read_job(r, i, &(*jobs)[i]);
    }
    PQclear(r);
    return n;
}

int pub_claim_due(hd_db_t *db, int max, int lease_s, pub_job_t **jobs, int *held) {
    char lease[16], limit[16];
    snprintf(lease, sizeof lease, "%d", lease_s);
    snprintf(limit, sizeof limit, "%d", max > 0 ? max : 1);
    const char *p[3] = {lease, limit, pub_job_state_name(PUB_JOB_IN_FLIGHT)};
    *jobs = NULL;
    *held = 0;
    if (hd_db_begin(db) < 0)
        return -1;
    PGresult *r = hd_db_exec(db, CLAIM_SQL, 3, p);
    if (!r) {
        hd_db_rollback(db);
        return -1;
    }
    int n = read_jobs(r, jobs);
    int h = pub_hold_claimed(db, *jobs, n);
    if (h < 0) {
        hd_db_rollback(db);
        pub_claim_free(jobs, n);
        hd_log(HD_LOG_WARN, "job_claim_failed", NULL, NULL,
               "claim of %d job(s) rolled back: the crises in force could not be applied (%s)", n,
               hd_db_error(db));
        return -1;
    }
    n -= h;
    if (n == 0)
        pub_claim_free(jobs, 0); /* all held: no array to hand back */
    /* Nothing may be called before the attempts are durable. */
    if (hd_db_commit(db) < 0) {
        hd_db_rollback(db);
        hd_log(HD_LOG_WARN, "job_claim_failed", NULL, NULL,
               "claim of %d job(s) not committed (%s); any that did commit are reconciled "
               "when their lease runs out",
               n, hd_db_error(db));
        pub_claim_free(jobs, n);
        return -1;
    }
    *held = h;
    return n;
}

int pub_claim_in_flight(hd_db_t *db, int all, int max, pub_job_t **jobs) {
    char limit[16];
    snprintf(limit, sizeof limit, "%d", max > 0 ? max : 1);
    const char *p[2] = {all ? "t" : "f", limit};
    *jobs = NULL;
    PGresult *r = hd_db_exec(db, IN_FLIGHT_SQL, 2, p);
    return r ? read_jobs(r, jobs) : -1;
}

void pub_claim_free(pub_job_t **jobs, int n) {
    if (!jobs || !*jobs)
        return;
    for (int i = 0; i < n; i++)
        free((*jobs)[i].text);
    free(*jobs);
    *jobs = NULL;
}
