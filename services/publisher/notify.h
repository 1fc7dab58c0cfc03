/*  notify: outgoing webhook notifications (docs/webhooks.md), table
    notification (017_crisis.sql).

    In the consumer's transaction (pub_notify_apply_batch) the events a
    crisis's team must hear of become one notification per endpoint named
    in the crisis's notify list (column crisis.notify, from its playbook's
    actions.notify):
      crisis.proposed, crisis.declared (and crisis.drill: notified as
      crisis.declared with "drill": true), crisis.resumed,
      crisis.dismissed, crisis.statement, and content.released with
      outcome expire (the author told: the payload carries author_email);
    and org.webhook.tested (ingest's POST /v1/admin/webhooks/{name}/test)
    becomes one webhook.test notification to that endpoint. A
    notification's id (the webhook-id) derives from the event and the
    endpoint, so a replayed batch inserts nothing twice. Its payload is the
    Standard Webhooks JSON body {"type","timestamp","data"} fixed at that
    moment: every attempt sends the same bytes. An endpoint that does not
    exist or was removed gets its notification all the same, in state
    failed with the reason, and notification.recorded says so: nothing is
    dropped silently.

    Between fetches (pub_notify_idle, outside any transaction) the runner
    delivers due notifications (notify_run.h): signed (webhook.h), retried
    with backoff (retry.h), each final outcome recorded with its
    notification.recorded event in the transaction that records it.

    States (column notification.state), one enum and one name table:
      pending    waiting for its next attempt (not_before)
      in_flight  an attempt is being made (not_before: its lease)
      delivered  a 2xx answer (final)
      failed     refused for good, attempts exhausted, or no endpoint (final) */
#ifndef PUB_NOTIFY_H
#define PUB_NOTIFY_H

#include "hd_batch.h"
#include "hd_db.h"
#include "hd_secret.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    PUB_NOTICE_PENDING = 0,
    PUB_NOTICE_IN_FLIGHT,
    PUB_NOTICE_DELIVERED,
    PUB_NOTICE_FAILED,
    PUB_NOTICE_STATE_COUNT
} pub_notice_state_t;

/* The state's name as stored ("pending"); "unknown" out of range. Static. */
const char *pub_notice_state_name(pub_notice_state_t s);

#define PUB_NOTIFY_MAX_ATTEMPTS_DEFAULT 8
#define PUB_NOTIFY_BATCH_DEFAULT 8
#define PUB_NOTIFY_BATCH_MAX 64
#define PUB_NOTIFY_TIMEOUT_MS_DEFAULT 5000
#define PUB_NOTIFY_LEASE_S 60 /* an attempt's lease; past it a crash's attempt is made again */

struct pub_pool;

typedef struct pub_notify {
    unsigned char key[HD_SECRET_KEY_LEN]; /* opens the endpoints' sealed secrets */
    int have_key;
    int max_attempts;      /* HUDDLE_NOTIFY_MAX_ATTEMPTS */
    int batch;             /* HUDDLE_NOTIFY_BATCH: claimed and sent at once, 1..64 */
    long timeout_ms;       /* HUDDLE_NOTIFY_TIMEOUT_MS: an attempt's longest wait */
    int64_t next_at;       /* nothing due before this (hd_now_ms); 0: look now */
    unsigned seed;         /* jitter */
    struct pub_pool *pool; /* the attempts' threads, started by the first batch */
    int pool_failed;       /* could not start: attempts are made one after another */
    _Atomic unsigned long delivered, retried, failed; /* since start, for /metrics */
} pub_notify_t;

/* Initializes self: key (copied; NULL: none, and every endpoint's secret
   fails to open) and the settings HUDDLE_NOTIFY_MAX_ATTEMPTS (default 8),
   HUDDLE_NOTIFY_BATCH (8) and HUDDLE_NOTIFY_TIMEOUT_MS (5000) read with
   hd_config (the environment, else these defaults). */
void pub_notify_init(pub_notify_t *self, const unsigned char *key);

/* Stops the attempts' threads (between idle calls only). Safe twice. */
void pub_notify_destroy(pub_notify_t *self);

/* Appends the notifications' figures as Prometheus text (hd_health_fn;
   arg is the pub_notify_t): huddle_publisher_notifications_total by
   outcome (delivered, retried, failed). Safe from another thread. */
void pub_notify_metrics(FILE *out, void *arg);

/* hd_consumer_batch_fn: the batch's notified events (above) become
   notification rows in one statement; those that can never be sent are
   recorded failed and their notification.recorded emitted in out. An
   event naming a crisis that does not exist notifies nothing (logged).
   arg: the pub_notify_t. */
int pub_notify_apply_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n,
                           hd_batch_out_t *out, void *arg);

/* Delivers one batch of due notifications (pub_notify_run_due) unless
   none can be due yet; returns the wait before the next call (ms,
   0..1000): 0 when the batch was full. Outside any transaction. */
int pub_notify_idle(hd_db_t *db, pub_notify_t *self);

#endif
