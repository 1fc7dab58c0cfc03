/*  hd_stmtcache: which SQL texts a connection has prepared, and under which
    names. PQexecParams parses and plans its statement on every call; for
    the few dozen statements a service repeats thousands of times a second,
    that was as much server CPU as executing them (planning the sequencer's
    move alone took 1.2 ms). hd_db prepares a statement on its first use and
    executes it by name afterwards; this map is its memory. Keys are the
    SQL texts themselves (copied), never their addresses: a statement built
    in a reused buffer is a different statement when its text differs. */
#ifndef HD_STMTCACHE_H
#define HD_STMTCACHE_H

#include <stddef.h>

#define HD_STMT_NAME_LEN 24

typedef struct hd_stmtcache hd_stmtcache_t;

/* An empty cache holding at most `max` statements. Aborts on out-of-memory. */
hd_stmtcache_t *hd_stmtcache_new(size_t max);

/* Frees it; safe on NULL, nulls the caller's pointer. */
void hd_stmtcache_destroy(hd_stmtcache_t **self_p);

/* The name `sql` was prepared under, or NULL. Borrowed until the next
   change to the cache. */
const char *hd_stmtcache_find(const hd_stmtcache_t *self, const char *sql);

/* A fresh, never used name for `sql` into name (HD_STMT_NAME_LEN), to
   prepare under; 0, or -1 when the cache is full (then run it unprepared). */
int hd_stmtcache_name(hd_stmtcache_t *self, char name[HD_STMT_NAME_LEN]);

/* Remembers that `sql` (copied) is prepared as `name`. */
void hd_stmtcache_put(hd_stmtcache_t *self, const char *sql, const char *name);

/* Forgets `sql` (the server no longer knows it, or its plan went stale). */
void hd_stmtcache_forget(hd_stmtcache_t *self, const char *sql);

/* Forgets everything (a new server session knows no statement). */
void hd_stmtcache_clear(hd_stmtcache_t *self);

/* Statements remembered. */
size_t hd_stmtcache_size(const hd_stmtcache_t *self);

/* Whether `sql` is a kind of statement worth preparing: SELECT, INSERT,
   UPDATE, DELETE or WITH (not BEGIN, COMMIT, SAVEPOINT, DDL...). A
   statement that begins with HD_STMT_REPLAN is not: it is planned at each
   call. For one whose plan must follow a table's growth: a parameterless
   min() over a table that starts empty keeps the generic plan made while
   it was empty, a scan of the whole table, until the next ANALYZE (170 ms
   a call at 200,000 inbox items in `make bench`, against 2 ms planned
   afresh). */
#define HD_STMT_REPLAN "/* planned at each call */ "
int hd_stmtcache_wanted(const char *sql);

#endif
