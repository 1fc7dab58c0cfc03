/*  policy_service: what the policy service does with each event, without
    sockets (main.c wires it to hd_consumer_run; tests call it directly).
    content.submitted: evaluate the text under the item's policy version
    (ContentSubmitted.policy_version; 0 = the active one), record the
    verdict in policy_verdict and emit policy.evaluated, its id derived from
    the cause (as a consumer, a batch's verdicts are written together at its
    end: pol_svc_gather). policy.activated: compile the new version
    ahead of the items that will need it. Compiled versions are cached
    (versions never change). */
#ifndef POL_SERVICE_H
#define POL_SERVICE_H

#include "hd_consumer.h"
#include "hd_db.h"
#include "policy.h"

#include <stdint.h>
#include <stdio.h>

typedef struct pol_svc pol_svc_t;

/* The event types the service consumes. */
extern const char *const pol_svc_types[];
extern const size_t pol_svc_ntypes;

/* NULL on out of memory. The caller owns the service. */
pol_svc_t *pol_svc_new(void);
void pol_svc_destroy(pol_svc_t **self_p);

/* hd_consumer_apply_fn; arg is the pol_svc_t. */
int pol_svc_apply(hd_db_t *db, const hd_envelope_t *ev, void *arg, char *why,
                        size_t why_len);

/* Makes the service gather over a consumer batch (policy_batch.h): each
   channel's facts are read once per batch, and verdicts are kept in memory
   and written by pol_svc_flush instead of by each apply. Only for a
   caller that wires pol_svc_begin and _flush into its
   hd_consumer_cfg_t (main.c); otherwise every apply reads and writes at
   once. Aborts on out-of-memory; calling it again changes nothing. */
void pol_svc_gather(pol_svc_t *self);

/* hd_consumer_begin_fn: forgets the batch's channels and unflushed
   verdicts; arg is the service (nothing to do when it does not gather). */
void pol_svc_begin(void *arg);

/* hd_consumer_flush_fn: writes the kept verdicts in one statement inside
   the open transaction (0, or -1 to roll back); arg is the service. */
int pol_svc_flush(hd_db_t *db, void *arg);

/* The compiled policy of a version (borrowed from the cache, valid until
   the cache evicts it: at the next call). NULL when the version does not
   exist or does not compile (why says which), or on database error
   (*transient set). */
pol_t *pol_svc_engine(pol_svc_t *self, hd_db_t *db, int64_t version,
                                  int *transient, char *why, size_t why_len);

/* Prometheus lines for /metrics (hd_health_fn); arg is the service. */
void pol_svc_metrics(FILE *out, void *arg);

#endif
