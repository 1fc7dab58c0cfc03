/*  history: event_log reads (see history.h). */
#include "history.h"
#include "hd_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t hub_history_int8(const char *v) {
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x = (x << 8) | (uint8_t)v[i];
    return x;
}

hub_event_t **hub_history_rows(PGresult *r) {
    int n = PQntuples(r);
    if (n <= 0)
        return NULL;
    hub_event_t **evs = hd_calloc((size_t)n, sizeof *evs);
    for (int i = 0; i < n; i++)
        evs[i] = hub_event_new(hub_history_int8(PQgetvalue(r, i, 0)), PQgetvalue(r, i, 1),
                               (size_t)PQgetlength(r, i, 1), PQgetvalue(r, i, 2),
                               (size_t)PQgetlength(r, i, 2), (const uint8_t *)PQgetvalue(r, i, 3),
                               (size_t)PQgetlength(r, i, 3));
    return evs;
}

void hub_history_free(hub_event_t **evs, int n) {
    for (int i = 0; evs && i < n; i++)
        hub_event_destroy(&evs[i]);
    free(evs);
}

/* A text[] literal {"a","b"} with " and \ escaped: passed as a parameter,
   so it is data, never SQL. NULL when there are no types. */
static char *types_literal(const hub_filter_t *f) {
    if (!f || !f->ntypes)
        return NULL;
    size_t cap = 3;
    for (size_t i = 0; i < f->ntypes; i++)
        cap += 2 * strlen(f->types[i]) + 3;
    char *s = hd_malloc(cap), *o = s;
    *o++ = '{';
    for (size_t i = 0; i < f->ntypes; i++) {
        if (i)
            *o++ = ',';
        *o++ = '"';
        for (const char *c = f->types[i]; *c; c++) {
            if (*c == '"' || *c == '\\')
                *o++ = '\\';
            *o++ = *c;
        }
        *o++ = '"';
    }
    *o++ = '}';
    *o = 0;
    return s;
}

/* The family rule of hub_filter_match ("crisis.*" is every type that
   begins with "crisis."), in SQL over the same $3: without it a consumer
   reading from the log rather than the ring would pass every event of a
   family it asked for. */
#define FAMILY_SQL                                                               \
    "OR EXISTS (SELECT 1 FROM unnest($3::text[]) f(t) WHERE length(t) >= 2 AND " \
    "right(t, 2) = '.*' AND left(type, length(t) - 1) = left(t, length(t) - 1))"

int hub_history_read(hd_db_t *db, uint64_t after, uint64_t upto, uint32_t max,
                     const hub_filter_t *f, hub_event_t ***out) {
    *out = NULL;
    char a[24], u[24], m[16];
    snprintf(a, sizeof a, "%llu", (unsigned long long)after);
    snprintf(u, sizeof u, "%llu", (unsigned long long)(upto > INT64_MAX ? INT64_MAX : upto));
    snprintf(m, sizeof m, "%u", max);
    char *types = types_literal(f);
    const char *p[5] = {a, u, types, f ? f->department : NULL, m};
    PGresult *r = hd_db_execv(db,
                              "SELECT seq, type, department, payload FROM event_log "
                              "WHERE seq > $1::bigint AND seq <= $2::bigint "
                              "AND ($3::text[] IS NULL OR type = ANY($3::text[]) " FAMILY_SQL ") "
                              "AND ($4::text IS NULL OR department = '' OR department = $4) "
                              "ORDER BY seq LIMIT $5::int",
                              5, p, NULL, NULL, 1);
    free(types);
    if (!r)
        return -1;
    int n = PQntuples(r);
    *out = hub_history_rows(r);
    PQclear(r);
    return n;
}

long long hub_history_head(hd_db_t *db) {
    PGresult *r = hd_db_exec(db, "SELECT coalesce(max(seq), 0) FROM event_log", 0, NULL);
    if (!r)
        return -1;
    long long h = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return h;
}
