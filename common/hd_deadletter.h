/*  hd_deadletter: input that could not be accepted is kept, never dropped
    (DESIGN.md, bus invariant 6), in the table dead_letter
    (migrations/001_core.sql, 015_deadletter.sql; docs/deadletters.md).

    Never lost: every text stored (source, peer, reason, field) is made
    valid UTF-8 first (hd_deadletter_text: an invalid byte is written
    \xNN) and cut to a sane length; the raw bytes are stored as bytea
    exactly as received (for source "ingest.http" with the values of
    Authorization, Proxy-Authorization and Cookie redacted:
    hd_deadletter_http.h). When the database refuses the row anyway (it is
    down), the log says so with the raw length and its SHA-256.

    Bounded: the store holds at most max_bytes of raw input and nothing
    older than max_age_s; the oldest rows are evicted first, in batches
    (when a put finds the total over the limit, and every evict_every puts
    for the age), and what was evicted is counted by kind in
    dead_letter_stats. Sampled: a refusal identical to one stored in the
    last sample_s seconds (same source, client address without its port,
    reason and raw bytes) adds one to that row's `repeats` and sets its
    last_at instead of adding a row. The store's statements are the
    SECURITY DEFINER functions dead_letter_put and dead_letter_evict of
    015_deadletter.sql, so a service needs no other right on the tables.

    Threads: hd_deadletter_configure is called once at start, before any
    thread writes; hd_deadletter_put may then be called from any thread
    (each with its own connection). */
#ifndef HD_DEADLETTER_H
#define HD_DEADLETTER_H

#include "hd_db.h"

#include <stddef.h>

/* Caps on the texts stored (bytes, after escaping). */
#define HD_DEADLETTER_REASON_MAX 1000
#define HD_DEADLETTER_TEXT_MAX 200

typedef struct {
    long long max_bytes; /* total raw bytes kept (HUDDLE_DEADLETTER_MAX_MB) */
    long max_age_s;      /* oldest row kept (HUDDLE_DEADLETTER_MAX_AGE_DAYS) */
    int sample_s;        /* identical refusals folded (HUDDLE_DEADLETTER_SAMPLE_S); 0: never */
    int evict_every;     /* an age eviction every this many puts of the process */
    int evict_batch;     /* most rows one eviction deletes */
} hd_deadletter_cfg_t;

/* The limits every process starts with (256 MB, 30 days, 60 s, 64, 1000). */
hd_deadletter_cfg_t hd_deadletter_defaults(void);

/* Sets this process's limits (copied). Call once at start, before threads. */
void hd_deadletter_configure(const hd_deadletter_cfg_t *cfg);

/* hd_deadletter_configure from HUDDLE_DEADLETTER_MAX_MB,
   HUDDLE_DEADLETTER_MAX_AGE_DAYS and HUDDLE_DEADLETTER_SAMPLE_S (hd_config:
   declare them with HD_CONFIG_COMMON_DEADLETTER). Values below 1 (0 for
   the sample window) fall back to the defaults (logged). */
void hd_deadletter_configure_from_config(void);

/* This process's limits. */
hd_deadletter_cfg_t hd_deadletter_config(void);

/* Records raw input with the reason it was refused (see above). Runs in the
   caller's transaction if one is open, else on its own. peer, field and
   correlation_id may be NULL. 0 / -1 (logged either way). */
int hd_deadletter_put(hd_db_t *db, const char *source, const char *peer, const char *reason,
                      const char *field, const void *raw, size_t raw_len,
                      const char *correlation_id);

/* What this process's puts did since it started, for its /metrics. */
typedef struct {
    long long written;       /* new rows */
    long long repeats;       /* refusals folded into an existing row */
    long long evicted_rows;  /* rows its evictions removed */
    long long evicted_bytes; /* their raw bytes */
    long long lost;          /* puts the database refused (logged dead_letter_lost) */
} hd_deadletter_counts_t;

/* A snapshot of the counters (any thread). */
hd_deadletter_counts_t hd_deadletter_counts(void);

/* Evicts what is over the limits now (a batch at most): rows evicted, or
   -1 on a database error. Called by hd_deadletter_put; for tests. */
long hd_deadletter_evict(hd_db_t *db);

/* ---- pure helpers (unit-tested) ---- */

/* s (NUL-terminated; NULL gives NULL) as valid UTF-8 of at most max bytes:
   each byte that is not part of a valid UTF-8 sequence (overlong forms,
   surrogates and code points past U+10FFFF included) is written as the
   four characters \xNN; a text longer than max is cut at a character
   boundary and ends with "...". The caller frees the result. */
char *hd_deadletter_text(const char *s, size_t max);

/* The client address without its port: "10.0.0.1:5000" -> "10.0.0.1",
   "[::1]:5000" -> "::1"; anything else (a CURVE peer name) unchanged.
   Written into out (n bytes, truncated). */
void hd_deadletter_peer_host(const char *peer, char *out, size_t n);

/* The kind a refusal is counted under: the source, followed by ":NNN" when
   the reason starts with a three-digit HTTP status ("ingest.http:401").
   Written into out (n bytes, truncated). */
void hd_deadletter_kind(const char *source, const char *reason, char *out, size_t n);

#endif
