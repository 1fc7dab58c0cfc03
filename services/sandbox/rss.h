/*  rss: the RSS 2.0 feeds Mastodon serves, for feed readers and for
    huddle's RSS listening feeds:
      GET /@{handle}.rss   an account's public and unlisted statuses, replies
                           left out but those continuing its own thread
                           (AccountsController#show as rss)
      GET /tags/{tag}.rss  a hashtag's public statuses (TagsController)
    Newest first; ?limit= 20 by default, at most 200 (a negative or
    non-number limit lists none); an account nobody has, or a tag no
    status ever carried, is 404. The channel and its items as Mastodon's
    RSS::Builder writes them (docs/sandbox.md), written with libxml2's
    xmlTextWriter, which escapes; characters XML 1.0 does not allow are
    left out. Content-Type application/rss+xml; charset=utf-8. */
#ifndef SB_RSS_H
#define SB_RSS_H

#include "api.h"

#include <stddef.h>

/* segment: the handle, or the tag, as the path holds it. */
void sb_rss_account(sb_api_t *api, hd_http_req_t *req, const char *segment);
void sb_rss_tag(sb_api_t *api, hd_http_req_t *req, const char *segment);

/* The channel of a feed. Strings borrowed. */
typedef struct {
    const char *title, *description, *link;
    const char *image; /* the account's avatar URL; NULL: a tag's feed (no image) */
    int tag_feed;      /* items get a title (their date), categories the tag names */
} sb_rss_channel_t;

/* The feed's XML with the statuses at the store positions pos (n, newest
   first). A new string, the caller's to free; NULL if libxml2 fails. */
char *sb_rss_render(const sb_view_t *v, const sb_rss_channel_t *ch, const size_t *pos, size_t n);

#endif
