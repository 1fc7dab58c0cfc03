/*  feed_plan: the decisions of a listening feed (docs/feeds.md), as pure
    functions: its kinds and the outcomes of a poll (named, with one name
    table each), the request a poll makes, where the cursor goes after a
    page and whether to ask for the next one, which RSS items are old
    enough to skip, and how long to wait after a failure (exponential
    backoff with jitter, capped). The runner (feed_runner.h) does the I/O
    around them. */
#ifndef ING_FEED_PLAN_H
#define ING_FEED_PLAN_H

#include <stddef.h>

typedef enum {
    ING_FEED_MASTODON_MENTIONS = 0, /* GET /api/v1/notifications?types[]=mention (the account's) */
    ING_FEED_MASTODON_TAG,          /* GET /api/v1/timelines/tag/:tag (public) */
    ING_FEED_RSS,                   /* RSS 2.0 or Atom, detected */
    ING_FEED_KINDS
} ing_feed_kind_t;

/* The kind's name ("mastodon-mentions"), NULL for none. */
const char *ing_feed_kind_name(ing_feed_kind_t k);

/* The kind named s; -1 when none is. */
int ing_feed_kind_parse(const char *s);

/* What one poll of a feed came to (huddle_feed_polls_total{outcome}). */
typedef enum {
    ING_FEED_OK = 0,        /* a page (or several) recorded */
    ING_FEED_NOT_MODIFIED,  /* rss: 304, nothing new */
    ING_FEED_HTTP_ERROR,    /* an answer other than 200 (or 304) */
    ING_FEED_NO_ANSWER,     /* no answer: timeout, refused connection, too large */
    ING_FEED_GARBAGE,       /* a 200 whose body is not a page of its kind */
    ING_FEED_NO_CREDENTIAL, /* mastodon-mentions: no account, or its credential does not open */
    ING_FEED_LOST,          /* the feed changed or was taken over while polled: nothing written */
    ING_FEED_DATABASE,      /* the database failed: nothing written */
    ING_FEED_OUTCOMES
} ing_feed_outcome_t;

/* The outcome's name ("http_error"). */
const char *ing_feed_outcome_name(ing_feed_outcome_t o);

/* Whether the outcome counts as a failure of the feed (failures + 1,
   backoff, last_error). LOST and DATABASE are huddle's own troubles:
   nothing is recorded for them, the lease runs out and the feed is polled
   again. */
int ing_feed_outcome_fails(ing_feed_outcome_t o);

/* Entries asked for per page of a Mastodon feed (its default of 40: the
   most a tag timeline gives). */
#define ING_FEED_PAGE_LIMIT 40

/* The longest wait after failures, in seconds. */
#define ING_FEED_BACKOFF_MAX_S 3600

/* The request of a poll into out (n bytes): base (the Mastodon server,
   with or without a trailing slash; rss: the feed's URL, used as it is),
   tag (mastodon-tag), cursor (mastodon: the newest id taken, "" for none:
   the first poll takes the newest page). The tag and cursor are
   percent-encoded. 0, or -1 when it does not fit. */
int ing_feed_request_url(ing_feed_kind_t k, const char *base, const char *tag, const char *cursor,
                         char *out, size_t n);

/* Orders two Mastodon ids: numeric strings by value (any length: ids are
   64-bit snowflakes as text, a small server's are short), anything else
   by bytes. <0, 0, >0. */
int ing_feed_id_cmp(const char *a, const char *b);

/* After a Mastodon page of `entries` entries whose newest id (the
   cursor ids: notification ids, or status ids of a tag; NULL: none had
   one) is newest: the cursor (the newest id seen, never older than
   cursor) into out (len bytes), and whether to ask for the next page at
   once: a full page (entries == ING_FEED_PAGE_LIMIT) read from a cursor,
   that moved the cursor. The first page (cursor "") is the newest one:
   nothing newer to follow. Returns 1 to ask for the next page, 0 not, -1
   when the cursor does not fit in out (out then holds the old one). */
int ing_feed_mastodon_next(const char *cursor, const char *newest, size_t entries, char *out,
                           size_t len);

/* RSS: whether an item posted at posted_ms is recorded when the cursor
   (the newest item time taken, ms; 0 none) is cursor_ms: items older than
   the cursor are skipped; an item of the cursor's own time or without a
   time (0) is recorded, its duplicate falls to the mention id. */
int ing_feed_rss_take(long long posted_ms, long long cursor_ms);

/* The wait before the next poll after the failures-th failure in a row
   (failures >= 1), in ms: interval_s x 2^failures, at most
   ING_FEED_BACKOFF_MAX_S, of which the last quarter is jitter
   (jitter01 in [0, 1): 0 waits three quarters of it, almost 1 all of it),
   so that feeds failing together spread out. Never less than 1 s. */
long long ing_feed_backoff_ms(int interval_s, int failures, double jitter01);

#define ING_FEED_ID_LEN 58 /* "feed:<id>" names its dead letters' source */

/* What is wrong with an id for a feed (NULL: nothing): a slug
   (config_check.h's) of at most ING_FEED_ID_LEN bytes. Pure. */
const char *ing_feed_check_id(const char *id);

/* What is wrong with a feed's settings of kind k (url, tag, account: its
   url, tag and account_department, NULL or "" for none), as a sentence
   into why (n bytes) naming the member at fault in *field; 0 when
   nothing is: rss needs its url (http or https) and has neither tag nor
   account; mastodon-tag needs its tag (1 to 100 letters, digits or '_',
   without '#') and has no account; mastodon-mentions needs its account
   and has no tag; a mastodon url may be "" (its channel's base URL).
   Pure. */
int ing_feed_check(ing_feed_kind_t k, const char *url, const char *tag, const char *account,
                   char *why, size_t n, const char **field);

#endif
