/*  hd_db: one PostgreSQL connection, parameterized statements only: no SQL
    is ever built from input. Statements that repeat are prepared on their
    first use on a connection and executed by name afterwards; a broken
    connection is re-established on the next hd_db_ensure (and prepares
    again). */
#ifndef HD_DB_H
#define HD_DB_H

#include "hd_pgarray.h"

#include <libpq-fe.h>
#include <stddef.h>

typedef struct hd_db hd_db_t;

/* Connects to `url`, retrying with backoff for up to timeout_ms (0: one try).
   Returns NULL on failure (logged). The caller owns the handle. */
hd_db_t *hd_db_connect(const char *url, int timeout_ms);

/* hd_db_connect with server settings for the session (libpq "options",
   e.g. "-c enable_seqscan=off"), applied again on every reconnect. */
hd_db_t *hd_db_connect_with(const char *url, int timeout_ms, const char *options);

/* Every connect logs in as the process's role (hd_dbrole_init; the URL's
   own user when never set). This one logs in as `identity`'s role instead
   (huddle_IDENTITY with its password file, e.g. "read" for the API's
   read side) when its password file exists; NULL or no file: the
   process's, as hd_db_connect_with. */
hd_db_t *hd_db_connect_as(const char *url, const char *identity, int timeout_ms,
                          const char *options);

/* Closes the connection; safe on NULL, nulls the caller's pointer. */
void hd_db_destroy(hd_db_t **self_p);

/* The raw connection, borrowed (for PQsocket, LISTEN, ...). */
PGconn *hd_db_conn(hd_db_t *self);

/* Reconnects if the connection is broken. 0 when usable, -1 otherwise. */
int hd_db_ensure(hd_db_t *self);

/* Runs `sql` with text parameters (NULL entries are SQL NULL). Returns the
   result, the caller's to PQclear, or NULL on error (logged, message kept
   for hd_db_error / hd_db_sqlstate). */
PGresult *hd_db_exec(hd_db_t *self, const char *sql, int n, const char *const *params);

/* hd_db_exec with n array literals as the parameters $1..$n (one column of
   a batch each, `... FROM unnest($1::uuid[], ...)`). The arrays are freed
   whatever the outcome. */
PGresult *hd_db_exec_arrays(hd_db_t *self, const char *sql, hd_pgarray_t *cols, int n);

/* hd_db_exec_arrays discarding the result: 0 ok, -1 error. */
int hd_db_cmd_arrays(hd_db_t *self, const char *sql, hd_pgarray_t *cols, int n);

/* As hd_db_exec, with per-parameter lengths and formats (1 = binary) for
   bytea, and the result format (0 text, 1 binary). */
PGresult *hd_db_execv(hd_db_t *self, const char *sql, int n, const char *const *params,
                      const int *lengths, const int *formats, int result_format);

/* How many statements this connection has prepared (for tests). */
size_t hd_db_prepared(hd_db_t *self);

/* Runs a statement and discards its result: 0 ok, -1 error. */
int hd_db_cmd(hd_db_t *self, const char *sql, int n, const char *const *params);

/* Whether some row of r holds the UUID `id` in column col, compared without
   regard to case (PostgreSQL writes uuids in lower case; an event may carry
   upper case): a batch statement's RETURNING tells which of its rows it
   wrote. r borrowed. */
int hd_db_returned_id(const PGresult *r, int col, const char *id);

/* Copies value (row, col) of r into dst (n bytes), refusing one that does
   not fit: a malformed row must not be silently truncated into a
   different name. r borrowed. 0, or -1 (dst untouched). */
int hd_db_value_copy(const PGresult *r, int row, int col, char *dst, size_t n);

/* Rows affected by a command, or -1 on error. */
long hd_db_count(hd_db_t *self, const char *sql, int n, const char *const *params);

/* Pipeline mode (libpq's): until hd_db_pipe_end, hd_db_cmd and
   hd_db_cmd_arrays send their statement and return 0 at once (a failure
   shows at the next statement whose result is read, and aborts the
   transaction's later statements); hd_db_exec*, hd_db_count and
   hd_db_commit send theirs after them and wait once for every answer,
   failing if any failed. hd_db_rollback reads what is waiting first and
   stays in the mode. A batch thus costs one round trip per read and one
   for its writes with the COMMIT. 0, or -1 (error kept). */
int hd_db_pipe_begin(hd_db_t *self);

/* Sends a read whose result is handed back by the next hd_db_results (in
   sending order), so that several reads cost one round trip (outside
   pipeline mode, the connection is in it from the first send to
   hd_db_results). Read the results before any other hd_db_exec*. The
   _arrays form takes n array columns as its parameters and frees them.
   0, or -1 (the connection is gone). */
int hd_db_send(hd_db_t *self, const char *sql, int n, const char *const *params);
int hd_db_send_arrays(hd_db_t *self, const char *sql, hd_pgarray_t *cols, int n);

/* Waits once for everything sent and puts the n results of the
   hd_db_send reads into out, each the caller's to PQclear. 0, or -1 when
   any statement sent failed (nothing in out; the transaction is lost). */
int hd_db_results(hd_db_t *self, PGresult **out, size_t n);

/* Reads every answer still waiting and leaves pipeline mode (safe when not
   in it). 0, or -1 when one of them failed. */
int hd_db_pipe_end(hd_db_t *self);

int hd_db_begin(hd_db_t *self);
int hd_db_commit(hd_db_t *self);
/* Rolls back; always safe, also outside a transaction. */
void hd_db_rollback(hd_db_t *self);

/* The last error's message and SQLSTATE ("" if none). Borrowed. */
const char *hd_db_error(hd_db_t *self);
const char *hd_db_sqlstate(hd_db_t *self);

/* True when the last error was a unique violation (23505). */
int hd_db_unique_violation(hd_db_t *self);

#endif
