/*  clock: the approval clock behind huddle_approval_latency_seconds
    {department}, decided in memory (pure: no database, no sockets).

    approval.requested starts (or restarts: a revision asks again) the
    clock of its content; content.approved / content.rejected stop it and
    observe the time since its start, if it runs. Only the first stop of a
    start counts. A consumer batch plans one operation per event
    (mx_clock_op_of), gathers the distinct contents they name
    (mx_clocks_add) with their pending rows as read from metrics_pending,
    and runs the operations in the batch's order (mx_clocks_run): the
    figures and the rows left come out exactly as if every event were
    applied on its own (a stop then a new start of one content; a start
    then its stop; a second stop). latency.h reads and writes the rows. */
#ifndef MX_CLOCK_H
#define MX_CLOCK_H

#include "hd_envelope.h"
#include "hd_id.h"
#include "histogram.h"

#include <stddef.h>
#include <stdint.h>

#define MX_LATENCY_NAME "huddle_approval_latency_seconds"

typedef enum { MX_CLOCK_START = 1, MX_CLOCK_STOP } mx_clock_kind_t;

/* One event's operation on a clock. */
typedef struct {
    mx_clock_kind_t kind;
    char content_id[HD_ID_LEN]; /* lower case, as PostgreSQL writes a uuid */
    const char *department;     /* START: borrowed from the event */
    int64_t at_ms;              /* the event's occurred_at_ms (now when unset) */
} mx_clock_op_t;

/* The clock of one content over a batch: its pending row as read, then as
   the operations leave it. */
typedef struct {
    char content_id[HD_ID_LEN]; /* lower case */
    int was;                    /* a pending row was read */
    int runs;                   /* a pending row is left */
    int restarted;              /* a start set it: the row must be written */
    char *department;           /* owned; the row's when runs */
    int64_t requested_at_ms;
} mx_clock_t;

typedef struct {
    mx_clock_t *v;
    size_t n, cap;
} mx_clocks_t;

/* The clock operation of ev, into *op: 1 when ev starts or stops a clock,
   0 otherwise (other events, an invalid content id). now_ms stands in
   for an unset occurred_at_ms. ev is borrowed, and op->department with
   it. */
int mx_clock_op_of(const hd_envelope_t *ev, int64_t now_ms, mx_clock_op_t *op);

/* The clock of content_id (lower case), added not running when new.
   Borrowed: valid until the next add or mx_clocks_free. */
mx_clock_t *mx_clocks_add(mx_clocks_t *self, const char *content_id);

/* The clock of content_id (lower case), or NULL. Borrowed. */
mx_clock_t *mx_clocks_find(const mx_clocks_t *self, const char *content_id);

/* Sets c's pending row as read (was and runs set). department copied. */
void mx_clock_read(mx_clock_t *c, const char *department, int64_t requested_at_ms);

/* Runs the n operations in order over the clocks (every content they name
   must have been added): a start sets the row (restarted), a stop of a
   running clock observes stop - start (0 when negative: a skewed clock
   must not run backwards) into h under the start's department and stops
   it; a stop of a stopped clock does nothing. ops borrowed. */
void mx_clocks_run(mx_clocks_t *self, const mx_clock_op_t *ops, size_t n, mx_histogram_t *h);

/* Frees the clocks; self may be reused afterwards. */
void mx_clocks_free(mx_clocks_t *self);

#endif
