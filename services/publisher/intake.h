/*  intake: new publish jobs gathered over one consumer batch and inserted
    in one statement at its end (hd_consumer_cfg_t.begin / .flush), instead
    of one INSERT per content.approved. Nothing in the publisher's consumer
    reads publish_job, so holding the rows back until the batch's end
    changes no outcome: the runner only sees them after the commit anyway.
    A content approved twice keeps its first job, as one INSERT each did. */
#ifndef PUB_INTAKE_H
#define PUB_INTAKE_H

#include "hd_db.h"

#include <stdint.h>

typedef struct pub_intake pub_intake_t;

/* A job as content.approved asks for it. Strings borrowed for the call. */
typedef struct {
    const char *content_id, *channel, *department, *text;
    int64_t scheduled_ms;   /* 0: due now */
    const char *event_id;   /* the content.approved: cause_event_id */
} pub_new_job_t;

/* An empty intake; the caller owns it. Aborts on out-of-memory. */
pub_intake_t *pub_intake_new(void);

/* Frees it; safe on NULL, nulls the caller's pointer. */
void pub_intake_destroy(pub_intake_t **self_p);

/* Forgets every job not written (a batch starts again). */
void pub_intake_clear(pub_intake_t *self);

/* Gathers one job (its strings are copied). */
void pub_intake_add(pub_intake_t *self, const pub_new_job_t *job);

/* Inserts every gathered job in one statement inside the caller's open
   transaction (a job whose content already has one is skipped and logged
   as such), then forgets them. 0, or -1 on a database error (the jobs are
   kept until the next clear). */
int pub_intake_flush(pub_intake_t *self, hd_db_t *db);

#endif
