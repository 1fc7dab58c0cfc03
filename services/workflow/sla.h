/*  sla: the first-response timers (docs/sla.md). Routing gives each
    inbox item its deadlines in business time (calendar.h): sla_warn_at,
    when the warning is due, and sla_due_at, the breach. Between batches
    (hd_consumer's idle) a pass marks, in one transaction, the items whose
    warning or breach has come and records inbox.sla_warning and
    inbox.sla_breached for them, so the flags and the events commit
    together. An item with a first response, or resolved, never warns or
    breaches; an item whose breach has come before its warning was
    recorded (workflow was down) records the breach only.

    Each event's id derives from the mention id, the label and the
    deadline: a pass run twice records once, and an item whose deadline
    moves (routed to another department) may warn again for the new one.
    A pass handles at most `limit` warnings and `limit` breaches (the
    rest at once after), and says how long until the next deadline. */
#ifndef WF_SLA_H
#define WF_SLA_H

#include "hd_db.h"

#include <stddef.h>
#include <stdint.h>

#define WF_SLA_LIMIT 500        /* warnings, and breaches, per pass */
#define WF_SLA_MAX_WAIT_MS 1000 /* the longest between two passes */
#define WF_SLA_MIN_WAIT_MS 25   /* a due item another transaction holds: look again soon */

/* What a pass did. next_ms: the earliest deadline still to come (UTC ms),
   0 for none. */
typedef struct {
    size_t warnings, breaches;
    int64_t next_ms;
} wf_sla_pass_t;

/* The pace of the passes, kept by the caller between idle calls. Zero it. */
typedef struct {
    int64_t next_run_ms; /* wall clock: no pass before then */
} wf_sla_t;

/* One pass as of now_ms (UTC ms), in its own transaction on db (none
   open). 0 with *res set, or -1 on a database error (rolled back,
   logged; nothing recorded). */
int wf_sla_pass(hd_db_t *db, int64_t now_ms, size_t limit, wf_sla_pass_t *res);

/* How long to wait after pass res at now_ms: 0 when the pass was full
   (more is due), else until the next deadline, between
   WF_SLA_MIN_WAIT_MS and WF_SLA_MAX_WAIT_MS. Pure. */
int wf_sla_wait(const wf_sla_pass_t *res, size_t limit, int64_t now_ms);

/* For hd_consumer_cfg_t.idle: a pass (WF_SLA_LIMIT) when the last one
   asked for it, at the wall clock's now; returns the wait (ms). A
   database error waits WF_SLA_MAX_WAIT_MS. sla borrowed. */
int wf_sla_idle(hd_db_t *db, wf_sla_t *sla);

#endif
