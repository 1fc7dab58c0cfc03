/*  entity: Account, Status and Notification as JSON (see entity.h). */
#include "entity.h"

#include "hd_mem.h"
#include "strbuf.h"
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *opt_string(const char *s) { return s ? json_string(s) : json_null(); }

/* The pieces (NULL-terminated) joined, as a new JSON string. */
static json_t *url_of(const char *base, ...) {
    sb_strbuf_t u = {0};
    va_list ap;
    va_start(ap, base);
    for (const char *p = base; p; p = va_arg(ap, const char *))
        sb_strbuf_puts(&u, p);
    va_end(ap);
    json_t *j = json_stringn(u.s, u.len);
    sb_strbuf_free(&u);
    return j;
}

/* ---- Account ---- */

/* The account's creation, which the sandbox does not record: the day of
   its first status (Mastodon shows an account's created_at at midnight),
   or the epoch when it has none. */
static json_t *account_created(const sb_view_t *v, const char *acct) {
    sb_poslist_t mine = sb_timeline_authored(v->timeline, acct);
    const sb_post_t *first = mine.n ? sb_store_at(v->store, mine.pos[0]) : NULL;
    char day[40] = "1970-01-01";
    if (first && first->created_at && strlen(first->created_at) >= 10)
        snprintf(day, sizeof day, "%.10s", first->created_at);
    strcat(day, "T00:00:00.000Z");
    return json_string(day);
}

/* The day of its newest live status, or null. */
static json_t *last_status_at(const sb_view_t *v, const char *acct) {
    sb_poslist_t mine = sb_timeline_authored(v->timeline, acct);
    for (size_t i = mine.n; i-- > 0;) {
        const sb_post_t *p = sb_store_at(v->store, mine.pos[i]);
        if (sb_store_visible(v->store, p) && p->created_at)
            return json_stringn(p->created_at, strlen(p->created_at) < 10 ? 0 : 10);
    }
    return json_null();
}

json_t *sb_entity_account(const sb_view_t *v, const char *acct) {
    char id[SB_ACCOUNT_ID_LEN];
    sb_account_id(acct, id);
    json_t *a = json_object();
    json_object_set_new(a, "id", json_string(id));
    json_object_set_new(a, "username", json_string(acct));
    json_object_set_new(a, "acct", json_string(acct));
    json_object_set_new(a, "display_name", json_string(acct));
    json_object_set_new(a, "locked", json_false());
    json_object_set_new(a, "bot", json_false());
    json_object_set_new(a, "discoverable", json_true());
    json_object_set_new(a, "group", json_false());
    json_object_set_new(a, "created_at", account_created(v, acct));
    json_object_set_new(a, "note", json_string(""));
    json_object_set_new(a, "url", url_of(v->base_url, "/@", acct, NULL));
    json_object_set_new(a, "uri", url_of(v->base_url, "/users/", acct, NULL));
    static const char *const images[] = {"avatar", "avatar_static", "header", "header_static"};
    for (size_t i = 0; i < 4; i++) /* Mastodon's defaults: the sandbox keeps no images */
        json_object_set_new(
            a, images[i],
            url_of(v->base_url, i < 2 ? "/avatars" : "/headers", "/original/missing.png", NULL));
    json_object_set_new(a, "followers_count", json_integer(0));
    json_object_set_new(a, "following_count", json_integer(0));
    json_object_set_new(a, "statuses_count",
                        json_integer((json_int_t)sb_timeline_live_count(v->timeline, acct)));
    json_object_set_new(a, "last_status_at", last_status_at(v, acct));
    json_object_set_new(a, "emojis", json_array());
    json_object_set_new(a, "fields", json_array());
    return a;
}

/* ---- Status ---- */

/* Status::Mention of each sandbox account the text names, and Status::Tag
   of each hashtag, each once, in the order of the text. */
static void mentions_and_tags(const sb_view_t *v, const char *text, json_t *mentions,
                              json_t *tags) {
    size_t n = 0;
    sb_text_entity_t *e = sb_text_entities(text, &n);
    for (size_t i = 0; i < n; i++) {
        const char *name = text + e[i].name;
        if (e[i].kind == SB_TEXT_MENTION && !e[i].remote) {
            const char *who = sb_timeline_account(v->timeline, name, e[i].name_len);
            size_t k;
            json_t *m;
            int seen = 0;
            json_array_foreach(mentions, k, m) seen |=
                strcmp(json_string_value(json_object_get(m, "acct")), who ? who : "") == 0;
            if (!who || seen)
                continue;
            char id[SB_ACCOUNT_ID_LEN];
            sb_account_id(who, id);
            json_array_append_new(mentions,
                                  json_pack("{s:s,s:s,s:o,s:s}", "id", id, "username", who, "url",
                                            url_of(v->base_url, "/@", who, NULL), "acct", who));
        } else if (e[i].kind == SB_TEXT_HASHTAG) {
            char *norm = sb_text_tag_normalize(name, e[i].name_len);
            size_t k;
            json_t *t;
            int seen = 0;
            json_array_foreach(tags, k, t) seen |=
                strcmp(json_string_value(json_object_get(t, "name")), norm) == 0;
            if (!seen) {
                sb_strbuf_t u = {0};
                sb_strbuf_puts(&u, v->base_url);
                sb_strbuf_puts(&u, "/tags/");
                sb_strbuf_add_segment(&u, norm, strlen(norm));
                json_array_append_new(tags,
                                      json_pack("{s:s,s:s%}", "name", norm, "url", u.s, u.len));
                sb_strbuf_free(&u);
            }
            free(norm);
        }
    }
    free(e);
}

/* Replies that count (Mastodon counts public and unlisted ones only). */
static long replies_count(const sb_view_t *v, size_t pos) {
    sb_poslist_t r = sb_timeline_replies(v->timeline, pos);
    long n = 0;
    for (size_t i = 0; i < r.n; i++) {
        const sb_post_t *p = sb_store_at(v->store, r.pos[i]);
        n += sb_store_visible(v->store, p) && p->visibility &&
             (strcmp(p->visibility, "public") == 0 || strcmp(p->visibility, "unlisted") == 0);
    }
    return n;
}

/* in_reply_to_id and in_reply_to_account_id */
static void thread_fields(const sb_view_t *v, const sb_post_t *post, json_t *s) {
    size_t pos = sb_store_pos(v->store, post);
    const char *to = sb_timeline_reply_account(v->timeline, pos);
    char id[SB_ACCOUNT_ID_LEN];
    if (to)
        sb_account_id(to, id);
    json_object_set_new(s, "in_reply_to_id", opt_string(post->in_reply_to_id));
    json_object_set_new(s, "in_reply_to_account_id", opt_string(to ? id : NULL));
}

json_t *sb_entity_status(const sb_view_t *v, const sb_post_t *post) {
    json_t *s = json_object();
    json_object_set_new(s, "id", json_string(post->id));
    json_object_set_new(s, "created_at", opt_string(post->created_at));
    thread_fields(v, post, s);
    json_object_set_new(s, "sensitive", json_false());
    json_object_set_new(s, "spoiler_text", json_string(""));
    json_object_set_new(s, "visibility",
                        json_string(post->visibility ? post->visibility : "public"));
    json_object_set_new(s, "language", json_null());
    json_object_set_new(s, "uri",
                        url_of(v->base_url, "/users/", post->acct, "/statuses/", post->id, NULL));
    json_object_set_new(s, "url", url_of(v->base_url, "/@", post->acct, "/", post->id, NULL));
    json_object_set_new(s, "replies_count",
                        json_integer(replies_count(v, sb_store_pos(v->store, post))));
    json_object_set_new(s, "reblogs_count", json_integer(0));
    json_object_set_new(s, "favourites_count", json_integer(0));
    json_object_set_new(s, "edited_at", json_null());
    char *html = sb_text_html(post->content, v->base_url, sb_timeline_account, v->timeline);
    json_object_set_new(s, "content", json_string(html));
    free(html);
    json_object_set_new(s, "reblog", json_null());
    json_object_set_new(s, "account", sb_entity_account(v, post->acct));
    json_object_set_new(s, "media_attachments", json_array());
    json_t *mentions = json_array(), *tags = json_array();
    mentions_and_tags(v, post->content, mentions, tags);
    json_object_set_new(s, "mentions", mentions);
    json_object_set_new(s, "tags", tags);
    json_object_set_new(s, "emojis", json_array());
    json_object_set_new(s, "card", json_null());
    json_object_set_new(s, "poll", json_null());
    json_object_set_new(s, "text", json_string(post->content));
    json_object_set_new(s, "idempotency_key", opt_string(post->idempotency_key));
    return s;
}

json_t *sb_entity_notification(const sb_view_t *v, const sb_post_t *post) {
    json_t *n = json_object();
    char group[64];
    snprintf(group, sizeof group, "ungrouped-%s", post->id);
    json_object_set_new(n, "id", json_string(post->id));
    json_object_set_new(n, "type", json_string("mention"));
    json_object_set_new(n, "created_at", opt_string(post->created_at));
    json_object_set_new(n, "group_key", json_string(group));
    json_object_set_new(n, "account", sb_entity_account(v, post->acct));
    json_object_set_new(n, "status", sb_entity_status(v, post));
    return n;
}

int sb_entity_visible(const sb_view_t *v, const sb_post_t *post, const char *viewer) {
    if (!sb_store_visible(v->store, post))
        return 0;
    const char *vis = post->visibility ? post->visibility : "public";
    if (strcmp(vis, "public") == 0 || strcmp(vis, "unlisted") == 0)
        return 1;
    return viewer && (strcmp(viewer, post->acct) == 0 ||
                      sb_timeline_mentions_acct(v->timeline, sb_store_pos(v->store, post), viewer));
}
