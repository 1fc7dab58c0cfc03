/*  hd_crisis: crisis states, scope, resume rules, the fence, declaring. */
#include "hd_crisis.h"

#include "hd_envelope.h"
#include "hd_id.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_outbox.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_states[HD_CRISIS_STATE_COUNT] = {[HD_CRISIS_PROPOSED] = "proposed",
                                                            [HD_CRISIS_DECLARED] = "declared",
                                                            [HD_CRISIS_DRILL] = "drill",
                                                            [HD_CRISIS_RESUMED] = "resumed",
                                                            [HD_CRISIS_DISMISSED] = "dismissed"};

static const char *const s_resume[HD_RESUME_COUNT] = {[HD_RESUME_PUBLISH] = "publish",
                                                      [HD_RESUME_REAPPROVE] = "reapprove",
                                                      [HD_RESUME_EXPIRE] = "expire"};

static int parse_name(const char *const *names, int n, const char *name) {
    for (int i = 0; name && i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

const char *hd_crisis_state_name(hd_crisis_state_t s) {
    return (unsigned)s < HD_CRISIS_STATE_COUNT ? s_states[s] : "unknown";
}

int hd_crisis_state_parse(const char *name) {
    return parse_name(s_states, HD_CRISIS_STATE_COUNT, name);
}

int hd_crisis_state_final(hd_crisis_state_t s) {
    return s == HD_CRISIS_RESUMED || s == HD_CRISIS_DISMISSED;
}

const char *hd_resume_name(hd_resume_t r) {
    return (unsigned)r < HD_RESUME_COUNT ? s_resume[r] : "unknown";
}

int hd_resume_parse(const char *name) { return parse_name(s_resume, HD_RESUME_COUNT, name); }

/* 1 when the list is empty (every value) or holds v. */
static int listed(const char *const *list, size_t n, const char *v) {
    if (n == 0)
        return 1;
    for (size_t i = 0; v && i < n; i++)
        if (list[i] && strcmp(list[i], v) == 0)
            return 1;
    return 0;
}

int hd_crisis_covers(const hd_crisis_scope_t *scope, const char *department, const char *channel) {
    return listed(scope->departments, scope->ndepartments, department) &&
           listed(scope->channels, scope->nchannels, channel);
}

hd_resume_t hd_crisis_resume_outcome(hd_resume_t on_time, hd_resume_t late, int64_t scheduled_ms,
                                     int64_t now_ms) {
    return scheduled_ms > 0 && scheduled_ms < now_ms ? late : on_time;
}

int hd_crisis_fence_shared(hd_db_t *db) {
    return hd_db_cmd(db, "SELECT pg_advisory_lock_shared(" HD_CRISIS_FENCE_KEY ")", 0, NULL);
}

int hd_crisis_fence_release(hd_db_t *db) {
    return hd_db_cmd(db, "SELECT pg_advisory_unlock_shared(" HD_CRISIS_FENCE_KEY ")", 0, NULL);
}

static int fence_exclusive(hd_db_t *db) {
    return hd_db_cmd(db, "SELECT pg_advisory_xact_lock(" HD_CRISIS_FENCE_KEY ")", 0, NULL);
}

/* A PostgreSQL array literal of n slugs or channel ids ("{a,b}"), each
   quoted; NULL when list is NULL (the playbook's own). Caller frees. */
static char *array_literal(const char *const *list, size_t n) {
    if (!list)
        return NULL;
    size_t cap = 3;
    for (size_t i = 0; i < n; i++)
        cap += 2 * strlen(list[i]) + 3;
    char *s = hd_malloc(cap), *p = s;
    *p++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        *p++ = '"';
        for (const char *c = list[i]; *c; c++) {
            if (*c == '"' || *c == '\\')
                *p++ = '\\';
            *p++ = *c;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return s;
}

/* The playbook's active version and whether the given narrower scope
   ($2, $3: NULL for the playbook's) lies inside its own. */
static const char *CHECK_SQL =
    "SELECT version, "
    "  ($2::text[] IS NULL OR d = '{}' OR $2::text[] <@ d), "
    "  ($3::text[] IS NULL OR ch = '{}' OR $3::text[] <@ ch) "
    "FROM (SELECT version, "
    "  ARRAY(SELECT jsonb_array_elements_text(coalesce(spec->'scope'->'departments', '[]'))) d, "
    "  ARRAY(SELECT jsonb_array_elements_text(coalesce(spec->'scope'->'channels', '[]'))) ch "
    "  FROM playbook_version WHERE name = $1 AND active) pb";

#define SPEC_LIST(path) "ARRAY(SELECT jsonb_array_elements_text(coalesce(pb.spec" path ", '[]')))"

/* The crisis from the playbook's active spec (docs/playbooks.md, "spec");
   the times are clock_timestamp(): taken after the fence was. */
static const char *INSERT_SQL =
    "INSERT INTO crisis (id, name, playbook, playbook_version, severity, state, drill, "
    "reason, "
    "  declared_by, declared_by_id, departments, channels, hold, approval_roles, "
    "  reroute_terms, reroute_department, recall_minutes, on_resume, on_resume_late, "
    "  resume_roles, team_roles, notify, statement, spec, detected_at, proposed_at, "
    "  declared_at, started_at, detail) "
    "SELECT $1::uuid, pb.name, pb.name, pb.version, coalesce(pb.spec->>'severity', ''), "
    "$3, "
    "  $3 = 'drill', $4, $5, nullif($6, '')::uuid, "
    "  coalesce($7::text[], " SPEC_LIST(
        "->'scope'->'departments'") "), "
                                    "  coalesce($8::text[], " SPEC_LIST(
                                        "->'scope'->'channels'") "), "
                                                                 "  "
                                                                 "coalesce((pb.spec->'"
                                                                 "actions'->>'hold')::"
                                                                 "boolean, false), "
                                                                 "  " SPEC_LIST(
                                                                     "->'actions'->'add_"
                                                                     "approvals'") ", "
                                                                                   "  CASE "
                                                                                   "WHEN "
                                                                                   "pb."
                                                                                   "spec->'"
                                                                                   "actions"
                                                                                   "'->>'"
                                                                                   "reroute"
                                                                                   "_to' "
                                                                                   "IS NOT "
                                                                                   "NULL "
                                                                                   "       "
                                                                                   "THEN"
                                                                                   " " SPEC_LIST(
                                                                                       "->'"
                                                                                       "ter"
                                                                                       "ms"
                                                                                       "'") " ELSE "
                                                                                            "'{}' "
                                                                                            "END, "
                                                                                            "  "
                                                                                            "pb."
                                                                                            "spec->"
                                                                                            "'actio"
                                                                                            "ns'->>"
                                                                                            "'rerou"
                                                                                            "te_to'"
                                                                                            ", "
                                                                                            "  "
                                                                                            "coales"
                                                                                            "ce(("
                                                                                            "pb."
                                                                                            "spec->"
                                                                                            "'actio"
                                                                                            "ns'->>"
                                                                                            "'recal"
                                                                                            "l_"
                                                                                            "minute"
                                                                                            "s')::"
                                                                                            "int, "
                                                                                            "0), "
                                                                                            "  "
                                                                                            "coales"
                                                                                            "ce(pb."
                                                                                            "spec->"
                                                                                            "'exit'"
                                                                                            "->>'"
                                                                                            "held_"
                                                                                            "items'"
                                                                                            ", "
                                                                                            "'publi"
                                                                                            "sh'), "
                                                                                            "  "
                                                                                            "coales"
                                                                                            "ce(pb."
                                                                                            "spec->"
                                                                                            "'exit'"
                                                                                            "->>'"
                                                                                            "late_"
                                                                                            "items'"
                                                                                            ", "
                                                                                            "'reapp"
                                                                                            "rove')"
                                                                                            ", "
                                                                                            "  "
                                                                                            "ARRAY("
                                                                                            "SELECT"
                                                                                            " jsonb"
                                                                                            "_array"
                                                                                            "_eleme"
                                                                                            "nts_"
                                                                                            "text("
                                                                                            "coales"
                                                                                            "ce(pb."
                                                                                            "spec->"
                                                                                            "'exit'"
                                                                                            "->'"
                                                                                            "resume"
                                                                                            "_roles"
                                                                                            "', "
                                                                                            "    "
                                                                                            "'["
                                                                                            "\"orch"
                                                                                            "estrat"
                                                                                            "or\"]'"
                                                                                            "))), "
                                                                                            " "
                                                                                            " " SPEC_LIST("->'team'->'roles'") ", " SPEC_LIST(
                                                                                                "->"
                                                                                                "'a"
                                                                                                "ct"
                                                                                                "io"
                                                                                                "ns"
                                                                                                "'-"
                                                                                                ">'"
                                                                                                "no"
                                                                                                "ti"
                                                                                                "fy"
                                                                                                "'") ", "
                                                                                                     "  coalesce(pb.spec->'actions'->>'holding_statement', ''), pb.spec, "
                                                                                                     "  CASE WHEN $9::bigint > 0 THEN to_timestamp($9::bigint / 1000.0) END, "
                                                                                                     "  CASE WHEN $3 = 'proposed' THEN clock_timestamp() END, "
                                                                                                     "  CASE WHEN $3 <> 'proposed' THEN clock_timestamp() END, clock_timestamp(), "
                                                                                                     "  coalesce($10::jsonb, '{}') "
                                                                                                     "FROM playbook_version pb WHERE pb.name = $2 AND pb.active "
                                                                                                     "RETURNING playbook_version, array_to_json(departments)::text, "
                                                                                                     "  array_to_json(channels)::text";

/* A JSON array of strings (text) as a NULL-terminated vector (caller frees
   with free_list); n set. */
static char **json_list(const char *text, size_t *n) {
    json_t *a = json_loads(text, 0, NULL);
    *n = json_is_array(a) ? json_array_size(a) : 0;
    char **v = hd_calloc(*n + 1, sizeof *v);
    for (size_t i = 0; i < *n; i++)
        v[i] = hd_strdup(json_string_value(json_array_get(a, i)) ?: "");
    json_decref(a);
    return v;
}

static void free_list(char **v) {
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

/* Records crisis.<what> for the crisis (correlation: its id). */
static int record(hd_db_t *db, const hd_crisis_declare_t *d, const char *what, int64_t version,
                  char **deps, size_t ndeps, char **chans, size_t nchans) {
    Huddle__V1__CrisisChanged b = HUDDLE__V1__CRISIS_CHANGED__INIT;
    b.crisis_id = (char *)d->crisis_id;
    b.what = (char *)what;
    b.playbook = (char *)d->playbook;
    b.playbook_version = version;
    b.actor_id = (char *)(d->actor_id ? d->actor_id : "");
    b.actor_email = (char *)(d->actor_email ? d->actor_email : "");
    b.reason = (char *)(d->reason ? d->reason : "");
    b.drill = d->state == HD_CRISIS_DRILL;
    b.departments = deps;
    b.n_departments = ndeps;
    b.channels = chans;
    b.n_channels = nchans;
    b.detail_json = (char *)(d->detail_json ? d->detail_json : "");
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    char type[HD_TYPE_LEN], id[HD_ID_LEN];
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_CRISIS_CHANGED;
    env.crisis_changed = &b;
    env.type = (char *)hd_envelope_crisis_type(&b, type, sizeof type);
    env.department = "";
    env.correlation_id = (char *)d->crisis_id;
    env.actor = (char *)(d->actor_email ? d->actor_email : "");
    env.token_id = (char *)(d->token_id ? d->token_id : "");
    hd_envelope_stamp(&env, id, d->actor_id && *d->actor_id ? "ingest" : "workflow",
                      d->causation_id, d->crisis_id);
    return hd_outbox_put(db, &env) < 0 ? -1 : 0;
}

/* CHECK_SQL: NO_PLAYBOOK, SCOPE or OK. */
static hd_crisis_rc_t check(hd_db_t *db, const hd_crisis_declare_t *d, const char *deps,
                            const char *chans) {
    const char *p[3] = {d->playbook, deps, chans};
    PGresult *r = hd_db_exec(db, CHECK_SQL, 3, p);
    if (!r)
        return HD_CRISIS_DB;
    hd_crisis_rc_t rc = PQntuples(r) != 1 ? HD_CRISIS_NO_PLAYBOOK
                        : PQgetvalue(r, 0, 1)[0] != 't' || PQgetvalue(r, 0, 2)[0] != 't'
                            ? HD_CRISIS_SCOPE
                            : HD_CRISIS_OK;
    PQclear(r);
    return rc;
}

/* INSERT_SQL, then the event. */
static hd_crisis_rc_t insert(hd_db_t *db, const hd_crisis_declare_t *d, const char *deps,
                             const char *chans) {
    char detected[24];
    snprintf(detected, sizeof detected, "%lld", (long long)d->detected_at_ms);
    const char *p[10] = {d->crisis_id,
                         d->playbook,
                         hd_crisis_state_name(d->state),
                         d->reason ? d->reason : "",
                         d->actor_email ? d->actor_email : "",
                         d->actor_id ? d->actor_id : "",
                         deps,
                         chans,
                         detected,
                         d->detail_json && *d->detail_json ? d->detail_json : NULL};
    PGresult *r = hd_db_exec(db, INSERT_SQL, 10, p);
    if (!r)
        return HD_CRISIS_DB;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return HD_CRISIS_NO_PLAYBOOK;
    }
    size_t nd, nc;
    char **dv = json_list(PQgetvalue(r, 0, 1), &nd), **cv = json_list(PQgetvalue(r, 0, 2), &nc);
    int rc =
        record(db, d, hd_crisis_state_name(d->state), atoll(PQgetvalue(r, 0, 0)), dv, nd, cv, nc);
    free_list(dv);
    free_list(cv);
    PQclear(r);
    return rc < 0 ? HD_CRISIS_DB : HD_CRISIS_OK;
}

hd_crisis_rc_t hd_crisis_declare(hd_db_t *db, const hd_crisis_declare_t *d) {
    if (d->state != HD_CRISIS_PROPOSED && d->state != HD_CRISIS_DECLARED &&
        d->state != HD_CRISIS_DRILL)
        return HD_CRISIS_CONFLICT;
    char *deps = array_literal(d->departments, d->ndepartments);
    char *chans = array_literal(d->channels, d->nchannels);
    hd_crisis_rc_t rc = check(db, d, deps, chans);
    if (rc == HD_CRISIS_OK && d->state == HD_CRISIS_DECLARED && fence_exclusive(db) < 0)
        rc = HD_CRISIS_DB;
    if (rc == HD_CRISIS_OK)
        rc = insert(db, d, deps, chans);
    free(deps);
    free(chans);
    return rc;
}

/* A proposal confirmed: the times after the fence, as for a declaration. */
static const char *CONFIRM_SQL =
    "UPDATE crisis SET state = 'declared', declared_at = clock_timestamp(), declared_by = $2, "
    "  declared_by_id = nullif($3, '')::uuid, reason = CASE WHEN $4 = '' THEN reason ELSE $4 "
    "  END "
    "WHERE id = $1::uuid AND state = 'proposed' "
    "RETURNING playbook, playbook_version, reason, array_to_json(departments)::text, "
    "  array_to_json(channels)::text";

hd_crisis_rc_t hd_crisis_confirm(hd_db_t *db, const char *crisis_id, const char *actor_id,
                                 const char *actor_email, const char *reason,
                                 const char *token_id) {
    if (fence_exclusive(db) < 0)
        return HD_CRISIS_DB;
    const char *p[4] = {crisis_id, actor_email ? actor_email : "", actor_id ? actor_id : "",
                        reason ? reason : ""};
    PGresult *r = hd_db_exec(db, CONFIRM_SQL, 4, p);
    if (!r)
        return HD_CRISIS_DB;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return HD_CRISIS_CONFLICT;
    }
    hd_crisis_declare_t d = {.crisis_id = crisis_id,
                             .playbook = PQgetvalue(r, 0, 0),
                             .state = HD_CRISIS_DECLARED,
                             .reason = PQgetvalue(r, 0, 2),
                             .actor_id = actor_id,
                             .actor_email = actor_email,
                             .token_id = token_id};
    size_t nd, nc;
    char **dv = json_list(PQgetvalue(r, 0, 3), &nd), **cv = json_list(PQgetvalue(r, 0, 4), &nc);
    int rc = record(db, &d, "declared", atoll(PQgetvalue(r, 0, 1)), dv, nd, cv, nc);
    free_list(dv);
    free_list(cv);
    PQclear(r);
    return rc < 0 ? HD_CRISIS_DB : HD_CRISIS_OK;
}
