/*  crisis_history: GET /v1/crises/{id}/timeline and /report (docs/crisis.md),
    from the read side's views: the crisis's events (read_item_history,
    correlation = the crisis id), what the publisher did to each item
    (read_crisis_item), the notifications (read_notification) and the
    acknowledgements (read_crisis_ack). What to show and the arithmetic
    are crisis_timeline.h's and crisis_report.h's. */
#include "crisis_api.h"

#include "api.h"
#include "crisis_report.h"
#include "crisis_timeline.h"
#include "hd_mem.h"
#include "org.h"
#include "rfc3339.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVENTS_MAX "10000" /* a crisis's events read, at most (SQL text) */
#define TIMELINE_DEFAULT 500
#define TIMELINE_MAX 1000
#define TEAM_MAX "1000" /* people a report lists, at most (SQL text) */

#define MS(col) "coalesce((extract(epoch FROM " col ") * 1000)::bigint, 0)"

typedef void(event_fn)(const hd_envelope_t *env, uint64_t seq, void *arg);

/* Calls fn for every event of crisis id in log order (at most
   EVENTS_MAX). 0, or -1 on a database error. */
static int each_event(hd_db_t *db, const char *id, event_fn *fn, void *arg) {
    PGresult *r = hd_db_execv(db,
                              "SELECT seq, payload FROM read_item_history "
                              "WHERE correlation_id = $1::uuid ORDER BY seq LIMIT " EVENTS_MAX,
                              1, (const char *[]){id}, NULL, NULL, 1);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        hd_envelope_t *env =
            hd_envelope_unpack((const uint8_t *)PQgetvalue(r, i, 1), (size_t)PQgetlength(r, i, 1));
        if (!env)
            continue;
        uint64_t seq = 0;
        const unsigned char *s = (const unsigned char *)PQgetvalue(r, i, 0);
        for (int k = 0; k < 8; k++)
            seq = seq << 8 | s[k];
        fn(env, seq, arg);
        hd_envelope_free(env);
    }
    PQclear(r);
    return 0;
}

/* 1 when crisis id exists; else 0 answered 404, -1 answered 503. */
static int exists(ing_call_t *c, const char *id) {
    PGresult *r = hd_db_exec(c->read_db, "SELECT 1 FROM read_crisis WHERE crisis_id = $1::uuid", 1,
                             (const char *[]){id});
    if (!r) {
        ing_org_unavailable(c);
        return -1;
    }
    int found = PQntuples(r) == 1;
    PQclear(r);
    if (!found)
        ing_api_refuse(c, 404, "id", "not_found", "no crisis %s", id);
    return found;
}

/* ---------- the timeline ---------- */

typedef struct {
    ing_tl_entry_t *e;
    size_t n, cap;
} entries_t;

static void add(entries_t *l, long long at_ms, json_t *json) {
    l->e = hd_grow(l->e, &l->cap, l->n + 1, sizeof *l->e);
    l->e[l->n] = (ing_tl_entry_t){.at_ms = at_ms, .order = l->n, .json = json};
    l->n++;
}

static json_t *entry(long long at_ms, const char *type, const char *actor, const char *summary) {
    char at[40];
    ing_rfc3339_format(at_ms, at, sizeof at);
    return json_pack("{s:s, s:s, s:s, s:s}", "at", at, "type", type, "actor", actor, "summary",
                     summary);
}

static void add_event(const hd_envelope_t *env, uint64_t seq, void *arg) {
    if (!ing_timeline_shows(env))
        return;
    char summary[1024];
    ing_timeline_summary(env, summary, sizeof summary);
    json_t *o = entry(env->occurred_at_ms, env->type,
                      env->actor && *env->actor ? env->actor : env->source, summary);
    json_object_set_new(o, "seq", json_integer((json_int_t)seq));
    add(arg, env->occurred_at_ms, o);
}

/* Everything but the events, by time, at most $2 rows: each held or
   recalled item and its outcome, each notification and its delivery, each
   acknowledgement. ref names what the entry is about (ref_name). */
static const char *OTHERS_SQL =
    "SELECT ms, type, actor, summary, ref_name, ref FROM ("
    "  SELECT " MS(
        "at") " AS ms, 'item.' || action AS type, 'publisher' AS actor, "
              "         format('item %s %s', content_id, action) || "
              "           CASE WHEN detail <> '' THEN ': ' || detail ELSE '' END AS summary, "
              "         'content_id' AS ref_name, content_id::text AS ref "
              "    FROM read_crisis_item WHERE crisis_id = $1::uuid "
              "  UNION ALL "
              "  SELECT " MS(
                  "outcome_at") ", 'item.' || action || '.' || outcome, 'publisher', "
                                "         format('item %s %s: %s', content_id, action, outcome), "
                                "'content_id', "
                                "         content_id::text "
                                "    FROM read_crisis_item WHERE crisis_id = $1::uuid AND "
                                "outcome_at IS NOT NULL "
                                "  UNION ALL "
                                "  SELECT " MS(
                                    "created_at") ", 'notification', 'publisher', "
                                                  "         format('%s%s to %s: %s after %s "
                                                  "attempt(s)', event_type, "
                                                  "           CASE WHEN drill THEN ' (drill)' ELSE "
                                                  "'' END, endpoint, state, attempts) || "
                                                  "           coalesce(', HTTP ' || last_status, "
                                                  "'') || coalesce(': ' || last_error, ''), "
                                                  "         'notification_id', id::text "
                                                  "    FROM read_notification WHERE crisis_id = "
                                                  "$1::uuid "
                                                  "  UNION ALL "
                                                  "  SELECT " MS(
                                                      "delivered_at") ", 'notification.delivered', "
                                                                      "'publisher', "
                                                                      "         format('%s "
                                                                      "delivered to %s', "
                                                                      "event_type, endpoint), "
                                                                      "'notification_id', id::text "
                                                                      "    FROM read_notification "
                                                                      "WHERE crisis_id = $1::uuid "
                                                                      "AND delivered_at IS NOT "
                                                                      "NULL "
                                                                      "  UNION ALL "
                                                                      "  SELECT " MS(
                                                                          "acked_at") ", 'ack', "
                                                                                      "email, "
                                                                                      "         "
                                                                                      "format('%s "
                                                                                      "acknowledged"
                                                                                      " (%s)', "
                                                                                      "email, "
                                                                                      "array_to_"
                                                                                      "string("
                                                                                      "roles, ', "
                                                                                      "')), "
                                                                                      "         "
                                                                                      "'person_id',"
                                                                                      " person_id::"
                                                                                      "text "
                                                                                      "    FROM "
                                                                                      "read_crisis_"
                                                                                      "ack WHERE "
                                                                                      "crisis_id = "
                                                                                      "$1::uuid"
                                                                                      ") t ORDER "
                                                                                      "BY ms, "
                                                                                      "type, ref "
                                                                                      "LIMIT "
                                                                                      "$2::int";

static int add_others(hd_db_t *db, const char *id, int limit, entries_t *l) {
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    PGresult *r = hd_db_exec(db, OTHERS_SQL, 2, (const char *[]){id, lim});
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        long long at = atoll(PQgetvalue(r, i, 0));
        json_t *o = entry(at, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3));
        json_object_set_new(o, PQgetvalue(r, i, 4), json_string(PQgetvalue(r, i, 5)));
        add(l, at, o);
    }
    PQclear(r);
    return 0;
}

void ing_crisis_timeline(ing_call_t *c) {
    const char *id;
    int limit;
    if (ing_crisis_id_arg(c, &id) < 0 ||
        ing_api_limit(c, TIMELINE_DEFAULT, TIMELINE_MAX, &limit) < 0 || exists(c, id) != 1)
        return;
    entries_t l = {0};
    int rc = each_event(c->read_db, id, add_event, &l);
    if (rc == 0)
        rc = add_others(c->read_db, id, limit + 1, &l);
    int truncated = 0;
    json_t *items = ing_timeline_take(l.e, l.n, rc == 0 ? (size_t)limit : 0, &truncated);
    free(l.e);
    if (rc < 0) {
        json_decref(items);
        ing_org_unavailable(c);
        return;
    }
    hd_http_respond_json(c->req, 200,
                         json_pack("{s:s, s:o, s:i, s:b}", "crisis_id", id, "items", items, "limit",
                                   limit, "truncated", truncated));
}

/* ---------- the report ---------- */

static const char *BASE_SQL = "SELECT playbook, state, drill, " MS("detected_at") ", " MS(
    "proposed_at") ", " MS("declared_at") ", " MS("resumed_at") " FROM read_crisis "
                                                                "WHERE crisis_id = $1::uuid";

/* The people of the team (active, holding a team role) and everyone who
   acknowledged, with when (0: not). */
static const char *TEAM_SQL = "SELECT a.email, array_to_json(a.roles)::text, " MS(
    "k.acked_at") " "
                  "FROM read_actor a "
                  "LEFT JOIN read_crisis_ack k ON k.crisis_id = $1::uuid AND k.person_id = "
                  "a.person_id "
                  "WHERE k.person_id IS NOT NULL OR (a.active AND a.roles && "
                  "  (SELECT team_roles FROM read_crisis WHERE crisis_id = $1::uuid)) "
                  "ORDER BY k.acked_at NULLS LAST, a.email LIMIT " TEAM_MAX;

/* The first crisis.held and crisis.statement. */
static void first_moments(const hd_envelope_t *env, uint64_t seq, void *arg) {
    (void)seq;
    ing_report_times_t *t = arg;
    const char *what = env->body_case == HUDDLE__V1__ENVELOPE__BODY_CRISIS_CHANGED &&
                               env->crisis_changed && env->crisis_changed->what
                           ? env->crisis_changed->what
                           : "";
    long long *slot = !strcmp(what, "held")        ? &t->held
                      : !strcmp(what, "statement") ? &t->first_statement
                                                   : NULL;
    if (slot && (*slot == 0 || env->occurred_at_ms < *slot))
        *slot = env->occurred_at_ms;
}

static json_t *time_or_null(long long ms) {
    char at[40];
    ing_rfc3339_format(ms, at, sizeof at);
    return ms > 0 ? json_string(at) : json_null();
}

static json_t *span_or_null(long long ms) { return ms >= 0 ? json_integer(ms) : json_null(); }

/* The team's acknowledgements (TEAM_SQL's rows), timed from declared;
   the first one into t->first_ack. */
static json_t *team_json(PGresult *r, ing_report_times_t *t) {
    json_t *a = json_array();
    for (int i = 0; i < PQntuples(r); i++) {
        long long acked = atoll(PQgetvalue(r, i, 2));
        if (acked > 0 && (t->first_ack == 0 || acked < t->first_ack))
            t->first_ack = acked;
        json_t *roles = json_loads(PQgetvalue(r, i, 1), 0, NULL);
        json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:o}", "email", PQgetvalue(r, i, 0),
                                           "roles", roles ? roles : json_array(), "acked_at",
                                           time_or_null(acked), "ack_ms",
                                           span_or_null(ing_report_span(t->declared, acked))));
    }
    return a;
}

static json_t *report_json(PGresult *base, const ing_report_times_t *t, json_t *team) {
    ing_report_t rep;
    ing_report_compute(t, &rep);
    const char *resp = ing_response_name(rep.response);
    return json_pack(
        "{s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
        "playbook", PQgetvalue(base, 0, 0), "state", PQgetvalue(base, 0, 1), "drill",
        PQgetvalue(base, 0, 2)[0] == 't', "detected_at", time_or_null(t->detected), "proposed_at",
        time_or_null(t->proposed), "declared_at", time_or_null(t->declared), "held_at",
        time_or_null(t->held), "first_response_at", time_or_null(rep.first_response),
        "first_response", resp ? json_string(resp) : json_null(), "resumed_at",
        time_or_null(t->resumed), "time_to_detect_ms", span_or_null(rep.to_detect),
        "time_to_declare_ms", span_or_null(rep.to_declare), "time_to_hold_ms",
        span_or_null(rep.to_hold), "time_to_first_response_ms", span_or_null(rep.to_first_response),
        "time_to_resume_ms", span_or_null(rep.to_resume), "team", team);
}

void ing_crisis_report(ing_call_t *c) {
    const char *id;
    if (ing_crisis_id_arg(c, &id) < 0)
        return;
    PGresult *base = hd_db_exec(c->read_db, BASE_SQL, 1, (const char *[]){id});
    PGresult *team = base ? hd_db_exec(c->read_db, TEAM_SQL, 1, (const char *[]){id}) : NULL;
    ing_report_times_t t = {0};
    int ok = base && team && each_event(c->read_db, id, first_moments, &t) == 0;
    if (!ok)
        ing_org_unavailable(c);
    else if (PQntuples(base) != 1)
        ing_api_refuse(c, 404, "id", "not_found", "no crisis %s", id);
    else {
        t.detected = atoll(PQgetvalue(base, 0, 3));
        t.proposed = atoll(PQgetvalue(base, 0, 4));
        t.declared = atoll(PQgetvalue(base, 0, 5));
        t.resumed = atoll(PQgetvalue(base, 0, 6));
        json_t *tj = team_json(team, &t);
        json_t *o = report_json(base, &t, tj);
        json_object_set_new(o, "crisis_id", json_string(id));
        hd_http_respond_json(c->req, 200, o);
    }
    if (base)
        PQclear(base);
    if (team)
        PQclear(team);
}
