/*  retry: when a failed delivery is tried again, and whether at all.

    A channel's answer is classified by its HTTP status: 2xx delivered;
    5xx, 408 and 429 (and no answer at all: connection refused, timeout)
    are transient and retried with exponential backoff and jitter (base
    500 ms, doubling, capped at 60 s), never sooner than a Retry-After the
    channel asked for; every other status (4xx, 3xx, 1xx) is permanent: the
    same request would be refused again. Pure functions, no I/O. */
#ifndef PUB_RETRY_H
#define PUB_RETRY_H

#include <stdint.h>

typedef enum {
    PUB_CLASS_OK = 0,    /* 2xx */
    PUB_CLASS_TRANSIENT, /* try again later */
    PUB_CLASS_PERMANENT  /* give up */
} pub_class_t;

#define PUB_BACKOFF_BASE_MS 500L
#define PUB_BACKOFF_CAP_MS 60000L
#define PUB_RETRY_AFTER_MAX_MS 3600000L /* a channel cannot park a job longer */

/* The class of an HTTP status; 0 (no response) is transient. */
pub_class_t pub_retry_classify(long http_status);

/* A Retry-After header value (delta-seconds or an HTTP-date) as a delay in
   ms from now_ms, clamped to [0, PUB_RETRY_AFTER_MAX_MS]; -1 when value is
   NULL, empty or neither form. */
long pub_retry_after_ms(const char *value, int64_t now_ms);

/* The delay before attempt `attempts + 1`, given that `attempts` (>= 1)
   attempts failed: d = min(cap, base * 2^(attempts-1)), then d/2 + jitter *
   d/2 with jitter in [0, 1) (so retries of many jobs spread out but never
   come back at once); at least retry_after_ms when that is >= 0. */
long pub_retry_backoff_ms(unsigned attempts, long retry_after_ms, double jitter);

#endif
