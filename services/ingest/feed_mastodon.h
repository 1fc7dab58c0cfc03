/*  feed_mastodon: a page of the Mastodon API as a feed's page
    (feed_item.h). Mastodon's own shapes (docs.joinmastodon.org): GET
    /api/v1/notifications answers an array of Notification {id, type,
    created_at, account, status}; GET /api/v1/timelines/tag/:hashtag an
    array of Status {id, created_at, in_reply_to_id, content (HTML),
    spoiler_text, url, uri, account {acct}}. Ids are strings (an integer is
    taken too). A mention is a status: its id is the mention's external id
    (what a reply's in_reply_to_id names), its author the account's acct,
    its text the content's text (feed_html.h) after the content warning,
    if any. The cursor moves by the notification's id (mentions) or the
    status's (tag). Pure. */
#ifndef ING_FEED_MASTODON_H
#define ING_FEED_MASTODON_H

#include "feed_item.h"
#include "feed_plan.h"

#include <stddef.h>

/* Reads the len bytes of body, the answer of kind k (a mastodon kind)
   into page (empty before; the caller clears it). An entry that is not
   what it should be (no id, no status, no account, a content without
   text) goes to page->bad with its raw JSON and the reason; a
   notification of another type than mention is counted and passed over.
   0, or -1 when the body is not a JSON array at all (why says so, len
   bytes; page left empty). */
int ing_feed_mastodon_parse(ing_feed_kind_t k, const char *body, size_t len, ing_feed_page_t *page,
                            char *why, size_t why_len);

/* Whether an answer to a hashtag timeline says the hashtag does not exist
   (yet): Mastodon's 404 {"error": "Record not found"}. Nobody has used it:
   a page with nothing in it, not a failure. Any other 404 (a server that
   is not Mastodon, a wrong base URL) is not this. */
int ing_feed_mastodon_no_tag(int status, const char *body, size_t len);

#endif
