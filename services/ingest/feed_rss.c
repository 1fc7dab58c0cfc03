/*  feed_rss: RSS 2.0 and Atom with libxml2 (see feed_rss.h). */
#include "feed_rss.h"

#include "feed_html.h"
#include "hd_mem.h"
#include "rfc3339.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATOM_NS "http://www.w3.org/2005/Atom"
#define DC_NS "http://purl.org/dc/elements/1.1/"
#define CONTENT_NS "http://purl.org/rss/1.0/modules/content/"

/* Whether n is the element `name` in namespace ns (NULL: none). */
static int is(const xmlNode *n, const char *ns, const char *name) {
    if (!n || n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, name) != 0)
        return 0;
    if (!ns)
        return n->ns == NULL;
    return n->ns && n->ns->href && strcmp((const char *)n->ns->href, ns) == 0;
}

/* The first child element of n named name in ns, or NULL. */
static xmlNode *child(const xmlNode *n, const char *ns, const char *name) {
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (is(c, ns, name))
            return c;
    return NULL;
}

/* The text content of n, trimmed (the caller frees); NULL when n is NULL
   or its text is empty. */
static char *text_of(const xmlNode *n) {
    if (!n)
        return NULL;
    xmlChar *x = xmlNodeGetContent(n);
    char *t = ing_feed_text_cut(x ? (const char *)x : "", SIZE_MAX);
    xmlFree(x);
    if (!*t) {
        free(t);
        return NULL;
    }
    return t;
}

/* The readable text of n: its text, through the HTML parser when html. */
static char *readable(const xmlNode *n, int html) {
    char *t = text_of(n);
    if (!t || !html)
        return t;
    char *plain = ing_feed_html_text(t, strlen(t));
    free(t);
    if (plain && !*plain) {
        free(plain);
        plain = NULL;
    }
    return plain;
}

/* Atom's text construct (RFC 4287 3.1): type html is escaped HTML. */
static char *atom_text(const xmlNode *n) {
    xmlChar *type = n ? xmlGetProp(n, (const xmlChar *)"type") : NULL;
    int html = type && strcmp((const char *)type, "html") == 0;
    xmlFree(type);
    return readable(n, html);
}

/* title, a blank line, body (either may be NULL; both taken): the item's
   text, cut to ING_FEED_TEXT_MAX, or NULL when there is none. */
static char *join(char *title, char *body) {
    size_t n = (title ? strlen(title) : 0) + (body ? strlen(body) : 0) + 3;
    char *all = hd_malloc(n);
    snprintf(all, n, "%s%s%s", title ? title : "", title && body ? "\n\n" : "", body ? body : "");
    free(title);
    free(body);
    char *cut = ing_feed_text_cut(all, ING_FEED_TEXT_MAX);
    free(all);
    if (!*cut) {
        free(cut);
        return NULL;
    }
    return cut;
}

/* The item as XML, for its dead letter. */
static void bad_item(ing_feed_page_t *page, xmlNode *n, const char *ext, const char *why) {
    xmlBufferPtr buf = xmlBufferCreate();
    if (buf && xmlNodeDump(buf, n->doc, n, 0, 0) >= 0)
        ing_feed_page_bad(page, (const char *)xmlBufferContent(buf), (size_t)xmlBufferLength(buf),
                          NULL, ext, "%s", why);
    else
        ing_feed_page_bad(page, "", 0, NULL, ext, "%s", why);
    xmlBufferFree(buf);
}

/* Takes it's fields (ext and text must be there) or makes n a bad entry. */
static void keep(ing_feed_page_t *page, xmlNode *n, char *ext, char *text, char *author, char *url,
                 long long posted) {
    if (!ext || !text) {
        bad_item(page, n, ext, !ext ? "the item has no id (guid or link)" : "the item has no text");
        free(ext);
        free(text);
        free(author);
        free(url);
        return;
    }
    ing_feed_item_t *it = ing_feed_page_add(page);
    it->external_id = ext;
    it->text = text;
    it->author = author;
    it->url = url;
    it->posted_at_ms = posted;
}

static void rss_item(ing_feed_page_t *page, xmlNode *item) {
    char *link = text_of(child(item, NULL, "link")), *ext = text_of(child(item, NULL, "guid"));
    if (!ext && link)
        ext = hd_strdup(link);
    xmlNode *desc = child(item, NULL, "description");
    char *body = readable(desc ? desc : child(item, CONTENT_NS, "encoded"), 1);
    char *text = join(text_of(child(item, NULL, "title")), body);
    char *author = text_of(child(item, DC_NS, "creator"));
    if (!author)
        author = text_of(child(item, NULL, "author"));
    char *date = text_of(child(item, NULL, "pubDate"));
    long long posted = 0;
    if (!date || ing_feed_rfc822_ms(date, &posted) < 0)
        posted = 0;
    free(date);
    keep(page, item, ext, text, author, link, posted);
}

/* The alternate link of an Atom entry (rel absent or "alternate"). */
static char *atom_link(xmlNode *entry) {
    for (xmlNode *c = entry->children; c; c = c->next) {
        if (!is(c, ATOM_NS, "link"))
            continue;
        xmlChar *rel = xmlGetProp(c, (const xmlChar *)"rel");
        xmlChar *href = xmlGetProp(c, (const xmlChar *)"href");
        int alt = !rel || strcmp((const char *)rel, "alternate") == 0;
        char *out = alt && href && *href ? hd_strdup((const char *)href) : NULL;
        xmlFree(rel);
        xmlFree(href);
        if (out)
            return out;
    }
    return NULL;
}

static void atom_entry(ing_feed_page_t *page, xmlNode *feed, xmlNode *entry) {
    char *ext = text_of(child(entry, ATOM_NS, "id"));
    xmlNode *sum = child(entry, ATOM_NS, "summary");
    char *body = atom_text(sum ? sum : child(entry, ATOM_NS, "content"));
    char *text = join(atom_text(child(entry, ATOM_NS, "title")), body);
    char *author = text_of(child(child(entry, ATOM_NS, "author"), ATOM_NS, "name"));
    if (!author)
        author = text_of(child(child(feed, ATOM_NS, "author"), ATOM_NS, "name"));
    char *date = text_of(child(entry, ATOM_NS, "published"));
    if (!date)
        date = text_of(child(entry, ATOM_NS, "updated"));
    long long posted = 0;
    if (!date || ing_rfc3339_ms(date, &posted) < 0)
        posted = 0;
    free(date);
    keep(page, entry, ext, text, author, atom_link(entry), posted);
}

/* Reads the document's items; -1 (why) when it is neither kind. */
static int read_doc(xmlDoc *doc, ing_feed_page_t *page, char *why, size_t n) {
    xmlNode *root = xmlDocGetRootElement(doc);
    if (doc->intSubset && (doc->intSubset->entities || doc->intSubset->pentities)) {
        snprintf(why, n, "the document declares entities (not expanded: refused)");
        return -1;
    }
    if (is(root, NULL, "rss") && child(root, NULL, "channel")) {
        xmlNode *channel = child(root, NULL, "channel");
        page->title = text_of(child(channel, NULL, "title"));
        for (xmlNode *c = channel->children; c; c = c->next)
            if (is(c, NULL, "item")) {
                page->entries++;
                rss_item(page, c);
            }
        return 0;
    }
    if (is(root, ATOM_NS, "feed")) {
        page->title = atom_text(child(root, ATOM_NS, "title"));
        for (xmlNode *c = root->children; c; c = c->next)
            if (is(c, ATOM_NS, "entry")) {
                page->entries++;
                atom_entry(page, root, c);
            }
        return 0;
    }
    snprintf(why, n, "not an RSS 2.0 or Atom document (its root element is <%.64s>)",
             root ? (const char *)root->name : "none");
    return -1;
}

int ing_feed_rss_parse(const char *body, size_t len, ing_feed_page_t *page, char *why,
                       size_t why_len) {
    ing_feed_xml_init();
    xmlDoc *doc = body && len <= INT_MAX
                      ? xmlReadMemory(body, (int)len, NULL, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                          XML_PARSE_NOCDATA)
                      : NULL;
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        snprintf(why, why_len, "not well-formed XML%s%.200s", e && e->message ? ": " : "",
                 e && e->message ? e->message : "");
        why[strcspn(why, "\n")] = 0;
        return -1;
    }
    int rc = read_doc(doc, page, why, why_len);
    xmlFreeDoc(doc);
    if (rc < 0)
        ing_feed_page_clear(page);
    return rc;
}
