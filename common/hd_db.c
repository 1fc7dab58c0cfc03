/*  hd_db: PostgreSQL connection with parameterized statements. Statements
    that repeat (SELECT, INSERT, UPDATE, DELETE, WITH) are prepared on first
    use and run by name afterwards (hd_stmtcache.h says why). */
#include "hd_db.h"

#include "hd_dbrole.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_stmtcache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define STMTS_MAX 256 /* per connection; more run unprepared */

/* A statement sent in pipeline mode whose result is not read yet. */
typedef struct {
    char *sql;      /* its text, to forget it if the server lost it */
    int is_prepare; /* the PQsendPrepare of a statement's first use */
    int keep;       /* its result is handed back (a read) */
} sent_t;

struct hd_db {
    PGconn *conn;
    int piped;      /* in pipeline mode (hd_db_pipe_begin) */
    int auto_piped; /* entered by hd_db_send, left by hd_db_results */
    sent_t *sent;   /* sent, result not read, in order */
    size_t nsent, capsent;
    hd_stmtcache_t *stmts;  /* what this server session has prepared */
    long long last_used_ms; /* monotonic; an idle connection is probed */
    char *url;
    char error[512];
    char sqlstate[6];
};

static void nap_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Server notices become debug log lines instead of raw stderr text. */
static void on_notice(void *arg, const char *message) {
    (void)arg;
    hd_debug("db_notice", "%s", message);
}

/* `url` is expanded as a connection string; the role's user and password
   (hd_dbrole.h; "" keeps the URL's) and `options` (NULL: none), server
   settings for the session ("-c name=value ..."), override it. libpq
   keeps them all, so a PQreset applies them again. */
static PGconn *open_conn(const char *url, const hd_dbrole_t *role, const char *options) {
    const char *keys[5] = {"dbname"}, *vals[5] = {url};
    int n = 1;
    if (role->user[0]) {
        keys[n] = "user", vals[n++] = role->user;
        keys[n] = "password", vals[n++] = role->password;
    }
    if (options)
        keys[n] = "options", vals[n++] = options;
    keys[n] = vals[n] = NULL;
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(c) == CONNECTION_OK) {
        PQsetNoticeProcessor(c, on_notice, NULL);
        return c;
    }
    hd_warn("db_connect_failed", "%s%s%s", role->user[0] ? role->user : "",
            role->user[0] ? ": " : "", PQerrorMessage(c));
    PQfinish(c);
    return NULL;
}

hd_db_t *hd_db_connect(const char *url, int timeout_ms) {
    return hd_db_connect_as(url, NULL, timeout_ms, NULL);
}

hd_db_t *hd_db_connect_with(const char *url, int timeout_ms, const char *options) {
    return hd_db_connect_as(url, NULL, timeout_ms, options);
}

hd_db_t *hd_db_connect_as(const char *url, const char *identity, int timeout_ms,
                          const char *options) {
    hd_dbrole_t role;
    if (hd_dbrole_get(identity, &role) < 0)
        return NULL;
    int waited = 0, backoff = 50;
    PGconn *c;
    while (!(c = open_conn(url, &role, options))) {
        if (waited >= timeout_ms)
            break;
        nap_ms(backoff);
        waited += backoff;
        backoff = backoff < 1000 ? backoff * 2 : 1000;
    }
    memset(role.password, 0, sizeof role.password);
    if (!c)
        return NULL;
    hd_db_t *self = hd_calloc(1, sizeof *self);
    self->conn = c;
    self->url = hd_strdup(url);
    self->stmts = hd_stmtcache_new(STMTS_MAX);
    return self;
}

void hd_db_destroy(hd_db_t **self_p) {
    if (!self_p || !*self_p)
        return;
    hd_db_t *self = *self_p;
    hd_db_pipe_end(self);
    PQfinish(self->conn);
    hd_stmtcache_destroy(&self->stmts);
    free(self->sent);
    free(self->url);
    free(self);
    *self_p = NULL;
}

PGconn *hd_db_conn(hd_db_t *self) { return self->conn; }

static long long mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A connection idle for a while may have lost its server (a restart) without
   libpq knowing yet: probe it with an empty query so that the caller's real
   statement does not fail for that reason. */
static void probe_if_idle(hd_db_t *self) {
    long long now = mono_ms();
    if (self->piped || now - self->last_used_ms < 1000 ||
        PQtransactionStatus(self->conn) != PQTRANS_IDLE)
        return;
    PGresult *r = PQexec(self->conn, "");
    PQclear(r);
    self->last_used_ms = now;
}

int hd_db_ensure(hd_db_t *self) {
    if (self->conn && PQstatus(self->conn) == CONNECTION_OK)
        probe_if_idle(self);
    if (self->conn && PQstatus(self->conn) == CONNECTION_OK)
        return 0;
    if (self->conn) {
        hd_db_pipe_end(self);
        hd_stmtcache_clear(self->stmts); /* a new session has none */
        PQreset(self->conn);
        if (PQpipelineStatus(self->conn) != PQ_PIPELINE_OFF)
            PQexitPipelineMode(self->conn);
    }
    if (self->conn && PQstatus(self->conn) == CONNECTION_OK) {
        hd_info("db_reconnected", "connection re-established");
        return 0;
    }
    return -1;
}

static void keep_error(hd_db_t *self, PGresult *r) {
    const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(self->conn);
    if (!msg || !*msg)
        msg = PQerrorMessage(self->conn);
    snprintf(self->error, sizeof self->error, "%s", msg ? msg : "unknown error");
    size_t n = strlen(self->error);
    while (n && (self->error[n - 1] == '\n' || self->error[n - 1] == ' '))
        self->error[--n] = 0;
    const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(self->sqlstate, sizeof self->sqlstate, "%s", st ? st : "");
}

/* Runs sql prepared (preparing it first if this session has not), or
   unprepared when it is not worth it or the cache is full. */
static PGresult *run(hd_db_t *self, const char *sql, int n, const char *const *params,
                     const int *lengths, const int *formats, int result_format) {
    const char *name = NULL;
    char fresh[HD_STMT_NAME_LEN];
    if (hd_stmtcache_wanted(sql) && !(name = hd_stmtcache_find(self->stmts, sql)) &&
        hd_stmtcache_name(self->stmts, fresh) == 0) {
        PGresult *p = PQprepare(self->conn, fresh, sql, n, NULL);
        if (!p || PQresultStatus(p) != PGRES_COMMAND_OK)
            return p; /* the statement's own error (syntax, types...) */
        PQclear(p);
        hd_stmtcache_put(self->stmts, sql, fresh);
        name = fresh;
    }
    if (!name)
        return PQexecParams(self->conn, sql, n, NULL, params, lengths, formats, result_format);
    return PQexecPrepared(self->conn, name, n, params, lengths, formats, result_format);
}

/* The server lost the statement (26000: DISCARD, DEALLOCATE) or its plan
   went stale under a schema change (0A000: "cached plan must not change
   result type"): forget it, so it is prepared again. */
static int stale(hd_db_t *self, const char *sql) {
    if (strcmp(self->sqlstate, "26000") != 0 && strcmp(self->sqlstate, "0A000") != 0)
        return 0;
    hd_stmtcache_forget(self->stmts, sql);
    return 1;
}

/* ---------- pipeline mode ----------
   Between hd_db_pipe_begin and hd_db_pipe_end, a statement whose result
   the caller does not read (hd_db_cmd*) is sent without waiting for its
   answer; a statement whose result it reads (hd_db_exec*, hd_db_count) is
   sent after them, and then the connection waits once for all of their
   answers. A consumer batch so costs one round trip per read and one for
   all of its writes, the cursor and the COMMIT together. */

static void sent_push(hd_db_t *self, const char *sql, int is_prepare, int keep) {
    self->sent = hd_grow(self->sent, &self->capsent, self->nsent + 1, sizeof *self->sent);
    self->sent[self->nsent].sql = hd_strdup(sql);
    self->sent[self->nsent].is_prepare = is_prepare;
    self->sent[self->nsent].keep = keep;
    self->nsent++;
}

static void sent_clear(hd_db_t *self) {
    for (size_t i = 0; i < self->nsent; i++)
        free(self->sent[i].sql);
    self->nsent = 0;
}

/* Sends sql (preparing it first when this session has not) without
   waiting. 0, or -1 when it could not be sent (the connection is gone). */
static int send_piped(hd_db_t *self, const char *sql, int n, const char *const *params,
                      const int *lengths, const int *formats, int result_format, int keep) {
    const char *name = NULL;
    char fresh[HD_STMT_NAME_LEN];
    if (hd_stmtcache_wanted(sql) && !(name = hd_stmtcache_find(self->stmts, sql)) &&
        hd_stmtcache_name(self->stmts, fresh) == 0) {
        if (!PQsendPrepare(self->conn, fresh, sql, n, NULL))
            return -1;
        sent_push(self, sql, 1, 0);
        hd_stmtcache_put(self->stmts, sql, fresh);
        name = fresh;
    }
    int ok =
        name ? PQsendQueryPrepared(self->conn, name, n, params, lengths, formats, result_format)
             : PQsendQueryParams(self->conn, sql, n, NULL, params, lengths, formats, result_format);
    if (!ok)
        return -1;
    sent_push(self, sql, 0, keep);
    return 0;
}

/* Reads the answer of one sent statement (its results up to the NULL that
   ends them). Returns its last result when keep (the caller's), else
   clears it; *failed set (and the error kept, the statement forgotten if
   the server lost it) on the first failure. */
static PGresult *read_one(hd_db_t *self, const sent_t *s, int keep, int *failed) {
    PGresult *last = NULL, *r;
    while ((r = PQgetResult(self->conn))) {
        ExecStatusType st = PQresultStatus(r);
        int bad = st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK;
        /* A prepare that failed or never ran (aborted) left no statement. */
        if (bad && s->is_prepare)
            hd_stmtcache_forget(self->stmts, s->sql);
        if (bad && !*failed) {
            *failed = 1;
            keep_error(self, r);
            stale(self, s->sql);
            if (strcmp(self->sqlstate, "23505") != 0)
                hd_warn("db_error", "%s [%s]", self->error, self->sqlstate);
        }
        PQclear(last);
        last = r;
    }
    if (!keep || *failed) {
        PQclear(last);
        return NULL;
    }
    return last;
}

/* Sends a sync and reads every answer: the results of the statements sent
   to be kept go into out (up to max, in sending order; the caller's), the
   others are cleared. How many were kept, or -1 when any statement failed
   or the connection was lost (nothing kept, the error kept). */
static int collect(hd_db_t *self, PGresult **out, size_t max) {
    int failed = PQpipelineSync(self->conn) ? 0 : 1;
    if (failed)
        keep_error(self, NULL);
    size_t kept = 0;
    for (size_t i = 0; i < self->nsent && PQstatus(self->conn) == CONNECTION_OK; i++) {
        PGresult *r = read_one(self, &self->sent[i], self->sent[i].keep, &failed);
        if (r && kept < max)
            out[kept++] = r;
        else
            PQclear(r);
    }
    PGresult *sync;
    while (PQstatus(self->conn) == CONNECTION_OK && (sync = PQgetResult(self->conn))) {
        int done = PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
        PQclear(sync);
        if (done)
            break;
    }
    if (PQstatus(self->conn) != CONNECTION_OK && !failed) {
        failed = 1;
        keep_error(self, NULL);
    }
    sent_clear(self);
    if (!failed)
        return (int)kept;
    for (size_t i = 0; i < kept; i++)
        PQclear(out[i]);
    return -1;
}

int hd_db_pipe_begin(hd_db_t *self) {
    if (self->piped)
        return 0;
    if (!PQenterPipelineMode(self->conn)) {
        keep_error(self, NULL);
        return -1;
    }
    self->piped = 1;
    return 0;
}

int hd_db_pipe_end(hd_db_t *self) {
    if (!self->piped)
        return 0;
    int failed = self->nsent ? collect(self, NULL, 0) < 0 : 0;
    self->piped = self->auto_piped = 0;
    if (PQpipelineStatus(self->conn) != PQ_PIPELINE_OFF && !PQexitPipelineMode(self->conn))
        failed = 1;
    return failed ? -1 : 0;
}

/* hd_db_execv in pipeline mode: sent after what is waiting, then every
   answer read. */
static PGresult *exec_piped(hd_db_t *self, const char *sql, int n, const char *const *params,
                            const int *lengths, const int *formats, int result_format) {
    self->error[0] = 0;
    self->sqlstate[0] = 0;
    if (send_piped(self, sql, n, params, lengths, formats, result_format, 1) < 0) {
        keep_error(self, NULL);
        collect(self, NULL, 0);
        return NULL;
    }
    PGresult *r = NULL;
    return collect(self, &r, 1) == 1 ? r : NULL;
}

int hd_db_send(hd_db_t *self, const char *sql, int n, const char *const *params) {
    if (!self->piped) {
        if (hd_db_pipe_begin(self) < 0)
            return -1;
        self->auto_piped = 1;
    }
    if (send_piped(self, sql, n, params, NULL, NULL, 0, 1) == 0)
        return 0;
    keep_error(self, NULL);
    return -1;
}

int hd_db_results(hd_db_t *self, PGresult **out, size_t n) {
    if (!self->piped)
        return -1;
    int got = collect(self, out, n);
    if (self->auto_piped) {
        self->auto_piped = 0;
        hd_db_pipe_end(self);
    }
    if (got == (int)n)
        return 0;
    for (int i = 0; i < got; i++)
        PQclear(out[i]);
    return -1;
}

/* hd_db_cmd in pipeline mode: sent, its answer read at the next result. */
static int cmd_piped(hd_db_t *self, const char *sql, int n, const char *const *params) {
    if (send_piped(self, sql, n, params, NULL, NULL, 0, 0) == 0)
        return 0;
    keep_error(self, NULL);
    return -1;
}

PGresult *hd_db_execv(hd_db_t *self, const char *sql, int n, const char *const *params,
                      const int *lengths, const int *formats, int result_format) {
    self->last_used_ms = mono_ms();
    if (self->piped)
        return exec_piped(self, sql, n, params, lengths, formats, result_format);
    for (int attempt = 0;; attempt++) {
        self->error[0] = 0;
        self->sqlstate[0] = 0;
        PGresult *r = run(self, sql, n, params, lengths, formats, result_format);
        ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
            return r;
        keep_error(self, r);
        PQclear(r);
        /* Outside a transaction nothing was lost: prepare it again at once.
           Inside, the transaction is aborted and the caller retries it. */
        if (stale(self, sql) && attempt == 0 && PQtransactionStatus(self->conn) == PQTRANS_IDLE)
            continue;
        /* A unique violation is an expected answer for idempotent writes. */
        if (strcmp(self->sqlstate, "23505") != 0)
            hd_warn("db_error", "%s [%s]", self->error, self->sqlstate);
        return NULL;
    }
}

size_t hd_db_prepared(hd_db_t *self) { return hd_stmtcache_size(self->stmts); }

PGresult *hd_db_exec(hd_db_t *self, const char *sql, int n, const char *const *params) {
    return hd_db_execv(self, sql, n, params, NULL, NULL, 0);
}

int hd_db_cmd(hd_db_t *self, const char *sql, int n, const char *const *params) {
    if (self->piped)
        return cmd_piped(self, sql, n, params);
    PGresult *r = hd_db_exec(self, sql, n, params);
    if (!r)
        return -1;
    PQclear(r);
    return 0;
}

long hd_db_count(hd_db_t *self, const char *sql, int n, const char *const *params) {
    PGresult *r = hd_db_exec(self, sql, n, params);
    if (!r)
        return -1;
    long c = atol(PQcmdTuples(r));
    PQclear(r);
    return c;
}

int hd_db_begin(hd_db_t *self) { return hd_db_cmd(self, "BEGIN", 0, NULL); }
/* In pipeline mode the COMMIT goes out with everything sent before it, and
   the answers of all of them decide. */
int hd_db_commit(hd_db_t *self) {
    if (!self->piped)
        return hd_db_cmd(self, "COMMIT", 0, NULL);
    if (cmd_piped(self, "COMMIT", 0, NULL) < 0) {
        hd_db_pipe_end(self);
        return -1;
    }
    return collect(self, NULL, 0) < 0 ? -1 : 0;
}

void hd_db_rollback(hd_db_t *self) {
    int piped = self->piped;
    hd_db_pipe_end(self); /* what was sent is answered (or aborted) first */
    if (PQtransactionStatus(self->conn) != PQTRANS_IDLE) {
        PGresult *r = PQexec(self->conn, "ROLLBACK");
        PQclear(r);
    }
    if (piped && PQstatus(self->conn) == CONNECTION_OK)
        hd_db_pipe_begin(self);
}

const char *hd_db_error(hd_db_t *self) { return self->error; }
const char *hd_db_sqlstate(hd_db_t *self) { return self->sqlstate; }
int hd_db_unique_violation(hd_db_t *self) { return strcmp(self->sqlstate, "23505") == 0; }

int hd_db_value_copy(const PGresult *r, int row, int col, char *dst, size_t n) {
    const char *v = PQgetvalue(r, row, col);
    size_t len = strlen(v);
    if (len >= n)
        return -1;
    memcpy(dst, v, len + 1);
    return 0;
}

int hd_db_returned_id(const PGresult *r, int col, const char *id) {
    for (int i = 0; i < PQntuples(r); i++)
        if (strcasecmp(PQgetvalue(r, i, col), id) == 0)
            return 1;
    return 0;
}

enum { MAX_ARRAY_COLS = 16 };

/* The array literals of cols as the statement's parameters. */
static void array_params(hd_pgarray_t *cols, int n, const char **p) {
    if (n < 0 || n > MAX_ARRAY_COLS)
        abort(); /* a programming error, not input */
    for (int c = 0; c < n; c++)
        p[c] = hd_pgarray_str(&cols[c]);
}

static void arrays_free(hd_pgarray_t *cols, int n) {
    for (int c = 0; c < n; c++)
        hd_pgarray_free(&cols[c]);
}

PGresult *hd_db_exec_arrays(hd_db_t *self, const char *sql, hd_pgarray_t *cols, int n) {
    const char *p[MAX_ARRAY_COLS] = {0};
    array_params(cols, n, p);
    PGresult *r = hd_db_exec(self, sql, n, p);
    arrays_free(cols, n);
    return r;
}

int hd_db_cmd_arrays(hd_db_t *self, const char *sql, hd_pgarray_t *cols, int n) {
    const char *p[MAX_ARRAY_COLS] = {0};
    array_params(cols, n, p);
    int rc = hd_db_cmd(self, sql, n, p); /* libpq copies what it sends */
    arrays_free(cols, n);
    return rc;
}

int hd_db_send_arrays(hd_db_t *self, const char *sql, hd_pgarray_t *cols, int n) {
    const char *p[MAX_ARRAY_COLS] = {0};
    array_params(cols, n, p);
    int rc = hd_db_send(self, sql, n, p);
    arrays_free(cols, n);
    return rc;
}
