/*  policy_store: versions, verdicts and facts in PostgreSQL (see header). */
#include "policy_store.h"

#include "hd_envelope.h"
#include "hd_id.h"
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

static const char *CRISES_SQL =
    "SELECT name, coalesce(department_id, ''), coalesce(channel_id, '') "
    "FROM crisis WHERE ended_at IS NULL ORDER BY started_at, id";

int pol_store_send_crises(hd_db_t *db) { return hd_db_send(db, CRISES_SQL, 0, NULL); }

void pol_store_take_crises(PGresult *r, pol_crises_t *out) {
    memset(out, 0, sizeof *out);
    int n = PQntuples(r);
    out->items = hd_calloc((size_t)n, sizeof *out->items);
    for (int i = 0; i < n; i++) {
        out->items[i].name = PQgetvalue(r, i, 0);
        out->items[i].department = PQgetvalue(r, i, 1);
        out->items[i].channel = PQgetvalue(r, i, 2);
    }
    out->n = (size_t)n;
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
    if (c->res)
        PQclear(c->res);
    memset(c, 0, sizeof *c);
}
