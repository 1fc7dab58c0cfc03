/*  inbox_setting: checking a department's inbox settings (inbox_setting.h). */
#include "inbox_setting.h"

#include "hd_utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad(const char **field, const char *name, char *why, size_t n, const char *msg) {
    *field = name;
    snprintf(why, n, "%s %s", name, msg);
    return -1;
}

static int digits(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int ing_inbox_hhmm(const char *s, int *min) {
    if (!s || strlen(s) != 5 || s[2] != ':' || !digits(s, 2) || !digits(s + 3, 2))
        return -1;
    int h = atoi(s), m = atoi(s + 3);
    if (h > 24 || m > 59 || (h == 24 && m != 0))
        return -1;
    *min = h * 60 + m;
    return 0;
}

void ing_inbox_days_text(unsigned days, char *out, size_t len) {
    size_t used = (size_t)snprintf(out, len, "{");
    for (int d = 1; d <= 7 && used < len; d++)
        if (days & (1u << (d - 1)))
            used += (size_t)snprintf(out + used, len - used, "%s%d", used > 1 ? "," : "", d);
    if (used < len)
        snprintf(out + used, len - used, "}");
}

int ing_inbox_days_parse(const char *text, unsigned *days) {
    size_t n = text ? strlen(text) : 0;
    if (n < 2 || text[0] != '{' || text[n - 1] != '}')
        return -1;
    *days = 0;
    for (const char *p = text + 1; *p != '}';) {
        if (*p < '1' || *p > '7')
            return -1;
        *days |= 1u << (*p - '1');
        p++;
        if (*p == ',')
            p++;
    }
    return 0;
}

static int text_member(json_t *v, size_t min, size_t max) {
    size_t n = json_is_string(v) ? json_string_length(v) : 0;
    return json_is_string(v) && n >= min && n <= max && strlen(json_string_value(v)) == n &&
           hd_utf8_valid(json_string_value(v), n);
}

static int days_member(ing_inbox_setting_t *s, json_t *v, const char **field, char *why, size_t n) {
    size_t i;
    json_t *d;
    unsigned days = 0;
    int ok = json_is_array(v) && json_array_size(v) >= 1 && json_array_size(v) <= 7;
    json_array_foreach(v, i, d) {
        json_int_t x = json_is_integer(d) ? json_integer_value(d) : 0;
        ok = ok && x >= 1 && x <= 7 && !(days & (1u << (x - 1)));
        if (ok)
            days |= 1u << (x - 1);
    }
    if (!ok)
        return bad(field, "working_days", why, n,
                   "must list 1 to 7 distinct ISO days (1 Monday .. 7 Sunday)");
    s->days = days;
    return 0;
}

/* An integer member within lo..hi into *out. */
static int int_member(json_t *v, const char *name, int lo, int hi, int *out, const char **field,
                      char *why, size_t n) {
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        char msg[64];
        snprintf(msg, sizeof msg, "must be an integer from %d to %d", lo, hi);
        return bad(field, name, why, n, msg);
    }
    *out = (int)json_integer_value(v);
    return 0;
}

static int time_member(json_t *v, const char *name, int *out, const char **field, char *why,
                       size_t n) {
    if (!json_is_string(v) || ing_inbox_hhmm(json_string_value(v), out) < 0)
        return bad(field, name, why, n, "must be a local time \"HH:MM\" from 00:00 to 24:00");
    return 0;
}

/* The string members: time_zone, skip_approval_certification, signature. */
static int text_members(ing_inbox_setting_t *s, json_t *body, const char **field, char *why,
                        size_t n) {
    json_t *v;
    if ((v = json_object_get(body, "time_zone"))) {
        if (!text_member(v, 1, HD_BIZ_ZONE_LEN - 1))
            return bad(field, "time_zone", why, n,
                       "must be a time zone's name (IANA: \"Europe/Paris\", or \"UTC\")");
        snprintf(s->zone, sizeof s->zone, "%s", json_string_value(v));
    }
    if ((v = json_object_get(body, "skip_approval_certification"))) {
        if (!json_is_null(v) && !text_member(v, 1, ING_INBOX_MAX_CERT))
            return bad(field, "skip_approval_certification", why, n,
                       "must be a certification's name (1 to 64 bytes) or null");
        snprintf(s->skip_cert, sizeof s->skip_cert, "%s",
                 json_is_null(v) ? "" : json_string_value(v));
    }
    if ((v = json_object_get(body, "signature"))) {
        if (!text_member(v, 0, ING_INBOX_MAX_SIGNATURE))
            return bad(field, "signature", why, n, "must be text of at most 500 bytes");
        snprintf(s->signature, sizeof s->signature, "%s", json_string_value(v));
    }
    return 0;
}

int ing_inbox_setting_merge(ing_inbox_setting_t *s, json_t *body, const char **field, char *why,
                            size_t why_len) {
    json_t *v;
    if (text_members(s, body, field, why, why_len) < 0)
        return -1;
    if ((v = json_object_get(body, "working_days")) && days_member(s, v, field, why, why_len) < 0)
        return -1;
    if ((v = json_object_get(body, "opens_at")) &&
        time_member(v, "opens_at", &s->open_min, field, why, why_len) < 0)
        return -1;
    if ((v = json_object_get(body, "closes_at")) &&
        time_member(v, "closes_at", &s->close_min, field, why, why_len) < 0)
        return -1;
    if ((v = json_object_get(body, "first_response_minutes")) &&
        int_member(v, "first_response_minutes", 1, ING_INBOX_MAX_FIRST_RESPONSE,
                   &s->first_response_minutes, field, why, why_len) < 0)
        return -1;
    if ((v = json_object_get(body, "warn_minutes")) &&
        int_member(v, "warn_minutes", 0, ING_INBOX_MAX_FIRST_RESPONSE - 1, &s->warn_minutes, field,
                   why, why_len) < 0)
        return -1;
    if ((v = json_object_get(body, "assign_cap")) &&
        int_member(v, "assign_cap", 1, ING_INBOX_MAX_CAP, &s->assign_cap, field, why, why_len) < 0)
        return -1;
    if ((v = json_object_get(body, "auto_assign"))) {
        if (!json_is_boolean(v))
            return bad(field, "auto_assign", why, why_len, "must be true or false");
        s->auto_assign = json_is_true(v);
    }
    return 0;
}

int ing_inbox_setting_check(const ing_inbox_setting_t *s, const char **field, char *why,
                            size_t why_len) {
    if (!(s->days & 0x7f))
        return bad(field, "working_days", why, why_len, "must name at least one working day");
    if (s->open_min >= s->close_min)
        return bad(field, "closes_at", why, why_len, "must be after opens_at");
    if (s->warn_minutes >= s->first_response_minutes)
        return bad(field, "warn_minutes", why, why_len,
                   "must be less than first_response_minutes (the warning comes before the "
                   "breach)");
    return 0;
}

int ing_inbox_day_valid(const char *s) {
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) || !digits(s + 5, 2) ||
        !digits(s + 8, 2))
        return 0;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    if (y < 2000 || y > 2999 || m < 1 || m > 12 || d < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}
