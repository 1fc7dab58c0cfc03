/*  lg: what the load generator's two clients (lg_http.c, lg_zmq.c) share:
    the run's settings, the item schedule and the per-item records.

    An item is one content submission, or with --inbound one mention posted
    through POST /v1/inbound (HTTP only), which the inbox probe
    (lg_probe.h) may then watch for in the inbox. Items are numbered 0, 1, 2...; the
    schedule hands out the next number when one is due: at once when the run
    goes as fast as it can, at t0 + i / rate when it runs at a fixed rate.
    In fixed-rate mode an item's submit time is the time it was due, not
    the time a connection got round to sending it, so a client that falls
    behind shows up as latency instead of hiding it (no coordinated
    omission). */
#ifndef LG_H
#define LG_H

#include <stddef.h>
#include <stdint.h>

#define LG_ID_LEN 40

/* What became of one item. */
typedef struct {
    char id[LG_ID_LEN];   /* content id the door answered ("" if refused) */
    int64_t t_submit_us;  /* wall clock (CLOCK_REALTIME), comparable across processes */
    int64_t t_ack_us;     /* 0 until answered */
    int status;           /* HTTP-like status; 0 = no answer (connection lost) */
    int64_t t_visible_us; /* when the inbox probe first saw it (0: not seen, or no probe) */
} lg_record_t;

/* What an item is. */
typedef enum { LG_CONTENT, LG_MENTION } lg_kind_t;

typedef struct lg_probe lg_probe_t;

typedef struct {
    /* settings */
    const char *http_addr;    /* host:port, HTTP mode */
    const char *zmq_endpoint; /* ZeroMQ mode */
    int conns;                /* HTTP connections */
    int window;               /* ZeroMQ requests in flight */
    double duration_s;        /* stop submitting after this long (0: no limit) */
    long count;               /* stop after this many items (0: no limit) */
    double rate;              /* items/s; 0: as fast as possible */
    char **tokens;            /* bearer tokens, rotated over connections */
    int ntokens;
    const char *author;   /* ZeroMQ: author_email */
    const char *keys_dir; /* ZeroMQ: CURVE keys (hd_keys.h) */
    const char *cert;     /* ZeroMQ: our cert's name ("cli") */
    const char *server;   /* ZeroMQ: the door's cert name ("ingest") */
    const char *channel;
    int text_bytes;
    const char *key_prefix; /* Idempotency-Key prefix (a mention's external_id): unique per run */
    lg_kind_t kind;
    lg_probe_t *probe; /* watches acknowledged mentions in the inbox, or NULL */
    /* state */
    lg_record_t *recs;
    size_t cap;
    long next; /* the next item number to hand out */
    int64_t t0_us;
    int64_t end_us; /* submission stops here (duration), 0: none */
} lg_run_t;

/* Wall-clock microseconds. */
int64_t lg_now_us(void);

/* The next item to submit. Returns its number and sets *t_submit_us, or
   LG_NOT_DUE (fixed rate, the next item's time has not come) or LG_DONE. */
enum { LG_NOT_DUE = -1, LG_DONE = -2 };
long lg_take(lg_run_t *run, int64_t now_us, int64_t *t_submit_us);

/* Microseconds until the next item falls due (0 if due, -1 if none will). */
int64_t lg_due_in_us(const lg_run_t *run, int64_t now_us);

/* Writes item i's idempotency key / text into buf (n bytes). */
void lg_item_key(const lg_run_t *run, long i, char *buf, size_t n);
void lg_item_text(const lg_run_t *run, long i, char *buf, size_t n);

/* Item i's JSON request body into buf (n bytes): POST /v1/content's or
   POST /v1/inbound's, by run->kind. Its length, or -1 if it does not fit. */
int lg_item_body(const lg_run_t *run, long i, char *buf, size_t n);

/* Records the answer to item i (and hands an accepted mention to the
   probe). id may be NULL. */
void lg_answer(lg_run_t *run, long i, int status, const char *id, int64_t now_us);

/* The record of item i (valid until the next lg_take). */
lg_record_t *lg_record(lg_run_t *run, long i);

/* Runs the clients until the schedule is done and every answer is in (or a
   drain deadline passes). 0 on success, -1 when the door could not be used
   at all (reason on stderr). */
int lg_http_run(lg_run_t *run);
int lg_zmq_run(lg_run_t *run);

/* How long a client waits for outstanding answers after the last item. */
#define LG_DRAIN_US (30 * 1000000LL)

#endif
