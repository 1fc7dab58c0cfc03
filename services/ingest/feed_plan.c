/*  feed_plan: a feed's decisions (see feed_plan.h). */
#include "feed_plan.h"

#include "config_check.h"

#include <stdio.h>
#include <string.h>

static const char *const s_kinds[ING_FEED_KINDS] = {
    [ING_FEED_MASTODON_MENTIONS] = "mastodon-mentions",
    [ING_FEED_MASTODON_TAG] = "mastodon-tag",
    [ING_FEED_RSS] = "rss",
};

static const char *const s_outcomes[ING_FEED_OUTCOMES] = {
    [ING_FEED_OK] = "ok",
    [ING_FEED_NOT_MODIFIED] = "not_modified",
    [ING_FEED_HTTP_ERROR] = "http_error",
    [ING_FEED_NO_ANSWER] = "no_answer",
    [ING_FEED_GARBAGE] = "garbage",
    [ING_FEED_NO_CREDENTIAL] = "no_credential",
    [ING_FEED_LOST] = "lost",
    [ING_FEED_DATABASE] = "database",
};

const char *ing_feed_kind_name(ing_feed_kind_t k) {
    return (unsigned)k < ING_FEED_KINDS ? s_kinds[k] : NULL;
}

int ing_feed_kind_parse(const char *s) {
    for (int k = 0; s && k < ING_FEED_KINDS; k++)
        if (strcmp(s, s_kinds[k]) == 0)
            return k;
    return -1;
}

const char *ing_feed_outcome_name(ing_feed_outcome_t o) {
    return (unsigned)o < ING_FEED_OUTCOMES ? s_outcomes[o] : "unknown";
}

int ing_feed_outcome_fails(ing_feed_outcome_t o) {
    return o == ING_FEED_HTTP_ERROR || o == ING_FEED_NO_ANSWER || o == ING_FEED_GARBAGE ||
           o == ING_FEED_NO_CREDENTIAL;
}

/* Appends s percent-encoded (all but RFC 3986's unreserved characters)
   at out + *k; -1 when it does not fit. */
static int append_encoded(char *out, size_t n, size_t *k, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || strchr("-._~", *p);
        if (*k + (plain ? 1 : 3) >= n)
            return -1;
        if (plain)
            out[(*k)++] = (char)*p;
        else {
            out[(*k)++] = '%';
            out[(*k)++] = hex[*p >> 4];
            out[(*k)++] = hex[*p & 15];
        }
    }
    out[*k] = 0;
    return 0;
}

/* Appends text s as it is; -1 when it does not fit. */
static int append(char *out, size_t n, size_t *k, const char *s) {
    size_t len = strlen(s);
    if (*k + len >= n)
        return -1;
    memcpy(out + *k, s, len + 1);
    *k += len;
    return 0;
}

int ing_feed_request_url(ing_feed_kind_t k, const char *base, const char *tag, const char *cursor,
                         char *out, size_t n) {
    size_t at = 0, blen = strlen(base);
    if (n == 0)
        return -1;
    out[0] = 0;
    if (k == ING_FEED_RSS)
        return append(out, n, &at, base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    if (blen + 1 >= n)
        return -1;
    memcpy(out, base, blen);
    out[at = blen] = 0;
    char limit[48];
    snprintf(limit, sizeof limit, "limit=%d", ING_FEED_PAGE_LIMIT);
    int rc = k == ING_FEED_MASTODON_MENTIONS
                 ? append(out, n, &at, "/api/v1/notifications?types[]=mention&")
                 : append(out, n, &at, "/api/v1/timelines/tag/") ||
                       append_encoded(out, n, &at, tag ? tag : "") || append(out, n, &at, "?");
    rc = rc || append(out, n, &at, limit);
    if (!rc && cursor && *cursor)
        rc = append(out, n, &at, "&min_id=") || append_encoded(out, n, &at, cursor);
    return rc ? -1 : 0;
}

static int numeric(const char *s) { return *s && strspn(s, "0123456789") == strlen(s); }

int ing_feed_id_cmp(const char *a, const char *b) {
    if (!numeric(a) || !numeric(b))
        return strcmp(a, b);
    while (*a == '0' && a[1])
        a++;
    while (*b == '0' && b[1])
        b++;
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return la < lb ? -1 : 1;
    return strcmp(a, b);
}

int ing_feed_mastodon_next(const char *cursor, const char *newest, size_t entries, char *out,
                           size_t len) {
    int moved = newest && *newest && ing_feed_id_cmp(newest, cursor) > 0;
    const char *to = moved ? newest : cursor;
    if (strlen(to) >= len) {
        snprintf(out, len, "%s", strlen(cursor) < len ? cursor : "");
        return -1;
    }
    snprintf(out, len, "%s", to);
    return *cursor && entries >= ING_FEED_PAGE_LIMIT && moved;
}

int ing_feed_rss_take(long long posted_ms, long long cursor_ms) {
    return posted_ms <= 0 || cursor_ms <= 0 || posted_ms >= cursor_ms;
}

long long ing_feed_backoff_ms(int interval_s, int failures, double jitter01) {
    long long wait = interval_s > 0 ? interval_s : 1;
    for (int i = 0; i < failures && wait < ING_FEED_BACKOFF_MAX_S; i++)
        wait *= 2;
    if (wait > ING_FEED_BACKOFF_MAX_S)
        wait = ING_FEED_BACKOFF_MAX_S;
    if (!(jitter01 >= 0) || jitter01 >= 1)
        jitter01 = 0;
    long long ms = wait * 1000;
    ms = ms - ms / 4 + (long long)((double)(ms / 4) * jitter01);
    return ms < 1000 ? 1000 : ms;
}

const char *ing_feed_check_id(const char *id) {
    const char *why = ing_check_slug(id ? id : "");
    if (why)
        return why;
    return strlen(id) > ING_FEED_ID_LEN ? "is longer than 58 characters" : NULL;
}

/* A hashtag as Mastodon writes it: letters, digits and '_' (any UTF-8
   character past ASCII is taken for a letter; the API checks UTF-8). */
static int tag_ok(const char *t) {
    size_t n = strlen(t);
    if (n < 1 || n > 100)
        return 0;
    for (const unsigned char *p = (const unsigned char *)t; *p; p++)
        if (!(*p >= 0x80 || *p == '_' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
              (*p >= 'A' && *p <= 'Z')))
            return 0;
    return 1;
}

static int refuse(char *why, size_t n, const char **field, const char *name, const char *msg) {
    *field = name;
    snprintf(why, n, "%s", msg);
    return -1;
}

int ing_feed_check(ing_feed_kind_t k, const char *url, const char *tag, const char *account,
                   char *why, size_t n, const char **field) {
    int has_url = url && *url, has_tag = tag && *tag, has_account = account && *account;
    const char *bad = has_url ? ing_check_url(url) : NULL;
    if (bad) {
        *field = "url";
        snprintf(why, n, "url %s", bad);
        return -1;
    }
    if (k == ING_FEED_RSS && !has_url)
        return refuse(why, n, field, "url", "an rss feed needs its url");
    if (k != ING_FEED_MASTODON_TAG && has_tag)
        return refuse(why, n, field, "tag", "only a mastodon-tag feed has a tag");
    if (k == ING_FEED_MASTODON_TAG && !has_tag)
        return refuse(why, n, field, "tag", "a mastodon-tag feed needs its tag (without '#')");
    if (has_tag && !tag_ok(tag))
        return refuse(why, n, field, "tag",
                      "tag must be 1 to 100 letters, digits or '_', without '#'");
    if (k != ING_FEED_MASTODON_MENTIONS && has_account)
        return refuse(why, n, field, "account_department",
                      "only a mastodon-mentions feed reads with an account");
    if (k == ING_FEED_MASTODON_MENTIONS && !has_account)
        return refuse(why, n, field, "account_department",
                      "a mastodon-mentions feed needs account_department: the department "
                      "whose account on the channel reads the notifications");
    return 0;
}
