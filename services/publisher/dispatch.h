/*  dispatch: the publisher's consumer callbacks, each batch handed to the
    parts that act on it in turn, in the batch's one transaction:
      jobs.h          content.approved becomes a delivery job
      crisis_apply.h  crisis.declared holds and recalls, crisis.resumed
                      releases (hd_crisis.h)
      notify.h        crisis.* and content.released become webhook
                      notifications
    and the idle hook runs each part's runner (due jobs and recalls, due
    notifications), waiting no longer than the most eager asks. */
#ifndef PUB_DISPATCH_H
#define PUB_DISPATCH_H

#include "hd_consumer.h"
#include "jobs.h"
#include "notify.h"

#include <stdio.h>

typedef struct {
    pub_jobs_t *jobs;
    pub_notify_t *notify;
} pub_parts_t;

/* The event types the publisher consumes (hd_consumer_cfg_t.types). */
extern const char *const pub_types[];
extern const size_t pub_ntypes;

/* hd_consumer_batch_fn (arg: pub_parts_t): each part's apply in turn; the
   first that does not return HD_APPLY_OK decides. */
int pub_apply_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n, hd_batch_out_t *out,
                    void *arg);

/* hd_consumer_idle_fn (arg: pub_parts_t): each part's runner; the shortest
   wait asked. */
int pub_idle(hd_db_t *db, void *arg);

/* hd_health_fn (arg: pub_parts_t): every part's figures as Prometheus
   text. Safe from the /metrics thread. */
void pub_metrics(FILE *out, void *arg);

#endif
