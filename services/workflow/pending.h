/*  pending: workflow_item writes held back until the end of a consumer batch.

    Three writes happen once for nearly every item and need nothing read
    first (or nothing the batch did not read ahead, prefetch.h): the new
    item of a content.submitted, an automatic approval, and the final state
    of a publish outcome. Gathered over a batch, each kind becomes one
    statement (`... FROM unnest(...)`) instead of one per event.

    The effects must stay exactly those of applying the events one by one.
    So whoever is about to read or write an item calls wf_pending_has first,
    and when the item has a write held back, flushes before going on (the
    batch's other held writes go with it: order between items does not
    matter, order within one item does). */
#ifndef WF_PENDING_H
#define WF_PENDING_H

#include "hd_db.h"

#include <stddef.h>
#include <stdint.h>

typedef struct wf_pending wf_pending_t;

/* A new item as content.submitted describes it. All strings borrowed for
   the call (they are copied). */
typedef struct {
    const char *content_id, *department, *author_id, *author_email, *channel, *text;
    int64_t scheduled_ms; /* 0 when not scheduled */
    int64_t submitted_ms;
    const char *event_id; /* for the log line */
} wf_new_item_t;

/* An empty set; the caller owns it. Aborts on out-of-memory. */
wf_pending_t *wf_pending_new(void);

/* Frees it; safe on NULL, nulls the caller's pointer. */
void wf_pending_destroy(wf_pending_t **self_p);

/* Forgets every held write (a batch starts, or its attempt was rolled back). */
void wf_pending_clear(wf_pending_t *self);

/* Whether a write of item content_id is held back. */
int wf_pending_has(const wf_pending_t *self, const char *content_id);

/* Holds back "INSERT the item as 'evaluating' unless it exists". */
void wf_pending_item(wf_pending_t *self, const wf_new_item_t *item);

/* Holds back "the item is now `state` (published or failed) if it was
   approved or failed". The strings are copied. */
void wf_pending_final(wf_pending_t *self, const char *content_id, const char *state,
                      const char *event_id, const char *event_type);

/* Holds back "the item is approved at at_ms, needing no role": an
   automatic approval of an item known to exist and to be evaluating. The
   string is copied. */
void wf_pending_approved(wf_pending_t *self, const char *content_id, int64_t at_ms);

/* Writes everything held, inside the caller's open transaction, logs each
   item's outcome, and forgets it. 0, or -1 on a database error (what was
   held is kept: the caller rolls back, and begin clears it). */
int wf_pending_flush(wf_pending_t *self, hd_db_t *db);

#endif
