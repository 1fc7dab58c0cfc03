/*  notify_run: delivering due webhook notifications (notify.h), a batch
    per call, outside any transaction:
      1. claims up to `batch` due notifications (pending, or in flight
         with their lease run out: a crash's attempt) and records their
         attempt (in_flight, attempts + 1, a lease of PUB_NOTIFY_LEASE_S)
         in one transaction, skipping rows another transaction holds; each
         comes with its endpoint's URL and sealed secret, opened with the
         credentials key (hd_secret.h);
      2. POSTs each payload to its endpoint, all at the same time on the
         runner's threads (pool.h), signed for the moment of the attempt
         (webhook.h), headers content-type, webhook-id, webhook-timestamp,
         webhook-signature, within timeout_ms (hd_http_client.h); redirects
         are not followed;
      3. records every outcome in one transaction (pub_notify_outcome):
         delivered; pending again after a backoff; failed for good. A
         final outcome's notification.recorded goes in the outbox in that
         transaction. If it fails, the attempts stay in flight and are
         made again once their lease runs out: a receiver may see a
         webhook-id twice, as the spec allows (it dedupes by that id).
    So one call blocks the publisher's loop for at most one attempt's
    timeout, whatever the batch. */
#ifndef PUB_NOTIFY_RUN_H
#define PUB_NOTIFY_RUN_H

#include "hd_db.h"
#include "notify.h"

/* What an attempt's answer makes of its notification. */
typedef struct {
    pub_notice_state_t state; /* DELIVERED, PENDING (tried again) or FAILED */
    long delay_ms;            /* PENDING: the wait before the next attempt */
} pub_notify_outcome_t;

/* The outcome of attempt number `attempts` (1 = the first) answered with
   HTTP `status` (0: no answer: refused, reset, timed out): 2xx delivered;
   408, 429, 5xx and no answer are transient and tried again after
   pub_retry_backoff_ms(attempts, jitter in [0, 1)) unless `attempts`
   reached max_attempts; any other status (3xx, 4xx, 1xx) fails for good.
   Pure. */
pub_notify_outcome_t pub_notify_outcome(long status, int attempts, int max_attempts, double jitter);

/* Claims, sends and records one batch of due notifications (above).
   Returns the number claimed, or -1 on a database error before any was
   sent (logged). */
int pub_notify_run_due(hd_db_t *db, pub_notify_t *self);

#endif
