/*  policy_proposals: policy proposals and their reviews as ingest records
    them (see policy_api.h). A proposal: who may propose (policy_review.h),
    the emergency permission, the source validated by the policy library,
    then policy_proposal + policy.proposed in one transaction. A review: the
    same rule the policy service applies, checked early against what the
    read side shows, then policy_review + policy.review_submitted in one
    transaction; the policy service's answer is the one that counts. */
#include "api.h"
#include "hd_envelope.h"
#include "hd_id.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_outbox.h"
#include "hd_pgarray.h"
#include "org.h"
#include "policy_api.h"
#include "policy_review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define WHY_MAX 2000
#define MAX_CHAIN 32
#define LIST_MAX 1000

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* Role names owned by a result (borrowed from it). */
typedef struct {
    const char *v[MAX_CHAIN];
    size_t n;
    json_t *json; /* owns the strings */
} names_t;

/* The JSON array text s as names (NULL / malformed: none). */
static void names_parse(const char *s, names_t *out) {
    memset(out, 0, sizeof *out);
    out->json = s ? json_loads(s, 0, NULL) : NULL;
    size_t i;
    json_t *v;
    json_array_foreach(out->json, i, v) if (json_is_string(v) && out->n < MAX_CHAIN)
        out->v[out->n++] = json_string_value(v);
}

static void names_free(names_t *n) {
    json_decref(n->json);
    memset(n, 0, sizeof *n);
}

/* The review chain (policy_review_step, in order) into chain; {orchestrator}
   when empty. 0 / -1. */
static int read_chain(hd_db_t *db, names_t *chain) {
    PGresult *r = hd_db_exec(db,
                             "SELECT coalesce(array_to_json(array_agg(role ORDER BY ord, role)), "
                             "'[\"orchestrator\"]') FROM policy_review_step",
                             0, NULL);
    if (!r)
        return -1;
    names_parse(PQgetvalue(r, 0, 0), chain);
    PQclear(r);
    return 0;
}

static void unavailable(ing_call_t *c) { ing_org_unavailable(c); }

/* ---------- POST /v1/policy/proposals ---------- */

typedef struct {
    const char *source, *why;
    size_t len;
    int emergency;
} proposal_in_t;

/* The body's fields; -1 after answering. */
static int read_proposal(ing_call_t *c, json_t *body, proposal_in_t *in) {
    static const char *const fields[] = {"source", "why", "emergency", NULL};
    json_t *em = json_object_get(body, "emergency");
    if (ing_org_known(c, body, fields) < 0 ||
        ing_policy_source(c, body, &in->source, &in->len) < 0 ||
        ing_org_text(c, body, "why", 0, 0, WHY_MAX, &in->why) < 0)
        return -1;
    if (!in->why || !*in->why) {
        ing_api_refuse(c, 422, "why", "invalid",
                       "why (1..%d bytes) is required: say what the "
                       "change is for",
                       WHY_MAX);
        return -1;
    }
    if (em && !json_is_null(em) && !json_is_boolean(em)) {
        ing_api_refuse(c, 422, "emergency", "invalid", "emergency must be true or false");
        return -1;
    }
    in->emergency = em && json_is_true(em);
    return 0;
}

/* May the caller propose? -1 after answering 403. */
static int may_propose(ing_call_t *c, const names_t *chain) {
    const char *roles[ING_MAX_ROLES];
    for (int i = 0; i < c->who->nroles; i++)
        roles[i] = c->who->roles[i];
    if (pol_review_may_propose(roles, (size_t)c->who->nroles, chain->v, chain->n))
        return 0;
    char list[512] = "";
    for (size_t i = 0; i < chain->n; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), ", %s", chain->v[i]);
    ing_api_refuse(c, 403, NULL, "forbidden",
                   "proposing a policy change needs the role orchestrator or a role of the "
                   "policy review chain (%s)",
                   list[0] ? list + 2 : "none");
    return -1;
}

/* The active version (0: none), from the read side; -1 on error. */
static long long active_version(ing_call_t *c) {
    PGresult *r = hd_db_exec(c->read_db, "SELECT version FROM read_active_policy", 0, NULL);
    if (!r)
        return -1;
    long long v = PQntuples(r) ? atoll(PQgetvalue(r, 0, 0)) : 0;
    PQclear(r);
    return v;
}

/* policy_proposal and policy.proposed, in c->db's open transaction. 1
   recorded, 0 a proposal with this id exists already (a retry under the
   same Idempotency-Key: nothing written), -1 database error. */
static int record_proposal(ing_call_t *c, const proposal_in_t *in, const char *id, long long base,
                           const names_t *chain) {
    char bs[32], *roles = json_dumps(chain->json, JSON_COMPACT);
    snprintf(bs, sizeof bs, "%lld", base);
    const char *p[8] = {id,         in->source,
                        in->why,    in->emergency ? "true" : "false",
                        c->who->id, hd_id_valid(c->who->token_id) ? c->who->token_id : NULL,
                        bs,         roles};
    long n = hd_db_count(c->db,
                         "INSERT INTO policy_proposal (id, source, why, emergency, proposed_by, "
                         "token_id, base_version, required_roles) VALUES ($1, $2, $3, $4, $5, $6, "
                         "$7, ARRAY(SELECT json_array_elements_text($8::json))) "
                         "ON CONFLICT (id) DO NOTHING",
                         8, p);
    free(roles);
    if (n <= 0)
        return n < 0 ? -1 : 0;
    Huddle__V1__PolicyProposed body = HUDDLE__V1__POLICY_PROPOSED__INIT;
    body.proposal_id = (char *)id;
    body.base_version = base;
    body.proposed_by = (char *)c->who->email;
    body.proposer_id = (char *)c->who->id;
    body.why = (char *)in->why;
    body.emergency = in->emergency;
    body.required_roles = (char **)chain->v;
    body.n_required_roles = chain->n;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_POLICY_PROPOSED;
    env.policy_proposed = &body;
    env.correlation_id = (char *)id;
    env.actor = (char *)c->who->email;
    env.token_id = (char *)c->who->token_id;
    char eid[HD_ID_LEN];
    hd_envelope_stamp(&env, eid, "ingest", NULL, NULL);
    return hd_outbox_put(c->db, &env) < 0 ? -1 : 1;
}

/* A retry under an Idempotency-Key already used: the original proposal when
   it is the same request (200), else 422 naming the key. */
static void answer_retry(ing_call_t *c, const proposal_in_t *in, const char *id) {
    char em[8];
    snprintf(em, sizeof em, "%s", in->emergency ? "true" : "false");
    const char *p[4] = {id, in->source, in->why, em};
    long same = hd_db_count(c->db,
                            "SELECT 1 FROM policy_proposal WHERE id = $1 AND source = $2 "
                            "AND why = $3 AND emergency = $4",
                            4, p);
    if (same < 0)
        unavailable(c);
    else if (same == 0)
        ing_api_refuse(c, 422, "Idempotency-Key", "invalid",
                       "this Idempotency-Key was used for another proposal");
    else
        hd_http_respond_json(c->req, 200, json_pack("{s:s, s:s}", "id", id, "status", "duplicate"));
}

static void answer_proposal(ing_call_t *c, const proposal_in_t *in, const char *id, long long base,
                            const names_t *chain) {
    char now[40];
    hd_now_rfc3339(now, sizeof now);
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:b, s:s, s:I, s:O, s:s}", "id", id, "state", "analyzing", "why",
                  in->why, "emergency", in->emergency, "proposed_by", c->who->email, "base_version",
                  (json_int_t)base, "required_roles", chain->json, "created_at", now);
    hd_http_respond_json(c->req, 201, o);
}

void ing_policy_propose(ing_call_t *c) {
    json_t *body = ing_api_body(c);
    proposal_in_t in = {0};
    names_t chain = {0};
    size_t rules;
    if (!body || read_proposal(c, body, &in) < 0)
        goto done;
    if (in.emergency && ing_org_authorize(c, "policy-emergency", NULL, "policy") < 0)
        goto done;
    if (read_chain(c->db, &chain) < 0) {
        unavailable(c);
        goto done;
    }
    if (may_propose(c, &chain) < 0 || ing_policy_compile(c, in.source, in.len, &rules) < 0)
        goto done;
    long long base = active_version(c);
    char id[HD_ID_LEN];
    const char *key = hd_http_req_header(c->req, "Idempotency-Key");
    if (key && (!*key || strlen(key) > 200 || !ing_auth_token_wellformed(key))) {
        ing_api_refuse(c, 422, "Idempotency-Key", "invalid",
                       "Idempotency-Key must be 1..200 printable ASCII characters");
        goto done;
    }
    if (key) { /* a retry of a lost answer finds its proposal, never makes a second */
        char label[256];
        snprintf(label, sizeof label, "policy-proposal:%s", key);
        hd_id_derive(id, c->who->id, label);
    } else
        hd_id_random(id);
    int rec = base < 0 || hd_db_begin(c->db) < 0 ? -1 : record_proposal(c, &in, id, base, &chain);
    if (rec < 0 || hd_db_commit(c->db) < 0) {
        unavailable(c);
        goto done;
    }
    if (rec == 0) {
        answer_retry(c, &in, id);
        goto done;
    }
    hd_log(HD_LOG_INFO, "policy_proposed", NULL, id, "by %s%s: %zu rules, base version %lld",
           c->who->email, in.emergency ? " (emergency)" : "", rules, base);
    answer_proposal(c, &in, id, base, &chain);
done:
    names_free(&chain);
    json_decref(body);
}

/* ---------- reads ---------- */

/* What the policy service made of proposals, from the read side. */
static const char *STATE_SQL =
    "SELECT proposal_id, state, diff, simulation::text, array_to_json(approved), version, "
    " reason, " TS("updated_at") " FROM read_policy_proposal_state "
                                 "WHERE proposal_id = ANY ($1::uuid[])";

static json_t *json_col(PGresult *r, int row, int col) {
    json_t *v = PQgetisnull(r, row, col) ? NULL : json_loads(PQgetvalue(r, row, col), 0, NULL);
    return v ? v : json_null();
}

/* Adds the state row `row` of s (NULL: analyzing) to o; full adds the diff
   and the simulation. */
static void add_state(json_t *o, PGresult *s, int row, int full) {
    if (row < 0) {
        json_object_set_new(o, "state", json_string("analyzing"));
        json_object_set_new(o, "approved", json_array());
        json_object_set_new(o, "version", json_null());
        return;
    }
    json_object_set_new(o, "state", json_string(PQgetvalue(s, row, 1)));
    json_object_set_new(o, "approved", json_col(s, row, 4));
    json_object_set_new(o, "version",
                        PQgetisnull(s, row, 5) ? json_null()
                                               : json_integer(atoll(PQgetvalue(s, row, 5))));
    json_object_set_new(o, "reason", json_string(PQgetvalue(s, row, 6)));
    json_object_set_new(o, "updated_at", json_string(PQgetvalue(s, row, 7)));
    if (full) {
        json_object_set_new(o, "diff", json_string(PQgetvalue(s, row, 2)));
        json_object_set_new(o, "simulation", json_col(s, row, 3));
    }
}

static int state_row(PGresult *s, const char *id) {
    for (int i = 0; s && i < PQntuples(s); i++)
        if (!strcasecmp(PQgetvalue(s, i, 0), id))
            return i;
    return -1;
}

static const char *PROPOSAL_COLS =
    "p.id, p.why, p.emergency, pe.email, p.base_version, array_to_json(p.required_roles), " TS(
        "p.created_at") ", p.source, p.proposed_by";

static json_t *proposal_json(PGresult *r, int i) {
    return json_pack("{s:s, s:s, s:b, s:s, s:I, s:o, s:s}", "id", PQgetvalue(r, i, 0), "why",
                     PQgetvalue(r, i, 1), "emergency", PQgetvalue(r, i, 2)[0] == 't', "proposed_by",
                     PQgetvalue(r, i, 3), "base_version", (json_int_t)atoll(PQgetvalue(r, i, 4)),
                     "required_roles", json_col(r, i, 5), "created_at", PQgetvalue(r, i, 6));
}

/* ?state= as a state name (NULL: any); -1 after answering 422. */
static int state_param(ing_call_t *c, char *buf, size_t n, const char **state) {
    pol_proposal_state_t s;
    *state = hd_http_req_param(c->req, "state", buf, n);
    if (!*state || pol_proposal_state_parse(*state, &s) == 0)
        return 0;
    hd_http_respond_error(c->req, 422, "invalid", "state",
                          "state must be analyzing, in_review, activated, rejected or invalid");
    return -1;
}

/* The ids of r's rows (column 0) as an array literal. */
static hd_pgarray_t ids_of(PGresult *r) {
    hd_pgarray_t a = {0};
    for (int i = 0; i < PQntuples(r); i++)
        hd_pgarray_add(&a, PQgetvalue(r, i, 0));
    return a;
}

void ing_policy_proposals(ing_call_t *c) {
    char buf[256], sql[512];
    const char *want;
    int limit;
    if (state_param(c, buf, sizeof buf, &want) < 0 || ing_api_limit(c, 50, LIST_MAX, &limit) < 0)
        return;
    snprintf(sql, sizeof sql,
             "SELECT %s FROM policy_proposal p JOIN person pe ON pe.id = p.proposed_by "
             "ORDER BY p.created_at DESC, p.id LIMIT %d",
             PROPOSAL_COLS, LIST_MAX);
    PGresult *r = hd_db_exec(c->db, sql, 0, NULL), *s = NULL;
    if (r) {
        hd_pgarray_t ids = ids_of(r);
        s = hd_db_exec_arrays(c->read_db, STATE_SQL, &ids, 1);
    }
    if (!r || !s) {
        if (r)
            PQclear(r);
        hd_http_respond_error(c->req, 503, "unavailable", NULL, "database unavailable, retry");
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < PQntuples(r) && (int)json_array_size(items) < limit; i++) {
        json_t *o = proposal_json(r, i);
        add_state(o, s, state_row(s, PQgetvalue(r, i, 0)), 0);
        if (want && strcmp(want, json_string_value(json_object_get(o, "state"))))
            json_decref(o);
        else
            json_array_append_new(items, o);
    }
    PQclear(r);
    PQclear(s);
    hd_http_respond_json(c->req, 200, json_pack("{s:o}", "items", items));
}

static json_t *reviews_json(PGresult *r) {
    json_t *a = json_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_array_append_new(a,
                              json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", PQgetvalue(r, i, 0),
                                        "by", PQgetvalue(r, i, 1), "role", PQgetvalue(r, i, 2),
                                        "decision", PQgetvalue(r, i, 3), "comment",
                                        PQgetvalue(r, i, 4), "at", PQgetvalue(r, i, 5)));
    return a;
}

/* The proposal `id` (ingest's row, with its source) or NULL after
   answering 404 / 503. */
static PGresult *proposal_row(ing_call_t *c, const char *id) {
    char sql[512];
    if (!hd_id_valid(id)) {
        ing_api_refuse(c, 404, "id", "not_found", "'%s' is not a proposal id", id);
        return NULL;
    }
    snprintf(sql, sizeof sql,
             "SELECT %s FROM policy_proposal p JOIN person pe ON pe.id = p.proposed_by "
             "WHERE p.id = $1",
             PROPOSAL_COLS);
    PGresult *r = hd_db_exec(c->db, sql, 1, (const char *[]){id});
    if (!r)
        ing_api_refuse(c, 503, NULL, "unavailable", "database unavailable, retry");
    else if (PQntuples(r) != 1) {
        PQclear(r);
        r = NULL;
        ing_api_refuse(c, 404, "id", "not_found", "no policy proposal %s", id);
    }
    return r;
}

/* The state rows of one proposal (read side); NULL on error. */
static PGresult *state_of(ing_call_t *c, const char *id) {
    hd_pgarray_t ids = {0};
    hd_pgarray_add(&ids, id);
    return hd_db_exec_arrays(c->read_db, STATE_SQL, &ids, 1);
}

void ing_policy_proposal(ing_call_t *c) {
    const char *id = c->params[0];
    PGresult *r = proposal_row(c, id), *s = NULL, *rv = NULL;
    if (!r)
        return;
    s = state_of(c, id);
    rv = s ? hd_db_exec(c->db,
                        "SELECT r.id, pe.email, r.role, r.decision, r.comment, " TS(
                            "r.created_at") " FROM policy_review r "
                                            "JOIN person pe ON pe.id = r.reviewer_id "
                                            "WHERE r.proposal_id = $1 ORDER BY r.created_at, r.id",
                        1, (const char *[]){id})
           : NULL;
    if (!rv) {
        hd_http_respond_error(c->req, 503, "unavailable", NULL, "database unavailable, retry");
    } else {
        json_t *o = proposal_json(r, 0);
        json_object_set_new(o, "source", json_string(PQgetvalue(r, 0, 7)));
        add_state(o, s, state_row(s, id), 1);
        json_object_set_new(o, "reviews", reviews_json(rv));
        hd_http_respond_json(c->req, 200, o);
    }
    PQclear(r);
    if (s)
        PQclear(s);
    if (rv)
        PQclear(rv);
}

/* ---------- POST /v1/policy/proposals/{id}/reviews ---------- */

typedef struct {
    const char *decision, *comment, *role;
} review_in_t;

static int read_review(ing_call_t *c, json_t *body, review_in_t *in) {
    static const char *const fields[] = {"decision", "comment", "role", NULL};
    return ing_org_known(c, body, fields) < 0 ||
                   ing_org_text(c, body, "decision", 0, 0, 16, &in->decision) < 0 ||
                   ing_org_text(c, body, "comment", 0, 0, POL_REVIEW_COMMENT_MAX, &in->comment) <
                       0 ||
                   ing_org_text(c, body, "role", 0, 0, POL_REVIEW_ROLE_LEN - 1, &in->role) < 0
               ? -1
               : 0;
}

/* The early check: the rule over what ingest and the read side show now.
   role receives the role the review counts for. -1 after answering. */
static int check_review(ing_call_t *c, PGresult *p, PGresult *s, const review_in_t *in,
                        char *role) {
    names_t required, approved = {0};
    names_parse(PQgetvalue(p, 0, 5), &required);
    int row = state_row(s, PQgetvalue(p, 0, 0));
    pol_proposal_state_t st = POL_PROPOSAL_ANALYZING;
    if (row >= 0) {
        names_parse(PQgetvalue(s, row, 4), &approved);
        if (pol_proposal_state_parse(PQgetvalue(s, row, 1), &st) < 0)
            st = POL_PROPOSAL_INVALID;
    }
    const char *roles[ING_MAX_ROLES];
    for (int i = 0; i < c->who->nroles; i++)
        roles[i] = c->who->roles[i];
    pol_review_proposal_t prop = {.proposer_id = PQgetvalue(p, 0, 8),
                                  .state = st,
                                  .required = required.v,
                                  .nrequired = required.n,
                                  .approved = approved.v,
                                  .napproved = approved.n};
    pol_review_t rv = {.reviewer_id = c->who->id,
                       .reviewer_email = c->who->email,
                       .roles = roles,
                       .nroles = (size_t)c->who->nroles,
                       .role = in->role,
                       .decision = in->decision,
                       .comment = in->comment};
    char why[512];
    const char *field = NULL;
    pol_review_result_t rc = pol_review_check(&prop, &rv, role, why, sizeof why, &field);
    names_free(&required);
    names_free(&approved);
    if (rc == POL_REVIEW_OK)
        return 0;
    int status = pol_review_status(rc);
    ing_api_refuse(c, status, field,
                   status == 422   ? "invalid"
                   : status == 403 ? "forbidden"
                                   : "conflict",
                   "%s", why);
    return -1;
}

/* policy_review and policy.review_submitted in c->db's open transaction:
   1 recorded, 0 this very review was recorded before, -1 error. */
static int record_review(ing_call_t *c, const char *pid, const char *rid, const char *role,
                         const review_in_t *in) {
    const char *comment = in->comment ? in->comment : "";
    const char *p[7] = {rid,
                        pid,
                        c->who->id,
                        role,
                        in->decision,
                        comment,
                        hd_id_valid(c->who->token_id) ? c->who->token_id : NULL};
    long n = hd_db_count(c->db,
                         "INSERT INTO policy_review (id, proposal_id, reviewer_id, role, decision, "
                         "comment, token_id) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                         "ON CONFLICT (id) DO NOTHING",
                         7, p);
    if (n <= 0)
        return (int)n;
    Huddle__V1__PolicyReviewSubmitted body = HUDDLE__V1__POLICY_REVIEW_SUBMITTED__INIT;
    body.proposal_id = (char *)pid;
    body.review_id = (char *)rid;
    body.reviewer_id = (char *)c->who->id;
    body.reviewer_email = (char *)c->who->email;
    body.role = (char *)role;
    body.decision = (char *)in->decision;
    body.comment = (char *)comment;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_POLICY_REVIEW_SUBMITTED;
    env.policy_review_submitted = &body;
    env.correlation_id = (char *)pid;
    env.actor = (char *)c->who->email;
    env.token_id = (char *)c->who->token_id;
    char eid[HD_ID_LEN];
    hd_envelope_stamp(&env, eid, "ingest", NULL, NULL);
    return hd_outbox_put(c->db, &env) < 0 ? -1 : 1;
}

void ing_policy_review_submit(ing_call_t *c) {
    const char *pid = c->params[0];
    json_t *body = ing_api_body(c);
    review_in_t in = {0};
    PGresult *p = NULL, *s = NULL;
    char role[POL_REVIEW_ROLE_LEN], rid[HD_ID_LEN], label[256];
    if (!body || read_review(c, body, &in) < 0 || !(p = proposal_row(c, pid)))
        goto done;
    if (!(s = state_of(c, pid))) {
        unavailable(c);
        goto done;
    }
    if (check_review(c, p, s, &in, role) < 0)
        goto done;
    /* Derived: a client's retry finds the review it made. */
    snprintf(label, sizeof label, "review:%s:%s:%s", c->who->id, role, in.decision);
    hd_id_derive(rid, pid, label);
    int rc = -1;
    if (hd_db_begin(c->db) < 0 || (rc = record_review(c, pid, rid, role, &in)) < 0 ||
        hd_db_commit(c->db) < 0) {
        unavailable(c);
        goto done;
    }
    hd_log(HD_LOG_INFO, "policy_review", rid, pid, "%s %s as %s", c->who->email, in.decision, role);
    hd_http_respond_json(c->req, rc == 1 ? 202 : 200,
                         json_pack("{s:s, s:s, s:s, s:s, s:s}", "review_id", rid, "proposal_id",
                                   pid, "role", role, "decision", in.decision, "status",
                                   rc == 1 ? "accepted" : "duplicate"));
done:
    if (p)
        PQclear(p);
    if (s)
        PQclear(s);
    json_decref(body);
}
