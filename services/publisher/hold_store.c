/*  hold_store: reading the crises that hold, holding jobs (see
    hold_store.h). */
#include "hold_store.h"

#include "hd_log.h"
#include "hd_mem.h"
#include "hd_outbox.h"
#include "hd_pgarray.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Oldest declaration first: of two crises covering a job, the first
   declared holds it. */
static const char *READ_SQL =
    "SELECT id, array_to_json(departments)::text, array_to_json(channels)::text "
    "FROM crisis_in_force WHERE hold ORDER BY declared_at, id";

static void *own(pub_hold_set_t *set, void *p) {
    set->owned = hd_grow(set->owned, &set->cap, set->nowned + 1, sizeof *set->owned);
    set->owned[set->nowned++] = p;
    return p;
}

/* A JSON array of strings as an owned vector; *n its length. */
static const char *const *list(pub_hold_set_t *set, const char *text, size_t *n) {
    json_t *a = json_loads(text, 0, NULL);
    *n = json_is_array(a) ? json_array_size(a) : 0;
    const char **v = own(set, hd_calloc(*n + 1, sizeof *v));
    for (size_t i = 0; i < *n; i++)
        v[i] = own(set, hd_strdup(json_string_value(json_array_get(a, i)) ?: ""));
    json_decref(a);
    return v;
}

const pub_hold_crisis_t *pub_hold_add(pub_hold_set_t *set, const char *id,
                                      const char *departments_json, const char *channels_json) {
    set->crises = hd_grow(set->crises, &set->ccap, set->n + 1, sizeof *set->crises);
    pub_hold_crisis_t *c = &set->crises[set->n++];
    memset(c, 0, sizeof *c);
    c->id = own(set, hd_strdup(id));
    c->scope.departments = list(set, departments_json, &c->scope.ndepartments);
    c->scope.channels = list(set, channels_json, &c->scope.nchannels);
    return c;
}

int pub_hold_read(hd_db_t *db, pub_hold_set_t *set) {
    memset(set, 0, sizeof *set);
    PGresult *r = hd_db_exec(db, READ_SQL, 0, NULL);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        pub_hold_add(set, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
    PQclear(r);
    return 0;
}

void pub_hold_set_free(pub_hold_set_t *set) {
    for (size_t i = 0; i < set->nowned; i++)
        free(set->owned[i]);
    free(set->owned);
    free(set->crises);
    memset(set, 0, sizeof *set);
}

/* $3 held, $4 the state the job must still be in, $5 in_flight (whose
   attempt is given back). The crisis_item rows come from the rows the
   update changed, so a job no longer in `from` gets none. */
static const char *MARK_SQL =
    "WITH h AS (UPDATE publish_job j SET state = $3, held_by = x.crisis, updated_at = now(), "
    "    attempts = CASE WHEN j.state = $5 THEN greatest(j.attempts - 1, 0) "
    "      ELSE j.attempts END, "
    "    not_before = CASE WHEN j.state = $5 THEN now() ELSE j.not_before END "
    "  FROM unnest($1::uuid[], $2::uuid[]) AS x(id, crisis) "
    "  WHERE j.content_id = x.id AND j.state = $4 "
    "  RETURNING j.content_id, j.held_by, j.department_id, j.channel_id), "
    "i AS (INSERT INTO crisis_item (crisis_id, content_id, action) "
    "  SELECT h.held_by, h.content_id, 'held' FROM h ON CONFLICT DO NOTHING) "
    "SELECT content_id, department_id, channel_id FROM h";

PGresult *pub_hold_mark(hd_db_t *db, hd_pgarray_t *ids, hd_pgarray_t *crisis_ids,
                        pub_job_state_t from) {
    const char *p[5] = {hd_pgarray_str(ids), hd_pgarray_str(crisis_ids),
                        pub_job_state_name(PUB_JOB_HELD), pub_job_state_name(from),
                        pub_job_state_name(PUB_JOB_IN_FLIGHT)};
    PGresult *r = hd_db_exec(db, MARK_SQL, 5, p);
    hd_pgarray_free(ids);
    hd_pgarray_free(crisis_ids);
    return r;
}

void pub_hold_event(hd_envelope_t *env, Huddle__V1__ContentHeld *b, const char *content_id,
                    const char *crisis_id, const char *channel, const char *department) {
    Huddle__V1__ContentHeld body = HUDDLE__V1__CONTENT_HELD__INIT;
    hd_envelope_t e = HUDDLE__V1__ENVELOPE__INIT;
    *b = body;
    b->content_id = (char *)content_id;
    b->crisis_id = (char *)crisis_id;
    b->channel = (char *)channel;
    *env = e;
    env->body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_HELD;
    env->content_held = b;
    env->correlation_id = (char *)content_id;
    env->department = (char *)department;
}

/* The content.held of every held job, in one statement. */
static int emit_held(hd_db_t *db, const pub_job_t *jobs, int n, const int *held_by,
                     const pub_hold_set_t *set) {
    hd_envelope_t *envs = hd_calloc((size_t)n, sizeof *envs);
    Huddle__V1__ContentHeld *bodies = hd_calloc((size_t)n, sizeof *bodies);
    char(*ids)[HD_ID_LEN] = hd_calloc((size_t)n, sizeof *ids);
    const hd_envelope_t **out = hd_calloc((size_t)n, sizeof *out);
    size_t m = 0;
    for (int i = 0; i < n; i++) {
        if (held_by[i] < 0)
            continue;
        const char *crisis = set->crises[held_by[i]].id;
        char label[64];
        snprintf(label, sizeof label, "content.held:%s", crisis);
        pub_hold_event(&envs[m], &bodies[m], jobs[i].content_id, crisis, jobs[i].channel,
                       jobs[i].department);
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

/* Moves the jobs to call to the front, frees the held ones' text. */
static void compact(pub_job_t *jobs, int n, const int *held_by) {
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (held_by[i] >= 0) {
            free(jobs[i].text);
            continue;
        }
        if (k != i)
            jobs[k] = jobs[i];
        k++;
    }
    memset(&jobs[k], 0, (size_t)(n - k) * sizeof *jobs);
}

/* Marks and records the held jobs; 0 or -1. */
static int hold_them(hd_db_t *db, pub_job_t *jobs, int n, const int *held_by,
                     const pub_hold_set_t *set, size_t held) {
    hd_pgarray_t ids = {0}, crises = {0};
    for (int i = 0; i < n; i++) {
        if (held_by[i] < 0)
            continue;
        hd_pgarray_add(&ids, jobs[i].content_id);
        hd_pgarray_add(&crises, set->crises[held_by[i]].id);
    }
    PGresult *marked = pub_hold_mark(db, &ids, &crises, PUB_JOB_IN_FLIGHT);
    if (!marked)
        return -1;
    /* The claim holds their row locks: every one changed. */
    int all = PQntuples(marked) == (int)held;
    PQclear(marked);
    if (!all)
        return -1;
    if (emit_held(db, jobs, n, held_by, set) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (held_by[i] >= 0)
            hd_log(HD_LOG_INFO, "publish_held", jobs[i].cause, jobs[i].content_id,
                   "claimed while crisis %s holds channel %s of department %s: not called",
                   set->crises[held_by[i]].id, jobs[i].channel, jobs[i].department);
    return 0;
}

int pub_hold_claimed(hd_db_t *db, pub_job_t *jobs, int n) {
    if (n <= 0)
        return 0;
    pub_hold_set_t set;
    if (pub_hold_read(db, &set) < 0)
        return -1;
    int rc = 0;
    if (set.n > 0) {
        pub_hold_item_t *items = hd_calloc((size_t)n, sizeof *items);
        int *held_by = hd_calloc((size_t)n, sizeof *held_by);
        for (int i = 0; i < n; i++)
            items[i] = (pub_hold_item_t){jobs[i].department, jobs[i].channel, jobs[i].statement_of};
        size_t held = pub_hold_partition(set.crises, set.n, items, (size_t)n, held_by);
        if (held > 0 && hold_them(db, jobs, n, held_by, &set, held) < 0)
            rc = -1;
        else if (held > 0) {
            compact(jobs, n, held_by);
            rc = (int)held;
        }
        free(held_by);
        free(items);
    }
    pub_hold_set_free(&set);
    return rc;
}

/* The index of the job whose content id is `id`, or -1. */
static long job_index(const pub_new_job_t *jobs, size_t n, const char *id) {
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(jobs[i].content_id, id) == 0)
            return (long)i;
    return -1;
}

/* content.held for each row of `held` (pub_hold_mark's), its cause the
   job's approval. */
static void emit_new(hd_batch_out_t *out, const pub_new_job_t *jobs,
                     const hd_envelope_t *const *causes, size_t n, const int *held_by,
                     const pub_hold_set_t *set, PGresult *held) {
    for (int r = 0; r < PQntuples(held); r++) {
        long i = job_index(jobs, n, PQgetvalue(held, r, 0));
        if (i < 0 || held_by[i] < 0)
            continue;
        const char *crisis = set->crises[held_by[i]].id;
        hd_envelope_t env;
        Huddle__V1__ContentHeld b;
        pub_hold_event(&env, &b, jobs[i].content_id, crisis, jobs[i].channel, jobs[i].department);
        char label[64];
        snprintf(label, sizeof label, "content.held:%s", crisis);
        hd_batch_emit(out, causes[i], &env, jobs[i].department, label);
    }
}

int pub_hold_new(hd_db_t *db, const pub_new_job_t *jobs, const hd_envelope_t *const *causes,
                 size_t n, hd_batch_out_t *out) {
    pub_hold_set_t set;
    if (n == 0 || pub_hold_read(db, &set) < 0)
        return n == 0 ? 0 : -1;
    int rc = 0;
    if (set.n > 0) {
        pub_hold_item_t *items = hd_calloc(n, sizeof *items);
        int *held_by = hd_calloc(n, sizeof *held_by);
        for (size_t i = 0; i < n; i++)
            items[i] = (pub_hold_item_t){jobs[i].department, jobs[i].channel, jobs[i].statement_of};
        hd_pgarray_t ids = {0}, crises = {0};
        for (size_t i = 0; i < n; i++) {
            held_by[i] = pub_hold_cover(set.crises, set.n, &items[i]);
            if (held_by[i] < 0)
                continue;
            hd_pgarray_add(&ids, jobs[i].content_id);
            hd_pgarray_add(&crises, set.crises[held_by[i]].id);
        }
        PGresult *held = ids.n ? pub_hold_mark(db, &ids, &crises, PUB_JOB_PENDING) : NULL;
        if (ids.n && !held)
            rc = -1;
        else if (held)
            emit_new(out, jobs, causes, n, held_by, &set, held);
        hd_pgarray_free(&ids);
        hd_pgarray_free(&crises);
        PQclear(held);
        free(held_by);
        free(items);
    }
    pub_hold_set_free(&set);
    return rc;
}
