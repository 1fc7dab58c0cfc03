/*  feed_html: HTML to text with libxml2 (see feed_html.h). The tree is
    walked without recursion, so a deeply nested fragment costs no stack. */
#include "feed_html.h"

#include "hd_mem.h"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

static void init_once(void) { xmlInitParser(); }

void ing_feed_xml_init(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_once);
}

/* The text being written: pending white space and line breaks are
   written only before the next visible character, so none leads or
   trails and runs collapse. */
typedef struct {
    char *s;
    size_t len, cap;
    int space;  /* a space is due */
    int breaks; /* line breaks due */
} text_t;

static void put(text_t *t, const char *p, size_t n) {
    t->s = hd_grow(t->s, &t->cap, t->len + n + 1, 1);
    memcpy(t->s + t->len, p, n);
    t->len += n;
    t->s[t->len] = 0;
}

static void put_visible(text_t *t, const char *p, size_t n) {
    if (t->len > 0 && t->breaks > 0)
        for (int i = 0; i < t->breaks; i++)
            put(t, "\n", 1);
    else if (t->len > 0 && t->space)
        put(t, " ", 1);
    t->breaks = 0;
    t->space = 0;
    put(t, p, n);
}

static void put_text(text_t *t, const char *s) {
    while (*s) {
        size_t ws = strspn(s, " \t\r\n\f");
        if (ws) {
            t->space = 1;
            s += ws;
            continue;
        }
        size_t run = strcspn(s, " \t\r\n\f");
        put_visible(t, s, run);
        s += run;
    }
}

static int is_block(const char *name) {
    static const char *const blocks[] = {
        "p",  "div",        "li",  "ul",    "ol",     "h1",         "h2",     "h3",
        "h4", "h5",         "h6",  "pre",   "table",  "tr",         "hr",     "section",
        "dl", "blockquote", "dd",  "dt",    "header", "footer",     "figure", "article",
        "td", "th",         "nav", "aside", "main",   "figcaption", NULL};
    for (size_t i = 0; blocks[i]; i++)
        if (strcasecmp(name, blocks[i]) == 0)
            return 1;
    return 0;
}

static int is_hidden(const char *name) {
    return strcasecmp(name, "script") == 0 || strcasecmp(name, "style") == 0 ||
           strcasecmp(name, "head") == 0 || strcasecmp(name, "template") == 0;
}

/* An element's start or end: a block wants a blank line around it. */
static void element_edge(text_t *t, xmlNode *n) {
    const char *name = (const char *)n->name;
    if (is_block(name) && t->breaks < 2)
        t->breaks = 2;
}

static void walk(text_t *t, xmlNode *root) {
    xmlNode *n = root;
    while (n) {
        int enter = 0;
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
            put_text(t, n->content ? (const char *)n->content : "");
        else if (n->type == XML_ELEMENT_NODE && strcasecmp((const char *)n->name, "br") == 0)
            t->breaks++;
        else if (n->type == XML_ELEMENT_NODE && !is_hidden((const char *)n->name)) {
            element_edge(t, n);
            enter = n->children != NULL;
        }
        if (enter) {
            n = n->children;
            continue;
        }
        while (n && n != root && !n->next) { /* climb, closing the elements left */
            n = n->parent;
            if (n && n->type == XML_ELEMENT_NODE)
                element_edge(t, n);
        }
        n = n && n != root ? n->next : NULL;
    }
}

char *ing_feed_html_text(const char *html, size_t len) {
    ing_feed_xml_init();
    if (len > INT_MAX)
        return NULL;
    if (len == 0)
        return hd_strdup("");
    htmlDocPtr doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
                                    HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                                        HTML_PARSE_NOWARNING | HTML_PARSE_NODEFDTD);
    if (!doc)
        return NULL;
    text_t t = {0};
    xmlNode *root = xmlDocGetRootElement(doc);
    if (root)
        walk(&t, root);
    xmlFreeDoc(doc);
    return t.s ? t.s : hd_strdup("");
}
