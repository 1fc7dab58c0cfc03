/*  feed_mastodon: Mastodon pages (see feed_mastodon.h). */
#include "feed_mastodon.h"

#include "feed_html.h"
#include "hd_mem.h"
#include "rfc3339.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An id member (string, or an integer as Mastodon's older servers and
   some clones send) into buf; NULL when absent, empty or another type. */
static const char *id_of(json_t *o, const char *name, char *buf, size_t n) {
    json_t *v = json_object_get(o, name);
    if (json_is_string(v) && json_string_length(v) > 0)
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
    }
    return NULL;
}

static const char *str_of(json_t *o, const char *name) {
    json_t *v = json_object_get(o, name);
    return json_is_string(v) && json_string_length(v) > 0 ? json_string_value(v) : NULL;
}

/* The status's text: its content warning, a blank line, its content's
   text (cut to ING_FEED_TEXT_MAX); NULL when the content is not HTML
   libxml2 can read. */
static char *status_text(json_t *status) {
    const char *html = str_of(status, "content"), *cw = str_of(status, "spoiler_text");
    char *body = ing_feed_html_text(html ? html : "", html ? strlen(html) : 0);
    if (!body)
        return NULL;
    char *all = body;
    if (cw) {
        size_t n = strlen(cw) + strlen(body) + 3;
        all = hd_malloc(n);
        snprintf(all, n, "%s%s%s", cw, *body ? "\n\n" : "", body);
        free(body);
    }
    char *cut = ing_feed_text_cut(all, ING_FEED_TEXT_MAX);
    free(all);
    return cut;
}

/* Fills it from a status; the reason it cannot be a mention (why), or 0. */
static int read_status(json_t *status, ing_feed_item_t *it, char *why, size_t n) {
    char idbuf[32], replybuf[32];
    const char *id = json_is_object(status) ? id_of(status, "id", idbuf, sizeof idbuf) : NULL;
    const char *acct = str_of(json_object_get(status, "account"), "acct");
    if (!id || !acct) {
        snprintf(why, n, "%s",
                 !json_is_object(status) ? "no status object"
                 : !id                   ? "the status has no id"
                                         : "the status has no account.acct");
        return -1;
    }
    char *text = status_text(status);
    if (!text || !*text) {
        snprintf(why, n, "status %s has no text in its content", id);
        free(text);
        return -1;
    }
    const char *url = str_of(status, "url"), *created = str_of(status, "created_at");
    const char *reply = id_of(status, "in_reply_to_id", replybuf, sizeof replybuf);
    it->external_id = hd_strdup(id);
    it->author = hd_strdup(acct);
    it->text = text;
    url = url ? url : str_of(status, "uri");
    it->url = url ? hd_strdup(url) : NULL;
    it->in_reply_to = reply ? hd_strdup(reply) : NULL;
    if (!created || ing_rfc3339_ms(created, &it->posted_at_ms) < 0)
        it->posted_at_ms = 0; /* unknown: the mention is kept, its delay is not measured */
    return 0;
}

/* Keeps the newest cursor id of the page. */
static void saw(ing_feed_page_t *page, const char *cursor_id) {
    if (cursor_id && (!page->newest || ing_feed_id_cmp(cursor_id, page->newest) > 0)) {
        free(page->newest);
        page->newest = hd_strdup(cursor_id);
    }
}

static void bad(ing_feed_page_t *page, json_t *entry, const char *cursor_id, const char *ext,
                const char *why) {
    char *raw = json_dumps(entry, JSON_COMPACT | JSON_ENCODE_ANY);
    ing_feed_page_bad(page, raw ? raw : "", raw ? strlen(raw) : 0, cursor_id, ext, "%s", why);
    free(raw);
}

/* One entry of the array: a notification (mentions) or a status (tag). */
static void read_entry(ing_feed_kind_t k, json_t *entry, ing_feed_page_t *page) {
    char cbuf[32], why[200], sbuf[32];
    int mentions = k == ING_FEED_MASTODON_MENTIONS;
    const char *cursor_id = json_is_object(entry) ? id_of(entry, "id", cbuf, sizeof cbuf) : NULL;
    json_t *status = mentions ? json_object_get(entry, "status") : entry;
    const char *ext = json_is_object(status) ? id_of(status, "id", sbuf, sizeof sbuf) : NULL;
    page->entries++;
    saw(page, cursor_id);
    if (!cursor_id) {
        bad(page, entry, NULL, ext,
            mentions ? "the notification has no id" : "the status has no id");
        return;
    }
    const char *type = mentions ? str_of(entry, "type") : "mention";
    if (!type) {
        bad(page, entry, cursor_id, ext, "the notification has no type");
        return;
    }
    if (strcmp(type, "mention") != 0)
        return; /* asked for mentions only; a server that sends more is passed over */
    ing_feed_item_t *it = ing_feed_page_add(page);
    if (read_status(status, it, why, sizeof why) < 0) {
        ing_feed_page_drop_last(page);
        bad(page, entry, cursor_id, ext, why);
        return;
    }
    it->cursor_id = hd_strdup(cursor_id);
}

int ing_feed_mastodon_parse(ing_feed_kind_t k, const char *body, size_t len, ing_feed_page_t *page,
                            char *why, size_t why_len) {
    json_error_t err;
    json_t *j = body ? json_loadb(body, len, 0, &err) : NULL;
    if (!j || !json_is_array(j)) {
        if (!j)
            snprintf(why, why_len, "the answer is not JSON: %s at line %d column %d",
                     body ? err.text : "empty", body ? err.line : 0, body ? err.column : 0);
        else
            snprintf(why, why_len, "the answer is JSON but not an array of %s",
                     k == ING_FEED_MASTODON_MENTIONS ? "notifications" : "statuses");
        json_decref(j);
        return -1;
    }
    size_t i;
    json_t *entry;
    json_array_foreach(j, i, entry) read_entry(k, entry, page);
    json_decref(j);
    return 0;
}

int ing_feed_mastodon_no_tag(int status, const char *body, size_t len) {
    json_t *j = status == 404 && body ? json_loadb(body, len, 0, NULL) : NULL;
    const char *e = json_string_value(json_object_get(j, "error"));
    int none = e && strcmp(e, "Record not found") == 0;
    json_decref(j);
    return none;
}
