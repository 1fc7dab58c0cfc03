/*  hd_deadletter: the dead-letter table writer. */
#include "hd_deadletter.h"

#include "hd_health.h"
#include "hd_id.h"
#include "hd_log.h"

int hd_deadletter_put(hd_db_t *db, const char *source, const char *peer, const char *reason,
                      const char *field, const void *raw, size_t raw_len,
                      const char *correlation_id) {
    const char *corr = correlation_id && hd_id_valid(correlation_id) ? correlation_id : NULL;
    const char *params[6] = {source, peer, reason, field, raw ? (const char *)raw : "", corr};
    int lengths[6] = {0, 0, 0, 0, (int)(raw ? raw_len : 0), 0};
    int formats[6] = {0, 0, 0, 0, 1, 0};
    PGresult *r = hd_db_execv(db,
                              "INSERT INTO dead_letter (source, peer, reason, field, raw, "
                              "correlation_id) VALUES ($1, $2, $3, $4, $5, $6)",
                              6, params, lengths, formats, 0);
    hd_log(HD_LOG_WARN, "dead_letter", NULL, corr, "source=%s peer=%s field=%s: %s%s", source,
           peer ? peer : "-", field ? field : "-", reason, r ? "" : " (NOT STORED)");
    if (!r)
        return -1;
    PQclear(r);
    hd_health_dead_letter_written(source); /* huddle_dead_letters_written_total */
    return 0;
}
