/*  hd_outbox: the transactional outbox writer. */
#include "hd_outbox.h"

#include "hd_pgarray.h"

#include <stdio.h>
#include <stdlib.h>

int hd_outbox_put(hd_db_t *db, const hd_envelope_t *env) {
    size_t len;
    uint8_t *payload = hd_envelope_pack(env, &len);
    const char *corr = env->correlation_id && *env->correlation_id ? env->correlation_id : NULL;
    const char *cause = env->causation_id && *env->causation_id ? env->causation_id : NULL;
    const char *params[6] = {env->id, env->type, env->department ? env->department : "",
                             corr, cause, (const char *)payload};
    int lengths[6] = {0, 0, 0, 0, 0, (int)len};
    int formats[6] = {0, 0, 0, 0, 0, 1};
    /* An id already sequenced, or already waiting, is a replay: skip it. */
    PGresult *r = hd_db_execv(
        db,
        "INSERT INTO outbox (event_id, type, department, correlation_id, causation_id, payload) "
        "SELECT $1, $2, $3, $4, $5, $6 "
        "WHERE NOT EXISTS (SELECT 1 FROM event_log WHERE event_id = $1) "
        "ON CONFLICT (event_id) DO NOTHING",
        6, params, lengths, formats, 0);
    free(payload);
    if (!r)
        return -1;
    int inserted = atoi(PQcmdTuples(r));
    PQclear(r);
    return inserted ? 0 : 1;
}

static const char *opt(const char *s) {
    return s && *s ? s : NULL;
}

/* The "already sequenced" check is a per-row probe of event_log's unique
   index, written so that no plan can make it a join: the statement is
   prepared, and a generic plan (which cannot know the array is short)
   hashed the whole event_log on every call, 27 ms a batch at 100,000
   events in the log. */
int hd_outbox_put_many(hd_db_t *db, const hd_envelope_t *const *envs, size_t n) {
    if (n == 0)
        return 0;
    hd_pgarray_t col[6] = {{0}};
    for (size_t i = 0; i < n; i++) {
        const hd_envelope_t *env = envs[i];
        size_t len;
        uint8_t *payload = hd_envelope_pack(env, &len);
        hd_pgarray_add(&col[0], env->id);
        hd_pgarray_add(&col[1], env->type);
        hd_pgarray_add(&col[2], env->department ? env->department : "");
        hd_pgarray_add(&col[3], opt(env->correlation_id));
        hd_pgarray_add(&col[4], opt(env->causation_id));
        hd_pgarray_add_bytea(&col[5], payload, len);
        free(payload);
    }
    const char *params[6];
    for (int c = 0; c < 6; c++)
        params[c] = hd_pgarray_str(&col[c]);
    PGresult *r = hd_db_exec(
        db,
        "INSERT INTO outbox (event_id, type, department, correlation_id, causation_id, payload) "
        "SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::uuid[], "
        "$6::bytea[]) AS x(event_id, type, department, correlation_id, causation_id, payload) "
        "WHERE (SELECT 1 FROM event_log e WHERE e.event_id = x.event_id LIMIT 1) IS NULL "
        "ON CONFLICT (event_id) DO NOTHING",
        6, params);
    for (int c = 0; c < 6; c++)
        hd_pgarray_free(&col[c]);
    if (!r)
        return -1;
    int inserted = atoi(PQcmdTuples(r));
    PQclear(r);
    return inserted;
}
