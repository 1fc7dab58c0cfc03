/*  rss: an account's and a hashtag's RSS 2.0 feed (see rss.h). */
#include "rss.h"

#include "hd_mem.h"
#include "paging.h"
#include "reads.h"
#include "strbuf.h"
#include "text.h"

#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RSS_LIMIT 20
#define RSS_LIMIT_MAX 200

/* s without what XML 1.0 does not allow (C0 controls but tab, newline and
   carriage return; U+FFFE, U+FFFF). A new string. */
static char *xml_clean(const char *s) {
    size_t n = strlen(s), o = 0;
    char *out = hd_malloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            continue;
        if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBF &&
            ((unsigned char)s[i + 2] == 0xBE || (unsigned char)s[i + 2] == 0xBF)) {
            i += 2;
            continue;
        }
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return out;
}

static void element(xmlTextWriterPtr w, const char *name, const char *text) {
    char *clean = xml_clean(text);
    xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST clean);
    free(clean);
}

/* A created_at (RFC 3339, UTC) in `fmt` (strftime, UTC); "" if unreadable. */
static void date_as(const char *created_at, const char *fmt, char *out, size_t len) {
    struct tm tm = {0};
    out[0] = '\0';
    if (!created_at || sscanf(created_at, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
                              &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm); /* fills the weekday */
    gmtime_r(&t, &tm);
    strftime(out, len, fmt, &tm);
}

#define RFC822 "%a, %d %b %Y %H:%M:%S +0000"

/* A status's categories: its hashtags, each once; a tag's feed names
   them as Mastodon stores them (lower case), an account's as written. */
static void categories(xmlTextWriterPtr w, const char *text, int normalized) {
    size_t n = 0;
    sb_text_entity_t *e = sb_text_entities(text, &n);
    char **seen = hd_calloc(n + 1, sizeof *seen);
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        if (e[i].kind != SB_TEXT_HASHTAG)
            continue;
        char *norm = sb_text_tag_normalize(text + e[i].name, e[i].name_len);
        int dup = 0;
        for (size_t k = 0; k < ns && !dup; k++)
            dup = strcmp(seen[k], norm) == 0;
        if (dup) {
            free(norm);
            continue;
        }
        char *written = hd_strndup(text + e[i].name, e[i].name_len);
        element(w, "category", normalized ? norm : written);
        free(written);
        seen[ns++] = norm;
    }
    for (size_t k = 0; k < ns; k++)
        free(seen[k]);
    free(seen);
    free(e);
}

static void item(xmlTextWriterPtr w, const sb_view_t *v, const sb_rss_channel_t *ch,
                 const sb_post_t *p) {
    char date[64];
    sb_strbuf_t url = {0};
    sb_strbuf_puts(&url, v->base_url);
    sb_strbuf_puts(&url, "/@");
    sb_strbuf_puts(&url, p->acct);
    sb_strbuf_puts(&url, "/");
    sb_strbuf_puts(&url, p->id);
    xmlTextWriterStartElement(w, BAD_CAST "item");
    if (ch->tag_feed) { /* l(status.created_at): the en locale's default time format */
        date_as(p->created_at, "%b %d, %Y, %H:%M", date, sizeof date);
        element(w, "title", date);
    }
    xmlTextWriterStartElement(w, BAD_CAST "guid");
    xmlTextWriterWriteAttribute(w, BAD_CAST "isPermaLink", BAD_CAST "true");
    xmlTextWriterWriteString(w, BAD_CAST url.s);
    xmlTextWriterEndElement(w);
    element(w, "link", url.s);
    date_as(p->created_at, RFC822, date, sizeof date);
    element(w, "pubDate", date);
    char *html = sb_text_html(p->content, v->base_url, sb_timeline_account, v->timeline);
    element(w, "description", html);
    free(html);
    categories(w, p->content, ch->tag_feed);
    xmlTextWriterEndElement(w);
    sb_strbuf_free(&url);
}

static void channel_head(xmlTextWriterPtr w, const sb_view_t *v, const sb_rss_channel_t *ch,
                         const size_t *pos, size_t n) {
    char date[64];
    element(w, "title", ch->title);
    element(w, "description", ch->description);
    element(w, "link", ch->link);
    if (ch->image) {
        xmlTextWriterStartElement(w, BAD_CAST "image");
        element(w, "url", ch->image);
        element(w, "title", ch->title);
        element(w, "link", ch->link);
        xmlTextWriterEndElement(w);
    }
    if (n > 0) {
        date_as(sb_store_at(v->store, pos[0])->created_at, RFC822, date, sizeof date);
        element(w, "lastBuildDate", date);
    }
    if (ch->image)
        element(w, "webfeeds:icon", ch->image);
    element(w, "generator", "huddle-sandbox");
}

char *sb_rss_render(const sb_view_t *v, const sb_rss_channel_t *ch, const size_t *pos, size_t n) {
    xmlBufferPtr buf = xmlBufferCreate();
    xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
    char *out = NULL;
    if (w && xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) >= 0) {
        xmlTextWriterStartElement(w, BAD_CAST "rss");
        xmlTextWriterWriteAttribute(w, BAD_CAST "version", BAD_CAST "2.0");
        xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns:webfeeds",
                                    BAD_CAST "http://webfeeds.org/rss/1.0");
        xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns:media",
                                    BAD_CAST "http://search.yahoo.com/mrss/");
        xmlTextWriterStartElement(w, BAD_CAST "channel");
        channel_head(w, v, ch, pos, n);
        for (size_t i = 0; i < n; i++)
            item(w, v, ch, sb_store_at(v->store, pos[i]));
        if (xmlTextWriterEndDocument(w) >= 0) {
            xmlFreeTextWriter(w); /* flushes into buf */
            w = NULL;
            out = hd_strdup((const char *)xmlBufferContent(buf));
        }
    }
    xmlFreeTextWriter(w);
    xmlBufferFree(buf);
    return out;
}

/* ---- the routes ---- */

/* ?limit: 20 when absent or empty, else its to_i, at most 200. */
static long rss_limit(hd_http_req_t *req, int *bad) {
    sb_query_t q;
    *bad = sb_query_parse(hd_http_req_query(req), &q) < 0;
    const char *v = *bad ? NULL : sb_query_get(&q, "limit");
    long n = v && *v ? sb_query_to_i(v) : RSS_LIMIT;
    sb_query_free(&q);
    return n < 0 ? 0 : n > RSS_LIMIT_MAX ? RSS_LIMIT_MAX : n;
}

/* The newest `limit` positions of list that keep(); into out. */
static size_t newest(const sb_poslist_t *list, size_t limit, int (*keep)(sb_api_t *, size_t),
                     sb_api_t *api, size_t *out) {
    size_t n = 0;
    for (size_t i = list->n; i-- > 0 && n < limit;)
        if (keep(api, list->pos[i]))
            out[n++] = list->pos[i];
    return n;
}

static void answer_feed(sb_api_t *api, hd_http_req_t *req, const sb_rss_channel_t *ch,
                        const sb_poslist_t *list, int (*keep)(sb_api_t *, size_t)) {
    int bad = 0;
    long limit = rss_limit(req, &bad);
    if (bad) {
        sb_api_error(req, 400, "the query does not decode to UTF-8 text without NUL bytes");
        return;
    }
    size_t *pos = hd_calloc((size_t)limit + 1, sizeof *pos);
    /* copied out first: rendering reads the timeline, which lends list */
    size_t n = newest(list, (size_t)limit, keep, api, pos);
    char *xml = sb_rss_render(&api->view, ch, pos, n);
    if (xml)
        hd_http_respond(req, 200, "application/rss+xml; charset=utf-8", xml, strlen(xml));
    else
        sb_api_error(req, 500, "the feed could not be written");
    free(xml);
    free(pos);
}

/* distributable_visibility, without replies but its own thread's */
static int account_item(sb_api_t *api, size_t pos) {
    const sb_post_t *p = sb_store_at(api->store, pos);
    const char *to = sb_timeline_reply_account(api->view.timeline, pos);
    return sb_store_visible(api->store, p) &&
           (!p->visibility || strcmp(p->visibility, "public") == 0 ||
            strcmp(p->visibility, "unlisted") == 0) &&
           (!p->in_reply_to_id || (to && strcmp(to, p->acct) == 0));
}

static int tag_item(sb_api_t *api, size_t pos) {
    const sb_post_t *p = sb_store_at(api->store, pos);
    return sb_store_visible(api->store, p) &&
           (!p->visibility || strcmp(p->visibility, "public") == 0);
}

/* The public URL's host (and port): what Mastodon calls its local domain. */
static const char *local_domain(const char *base_url) {
    const char *s = strstr(base_url, "://");
    return s ? s + 3 : base_url;
}

void sb_rss_account(sb_api_t *api, hd_http_req_t *req, const char *segment) {
    char *acct = sb_reads_segment(segment);
    if (!acct || !sb_timeline_known(api->view.timeline, acct)) {
        sb_api_not_found(req);
        free(acct);
        return;
    }
    char description[512], link[512], image[512];
    snprintf(description, sizeof description, "Public posts from @%s@%s", acct,
             local_domain(api->view.base_url));
    snprintf(link, sizeof link, "%s/@%s", api->view.base_url, acct);
    snprintf(image, sizeof image, "%s/avatars/original/missing.png", api->view.base_url);
    sb_rss_channel_t ch = {acct, description, link, image, 0};
    sb_poslist_t list = sb_timeline_authored(api->view.timeline, acct);
    answer_feed(api, req, &ch, &list, account_item);
    free(acct);
}

void sb_rss_tag(sb_api_t *api, hd_http_req_t *req, const char *segment) {
    char *name = sb_reads_segment(segment);
    char *tag = name ? sb_text_tag_normalize(name, strlen(name)) : NULL;
    int used = 0;
    sb_poslist_t list =
        tag ? sb_timeline_tagged(api->view.timeline, tag, &used) : (sb_poslist_t){0};
    if (!used) {
        sb_api_not_found(req);
    } else {
        char title[300], description[320];
        snprintf(title, sizeof title, "#%s", tag);
        snprintf(description, sizeof description, "Public posts tagged #%s", tag);
        sb_strbuf_t link = {0};
        sb_strbuf_puts(&link, api->view.base_url);
        sb_strbuf_puts(&link, "/tags/");
        sb_strbuf_add_segment(&link, tag, strlen(tag));
        sb_rss_channel_t ch = {title, description, link.s, NULL, 1};
        answer_feed(api, req, &ch, &list, tag_item);
        sb_strbuf_free(&link);
    }
    free(tag);
    free(name);
}
