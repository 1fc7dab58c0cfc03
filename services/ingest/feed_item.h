/*  feed_item: one page a listening feed pulled, as its parsers
    (feed_mastodon.h, feed_rss.h) leave it for the runner: the entries
    that are mentions, each with the fields of a mention (inbound.h), and
    the entries that could not be read, each with its raw bytes and the
    reason, to be kept as a dead letter while the rest are recorded. A
    page owns every string in it. */
#ifndef ING_FEED_ITEM_H
#define ING_FEED_ITEM_H

#include <stddef.h>

/* The longest mention text recorded (inbound.c refuses more): a longer
   one is cut at a character boundary, never refused. */
#define ING_FEED_TEXT_MAX 10000

typedef struct {
    char *external_id;      /* the channel's id of the post: the mention id derives from it */
    char *cursor_id;        /* mastodon: the entry's id the cursor moves past (NULL: rss) */
    char *author;           /* handle (mastodon acct) or name; NULL: the runner's fallback */
    char *text;             /* plain text, at most ING_FEED_TEXT_MAX bytes */
    char *url;              /* may be NULL */
    char *in_reply_to;      /* mastodon in_reply_to_id; NULL: none */
    long long posted_at_ms; /* by the channel; 0 unknown */
    int skip;               /* rss: older than the cursor, passed over (ing_feed_rss_take) */
} ing_feed_item_t;

typedef struct {
    char *raw; /* the entry as received (a JSON or XML fragment) */
    size_t raw_len;
    char *cursor_id;   /* its place, when it has a readable id (the cursor passes it) */
    char *external_id; /* when it has one: the dead letter is correlated with its mention */
    char reason[256];
} ing_feed_bad_t;

typedef struct {
    ing_feed_item_t *items;
    size_t n, cap;
    ing_feed_bad_t *bad;
    size_t nbad, badcap;
    size_t entries; /* every entry of the page: items, bad ones and those not wanted */
    char *newest;   /* mastodon: the newest cursor id of every entry (NULL: none) */
    char *title;    /* rss: the feed's own title (an author for items without one) */
} ing_feed_page_t;

/* Appends an empty item to page and returns it (borrowed). */
ing_feed_item_t *ing_feed_page_add(ing_feed_page_t *page);

/* Appends a bad entry: raw (len bytes, copied), its ids (may be NULL,
   copied) and the reason (printf). */
void ing_feed_page_bad(ing_feed_page_t *page, const char *raw, size_t len, const char *cursor_id,
                       const char *external_id, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Drops the last item added (it turned out bad). */
void ing_feed_page_drop_last(ing_feed_page_t *page);

/* Frees everything page holds and empties it; safe twice. */
void ing_feed_page_clear(ing_feed_page_t *page);

/* A copy of s cut to at most max bytes at a UTF-8 character boundary
   (s is UTF-8), with leading and trailing white space removed; the
   caller frees it. Pure. */
char *ing_feed_text_cut(const char *s, size_t max);

/* Milliseconds since the epoch of an RSS date (RFC 822 as RFC 1123 and
   RSS 2.0 use it: "[Sat, ]07 Sep 2002 00:00:01 GMT", a two- or
   four-digit year, seconds optional, zones GMT, UT, UTC, Z, the US zones
   EST, EDT, CST, CDT, MST, MDT, PST, PDT, or +hhmm / -hhmm) into *ms. 0, or -1 for
   anything else. Pure. */
int ing_feed_rfc822_ms(const char *s, long long *ms);

#endif
