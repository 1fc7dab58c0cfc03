/*  feed_rss: an RSS 2.0 or Atom (RFC 4287) document as a feed's page
    (feed_item.h), parsed with libxml2 (no network, no entity expansion: a
    document declaring entities is refused). The kind is told by the root
    element: <rss> with <channel><item>s, or Atom's <feed> with <entry>s.
    An item's external id is its guid (RSS; else its link) or id (Atom);
    its text the title, a blank line, and the text of its description
    (RSS; else content:encoded) or summary (Atom; else content), HTML
    turned to text (feed_html.h); its author dc:creator or author (RSS),
    author/name (Atom, else the feed's); its time pubDate (RFC 822) or
    published (else updated, RFC 3339). Pure. */
#ifndef ING_FEED_RSS_H
#define ING_FEED_RSS_H

#include "feed_item.h"

#include <stddef.h>

/* Reads the len bytes of body into page (empty before; the caller clears
   it): every item or entry, in document order, those without an id or
   text in page->bad with their XML. 0, or -1 when body is not an RSS 2.0
   or Atom document (why says what it is, why_len bytes; page left
   empty). */
int ing_feed_rss_parse(const char *body, size_t len, ing_feed_page_t *page, char *why,
                       size_t why_len);

#endif
