/*  notify: notifications made in the consumer's batch, the runner's
    settings and figures (see notify.h; the runner is notify_run.c). */
#include "notify.h"

#include "due.h"
#include "hd_config.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_prom.h"
#include "notify_plan.h"
#include "notify_run.h"
#include "pool.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const s_states[PUB_NOTICE_STATE_COUNT] = {[PUB_NOTICE_PENDING] = "pending",
                                                             [PUB_NOTICE_IN_FLIGHT] = "in_flight",
                                                             [PUB_NOTICE_DELIVERED] = "delivered",
                                                             [PUB_NOTICE_FAILED] = "failed"};

const char *pub_notice_state_name(pub_notice_state_t s) {
    return (unsigned)s < PUB_NOTICE_STATE_COUNT ? s_states[s] : "unknown";
}

static long clamp(long v, long lo, long hi) { return v < lo ? lo : v > hi ? hi : v; }

void pub_notify_init(pub_notify_t *self, const unsigned char *key) {
    memset(self, 0, sizeof *self);
    self->have_key = key != NULL;
    if (key)
        memcpy(self->key, key, sizeof self->key);
    self->max_attempts = (int)clamp(
        hd_config_long("HUDDLE_NOTIFY_MAX_ATTEMPTS", PUB_NOTIFY_MAX_ATTEMPTS_DEFAULT), 1, 100);
    self->batch = (int)clamp(hd_config_long("HUDDLE_NOTIFY_BATCH", PUB_NOTIFY_BATCH_DEFAULT), 1,
                             PUB_NOTIFY_BATCH_MAX);
    self->timeout_ms =
        clamp(hd_config_long("HUDDLE_NOTIFY_TIMEOUT_MS", PUB_NOTIFY_TIMEOUT_MS_DEFAULT), 100,
              (PUB_NOTIFY_LEASE_S - 10) * 1000L);
    self->seed = (unsigned)hd_now_ms() ^ (unsigned)getpid();
}

void pub_notify_destroy(pub_notify_t *self) { pub_pool_destroy(&self->pool); }

void pub_notify_metrics(FILE *out, void *arg) {
    pub_notify_t *self = arg;
    static const char *const outcome[] = {"outcome=\"delivered\"", "outcome=\"retried\"",
                                          "outcome=\"failed\""};
    unsigned long n[] = {atomic_load(&self->delivered), atomic_load(&self->retried),
                         atomic_load(&self->failed)};
    hd_prom_family(out, "huddle_publisher_notifications_total", "counter",
                   "Webhook notification outcomes since start: delivered, retried (an attempt "
                   "failed and another is due), failed (for good).");
    for (size_t i = 0; i < 3; i++)
        hd_prom_sample(out, "huddle_publisher_notifications_total", NULL, outcome[i], (double)n[i]);
}

/* ---------------- the batch ---------------- */

/* The crises and endpoints the batch's notified events name, read in one
   statement: {"crises": {id: crisis}, "endpoints": {name: active}}. */
static const char *READ_SQL =
    "SELECT json_build_object("
    "  'crises', coalesce((SELECT json_object_agg(c.id, json_build_object('id', c.id, "
    "    'name', c.name, 'playbook', c.playbook, 'severity', c.severity, 'state', c.state, "
    "    'drill', c.drill, 'reason', c.reason, 'departments', c.departments, "
    "    'channels', c.channels, 'team_roles', c.team_roles, 'notify', c.notify)) "
    "    FROM crisis c WHERE c.id = ANY($1::uuid[])), '{}'), "
    "  'endpoints', coalesce((SELECT json_object_agg(e.name, e.active) FROM webhook_endpoint e "
    "    WHERE e.name = ANY($2::text[]) OR e.name IN (SELECT unnest(c.notify) FROM crisis c "
    "      WHERE c.id = ANY($1::uuid[]))), '{}'))::text";

/* The notifications, one statement; a replayed one (same id) is skipped
   and so not returned. */
static const char *INSERT_SQL =
    "INSERT INTO notification (id, crisis_id, endpoint, event_type, payload, drill, state, "
    "  last_error, cause_event_id) "
    "SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], "
    "  $6::boolean[], $7::text[], $8::text[], $9::uuid[]) "
    "ON CONFLICT (id) DO NOTHING RETURNING state";

/* READ_SQL for the batch's notified events; NULL on a database error, an
   empty object when the batch notifies nothing. Caller decrefs. */
static json_t *read_targets(hd_db_t *db, const hd_envelope_t *const *evs, size_t n) {
    hd_pgarray_t cols[2] = {{0}};
    for (size_t i = 0; i < n; i++) {
        const char *type = pub_notify_type(evs[i]);
        char cid[HD_ID_LEN];
        pub_notify_crisis_of(evs[i], cid);
        if (type && *cid)
            hd_pgarray_add(&cols[0], cid);
        else if (type && evs[i]->body_case == HUDDLE__V1__ENVELOPE__BODY_ORG_CHANGED)
            hd_pgarray_add(&cols[1], evs[i]->org_changed->object_id);
    }
    if (cols[0].n + cols[1].n == 0) {
        hd_pgarray_free(&cols[0]);
        hd_pgarray_free(&cols[1]);
        return json_object();
    }
    PGresult *r = hd_db_exec_arrays(db, READ_SQL, cols, 2);
    if (!r)
        return NULL;
    json_t *t = PQntuples(r) == 1 ? json_loads(PQgetvalue(r, 0, 0), 0, NULL) : NULL;
    PQclear(r);
    return t ? t : json_object();
}

/* Adds notice v, made by event ev, as a row of cols. */
static void add_row(hd_pgarray_t *cols, const pub_notice_t *v, const hd_envelope_t *ev) {
    hd_pgarray_add(&cols[0], v->id);
    hd_pgarray_add(&cols[1], *v->crisis_id ? v->crisis_id : NULL);
    hd_pgarray_add(&cols[2], v->endpoint);
    hd_pgarray_add(&cols[3], v->type);
    hd_pgarray_add(&cols[4], v->payload);
    hd_pgarray_add(&cols[5], v->drill ? "t" : "f");
    hd_pgarray_add(&cols[6],
                   pub_notice_state_name(v->failed ? PUB_NOTICE_FAILED : PUB_NOTICE_PENDING));
    hd_pgarray_add(&cols[7], v->failed);
    hd_pgarray_add(&cols[8], ev->id);
}

/* The notification.recorded of a notice that can never be sent. */
static void emit_failed(hd_batch_out_t *out, const hd_envelope_t *ev, const pub_notice_t *v) {
    Huddle__V1__NotificationRecorded b;
    pub_notify_recorded_of(&b, v->id, v->crisis_id, v->endpoint, v->type, 0, 0, 0, v->failed,
                           v->drill);
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_NOTIFICATION_RECORDED;
    env.notification_recorded = &b;
    env.correlation_id = *v->crisis_id ? (char *)v->crisis_id : (char *)v->id;
    char label[HD_TYPE_LEN + 64];
    hd_batch_emit(out, ev, &env, "",
                  pub_notify_label("notification.recorded", v->endpoint, label, sizeof label));
    hd_log(HD_LOG_WARN, "notification_unsendable", v->id, env.correlation_id, "%s to '%s': %s",
           v->type, v->endpoint, v->failed);
}

/* 1 when ev is about a crisis that was not read (a bad id, or none). */
static int missing_crisis(const hd_envelope_t *ev, json_t *crises) {
    char cid[HD_ID_LEN];
    pub_notify_crisis_of(ev, cid);
    return ev->body_case != HUDDLE__V1__ENVELOPE__BODY_ORG_CHANGED &&
           (!*cid || !json_object_get(crises, cid));
}

/* Plans every event's notifications into cols; emits the unsendable
   ones' events. Returns how many are to be sent. */
static size_t plan_batch(const hd_envelope_t *const *evs, size_t n, json_t *targets,
                         hd_pgarray_t *cols, hd_batch_out_t *out) {
    json_t *crises = json_object_get(targets, "crises");
    json_t *endpoints = json_object_get(targets, "endpoints");
    size_t sendable = 0;
    for (size_t i = 0; i < n; i++) {
        pub_notice_t *v;
        size_t m = pub_notify_plan(evs[i], crises, endpoints, &v);
        if (m == 0 && pub_notify_type(evs[i]) && missing_crisis(evs[i], crises))
            hd_log(HD_LOG_WARN, "notify_no_crisis", evs[i]->id, evs[i]->correlation_id,
                   "%s names no crisis known here: nothing to notify", evs[i]->type);
        for (size_t k = 0; k < m; k++) {
            add_row(cols, &v[k], evs[i]);
            if (v[k].failed)
                emit_failed(out, evs[i], &v[k]);
            sendable += !v[k].failed;
        }
        pub_notify_free(&v, m);
    }
    return sendable;
}

int pub_notify_apply_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n,
                           hd_batch_out_t *out, void *arg) {
    pub_notify_t *self = arg;
    json_t *targets = read_targets(db, evs, n);
    if (!targets)
        return HD_APPLY_RETRY;
    hd_pgarray_t cols[9] = {{0}};
    size_t sendable = plan_batch(evs, n, targets, cols, out);
    json_decref(targets);
    if (cols[0].n == 0) {
        for (int c = 0; c < 9; c++)
            hd_pgarray_free(&cols[c]);
        return HD_APPLY_OK;
    }
    PGresult *r = hd_db_exec_arrays(db, INSERT_SQL, cols, 9);
    if (!r)
        return HD_APPLY_RETRY;
    /* Counted before the commit: a batch rolled back and applied again
       counts its unsendable ones twice, a rare overstatement. */
    for (int i = 0; self && i < PQntuples(r); i++)
        if (strcmp(PQgetvalue(r, i, 0), pub_notice_state_name(PUB_NOTICE_FAILED)) == 0)
            atomic_fetch_add(&self->failed, 1);
    PQclear(r);
    if (sendable && self)
        self->next_at = 0; /* the runner looks at once, not at its last estimate */
    return HD_APPLY_OK;
}

/* ---------------- the runner's pace ---------------- */

/* How long until the next notification is due (ms, 0..1000). */
static int next_due_ms(hd_db_t *db) { return pub_due_in_ms(db, PUB_DUE_SQL("notification"), 1000); }

int pub_notify_idle(hd_db_t *db, pub_notify_t *self) {
    int64_t now = hd_now_ms();
    if (now < self->next_at)
        return (int)(self->next_at - now);
    if (hd_db_ensure(db) < 0)
        return 1000;
    int n = pub_notify_run_due(db, self);
    if (n < 0)
        return 1000;
    int wait = n >= self->batch ? 0 : next_due_ms(db);
    self->next_at = now + wait;
    return wait;
}
