/*  ratelimit: token buckets, one per key (a client address, a token id),
    in a bounded table. A key's bucket holds up to `burst` tokens and
    refills at `rate` tokens a second; a request takes one or is refused
    with the seconds until one is there. Deciding is pure arithmetic on the
    time the caller passes, so it is unit-tested without a clock.

    The table holds at most max_keys buckets. When it is full, a new key
    takes the bucket of the least recently used key, the most idle one: a
    bucket that has refilled to full is the same as no bucket, so evicting
    an idle key loses nothing; were every key busy, the evicted one would
    start again with a full burst (the table's bound wins over one key's
    history; size the table above the number of clients expected). One
    mutex: any thread may call. */
#ifndef ING_RATELIMIT_H
#define ING_RATELIMIT_H

#include <stddef.h>

typedef struct ing_ratelimit ing_ratelimit_t;

#define ING_RATELIMIT_KEY 64 /* bytes of a key kept (longer ones are cut) */

/* A limiter of `rate` tokens a second up to `burst` (burst < 1 means 1),
   for at most max_keys keys (at least 1). rate <= 0: no limit (every take
   admitted, nothing kept). Never NULL (aborts without memory). */
ing_ratelimit_t *ing_ratelimit_new(double rate, double burst, size_t max_keys);

/* Frees the limiter. Safe on NULL; nulls the pointer. */
void ing_ratelimit_destroy(ing_ratelimit_t **self_p);

/* Takes one token of key's bucket at now_ms (monotonic milliseconds).
   0: admitted. > 0: refused, the whole seconds (at least 1) until a token
   will be there: the answer's Retry-After. */
int ing_ratelimit_take(ing_ratelimit_t *self, const char *key, long long now_ms);

/* Milliseconds of the monotonic clock: the `now_ms` the callers pass. */
long long ing_ratelimit_clock_ms(void);

/* How many keys the table holds now (for tests and metrics). */
size_t ing_ratelimit_keys(ing_ratelimit_t *self);

#endif
