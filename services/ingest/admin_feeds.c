/*  admin_feeds: the listening feeds administered through the API
    (docs/feeds.md): routes /v1/admin/feeds... (ing_feed_routes, route.h),
    permission 'channels', organization-wide, as the channels themselves
    (admin_channels.c). Each change is one transaction recording
    org.feed.<action> (created, updated, deleted, poll_requested) with the
    feed before and after. A feed's answer shows where it stands: its
    cursor, the last poll and the last success, lag_s (seconds since that
    success), item_delay_s (its newest item: received minus posted),
    failures in a row, the last error and the next poll. */
#include "api.h"
#include "config_check.h"
#include "feed_plan.h"
#include "hd_pgarray.h"
#include "org.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FEED_JSON                                                                           \
    "json_build_object('id', f.id, 'kind', f.kind, 'channel', f.channel_id, 'url', f.url, " \
    "'tag', f.tag, 'account_department', f.account_department, 'departments', "             \
    "to_json(f.departments), 'interval_s', f.interval_s, 'enabled', f.enabled, 'cursor', "  \
    "f.cursor, 'polling', coalesce(f.lease_until > now(), false), 'next_poll_at', "         \
    "f.next_poll_at, 'last_polled_at', f.last_polled_at, 'last_ok_at', f.last_ok_at, "      \
    "'lag_s', floor(extract(epoch FROM now() - f.last_ok_at))::bigint, 'last_item_at', "    \
    "f.last_item_at, 'item_delay_s', round(f.last_item_delay_ms / 1000.0, 3), 'failures', " \
    "f.failures, 'last_error', f.last_error, 'items_total', f.items_total, 'version', "     \
    "f.version, 'created_at', f.created_at)"

#define MAX_DEPARTMENTS 32

static int authorize(ing_call_t *c) { return ing_org_authorize(c, "channels", NULL, "feed"); }

/* The feed {id} (FOR UPDATE when lock) into *o: 1, 0 none, -1 answered 503. */
static int feed_of(ing_call_t *c, int lock, json_t **o) {
    const char *p[1] = {c->params[0]};
    return ing_org_one(c,
                       lock ? "SELECT " FEED_JSON " FROM feed f WHERE f.id = $1 FOR UPDATE"
                            : "SELECT " FEED_JSON " FROM feed f WHERE f.id = $1",
                       1, p, o);
}

/* A feed's settings, from a body (and for a change, the feed before). */
typedef struct {
    const char *id, *kind, *channel, *url, *tag, *account, *cursor, *enabled;
    char interval[16];
    hd_pgarray_t departments;
} fields_t;

/* departments: an array of department ids (at most MAX_DEPARTMENTS) into
   f->departments. -1 after answering 422. */
static int read_departments(ing_call_t *c, json_t *list, fields_t *f) {
    size_t i;
    json_t *d;
    hd_pgarray_free(&f->departments);
    int ok = json_is_array(list) && json_array_size(list) <= MAX_DEPARTMENTS;
    json_array_foreach(list, i, d) {
        if (!ok || !json_is_string(d) || ing_check_slug(json_string_value(d))) {
            ok = 0;
            break;
        }
        hd_pgarray_add(&f->departments, json_string_value(d));
    }
    if (ok)
        return 0;
    ing_api_refuse(c, 422, "departments", "invalid",
                   "departments must be an array of at most %d department ids", MAX_DEPARTMENTS);
    return -1;
}

/* interval_s: an integer from 1 to 86400 into f->interval. -1 answered. */
static int read_interval(ing_call_t *c, json_t *v, fields_t *f) {
    if (json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= 86400) {
        snprintf(f->interval, sizeof f->interval, "%lld", (long long)json_integer_value(v));
        return 0;
    }
    ing_api_refuse(c, 422, "interval_s", "invalid",
                   "interval_s must be an integer from 1 to 86400 (seconds)");
    return -1;
}

/* The text member `name` of body into *out when present (null: NULL,
   when nullable). -1 answered 422. */
static int member(ing_call_t *c, json_t *body, const char *name, int nullable, size_t min,
                  size_t max, const char **out) {
    const char *s;
    if (!json_object_get(body, name))
        return 0;
    if (ing_org_text(c, body, name, !nullable, min, max, &s) < 0)
        return -1;
    *out = s;
    return 0;
}

/* The members of body that are present, over f (tag and
   account_department may be null: none). -1 answered 422. */
static int read_body(ing_call_t *c, json_t *body, fields_t *f) {
    json_t *v;
    if (member(c, body, "url", 0, 0, 512, &f->url) || member(c, body, "tag", 1, 1, 100, &f->tag) ||
        member(c, body, "account_department", 1, 1, 63, &f->account) ||
        member(c, body, "cursor", 0, 0, 255, &f->cursor))
        return -1;
    if ((v = json_object_get(body, "departments")) && read_departments(c, v, f) < 0)
        return -1;
    if ((v = json_object_get(body, "interval_s")) && read_interval(c, v, f) < 0)
        return -1;
    return ing_org_bool(c, body, "enabled", &f->enabled);
}

/* The feed's channel exists and, for a mastodon kind, is of kind
   mastodon. 0, or -1 answered (rolled back). */
static int check_channel(ing_call_t *c, const fields_t *f, int kind) {
    const char *p[1] = {f->channel};
    json_t *ch = NULL;
    int got = ing_org_one(c, "SELECT json_build_object('kind', kind) FROM channel WHERE id = $1", 1,
                          p, &ch);
    char ck[64];
    snprintf(ck, sizeof ck, "%s", got > 0 ? json_string_value(json_object_get(ch, "kind")) : "");
    json_decref(ch);
    if (got == 0)
        ing_org_refuse(c, 422, "channel", "invalid", "no such channel '%s'", f->channel);
    else if (got > 0 && kind != ING_FEED_RSS && strcmp(ck, "mastodon") != 0) {
        ing_org_refuse(c, 422, "channel", "invalid",
                       "a %s feed reads a channel of kind mastodon ('%s' is of kind '%s')", f->kind,
                       f->channel, ck);
        got = -1;
    }
    return got > 0 ? 0 : -1;
}

/* The kind's and the references' checks, in the open transaction: the
   settings' shape (feed_plan.h), the channel, the account of a mentions
   feed. 0, or -1 answered (rolled back). */
static int check(ing_call_t *c, fields_t *f) {
    char why[300];
    const char *field, *p[2] = {f->channel, f->account};
    int kind = ing_feed_kind_parse(f->kind);
    if (ing_feed_check((ing_feed_kind_t)kind, f->url, f->tag, f->account, why, sizeof why, &field) <
        0) {
        ing_org_refuse(c, 422, field, "invalid", "%s", why);
        return -1;
    }
    if (check_channel(c, f, kind) < 0)
        return -1;
    long acct = kind == ING_FEED_MASTODON_MENTIONS
                    ? hd_db_count(c->db,
                                  "SELECT 1 FROM channel_account WHERE channel_id = $1 "
                                  "AND department_id = $2",
                                  2, p)
                    : 1;
    if (acct < 0)
        ing_org_unavailable(c);
    else if (acct == 0)
        ing_org_refuse(c, 422, "account_department", "invalid",
                       "department '%s' has no account on channel '%s' (PUT "
                       "/v1/admin/channels/%s/accounts/%s)",
                       f->account, f->channel, f->channel, f->account);
    return acct > 0 ? 0 : -1;
}

/* Every department of f exists: 0, or -1 answered (rolled back). */
static int check_departments(ing_call_t *c, fields_t *f) {
    const char *p[1] = {hd_pgarray_str(&f->departments)};
    json_t *row = NULL;
    int got = ing_org_one(c,
                          "SELECT json_build_object('id', x) FROM unnest($1::text[]) x "
                          "WHERE NOT EXISTS (SELECT 1 FROM department WHERE id = x) LIMIT 1",
                          1, p, &row);
    if (got > 0)
        ing_org_refuse(c, 422, "departments", "invalid", "no such department '%s'",
                       json_string_value(json_object_get(row, "id")));
    json_decref(row);
    return got == 0 ? 0 : -1;
}

static void feeds_list(ing_call_t *c) {
    if (authorize(c) == 0)
        ing_org_list(c, "SELECT " FEED_JSON " FROM feed f ORDER BY f.id", 0, NULL);
}

static void feed_get(ing_call_t *c) {
    if (authorize(c) < 0)
        return;
    json_t *o = NULL;
    int have = feed_of(c, 0, &o);
    if (have == 0)
        ing_api_refuse(c, 404, "id", "not_found", "no such feed '%s'", c->params[0]);
    else if (have > 0)
        ing_org_respond(c, 200, json_incref(o));
    json_decref(o);
}

/* POST's own members: id, kind, channel. -1 answered 422. */
static int create_fields(ing_call_t *c, json_t *body, fields_t *f) {
    const char *why;
    if (ing_org_text(c, body, "id", 1, 1, 63, &f->id) ||
        ing_org_text(c, body, "kind", 1, 1, 32, &f->kind) ||
        ing_org_text(c, body, "channel", 1, 1, 63, &f->channel) || read_body(c, body, f) < 0)
        return -1;
    if ((why = ing_feed_check_id(f->id))) {
        ing_api_refuse(c, 422, "id", "invalid", "id %s", why);
        return -1;
    }
    if (ing_feed_kind_parse(f->kind) < 0) {
        ing_api_refuse(c, 422, "kind", "invalid",
                       "kind '%s' is not one of mastodon-mentions, mastodon-tag, rss", f->kind);
        return -1;
    }
    return 0;
}

static void feed_create(ing_call_t *c) {
    static const char *const known[] = {
        "id",          "kind",       "channel", "url", "tag", "account_department",
        "departments", "interval_s", "enabled", NULL};
    if (authorize(c) < 0)
        return;
    json_t *body = ing_org_body(c, known, 0), *o = NULL;
    fields_t f = {0};
    if (!body || create_fields(c, body, &f) < 0 || ing_org_begin(c) < 0)
        goto out;
    if (check(c, &f) < 0 || check_departments(c, &f) < 0)
        goto out;
    const char *p[9] = {f.id,
                        f.kind,
                        f.channel,
                        f.url,
                        f.tag,
                        f.account,
                        hd_pgarray_str(&f.departments),
                        f.interval[0] ? f.interval : NULL,
                        f.enabled};
    int got = ing_org_one(c,
                          "INSERT INTO feed AS f (id, kind, channel_id, url, tag, "
                          "account_department, departments, interval_s, enabled) VALUES ($1, $2, "
                          "$3, coalesce($4, ''), $5, $6, $7::text[], coalesce($8::int, 60), "
                          "coalesce($9::boolean, true)) ON CONFLICT (id) DO NOTHING "
                          "RETURNING " FEED_JSON,
                          9, p, &o);
    if (got == 0)
        ing_org_refuse(c, 409, "id", "exists", "feed '%s' exists already", f.id);
    else if (got > 0)
        ing_org_finish(c, &(ing_org_change_t){"feed", f.id, "created", NULL, NULL, NULL, o}, 201,
                       json_incref(o));
out:
    hd_pgarray_free(&f.departments);
    json_decref(o);
    json_decref(body);
}

/* f from the feed before (a JSON object of FEED_JSON), as the change
   starts: what the body does not say stays as it was. */
static void fields_from(json_t *before, fields_t *f) {
    f->kind = json_string_value(json_object_get(before, "kind"));
    f->channel = json_string_value(json_object_get(before, "channel"));
    f->url = json_string_value(json_object_get(before, "url"));
    f->tag = json_string_value(json_object_get(before, "tag"));
    f->account = json_string_value(json_object_get(before, "account_department"));
    f->cursor = json_string_value(json_object_get(before, "cursor"));
    f->enabled = json_is_true(json_object_get(before, "enabled")) ? "t" : "f";
    snprintf(f->interval, sizeof f->interval, "%lld",
             (long long)json_integer_value(json_object_get(before, "interval_s")));
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(before, "departments"), i, d)
        hd_pgarray_add(&f->departments, json_string_value(d));
}

static const char *UPDATE_SQL =
    "UPDATE feed f SET url = coalesce($2, ''), tag = $3, account_department = $4, "
    "departments = $5::text[], interval_s = $6::int, enabled = $7::boolean, cursor = $8, "
    "etag = CASE WHEN f.url = coalesce($2, '') AND f.cursor = $8 THEN f.etag END, "
    "last_modified = CASE WHEN f.url = coalesce($2, '') AND f.cursor = $8 "
    "  THEN f.last_modified END, "
    "next_poll_at = CASE WHEN $7::boolean AND NOT f.enabled THEN now() ELSE f.next_poll_at END, "
    "version = f.version + 1 WHERE f.id = $1 RETURNING " FEED_JSON;

static void feed_update(ing_call_t *c) {
    static const char *const known[] = {"url",         "tag",        "account_department",
                                        "departments", "interval_s", "enabled",
                                        "cursor",      "version",    NULL};
    if (authorize(c) < 0)
        return;
    json_t *body = ing_api_body(c), *before = NULL, *after = NULL;
    fields_t f = {0};
    long long want = 0;
    static const char *const fixed[] = {"id", "kind", "channel", NULL};
    for (size_t i = 0; body && fixed[i]; i++)
        if (json_object_get(body, fixed[i])) {
            ing_api_refuse(c, 422, fixed[i], "invalid",
                           "a feed's id, kind and channel do not change: delete it and create "
                           "another");
            goto out;
        }
    if (!body || ing_org_known(c, body, known) || (want = ing_org_required_version(c, body)) < 0 ||
        ing_org_begin(c) < 0)
        goto out;
    int have = feed_of(c, 1, &before);
    if (have == 0)
        ing_org_refuse(c, 404, "id", "not_found", "no such feed '%s'", c->params[0]);
    if (have <= 0 || ing_org_fresh(c, before, want, "the feed"))
        goto out;
    fields_from(before, &f);
    if (read_body(c, body, &f) < 0) {
        hd_db_rollback(c->db);
        goto out;
    }
    if (check(c, &f) < 0 || check_departments(c, &f) < 0)
        goto out;
    const char *p[8] = {c->params[0], f.url,     f.tag,   f.account, hd_pgarray_str(&f.departments),
                        f.interval,   f.enabled, f.cursor};
    int got = ing_org_one(c, UPDATE_SQL, 8, p, &after);
    if (got == 0)
        ing_org_unavailable(c);
    else if (got > 0)
        ing_org_finish(
            c, &(ing_org_change_t){"feed", c->params[0], "updated", NULL, NULL, before, after}, 200,
            json_incref(after));
out:
    hd_pgarray_free(&f.departments);
    json_decref(before);
    json_decref(after);
    json_decref(body);
}

static void feed_delete(ing_call_t *c) {
    if (authorize(c) < 0)
        return;
    json_t *before = NULL;
    long long want = ing_org_required_version(c, NULL);
    if (want < 0 || ing_org_begin(c) < 0)
        return;
    int have = feed_of(c, 1, &before);
    if (have == 0)
        ing_org_refuse(c, 404, "id", "not_found", "no such feed '%s'", c->params[0]);
    if (have <= 0 || ing_org_fresh(c, before, want, "the feed"))
        goto out;
    const char *p[1] = {c->params[0]};
    if (hd_db_cmd(c->db, "DELETE FROM feed WHERE id = $1", 1, p) < 0)
        ing_org_unavailable(c);
    else
        ing_org_finish(
            c, &(ing_org_change_t){"feed", c->params[0], "deleted", NULL, NULL, before, NULL}, 200,
            json_incref(before));
out:
    json_decref(before);
}

/* POST {id}/poll: due now, for whichever ingest's runner looks first. */
static void feed_poll(ing_call_t *c) {
    static const char *const known[] = {"version", NULL};
    if (authorize(c) < 0)
        return;
    json_t *body = ing_org_body(c, known, 1), *before = NULL, *after = NULL;
    long long want;
    if (!body || (want = ing_org_expected_version(c, body)) < 0 || ing_org_begin(c) < 0)
        goto out;
    int have = feed_of(c, 1, &before);
    if (have == 0)
        ing_org_refuse(c, 404, "id", "not_found", "no such feed '%s'", c->params[0]);
    if (have <= 0 || (want && ing_org_fresh(c, before, want, "the feed")))
        goto out;
    if (!json_is_true(json_object_get(before, "enabled"))) {
        ing_org_refuse(c, 409, "enabled", "disabled",
                       "feed '%s' is disabled: enable it (PATCH \"enabled\": true) to poll it",
                       c->params[0]);
        goto out;
    }
    const char *p[1] = {c->params[0]};
    int got = ing_org_one(c,
                          "UPDATE feed f SET next_poll_at = now() WHERE f.id = $1 "
                          "RETURNING " FEED_JSON,
                          1, p, &after);
    if (got == 0)
        ing_org_unavailable(c);
    else if (got > 0)
        ing_org_finish(
            c,
            &(ing_org_change_t){"feed", c->params[0], "poll_requested", NULL, NULL, before, after},
            202, json_incref(after));
out:
    json_decref(before);
    json_decref(after);
    json_decref(body);
}

const ing_route_t ing_feed_routes[] = {
    {"GET", "/v1/admin/feeds", ING_SCOPE_ADMIN, feeds_list,
     "listening feeds, with their cursor, lag and failures"},
    {"POST", "/v1/admin/feeds", ING_SCOPE_ADMIN, feed_create, "add a listening feed"},
    {"GET", "/v1/admin/feeds/{id}", ING_SCOPE_ADMIN, feed_get, "a listening feed"},
    {"PATCH", "/v1/admin/feeds/{id}", ING_SCOPE_ADMIN, feed_update, "change a listening feed"},
    {"DELETE", "/v1/admin/feeds/{id}", ING_SCOPE_ADMIN, feed_delete, "remove a listening feed"},
    {"POST", "/v1/admin/feeds/{id}/poll", ING_SCOPE_ADMIN, feed_poll,
     "make a listening feed due now"},
    {NULL, NULL, 0, NULL, NULL}};
