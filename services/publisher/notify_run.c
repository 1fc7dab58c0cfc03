/*  notify_run: the notifications' runner (see notify_run.h). */
#include "notify_run.h"

#include "hd_http_client.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_outbox.h"
#include "notify_plan.h"
#include "pool.h"
#include "retry.h"
#include "webhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

pub_notify_outcome_t pub_notify_outcome(long status, int attempts, int max_attempts,
                                        double jitter) {
    pub_notify_outcome_t o = {PUB_NOTICE_FAILED, 0};
    pub_class_t c = pub_retry_classify(status);
    if (c == PUB_CLASS_OK)
        o.state = PUB_NOTICE_DELIVERED;
    else if (c == PUB_CLASS_TRANSIENT && attempts < max_attempts) {
        o.state = PUB_NOTICE_PENDING;
        o.delay_ms = pub_retry_backoff_ms(attempts > 0 ? (unsigned)attempts : 1, -1, jitter);
    }
    return o;
}

/* One claimed notification and its attempt. */
typedef struct {
    char id[HD_ID_LEN], crisis_id[HD_ID_LEN], cause[HD_ID_LEN];
    char *endpoint, *type, *payload, *url; /* owned */
    int drill, attempts;
    const char *unsendable; /* why no attempt can be made (static), or NULL */
    pub_webhook_key_t key;
    long timeout_ms;
    long status;     /* the answer's; 0: none */
    char error[256]; /* why it failed */
    pub_notify_outcome_t out;
    int changed; /* the outcome was recorded */
} attempt_t;

/* The due notifications, locked, their attempt counted and leased, read
   with their endpoint in one statement. The states looked for are
   literals: the partial index notification_due serves the scan only when
   the text implies its predicate; the state set is $3 (in_flight). */
static const char *CLAIM_SQL =
    "WITH due AS (SELECT id FROM notification "
    "  WHERE state IN ('pending', 'in_flight') AND not_before <= now() "
    "  ORDER BY not_before LIMIT $1 FOR UPDATE SKIP LOCKED), "
    "n AS (UPDATE notification t SET state = $3, attempts = t.attempts + 1, "
    "  not_before = now() + make_interval(secs => $2::int) FROM due WHERE t.id = due.id "
    "  RETURNING t.id, t.crisis_id, t.endpoint, t.event_type, t.payload, t.drill, t.attempts, "
    "    t.cause_event_id) "
    "SELECT n.id, coalesce(n.crisis_id::text, ''), n.endpoint, n.event_type, n.payload, "
    "  n.drill, n.attempts, n.cause_event_id, e.name IS NOT NULL, coalesce(e.active, false), "
    "  coalesce(e.url, ''), coalesce(encode(e.secret, 'hex'), '') "
    "FROM n LEFT JOIN webhook_endpoint e ON e.name = n.endpoint";

/* The endpoint's secret opened and parsed into a->key; why not, or NULL. */
static const char *open_secret(const pub_notify_t *self, attempt_t *a, const char *sealed) {
    char *clear = self->have_key && *sealed ? hd_secret_open(self->key, sealed) : NULL;
    int ok = clear && pub_webhook_key_parse(clear, &a->key) == 0;
    hd_secret_free(clear);
    return ok ? NULL
              : "the endpoint's secret cannot be opened (the publisher's credentials key "
                "differs from ingest's, or none is set)";
}

static void read_attempt(const pub_notify_t *self, PGresult *r, int row, attempt_t *a) {
    memset(a, 0, sizeof *a);
    snprintf(a->id, sizeof a->id, "%s", PQgetvalue(r, row, 0));
    snprintf(a->crisis_id, sizeof a->crisis_id, "%s", PQgetvalue(r, row, 1));
    a->endpoint = hd_strdup(PQgetvalue(r, row, 2));
    a->type = hd_strdup(PQgetvalue(r, row, 3));
    a->payload = hd_strdup(PQgetvalue(r, row, 4));
    a->drill = PQgetvalue(r, row, 5)[0] == 't';
    a->attempts = atoi(PQgetvalue(r, row, 6));
    snprintf(a->cause, sizeof a->cause, "%s", PQgetvalue(r, row, 7));
    a->url = hd_strdup(PQgetvalue(r, row, 10));
    a->timeout_ms = self->timeout_ms;
    if (PQgetvalue(r, row, 8)[0] != 't')
        a->unsendable = "no webhook endpoint has this name";
    else if (PQgetvalue(r, row, 9)[0] != 't')
        a->unsendable = "the webhook endpoint was removed";
    else
        a->unsendable = open_secret(self, a, PQgetvalue(r, row, 11));
}

static void free_attempts(attempt_t *v, int n) {
    for (int i = 0; v && i < n; i++) {
        free(v[i].endpoint);
        free(v[i].type);
        free(v[i].payload);
        free(v[i].url);
    }
    free(v);
}

/* CLAIM_SQL in its own transaction, committed before any call. */
static int claim(hd_db_t *db, pub_notify_t *self, attempt_t **out) {
    char limit[16], lease[16];
    snprintf(limit, sizeof limit, "%d", self->batch > 0 ? self->batch : 1);
    snprintf(lease, sizeof lease, "%d", PUB_NOTIFY_LEASE_S);
    const char *p[3] = {limit, lease, pub_notice_state_name(PUB_NOTICE_IN_FLIGHT)};
    *out = NULL;
    if (hd_db_begin(db) < 0)
        return -1;
    PGresult *r = hd_db_exec(db, CLAIM_SQL, 3, p);
    if (!r) {
        hd_db_rollback(db);
        return -1;
    }
    int n = PQntuples(r);
    attempt_t *v = n > 0 ? hd_calloc((size_t)n, sizeof *v) : NULL;
    for (int i = 0; i < n; i++)
        read_attempt(self, r, i, &v[i]);
    PQclear(r);
    if (hd_db_commit(db) < 0) {
        hd_db_rollback(db);
        hd_warn("notify_claim_failed", "claim of %d notification(s) not committed (%s)", n,
                hd_db_error(db));
        free_attempts(v, n);
        return -1;
    }
    *out = v;
    return n;
}

/* ---------------- the call (on a worker: no database) ---------------- */

static void send_one(void *task, pub_conn_t *conn) {
    (void)conn; /* hd_http_client makes its own handle: notifications are rare */
    attempt_t *a = task;
    if (a->unsendable)
        return;
    char sig[PUB_WEBHOOK_SIG_LEN], h_id[64], h_ts[48], h_sig[96];
    long long now_s = (long long)(hd_now_ms() / 1000);
    size_t len = strlen(a->payload);
    if (pub_webhook_sign(&a->key, a->id, now_s, a->payload, len, sig) < 0) {
        a->unsendable = "the notification cannot be signed";
        return;
    }
    snprintf(h_id, sizeof h_id, "webhook-id: %s", a->id);
    snprintf(h_ts, sizeof h_ts, "webhook-timestamp: %lld", now_s);
    snprintf(h_sig, sizeof h_sig, "webhook-signature: %s", sig);
    /* "Expect:" off: a receiver that does not answer 100-continue would
       cost every payload over 1 KiB a second. */
    const char *headers[] = {"content-type: application/json", h_id, h_ts, h_sig, "Expect:", NULL};
    char *answer = NULL;
    int st =
        hd_http_request_n("POST", a->url, headers, a->payload, len, (int)a->timeout_ms, 0, &answer);
    a->status = st < 0 ? 0 : st;
    if (st < 0)
        snprintf(a->error, sizeof a->error, "no answer: %s", answer ? answer : "?");
    else if (st < 200 || st > 299)
        snprintf(a->error, sizeof a->error, "the endpoint answered HTTP %d", st);
    free(answer);
}

static void send_all(pub_notify_t *self, attempt_t *v, int n) {
    if (!self->pool && !self->pool_failed) {
        self->pool = pub_pool_new(self->batch);
        self->pool_failed = self->pool == NULL;
    }
    if (!self->pool) {
        for (int i = 0; i < n; i++)
            send_one(&v[i], NULL);
        return;
    }
    void **tasks = hd_calloc((size_t)n, sizeof *tasks);
    for (int i = 0; i < n; i++)
        tasks[i] = &v[i];
    pub_pool_run(self->pool, send_one, tasks, (size_t)n);
    free(tasks);
}

/* ---------------- the record ---------------- */

/* Every outcome in one statement; RETURNING says which rows this runner
   still held (in flight) and so recorded. */
static const char *RECORD_SQL =
    "UPDATE notification n SET state = u.state, last_status = nullif(u.status, 0), "
    "  last_error = nullif(u.error, ''), "
    "  not_before = now() + make_interval(secs => u.delay_ms / 1000.0), "
    "  delivered_at = CASE WHEN u.delivered THEN now() END "
    "FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::float8[], $6::boolean[], "
    "  $7::text[]) AS u(id, state, status, error, delay_ms, delivered, expected) "
    "WHERE n.id = u.id AND n.state = u.expected RETURNING n.id";

static void decide(pub_notify_t *self, attempt_t *a) {
    double jitter = (double)rand_r(&self->seed) / ((double)RAND_MAX + 1.0);
    if (a->unsendable) {
        a->out = (pub_notify_outcome_t){PUB_NOTICE_FAILED, 0};
        snprintf(a->error, sizeof a->error, "%s", a->unsendable);
        return;
    }
    a->out = pub_notify_outcome(a->status, a->attempts, self->max_attempts, jitter);
    if (a->out.state == PUB_NOTICE_FAILED && pub_retry_classify(a->status) == PUB_CLASS_TRANSIENT) {
        size_t k = strlen(a->error);
        snprintf(a->error + k, sizeof a->error - k, " (%d attempts made, the most allowed)",
                 a->attempts);
    }
}

static int update_all(hd_db_t *db, attempt_t *v, int n) {
    hd_pgarray_t col[7] = {{0}};
    for (int i = 0; i < n; i++) {
        char status[16], delay[24];
        snprintf(status, sizeof status, "%ld", v[i].status);
        snprintf(delay, sizeof delay, "%ld", v[i].out.delay_ms);
        hd_pgarray_add(&col[0], v[i].id);
        hd_pgarray_add(&col[1], pub_notice_state_name(v[i].out.state));
        hd_pgarray_add(&col[2], status);
        hd_pgarray_add(&col[3], v[i].error);
        hd_pgarray_add(&col[4], delay);
        hd_pgarray_add(&col[5], v[i].out.state == PUB_NOTICE_DELIVERED ? "t" : "f");
        hd_pgarray_add(&col[6], pub_notice_state_name(PUB_NOTICE_IN_FLIGHT));
    }
    PGresult *r = hd_db_exec_arrays(db, RECORD_SQL, col, 7);
    if (!r)
        return -1;
    for (int i = 0; i < n; i++)
        v[i].changed = hd_db_returned_id(r, 0, v[i].id);
    PQclear(r);
    return 0;
}

/* The notification.recorded events of the final outcomes recorded. */
static int emit_final(hd_db_t *db, attempt_t *v, int n) {
    hd_envelope_t *envs = hd_calloc((size_t)n + 1, sizeof *envs);
    Huddle__V1__NotificationRecorded *bodies = hd_calloc((size_t)n + 1, sizeof *bodies);
    const hd_envelope_t **ptrs = hd_calloc((size_t)n + 1, sizeof *ptrs);
    char(*ids)[HD_ID_LEN] = hd_calloc((size_t)n + 1, HD_ID_LEN);
    char label[HD_TYPE_LEN + 64];
    size_t m = 0;
    for (int i = 0; i < n; i++) {
        attempt_t *a = &v[i];
        if (!a->changed || a->out.state == PUB_NOTICE_PENDING)
            continue;
        pub_notify_recorded_of(&bodies[m], a->id, a->crisis_id, a->endpoint, a->type,
                               a->out.state == PUB_NOTICE_DELIVERED, (unsigned)a->attempts,
                               (int)a->status, a->error, a->drill);
        hd_envelope_t init = HUDDLE__V1__ENVELOPE__INIT;
        envs[m] = init;
        envs[m].body_case = HUDDLE__V1__ENVELOPE__BODY_NOTIFICATION_RECORDED;
        envs[m].notification_recorded = &bodies[m];
        envs[m].correlation_id = *a->crisis_id ? a->crisis_id : a->id;
        envs[m].department = "";
        envs[m].actor = "publisher";
        hd_envelope_stamp(
            &envs[m], ids[m], "publisher", a->cause,
            pub_notify_label("notification.recorded", a->endpoint, label, sizeof label));
        ptrs[m] = &envs[m];
        m++;
    }
    int rc = m ? hd_outbox_put_many(db, ptrs, m) : 0;
    free(ids);
    free(ptrs);
    free(bodies);
    free(envs);
    return rc < 0 ? -1 : 0;
}

static void log_outcome(pub_notify_t *self, const attempt_t *a) {
    const char *cor = *a->crisis_id ? a->crisis_id : a->id;
    if (a->out.state == PUB_NOTICE_DELIVERED) {
        atomic_fetch_add(&self->delivered, 1);
        hd_log(HD_LOG_INFO, "notification_delivered", a->id, cor,
               "%s to '%s' (HTTP %ld, attempt %d)", a->type, a->endpoint, a->status, a->attempts);
    } else if (a->out.state == PUB_NOTICE_PENDING) {
        atomic_fetch_add(&self->retried, 1);
        hd_log(HD_LOG_INFO, "notification_retry", a->id, cor, "%s to '%s': %s; again in %ld ms",
               a->type, a->endpoint, a->error, a->out.delay_ms);
    } else {
        atomic_fetch_add(&self->failed, 1);
        hd_log(HD_LOG_WARN, "notification_failed", a->id, cor, "%s to '%s' failed for good: %s",
               a->type, a->endpoint, a->error);
    }
}

static int record(hd_db_t *db, pub_notify_t *self, attempt_t *v, int n) {
    for (int i = 0; i < n; i++)
        decide(self, &v[i]);
    if (hd_db_begin(db) < 0 || update_all(db, v, n) < 0 || emit_final(db, v, n) < 0 ||
        hd_db_commit(db) < 0) {
        hd_db_rollback(db);
        hd_warn("notify_record_failed",
                "%d notification outcome(s) not recorded (%s): they are tried again once "
                "their lease runs out",
                n, hd_db_error(db));
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (v[i].changed)
            log_outcome(self, &v[i]);
    return 0;
}

int pub_notify_run_due(hd_db_t *db, pub_notify_t *self) {
    attempt_t *v;
    int n = claim(db, self, &v);
    if (n <= 0)
        return n;
    send_all(self, v, n);
    record(db, self, v, n);
    free_attempts(v, n);
    return n;
}
