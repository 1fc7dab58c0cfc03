/*  item: a content item as one consumer batch sees it, and the set of the
    batch's items.

    The batch reads every item its events are about in one statement
    (read.h), each event's decision changes the item in memory (decide.h),
    and the items the batch changed are written at its end (write.h). So
    the events of a batch see each other's effects in order, exactly as if
    they were applied one by one, with one read and one write per kind. */
#ifndef WF_ITEM_H
#define WF_ITEM_H

#include "hd_approval.h"

#include <stddef.h>
#include <stdint.h>

#define WF_EMAIL_LEN 320
#define WF_KIND_LEN 32        /* post, reply, share, statement */
#define WF_EXTERNAL_LEN 256   /* a channel's id of a post */
#define WF_KIND_REPLY "reply" /* an answer to an inbox item's mention */

/* What changed of an item during the batch (bits). */
enum {
    WF_CHANGED_STATE = 1, /* its state alone (a publish outcome) */
    WF_CHANGED_ALL = 2    /* its roles or times too */
};

typedef struct {
    hd_approval_item_t a; /* id, author, department, state, roles */
    char author_email[WF_EMAIL_LEN];
    char channel[HD_DEPT_LEN];
    char kind[WF_KIND_LEN];
    char crisis_id[HD_ID_LEN];                  /* a holding statement's crisis; "" for none */
    char reply_to_mention_id[HD_ID_LEN];        /* a reply's mention; "" for none */
    char reply_to_external_id[WF_EXTERNAL_LEN]; /* that mention's post on its channel */
    char *text;                                 /* owned by the set */
    int64_t scheduled_ms, submitted_ms, requested_ms, decided_ms; /* 0: not set */
    int stored;  /* the row existed when the batch began */
    int changed; /* what the batch's end writes: WF_CHANGED_* */
} wf_item_t;

typedef struct {
    wf_item_t *items;
    size_t n, cap;
} wf_items_t;

/* The item with content_id (compared without regard to case: PostgreSQL
   writes uuids in lower case, an event may not), or NULL. Borrowed: valid
   until the next wf_items_add or wf_items_clear. */
wf_item_t *wf_items_find(wf_items_t *self, const char *content_id);

/* A new, zeroed item with content_id, added to the set (the caller fills
   it). Borrowed as for wf_items_find. Aborts on out-of-memory. */
wf_item_t *wf_items_add(wf_items_t *self, const char *content_id);

/* Sets item's text to a copy of text. */
void wf_item_set_text(wf_item_t *item, const char *text);

/* Forgets every item (the memory is kept for the next batch). */
void wf_items_clear(wf_items_t *self);

/* Frees everything; the set may be reused afterwards. */
void wf_items_free(wf_items_t *self);

#endif
