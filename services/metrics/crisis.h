/*  crisis: the crisis figures (docs/metrics.md, "Crises"), decided in
    memory (pure: no database, no sockets). crisis_store.h reads and writes
    what they need kept between batches.

    Each crisis has a row (migrations/018_metrics_crisis.sql): its playbook,
    its state as the crisis.* events moved it (hd_crisis.h's states), and
    when it was proposed. The per-item events add to its counts: held
    (content.held), released by outcome (content.released), recalled by
    outcome (content.recalled: deleted, failed). The report groups both by
    playbook at scrape time, so an item event the bus delivers before its
    crisis's first crisis.* event (the publisher's outbox and ingest's are
    sequenced independently) still counts under the right playbook once
    that event arrives; until then it is not shown.

    States only move forward: proposed -> declared | drill | dismissed,
    declared | drill -> resumed; a final state stays final, and a late
    crisis.proposed never takes a crisis back. So the figures do not depend
    on the order in which the bus delivers one crisis's events.

    Two latencies, observed under the crisis's playbook:
      huddle_crisis_detect_to_declare_seconds: a crisis that spike
        detection proposed, from crisis.proposed to the crisis.declared that
        confirmed it (occurred_at of both); one that spike detection
        declared itself (no person: actor_id empty) observes 0, detection
        and declaration being one transaction. Declared by a person without
        a proposal: nothing was detected, nothing observed. Drills never.
      huddle_crisis_hold_seconds: crisis.held's detail_json "hold_ms" (the
        publisher's declared_at -> hold applied). */
#ifndef MX_CRISIS_H
#define MX_CRISIS_H

#include "hd_envelope.h"
#include "hd_id.h"
#include "histogram.h"

#include <stddef.h>
#include <stdint.h>

#define MX_DETECT_NAME "huddle_crisis_detect_to_declare_seconds"
#define MX_HOLD_NAME "huddle_crisis_hold_seconds"

typedef enum {
    MX_CRISIS_CHANGE = 1, /* crisis.proposed / declared / resumed / dismissed */
    MX_CRISIS_HOLD,       /* crisis.held: the hold's time */
    MX_CRISIS_COUNT       /* content.held / released / recalled: a count moves */
} mx_crisis_kind_t;

/* One event's operation on the crisis figures. Strings static or borrowed
   from the event. */
typedef struct {
    mx_crisis_kind_t kind;
    char crisis_id[HD_ID_LEN]; /* lower case */
    const char *playbook;      /* CHANGE, HOLD: the event's ("" when it says none) */
    int to;                    /* CHANGE: the state named (hd_crisis_state_t) */
    int by_service;            /* CHANGE: no person (spike detection) */
    int64_t at_ms;             /* the event's occurred_at_ms (now when unset) */
    int64_t hold_ms;           /* HOLD */
    const char *figure;        /* COUNT: "held", "released", "recalled" */
    const char *outcome;       /* COUNT: released: publish, reapprove, expire, moved, other;
                                  recalled: deleted, failed; held: "" */
} mx_crisis_op_t;

/* The operation of ev, into *op: 1 when ev moves a crisis figure, 0
   otherwise (other events, crisis.acknowledged / statement / released /
   recalled summaries, an invalid crisis id, a crisis.held without a
   valid hold_ms). ev borrowed, and op's strings with it. */
int mx_crisis_op_of(const hd_envelope_t *ev, int64_t now_ms, mx_crisis_op_t *op);

/* The state `to` moves a crisis in state `from` (-1: none seen yet) to,
   as said above: `from` when the move would go backwards. Pure. */
int mx_crisis_next_state(int from, int to);

/* detail_json's "hold_ms" (a number >= 0), or -1 when absent or not one.
   Pure. */
int64_t mx_crisis_hold_ms(const char *detail_json);

/* A crisis's row over a batch: as read, then as the operations leave it. */
typedef struct {
    char crisis_id[HD_ID_LEN]; /* lower case */
    char *playbook;            /* owned; "" unknown yet */
    int state;                 /* hd_crisis_state_t; -1 none yet */
    int64_t proposed_at_ms;    /* 0: not proposed */
    int changed;               /* the row must be written */
} mx_crisis_t;

/* A count of a crisis moved over a batch. */
typedef struct {
    char crisis_id[HD_ID_LEN];
    const char *figure, *outcome; /* static */
    long n;
} mx_crisis_count_t;

typedef struct {
    mx_crisis_t *v;
    size_t n, cap;
    mx_crisis_count_t *counts;
    size_t ncounts, counts_cap;
} mx_crises_t;

/* The row of crisis_id (lower case), added as none seen yet when new.
   Borrowed: valid until the next add or mx_crises_free. */
mx_crisis_t *mx_crises_add(mx_crises_t *self, const char *crisis_id);

/* The row of crisis_id, or NULL. Borrowed. */
mx_crisis_t *mx_crises_find(const mx_crises_t *self, const char *crisis_id);

/* Sets c as read from the store. playbook and state copied / parsed. */
void mx_crisis_read(mx_crisis_t *c, const char *playbook, const char *state,
                    int64_t proposed_at_ms);

/* Runs the n operations in order: CHANGE and HOLD over the rows (every
   crisis they name must have been added), observing the latencies into
   h; COUNT summed into the counts. ops borrowed. */
void mx_crises_run(mx_crises_t *self, const mx_crisis_op_t *ops, size_t n, mx_histogram_t *h);

/* Frees the rows and counts; self may be reused afterwards. */
void mx_crises_free(mx_crises_t *self);

#endif
