/*  feed_store: a listening feed's rows (table feed, migrations/019_inbox.sql)
    as the runner uses them. A poller claims a due feed with a lease
    (FOR UPDATE SKIP LOCKED, then lease_until): two ingests never poll one
    feed at once, and a poller that dies lets the lease run out. The lease
    is also the poll's fencing token: every write of the poll first locks
    the row and checks that the lease and the cursor are still the ones it
    holds, so a poller that outlived its lease writes nothing.
    One page is one transaction: its mentions (through ing_inbound_record,
    with their mention.received events), the dead letters of its bad
    entries, and the new cursor. A failed poll is one transaction too: the
    dead letter of what came back, failures + 1, last_error, the next poll
    after the backoff, the cursor untouched. */
#ifndef ING_FEED_STORE_H
#define ING_FEED_STORE_H

#include "feed_item.h"
#include "feed_plan.h"
#include "hd_db.h"

/* A claimed feed: its row as the poll reads it. */
typedef struct {
    char id[64];
    ing_feed_kind_t kind;
    char channel[64];
    char base[2048]; /* rss: the feed's URL; mastodon: the server (its url, else the channel's) */
    char tag[256];
    char account_department[64];
    char departments[2048]; /* routed only among these, comma-separated ("": any) */
    int interval_s;
    int failures;
    char cursor[256];
    char etag[256];
    char last_modified[128];
    char lease[64];   /* lease_until as the database wrote it: the poll's token */
    int have_account; /* mastodon-mentions: the account of account_department exists */
    char *sealed;     /* its sealed credential (hex; "" none); ing_feed_release frees it */
} ing_feed_t;

/* What follows a recorded page. */
typedef enum {
    ING_FEED_NEXT_DONE = 0, /* the next poll after the feed's interval; the lease released */
    ING_FEED_NEXT_PAGE,     /* the next page now, by this poller: the lease renewed */
    ING_FEED_NEXT_SOON,     /* due again now, by any poller: the lease released */
} ing_feed_next_t;

/* What a page's transaction did. */
typedef struct {
    int recorded;   /* new mentions */
    int duplicates; /* mentions known already */
    int dead;       /* entries kept as dead letters (unreadable, or refused by inbound) */
} ing_feed_tally_t;

/* Claims the due feed waiting longest (enabled, next_poll_at passed, no
   live lease) for lease_s seconds into *f. 1 claimed, 0 none due, -1 a
   database error. */
int ing_feed_claim(hd_db_t *db, int lease_s, ing_feed_t *f);

/* Frees what a claim allocated in f; safe twice. */
void ing_feed_release(ing_feed_t *f);

/* Records a page in one transaction: each item not skipped as a mention
   (author: the item's, else the page's title, else the feed's id), the
   bad entries and the items inbound refuses (422) as dead letters of
   source "feed:<id>" (peer: url, the request made), then the cursor
   (cursor), the validators (etag / last_modified, NULL or "": none kept),
   the feed's success (failures 0, last_ok_at, items_total, last_item_at
   and the newest item's delay) and what follows (next). f's cursor and
   lease follow. ING_FEED_OK; ING_FEED_LOST when the feed is gone or its
   lease or cursor is no longer f's (nothing written); ING_FEED_DATABASE
   (nothing written). An empty page (a 304) records only the success. */
ing_feed_outcome_t ing_feed_commit_page(hd_db_t *db, ing_feed_t *f, const char *url,
                                        const ing_feed_page_t *page, const char *cursor,
                                        const char *etag, const char *last_modified,
                                        ing_feed_next_t next, int lease_s, ing_feed_tally_t *tally);

/* Records a failed poll in one transaction: raw (raw_len bytes; NULL:
   nothing came back) as a dead letter of source "feed:<id>" with the
   reason error (peer: url), failures + 1, last_error = error, the next
   poll in wait_ms, the lease released, the cursor kept. 0; 1 when the
   feed is gone or no longer f's (nothing written); -1 a database error. */
int ing_feed_commit_failure(hd_db_t *db, const ing_feed_t *f, const char *url, const char *error,
                            const char *raw, size_t raw_len, long long wait_ms);

/* One enabled feed's figures for /metrics. */
typedef struct {
    char id[64];
    double lag_s; /* since its last successful poll (never: since it was made) */
    int failures;
} ing_feed_figure_t;

/* The enabled feeds' figures (at most max) into out. The count, or -1. */
int ing_feed_figures(hd_db_t *db, ing_feed_figure_t *out, int max);

#endif
