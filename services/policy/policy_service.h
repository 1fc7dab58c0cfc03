/*  policy_service: what the policy service does with a batch of events,
    without sockets (main.c wires it to hd_consumer_run; tests call it
    directly, a batch of one being a batch).
    content.submitted: evaluate the text under the item's policy version
    (ContentSubmitted.policy_version; 0 = the active one), record the
    verdict in policy_verdict and emit policy.evaluated, its id derived from
    the cause; every item in scope of a crisis in force needs its
    approval roles (policy.h, pol_eval). A batch costs one round trip of
    reads (its channels' facts, the crises in force, and what its policies
    need), one INSERT of its verdicts (policy_batch.h) and one outbox write (by the loop); in
    between, each item is decided in memory (policy_decide.h).
    policy.activated: compile the new version ahead of the items that will
    need it. Compiled versions are cached (versions never change).
    policy.proposed and policy.review_submitted: policy by committee
    (policy_proposal.h), in the same batch and transaction. */
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

/* A service with an empty cache; aborts on out-of-memory, NULL only when
   the empty policy (used before any version exists) does not compile. The
   caller owns the service. */
pol_svc_t *pol_svc_new(void);

/* Frees it; safe on NULL, nulls the caller's pointer. */
void pol_svc_destroy(pol_svc_t **self_p);

/* hd_consumer_batch_fn; arg is the pol_svc_t. Emits to `out` (created
   with source "policy"). An event that can never apply (a content.submitted
   without a valid content_id, a negative version, a version that does not
   exist or does not compile) is marked with hd_batch_dead. Nothing is kept
   between calls: a retried batch reads everything again. */
int pol_svc_apply_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n, hd_batch_out_t *out,
                        void *arg);

/* The compiled policy of a version (borrowed from the cache, valid until
   the cache evicts it: at the next call). NULL when the version does not
   exist or does not compile (why says which), or on database error
   (*transient set). */
pol_t *pol_svc_engine(pol_svc_t *self, hd_db_t *db, int64_t version, int *transient, char *why,
                      size_t why_len);

/* Prometheus lines for /metrics (hd_health_fn); arg is the service. */
void pol_svc_metrics(FILE *out, void *arg);

#endif
