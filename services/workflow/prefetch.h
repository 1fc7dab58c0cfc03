/*  prefetch: the items a consumer batch's verdicts are about, read in one
    statement at the start of the batch instead of one read per verdict.

    An entry tells the item as it was when the batch began, so it is good
    only until some event of the batch touches that item: every handler
    drops (or takes) the entry of the item it is about before acting, and
    then reads the database itself. Taken entries also carry the columns
    content.approved needs, so an automatic approval can be written at the
    batch's end (pending.h) without reading the item again. */
#ifndef WF_PREFETCH_H
#define WF_PREFETCH_H

#include "chain.h"
#include "hd_db.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    hd_approval_item_t item;
    char channel[HD_DEPT_LEN];
    char author_email[320];
    char *text; /* owned by the prefetch */
    int64_t scheduled_ms;
    int taken;
} wf_known_t;

typedef struct wf_prefetch wf_prefetch_t;

/* An empty prefetch; the caller owns it. Aborts on out-of-memory. */
wf_prefetch_t *wf_prefetch_new(void);

/* Frees it; safe on NULL, nulls the caller's pointer. */
void wf_prefetch_destroy(wf_prefetch_t **self_p);

/* Forgets every entry. */
void wf_prefetch_clear(wf_prefetch_t *self);

/* Replaces the entries with items `ids` (n UUID strings, borrowed) as the
   open transaction sees them; ids without an item get no entry. 0, or -1
   on a database error (no entries). A malformed row is left out (its
   event then reads it and reports it as before). */
int wf_prefetch_load(wf_prefetch_t *self, hd_db_t *db, const char *const *ids, size_t n);

/* The entry of content_id, which from now on is no longer handed out, or
   NULL. The pointer is valid until the next clear or load. */
const wf_known_t *wf_prefetch_take(wf_prefetch_t *self, const char *content_id);

/* Forgets the entry of content_id, if any (its item is about to change). */
void wf_prefetch_drop(wf_prefetch_t *self, const char *content_id);

#endif
