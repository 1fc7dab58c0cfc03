/*  due: the runners' next look. */
#include "due.h"

#include <stdio.h>
#include <stdlib.h>

int pub_due_in_ms(hd_db_t *db, const char *sql, int cap) {
    char c[16];
    snprintf(c, sizeof c, "%d", cap);
    const char *p[1] = {c};
    PGresult *r = hd_db_exec(db, sql, 1, p);
    if (!r)
        return cap;
    long long ms = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return ms < 0 ? 0 : ms > cap ? cap : (int)ms;
}
