/*  fence: taking, giving back and watching the crisis fence (see
    fence.h). */
#include "fence.h"

#include "hd_crisis.h"
#include "hd_log.h"

#include <errno.h>
#include <poll.h>

int pub_fence_take(hd_db_t *db) {
    if (hd_crisis_fence_shared(db) == 0)
        return 0;
    hd_log(HD_LOG_WARN, "fence_failed", NULL, NULL,
           "the crisis fence could not be taken (%s): no batch is claimed", hd_db_error(db));
    return -1;
}

void pub_fence_release(hd_db_t *db) {
    if (PQstatus(hd_db_conn(db)) == CONNECTION_OK)
        hd_crisis_fence_release(db);
}

/* The fence's key as pg_locks shows an advisory lock on a bigint: its
   high and low 32 bits in classid and objid, objsubid 1. */
static const char *WANTED_SQL =
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
    "  AND mode = 'ExclusiveLock' AND objsubid = 1 "
    "  AND (classid::bigint << 32 | objid::bigint) = " HD_CRISIS_FENCE_KEY ")";

int pub_fence_wanted(hd_db_t *db) {
    PGresult *r = hd_db_exec(db, WANTED_SQL, 0, NULL);
    if (!r)
        return -1;
    int wanted = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return wanted;
}

/* Whether input waits on fd now (or the socket is closed or broken). */
static int readable(int fd) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r;
    do
        r = poll(&p, 1, 0);
    while (r < 0 && errno == EINTR);
    return r > 0;
}

int pub_fence_alive(hd_db_t *db) {
    PGconn *c = hd_db_conn(db);
    /* A terminated backend sends its error, then closes: the error may
       come alone in one read, the end of file in the next. */
    for (int i = 0; i < 4; i++) {
        if (!c || PQstatus(c) != CONNECTION_OK)
            return 0;
        int fd = PQsocket(c);
        if (fd < 0)
            return 0;
        if (!readable(fd))
            return 1;
        if (!PQconsumeInput(c))
            return 0;
    }
    return PQstatus(c) == CONNECTION_OK;
}
