/*  policy_service: what the policy service does with each event, without
    sockets (main.c wires it to hd_consumer_run; tests call it directly).
    content.submitted: evaluate the text under the item's policy version
    (ContentSubmitted.policy_version; 0 = the active one), record the
    verdict in policy_verdict and emit policy.evaluated, its id derived from
    the cause. policy.activated: compile the new version ahead of the items
    that will need it. Compiled versions are cached (versions never change). */
#ifndef HD_POLICY_SERVICE_H
#define HD_POLICY_SERVICE_H

#include "hd_consumer.h"
#include "hd_db.h"
#include "policy.h"

#include <stdint.h>
#include <stdio.h>

typedef struct hd_policy_svc hd_policy_svc_t;

/* The event types the service consumes. */
extern const char *const hd_policy_svc_types[];
extern const size_t hd_policy_svc_ntypes;

/* NULL on out of memory. The caller owns the service. */
hd_policy_svc_t *hd_policy_svc_new(void);
void hd_policy_svc_destroy(hd_policy_svc_t **self_p);

/* hd_consumer_apply_fn; arg is the hd_policy_svc_t. */
int hd_policy_svc_apply(hd_db_t *db, const hd_envelope_t *ev, void *arg, char *why,
                        size_t why_len);

/* The compiled policy of a version (borrowed from the cache, valid until
   the cache evicts it: at the next call). NULL when the version does not
   exist or does not compile (why says which), or on database error
   (*transient set). */
hd_policy_t *hd_policy_svc_engine(hd_policy_svc_t *self, hd_db_t *db, int64_t version,
                                  int *transient, char *why, size_t why_len);

/* Prometheus lines for /metrics (hd_health_fn); arg is the service. */
void hd_policy_svc_metrics(FILE *out, void *arg);

#endif
