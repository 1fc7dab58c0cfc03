/*  feed_html: the text a person reads in an HTML fragment (a Mastodon
    status's content, an RSS description), parsed by libxml2's HTML
    parser, never by hand: entities decoded, tags dropped, white space
    collapsed as a browser does, a line break for <br>, a blank line
    between paragraphs, list items and other blocks, nothing of <script>
    or <style>. */
#ifndef ING_FEED_HTML_H
#define ING_FEED_HTML_H

#include <stddef.h>

/* The text of the len bytes of UTF-8 HTML at html, trimmed; the caller
   frees it. "" for a fragment without text, NULL when libxml2 cannot
   make a document of it at all. Safe on any thread (libxml2 is set up
   once here). */
char *ing_feed_html_text(const char *html, size_t len);

/* Sets libxml2 up for use from several threads; called by
   ing_feed_html_text and the XML parser (feed_rss.c) themselves, and
   once by main before threads start. */
void ing_feed_xml_init(void);

#endif
