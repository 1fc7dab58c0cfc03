/*  batch: group commit for submissions. A door hands each submission to
    the batch and answers when its completion runs. Writer threads, each
    with its own database connection, take everything that arrived while
    their last commit was in flight and record it together: the people and
    channels of the whole batch in one query each, the items in one INSERT,
    their content.submitted events in one outbox INSERT, one COMMIT (one
    fsync for the batch instead of one per item). If anything in that
    transaction fails, it is rolled back and every item of the batch is
    recorded again by the same code as a batch of one, so one bad item
    never costs the others theirs and every refusal keeps its precise
    reason. There is no other path: a quiet door's batch is a batch of one.
    Senders are still answered only after their item is committed.

    A mention pushed through POST /v1/inbound is an item too (its
    `mention` set, its integration in `who`, authenticated by the door):
    the batch's mentions are recorded in a transaction of their own
    (inbound_batch.h), so a flood of mentions costs one commit per batch
    instead of one per mention. */
#ifndef ING_BATCH_H
#define ING_BATCH_H

#include "content.h"
#include "ratelimit.h"

typedef struct ing_batch ing_batch_t;
typedef struct ing_item ing_item_t;

/* Called once per item when its outcome is known (item->res), on a writer
   thread (or the submitting thread when the batch is stopping). The callee
   owns the item from then on (ing_item_free). */
typedef void(ing_item_done_fn)(ing_item_t *item, void *arg);

struct ing_item {
    ing_dec_mention_t mention;    /* a mention when mention.channel is set: its strings
                                     owned by the item, `who` set by the door */
    char *token;                  /* who: an API bearer token ... */
    char *email;                  /* ... or an author's email (the ZeroMQ door) */
    char *only_department;        /* a door peer restricted to one department; NULL: any */
    ing_submission_t in;          /* every string owned by the item */
    ing_result_t pre;             /* a refusal found before the batch, reported only
                              once the caller is authenticated (status 0: none) */
    ing_ratelimit_t *token_limit; /* per token id, taken once the token is known
                                     (borrowed; NULL: none) */
    ing_person_t who;             /* filled by the batch (a mention's: by the door) */
    ing_result_t res;             /* the outcome */
    ing_item_done_fn *done;
    void *done_arg;
    void *user;        /* the door's own (the deferred HTTP answer, the peer...) */
    const char *route; /* the API route it came by, for the metrics (static; NULL: none) */
    ing_item_t *next;
};

/* A new item with copies of `in`'s strings (in may be NULL: all empty).
   The caller owns it until ing_batch_submit. */
ing_item_t *ing_item_new(const ing_submission_t *in);

/* Sets a string member of the item to a copy of s (NULL clears it). */
void ing_item_set(char **member, const char *s);

/* Frees the item and every string it holds. Safe on NULL; nulls the pointer. */
void ing_item_free(ing_item_t **item_p);

/* Starts `writers` threads, each with its own connection to db_url (waits
   up to connect_ms for the database), taking up to max_batch items per
   transaction. NULL if a connection cannot be made (logged). */
ing_batch_t *ing_batch_new(const char *db_url, int writers, int max_batch, int connect_ms);

/* Queues item (taken; item->done and done_arg must be set). Never fails: a
   stopping batch completes the item at once with 503. Thread-safe. */
void ing_batch_submit(ing_batch_t *self, ing_item_t *item);

/* Stops taking items (later ones complete at once with 503), records every
   queued one and joins the writers. The batch stays valid for submit until
   destroyed. Call from one thread only. */
void ing_batch_stop(ing_batch_t *self);

/* Stops (if not yet) and frees. Safe on NULL; nulls the pointer. */
void ing_batch_destroy(ing_batch_t **self_p);

#endif
