/*  feed_item: a pulled page and its entries (see feed_item.h). */
#include "feed_item.h"

#include "hd_mem.h"
#include "rfc3339.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

ing_feed_item_t *ing_feed_page_add(ing_feed_page_t *page) {
    page->items = hd_grow(page->items, &page->cap, page->n + 1, sizeof *page->items);
    ing_feed_item_t *it = &page->items[page->n++];
    memset(it, 0, sizeof *it);
    return it;
}

static void item_free(ing_feed_item_t *it) {
    free(it->external_id);
    free(it->cursor_id);
    free(it->author);
    free(it->text);
    free(it->url);
    free(it->in_reply_to);
    memset(it, 0, sizeof *it);
}

void ing_feed_page_drop_last(ing_feed_page_t *page) {
    if (page->n > 0)
        item_free(&page->items[--page->n]);
}

void ing_feed_page_bad(ing_feed_page_t *page, const char *raw, size_t len, const char *cursor_id,
                       const char *external_id, const char *fmt, ...) {
    page->bad = hd_grow(page->bad, &page->badcap, page->nbad + 1, sizeof *page->bad);
    ing_feed_bad_t *b = &page->bad[page->nbad++];
    memset(b, 0, sizeof *b);
    b->raw = hd_malloc(len + 1);
    memcpy(b->raw, raw ? raw : "", len);
    b->raw[len] = 0;
    b->raw_len = len;
    b->cursor_id = cursor_id && *cursor_id ? hd_strdup(cursor_id) : NULL;
    b->external_id = external_id && *external_id ? hd_strdup(external_id) : NULL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->reason, sizeof b->reason, fmt, ap);
    va_end(ap);
}

void ing_feed_page_clear(ing_feed_page_t *page) {
    for (size_t i = 0; i < page->n; i++)
        item_free(&page->items[i]);
    for (size_t i = 0; i < page->nbad; i++) {
        free(page->bad[i].raw);
        free(page->bad[i].cursor_id);
        free(page->bad[i].external_id);
    }
    free(page->items);
    free(page->bad);
    free(page->title);
    free(page->newest);
    memset(page, 0, sizeof *page);
}

char *ing_feed_text_cut(const char *s, size_t max) {
    s = s ? s : "";
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n > max) { /* back to the start of the character that crosses max */
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
        while (n > 0 && isspace((unsigned char)s[n - 1]))
            n--;
    }
    return hd_strndup(s, n);
}

/* ---------------- RFC 822 dates ---------------- */

static const char *const s_months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* The zone's offset east of UTC in minutes into *off; -1 if unknown. */
static int zone_offset(const char *z, int *off) {
    static const struct {
        const char *name;
        int minutes;
    } named[] = {{"GMT", 0},       {"UT", 0},        {"UTC", 0},       {"Z", 0},
                 {"EST", -5 * 60}, {"EDT", -4 * 60}, {"CST", -6 * 60}, {"CDT", -5 * 60},
                 {"MST", -7 * 60}, {"MDT", -6 * 60}, {"PST", -8 * 60}, {"PDT", -7 * 60}};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (strcasecmp(z, named[i].name) == 0) {
            *off = named[i].minutes;
            return 0;
        }
    if ((z[0] == '+' || z[0] == '-') && strlen(z) == 5 && strspn(z + 1, "0123456789") == 4) {
        int hh = (z[1] - '0') * 10 + (z[2] - '0'), mm = (z[3] - '0') * 10 + (z[4] - '0');
        if (hh > 23 || mm > 59)
            return -1;
        *off = (z[0] == '-' ? -1 : 1) * (hh * 60 + mm);
        return 0;
    }
    return -1;
}

int ing_feed_rfc822_ms(const char *s, long long *ms) {
    char wday[8] = "", mon[8], zone[8], rest[8];
    int day, year, hh, mi, ss = 0, used = 0;
    if (!s)
        return -1;
    const char *comma = strchr(s, ',');
    if (comma) { /* the day's name is not checked against the date: feeds get it wrong */
        if (comma - s > 3 || sscanf(s, "%3[A-Za-z]%n", wday, &used) != 1 || s + used != comma)
            return -1;
        s = comma + 1;
    }
    if (sscanf(s, " %d %3s %d %d:%d%n", &day, mon, &year, &hh, &mi, &used) != 5)
        return -1;
    s += used;
    if (*s == ':' && sscanf(s, ":%d%n", &ss, &used) == 1)
        s += used;
    if (sscanf(s, " %7s %7s", zone, rest) != 1)
        return -1;
    int m = -1, off;
    for (int i = 0; i < 12; i++)
        if (strcasecmp(mon, s_months[i]) == 0)
            m = i + 1;
    if (m < 0 || zone_offset(zone, &off) < 0 || year < 0 || year > 9999)
        return -1;
    if (year < 100) /* RFC 2822 4.3: 00-49 are 2000-2049, 50-99 are 1950-1999 */
        year += year < 50 ? 2000 : 1900;
    char iso[48];
    snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", year, m, day, hh, mi, ss,
             off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
    return ing_rfc3339_ms(iso, ms);
}
