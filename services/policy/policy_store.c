/*  policy_store: versions, verdicts and facts in PostgreSQL (see header). */
#include "policy_store.h"

#include "hd_approval.h"
#include "hd_envelope.h"
#include "hd_id.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_outbox.h"
#include "policy_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *ACTIVE_SQL = "SELECT version FROM policy_version WHERE active";

int pol_store_send_active(hd_db_t *db) { return hd_db_send(db, ACTIVE_SQL, 0, NULL); }

int64_t pol_store_parse_active(const PGresult *r) {
    return PQntuples(r) ? atoll(PQgetvalue(r, 0, 0)) : 0;
}

int pol_store_active(hd_db_t *db, int64_t *version) {
    PGresult *r = hd_db_exec(db, ACTIVE_SQL, 0, NULL);
    if (!r)
        return -1;
    *version = pol_store_parse_active(r);
    PQclear(r);
    return 0;
}

int pol_store_source(hd_db_t *db, int64_t version, char **src, size_t *len) {
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)version);
    const char *p[1] = {v};
    PGresult *r = hd_db_exec(db, "SELECT source FROM policy_version WHERE version = $1", 1, p);
    if (!r)
        return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 1;
    }
    *len = (size_t)PQgetlength(r, 0, 0);
    *src = hd_calloc(*len + 1, 1);
    memcpy(*src, PQgetvalue(r, 0, 0), *len + 1);
    PQclear(r);
    return 0;
}

static int db_fail(hd_db_t *db, char *err, size_t err_len) {
    snprintf(err, err_len, "database: %s\n", hd_db_error(db));
    hd_db_rollback(db);
    return -1;
}

int pol_store_apply(hd_db_t *db, const char *src, size_t len, const char *created_by,
                    int64_t *version, int *unchanged, char *err, size_t err_len) {
    *unchanged = 0;
    pol_t *pol = pol_new(src, len, err, err_len);
    if (!pol)
        return 1;
    pol_destroy(&pol);
    if (memchr(src, 0, len)) {
        snprintf(err, err_len, "line 0: the policy contains a NUL byte\n");
        return 1;
    }
    char *copy = hd_calloc(len + 1, 1); /* src has no NUL byte (checked above) */
    memcpy(copy, src, len);
    /* One writer at a time: the next number and the active flag must agree. */
    if (hd_db_begin(db) < 0 ||
        hd_db_cmd(db, "LOCK TABLE policy_version IN SHARE ROW EXCLUSIVE MODE", 0, NULL) < 0) {
        free(copy);
        return db_fail(db, err, err_len);
    }
    const char *p1[1] = {copy};
    PGresult *r =
        hd_db_exec(db, "SELECT version FROM policy_version WHERE active AND source = $1", 1, p1);
    if (!r) {
        free(copy);
        return db_fail(db, err, err_len);
    }
    if (PQntuples(r)) {
        *version = atoll(PQgetvalue(r, 0, 0));
        *unchanged = 1;
        PQclear(r);
        free(copy);
        hd_db_rollback(db);
        return 0;
    }
    PQclear(r);
    const char *p2[2] = {copy, created_by ? created_by : ""};
    if (hd_db_cmd(db, "UPDATE policy_version SET active = false WHERE active", 0, NULL) < 0 ||
        !(r = hd_db_exec(db,
                         "INSERT INTO policy_version (version, source, created_by, active) "
                         "SELECT coalesce(max(version), 0) + 1, $1, $2, true FROM policy_version "
                         "RETURNING version",
                         2, p2))) {
        free(copy);
        return db_fail(db, err, err_len);
    }
    free(copy);
    *version = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    Huddle__V1__PolicyActivated body = HUDDLE__V1__POLICY_ACTIVATED__INIT;
    body.version = *version;
    body.activated_by = (char *)(created_by ? created_by : "");
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_POLICY_ACTIVATED;
    env.policy_activated = &body;
    env.actor = body.activated_by;
    char idbuf[HD_ID_LEN];
    hd_envelope_stamp(&env, idbuf, "policy", NULL, NULL);
    if (hd_outbox_put(db, &env) < 0 || hd_db_commit(db) < 0)
        return db_fail(db, err, err_len);
    return 0;
}

int pol_store_author(hd_db_t *db, pol_ctx_t *ctx, int64_t at_ms) {
    pol_ctx_t key = *ctx;
    key.submitted_ms = at_ms;
    const pol_ctx_t *one[1] = {&key};
    PGresult *r = NULL;
    if (pol_batch_send_authors(db, one, 1) < 0 || hd_db_results(db, &r, 1) < 0)
        return -1;
    pol_author_t a;
    pol_batch_parse_authors(r, 1, &a);
    PQclear(r);
    pol_author_apply(&a, ctx);
    return 0;
}

/* The crises in force, one row per element of their departments (1),
   channels (2) and approval roles (3) in order, one row with a NULL kind
   for a crisis whose lists are all empty. */
static const char *CRISES_SQL =
    "SELECT c.id, c.name, c.playbook, l.k, l.v FROM crisis_in_force c "
    "LEFT JOIN LATERAL ("
    "  SELECT 1 AS k, d.v, d.i FROM unnest(c.departments) WITH ORDINALITY AS d(v, i) "
    "  UNION ALL SELECT 2, ch.v, ch.i FROM unnest(c.channels) WITH ORDINALITY AS ch(v, i) "
    "  UNION ALL SELECT 3, r.v, r.i FROM unnest(c.approval_roles) WITH ORDINALITY AS r(v, i)"
    ") AS l ON true "
    "ORDER BY c.declared_at, c.id, l.k, l.i";

int pol_store_send_crises(hd_db_t *db) { return hd_db_send(db, CRISES_SQL, 0, NULL); }

/* Appends v to the list (*list, *n) that ends at the pool's end. */
static void list_add(pol_crises_t *out, const char *const **list, size_t *n, const char *v) {
    if (*n == 0)
        *list = &out->strs[out->nstrs];
    out->strs[out->nstrs++] = v;
    (*n)++;
}

/* Row i's element into crisis c. A role workflow could never ask for is
   left out, and said so: workflow would refuse the verdict naming it. */
static void take_element(PGresult *r, int i, pol_crises_t *out, pol_crisis_t *c) {
    const char *v = PQgetvalue(r, i, 4);
    switch (PQgetisnull(r, i, 3) ? 0 : PQgetvalue(r, i, 3)[0]) {
    case '1':
        list_add(out, &c->scope.departments, &c->scope.ndepartments, v);
        break;
    case '2':
        list_add(out, &c->scope.channels, &c->scope.nchannels, v);
        break;
    case '3':
        if (hd_approval_role_ok(v))
            list_add(out, &c->approval_roles, &c->napproval_roles, v);
        else
            hd_warn("crisis_role_invalid", "crisis %s: approval role '%.64s' is not a role name",
                    c->id, v);
        break;
    default:
        break; /* a crisis with no lists at all */
    }
}

void pol_store_take_crises(PGresult *r, pol_crises_t *out) {
    memset(out, 0, sizeof *out);
    int rows = PQntuples(r);
    out->items = hd_calloc((size_t)rows + 1, sizeof *out->items);
    out->strs = hd_calloc((size_t)rows + 1, sizeof *out->strs);
    pol_crisis_t *c = NULL;
    for (int i = 0; i < rows; i++) {
        if (!c || strcmp(c->id, PQgetvalue(r, i, 0)) != 0) {
            c = &out->items[out->n++];
            c->id = PQgetvalue(r, i, 0);
            c->name = PQgetvalue(r, i, 1);
            c->playbook = PQgetvalue(r, i, 2);
        }
        take_element(r, i, out, c);
    }
    out->res = r;
}

int pol_store_crises(hd_db_t *db, pol_crises_t *out) {
    memset(out, 0, sizeof *out);
    PGresult *r = hd_db_exec(db, CRISES_SQL, 0, NULL);
    if (!r)
        return -1;
    pol_store_take_crises(r, out);
    return 0;
}

void pol_crises_free(pol_crises_t *c) {
    free(c->items);
    free(c->strs);
    if (c->res)
        PQclear(c->res);
    memset(c, 0, sizeof *c);
}
