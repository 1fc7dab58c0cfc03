/*  hd_outbox: the transactional outbox writer. */
#include "hd_outbox.h"

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
