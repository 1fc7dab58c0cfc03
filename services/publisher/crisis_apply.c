/*  crisis_apply: holds, recalls and releases as crises are declared and
    resumed (see crisis_apply.h). */
#include "crisis_apply.h"

#include "hd_crisis.h"
#include "hd_id.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_pgarray.h"
#include "hold.h"
#include "hold_store.h"
#include "job_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUMMARY_IDS 1000 /* content ids listed in a summary event */

/* ---------------- the crisis row ---------------- */

typedef struct {
    int drill, hold, in_force, recall_minutes;
    long long hold_ms, now_ms; /* declared_at -> now; now (the database's clock) */
    hd_resume_t on_time, late;
    char name[256];
    pub_hold_set_t self; /* the crisis alone, as a set to decide by */
} crisis_row_t;

/* $2 the state in force (declared). */
static const char *CRISIS_SQL =
    "SELECT drill, hold, state = $2, recall_minutes, name, on_resume, on_resume_late, "
    "  array_to_json(departments)::text, array_to_json(channels)::text, "
    "  coalesce((extract(epoch FROM clock_timestamp() - declared_at) * 1000)::bigint, 0), "
    "  (extract(epoch FROM clock_timestamp()) * 1000)::bigint "
    "FROM crisis WHERE id = $1";

/* 1 found, 0 no such crisis, -1 database error. */
static int read_crisis(hd_db_t *db, const char *id, crisis_row_t *c) {
    memset(c, 0, sizeof *c);
    const char *p[2] = {id, hd_crisis_state_name(HD_CRISIS_DECLARED)};
    PGresult *r = hd_db_exec(db, CRISIS_SQL, 2, p);
    if (!r)
        return -1;
    int found = PQntuples(r) == 1;
    if (found) {
        c->drill = PQgetvalue(r, 0, 0)[0] == 't';
        c->hold = PQgetvalue(r, 0, 1)[0] == 't';
        c->in_force = PQgetvalue(r, 0, 2)[0] == 't';
        c->recall_minutes = atoi(PQgetvalue(r, 0, 3));
        snprintf(c->name, sizeof c->name, "%s", PQgetvalue(r, 0, 4));
        int on = hd_resume_parse(PQgetvalue(r, 0, 5)), late = hd_resume_parse(PQgetvalue(r, 0, 6));
        /* A rule the crisis table cannot name holds nothing back: reapprove. */
        c->on_time = on < 0 ? HD_RESUME_REAPPROVE : (hd_resume_t)on;
        c->late = late < 0 ? HD_RESUME_REAPPROVE : (hd_resume_t)late;
        pub_hold_add(&c->self, id, PQgetvalue(r, 0, 7), PQgetvalue(r, 0, 8));
        c->hold_ms = atoll(PQgetvalue(r, 0, 9));
        c->now_ms = atoll(PQgetvalue(r, 0, 10));
    }
    PQclear(r);
    return found;
}

/* ---------------- events ---------------- */

/* The crisis.<what> summary of the cause's crisis: count, the first
   SUMMARY_IDS ids, detail. */
static void summary(hd_batch_out_t *out, const hd_envelope_t *cause, const char *what, long count,
                    char **ids, size_t nids, const char *detail_json) {
    const Huddle__V1__CrisisChanged *d = cause->crisis_changed;
    Huddle__V1__CrisisChanged b = HUDDLE__V1__CRISIS_CHANGED__INIT;
    b.crisis_id = d->crisis_id;
    b.what = (char *)what;
    b.playbook = d->playbook;
    b.playbook_version = d->playbook_version;
    b.departments = d->departments;
    b.n_departments = d->n_departments;
    b.channels = d->channels;
    b.n_channels = d->n_channels;
    b.count = count;
    b.content_ids = ids;
    b.n_content_ids = nids < SUMMARY_IDS ? nids : SUMMARY_IDS;
    b.detail_json = (char *)detail_json;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    char type[HD_TYPE_LEN], label[HD_TYPE_LEN + 8];
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_CRISIS_CHANGED;
    env.crisis_changed = &b;
    env.type = (char *)hd_envelope_crisis_type(&b, type, sizeof type);
    env.correlation_id = d->crisis_id;
    env.actor = "publisher";
    snprintf(label, sizeof label, "crisis.%s", what);
    hd_batch_emit(out, cause, &env, "", label);
}

/* A content.held for the job in row `row` of r (content_id, department_id,
   channel_id in columns 0..2) held by crisis_id. */
static void emit_held(hd_batch_out_t *out, const hd_envelope_t *cause, PGresult *r, int row,
                      const char *crisis_id) {
    hd_envelope_t env;
    Huddle__V1__ContentHeld b;
    const char *content = PQgetvalue(r, row, 0);
    pub_hold_event(&env, &b, content, crisis_id, PQgetvalue(r, row, 2), PQgetvalue(r, row, 1));
    char label[64];
    snprintf(label, sizeof label, "content.held:%s", content);
    hd_batch_emit(out, cause, &env, PQgetvalue(r, row, 1), label);
}

/* ---------------- declared: hold ---------------- */

/* Every pending job, and those the crisis holds already (flag 't'). The
   states are literals: the predicates of publish_job_due and
   publish_job_held. */
static const char *PENDING_SQL =
    "SELECT content_id, department_id, channel_id, coalesce(statement_of::text, ''), false "
    "FROM publish_job WHERE state = 'pending' "
    "UNION ALL "
    "SELECT content_id, department_id, channel_id, '', true "
    "FROM publish_job WHERE state = 'held' AND held_by = $1";

/* Holds the pending rows of r that the crisis covers; their content.held
   go to out; their ids are appended to *ids (borrowed from the returned
   result, which the caller clears). NULL on a database error. */
static PGresult *hold_rows(hd_db_t *db, const hd_envelope_t *ev, hd_batch_out_t *out,
                           const crisis_row_t *c, PGresult *r, char **ids, size_t *nids) {
    int n = PQntuples(r);
    hd_pgarray_t jobs = {0}, by = {0};
    for (int i = 0; i < n; i++) {
        pub_hold_item_t item = {PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3)};
        if (PQgetvalue(r, i, 4)[0] == 't' || pub_hold_cover(c->self.crises, 1, &item) < 0)
            continue;
        hd_pgarray_add(&jobs, PQgetvalue(r, i, 0));
        hd_pgarray_add(&by, c->self.crises[0].id);
    }
    PGresult *held = pub_hold_mark(db, &jobs, &by, PUB_JOB_PENDING);
    for (int i = 0; held && i < PQntuples(held); i++) {
        emit_held(out, ev, held, i, c->self.crises[0].id);
        ids[(*nids)++] = PQgetvalue(held, i, 0);
    }
    return held;
}

static int hold_pending(hd_db_t *db, const hd_envelope_t *ev, hd_batch_out_t *out,
                        const crisis_row_t *c) {
    const char *p[1] = {c->self.crises[0].id};
    PGresult *r = hd_db_exec(db, PENDING_SQL, 1, p);
    if (!r)
        return HD_APPLY_RETRY;
    int n = PQntuples(r);
    char **ids = hd_calloc((size_t)n + 1, sizeof *ids);
    size_t nids = 0;
    for (int i = 0; i < n; i++)
        if (PQgetvalue(r, i, 4)[0] == 't')
            ids[nids++] = PQgetvalue(r, i, 0);
    size_t before = nids;
    PGresult *held = c->in_force ? hold_rows(db, ev, out, c, r, ids, &nids) : NULL;
    int rc = c->in_force && !held ? HD_APPLY_RETRY : HD_APPLY_OK;
    if (rc == HD_APPLY_OK) {
        char detail[96];
        snprintf(detail, sizeof detail, "{\"hold_ms\":%lld,\"in_force\":%s}", c->hold_ms,
                 c->in_force ? "true" : "false");
        summary(out, ev, "held", (long)nids, ids, nids, detail);
        hd_log(HD_LOG_INFO, "crisis_held", ev->id, c->self.crises[0].id,
               "%zu pending job(s) held now, %zu held before by the runner, %lld ms after the "
               "declaration%s",
               nids - before, before, c->hold_ms, c->in_force ? "" : " (no longer in force)");
    }
    PQclear(held);
    PQclear(r);
    free(ids);
    return rc;
}

/* ---------------- declared: recall ---------------- */

/* Delivered jobs published in the window; 'done' a literal, the
   predicate of publish_job_published. */
static const char *DONE_SQL =
    "SELECT j.content_id, j.department_id, j.channel_id, coalesce(j.statement_of::text, ''), "
    "  j.post_id "
    "FROM publish_job j JOIN crisis c ON c.id = $1 "
    "WHERE j.state = 'done' AND j.post_id IS NOT NULL "
    "  AND j.published_at >= c.declared_at - make_interval(mins => c.recall_minutes)";

static const char *RECALL_SQL =
    "WITH r AS (INSERT INTO recall_job (crisis_id, content_id, channel_id, department_id, "
    "    post_id, cause_event_id) "
    "  SELECT $1::uuid, x.id, x.ch, x.d, x.p, $2::uuid "
    "  FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[]) AS x(id, ch, d, p) "
    "  ON CONFLICT DO NOTHING RETURNING content_id), "
    "i AS (INSERT INTO crisis_item (crisis_id, content_id, action) "
    "  SELECT $1::uuid, content_id, 'recalled' FROM r ON CONFLICT DO NOTHING) "
    "SELECT content_id FROM r";

/* The recall jobs of the rows of r the crisis covers; NULL on error. */
static PGresult *insert_recalls(hd_db_t *db, const hd_envelope_t *ev, const crisis_row_t *c,
                                PGresult *r) {
    hd_pgarray_t col[4] = {{0}};
    for (int i = 0; i < PQntuples(r); i++) {
        pub_hold_item_t item = {PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3)};
        if (pub_hold_cover(c->self.crises, 1, &item) < 0)
            continue;
        const int from[4] = {0, 2, 1, 4}; /* content, channel, department, post */
        for (int k = 0; k < 4; k++)
            hd_pgarray_add(&col[k], PQgetvalue(r, i, from[k]));
    }
    const char *p[6] = {c->self.crises[0].id, ev->id};
    for (int k = 0; k < 4; k++)
        p[2 + k] = hd_pgarray_str(&col[k]);
    PGresult *made = hd_db_exec(db, RECALL_SQL, 6, p);
    for (int k = 0; k < 4; k++)
        hd_pgarray_free(&col[k]);
    return made;
}

static int recall_window(hd_db_t *db, const hd_envelope_t *ev, hd_batch_out_t *out,
                         const crisis_row_t *c) {
    const char *p[1] = {c->self.crises[0].id};
    PGresult *r = hd_db_exec(db, DONE_SQL, 1, p);
    PGresult *made = r ? insert_recalls(db, ev, c, r) : NULL;
    PQclear(r);
    if (!made)
        return HD_APPLY_RETRY;
    int n = PQntuples(made);
    char **ids = hd_calloc((size_t)n + 1, sizeof *ids);
    for (int i = 0; i < n; i++)
        ids[i] = PQgetvalue(made, i, 0);
    char detail[64];
    snprintf(detail, sizeof detail, "{\"recall_minutes\":%d}", c->recall_minutes);
    summary(out, ev, "recalled", n, ids, (size_t)n, detail);
    hd_log(HD_LOG_INFO, "crisis_recall", ev->id, c->self.crises[0].id,
           "%d post(s) published in the last %d minute(s) to be deleted", n, c->recall_minutes);
    free(ids);
    PQclear(made);
    return HD_APPLY_OK;
}

static int apply_declared(hd_db_t *db, const hd_envelope_t *ev, size_t i, hd_batch_out_t *out) {
    const char *id = ev->crisis_changed->crisis_id;
    crisis_row_t c;
    int found = read_crisis(db, id, &c);
    int rc = found < 0 ? HD_APPLY_RETRY : HD_APPLY_OK;
    if (found == 0)
        rc = hd_batch_dead(out, i, "crisis.declared: no crisis %s", id);
    /* A drill holds and recalls nothing. */
    if (rc == HD_APPLY_OK && !c.drill && c.hold)
        rc = hold_pending(db, ev, out, &c);
    if (rc == HD_APPLY_OK && !c.drill && c.recall_minutes > 0)
        rc = recall_window(db, ev, out, &c);
    pub_hold_set_free(&c.self);
    return rc;
}

/* ---------------- resumed ---------------- */

/* The jobs the crisis holds; 'held' a literal, publish_job_held's
   predicate. */
static const char *HELD_SQL =
    "SELECT content_id, department_id, channel_id, coalesce(statement_of::text, ''), "
    "  coalesce((extract(epoch FROM scheduled_at) * 1000)::bigint, 0) "
    "FROM publish_job WHERE state = 'held' AND held_by = $1";

/* Each job's fate, its crisis_item outcome, in one statement; returns
   what the events need. $7 held, $8 the crisis. */
static const char *RELEASE_SQL =
    "WITH x AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], "
    "    $5::bigint[], $6::text[]) AS x(id, state, moved_to, outcome, nb, reason)), "
    "j AS (UPDATE publish_job j SET state = x.state, held_by = x.moved_to, updated_at = now(), "
    "    not_before = CASE WHEN x.nb > 0 THEN to_timestamp(x.nb / 1000.0) "
    "      ELSE j.not_before END "
    "  FROM x WHERE j.content_id = x.id AND j.state = $7 AND j.held_by = $8 "
    "  RETURNING j.content_id, j.department_id, j.channel_id, j.author_email, x.moved_to, "
    "    x.outcome, x.reason), "
    "o AS (INSERT INTO crisis_item (crisis_id, content_id, action, outcome, outcome_at, detail) "
    "  SELECT $8, content_id, 'held', outcome, now(), reason FROM j "
    "  ON CONFLICT (crisis_id, content_id, action) DO UPDATE SET outcome = excluded.outcome, "
    "    outcome_at = excluded.outcome_at, detail = excluded.detail), "
    "m AS (INSERT INTO crisis_item (crisis_id, content_id, action) "
    "  SELECT moved_to, content_id, 'held' FROM j WHERE moved_to IS NOT NULL "
    "  ON CONFLICT DO NOTHING) "
    "SELECT content_id, department_id, channel_id, author_email, coalesce(moved_to::text, ''), "
    "  outcome, reason FROM j";

/* The outcome a crisis_item row records for a release. */
static const char *outcome_name(const pub_release_t *rel) {
    return rel->moved_to >= 0 ? "moved" : hd_resume_name(rel->outcome);
}

/* Decides every held job of r (HELD_SQL) and runs RELEASE_SQL. */
static PGresult *release_rows(hd_db_t *db, const crisis_row_t *c, const pub_hold_set_t *others,
                              PGresult *r) {
    hd_pgarray_t col[6] = {{0}};
    for (int i = 0; i < PQntuples(r); i++) {
        pub_hold_item_t item = {PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3)};
        int64_t slot = atoll(PQgetvalue(r, i, 4));
        pub_release_t rel = pub_hold_release(others->crises, others->n, &item, c->on_time, c->late,
                                             slot, c->now_ms);
        char nb[32], reason[400];
        snprintf(nb, sizeof nb, "%lld",
                 rel.state == PUB_JOB_PENDING ? (long long)rel.not_before_ms : 0LL);
        if (rel.moved_to >= 0)
            snprintf(reason, sizeof reason, "still held: crisis %s covers it too",
                     others->crises[rel.moved_to].id);
        else
            pub_hold_reason(reason, sizeof reason, c->name, rel.outcome, slot, c->now_ms);
        const char *v[6] = {PQgetvalue(r, i, 0),
                            pub_job_state_name(rel.state),
                            rel.moved_to >= 0 ? others->crises[rel.moved_to].id : NULL,
                            outcome_name(&rel),
                            nb,
                            reason};
        for (int k = 0; k < 6; k++)
            hd_pgarray_add(&col[k], v[k]);
    }
    const char *p[8] = {
        NULL, NULL, NULL, NULL, NULL, NULL, pub_job_state_name(PUB_JOB_HELD), c->self.crises[0].id};
    for (int k = 0; k < 6; k++)
        p[k] = hd_pgarray_str(&col[k]);
    PGresult *done = hd_db_exec(db, RELEASE_SQL, 8, p);
    for (int k = 0; k < 6; k++)
        hd_pgarray_free(&col[k]);
    return done;
}

/* content.released (or content.held for a moved job) for each row of
   RELEASE_SQL's result; counts by outcome into n[publish, reapprove,
   expire, moved]. */
static void emit_released(hd_batch_out_t *out, const hd_envelope_t *ev, const char *crisis_id,
                          PGresult *done, long n[4]) {
    for (int i = 0; i < PQntuples(done); i++) {
        const char *moved_to = PQgetvalue(done, i, 4), *outcome = PQgetvalue(done, i, 5);
        if (*moved_to) {
            emit_held(out, ev, done, i, moved_to);
            n[3]++;
            continue;
        }
        int o = hd_resume_parse(outcome);
        n[o < 0 ? 1 : o]++;
        Huddle__V1__ContentReleased b = HUDDLE__V1__CONTENT_RELEASED__INIT;
        b.content_id = PQgetvalue(done, i, 0);
        b.crisis_id = (char *)crisis_id;
        b.outcome = (char *)outcome;
        b.reason = PQgetvalue(done, i, 6);
        b.author_email = PQgetvalue(done, i, 3);
        b.channel = PQgetvalue(done, i, 2);
        hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
        env.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_RELEASED;
        env.content_released = &b;
        env.correlation_id = b.content_id;
        char label[64];
        snprintf(label, sizeof label, "content.released:%s", b.content_id);
        hd_batch_emit(out, ev, &env, PQgetvalue(done, i, 1), label);
    }
}

/* The released jobs' events and the crisis.released summary. */
static void report_release(hd_batch_out_t *out, const hd_envelope_t *ev, const char *crisis_id,
                           PGresult *done) {
    long n[4] = {0};
    emit_released(out, ev, crisis_id, done, n);
    int rows = PQntuples(done);
    char **ids = hd_calloc((size_t)rows + 1, sizeof *ids);
    for (int i = 0; i < rows; i++)
        ids[i] = PQgetvalue(done, i, 0);
    char detail[160];
    snprintf(detail, sizeof detail,
             "{\"publish\":%ld,\"reapprove\":%ld,\"expire\":%ld,\"moved\":%ld}", n[0], n[1], n[2],
             n[3]);
    summary(out, ev, "released", rows, ids, (size_t)rows, detail);
    hd_log(HD_LOG_INFO, "crisis_released", ev->id, crisis_id, "%d held job(s): %s", rows, detail);
    free(ids);
}

static int apply_resumed(hd_db_t *db, const hd_envelope_t *ev, size_t i, hd_batch_out_t *out) {
    const char *id = ev->crisis_changed->crisis_id;
    crisis_row_t c;
    int found = read_crisis(db, id, &c);
    if (found <= 0) {
        pub_hold_set_free(&c.self);
        return found < 0 ? HD_APPLY_RETRY
                         : hd_batch_dead(out, i, "crisis.resumed: no crisis %s", id);
    }
    pub_hold_set_t others;
    const char *p[1] = {c.self.crises[0].id};
    PGresult *r = hd_db_exec(db, HELD_SQL, 1, p);
    PGresult *done = NULL;
    if (r && pub_hold_read(db, &others) == 0) {
        done = release_rows(db, &c, &others, r);
        pub_hold_set_free(&others);
    }
    if (done)
        report_release(out, ev, c.self.crises[0].id, done);
    PQclear(done);
    PQclear(r);
    pub_hold_set_free(&c.self);
    return done ? HD_APPLY_OK : HD_APPLY_RETRY;
}

/* ---------------- the batch ---------------- */

int pub_crisis_apply_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n,
                           hd_batch_out_t *out, void *arg) {
    (void)arg;
    for (size_t i = 0; i < n; i++) {
        const hd_envelope_t *ev = evs[i];
        if (ev->body_case != HUDDLE__V1__ENVELOPE__BODY_CRISIS_CHANGED || !ev->crisis_changed)
            continue;
        const Huddle__V1__CrisisChanged *b = ev->crisis_changed;
        const char *what = b->what ? b->what : "";
        int declared = strcmp(what, "declared") == 0, resumed = strcmp(what, "resumed") == 0;
        if (!declared && !resumed)
            continue;
        if (!hd_id_valid(b->crisis_id ? b->crisis_id : "") || !hd_id_valid(ev->id ? ev->id : ""))
            return hd_batch_dead(out, i, "crisis.%s: crisis_id and event id must be UUIDs", what);
        int rc = declared ? apply_declared(db, ev, i, out) : apply_resumed(db, ev, i, out);
        if (rc != HD_APPLY_OK)
            return rc;
    }
    return HD_APPLY_OK;
}
