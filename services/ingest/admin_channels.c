/*  admin_channels: channels and the departments' accounts on them
    (permission channels, organization-wide). An account's credential is
    write-only: sealed with the credentials key (hd_secret.h) before it is
    stored, never in an answer, an event or a log; a read says only
    "credential_set". */
#include "admin_config.h"
#include "api.h"
#include "config_check.h"
#include "hd_secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHANNEL_JSON                                                                       \
    "json_build_object('id', c.id, 'kind', c.kind, 'base_url', c.base_url, 'max_length', " \
    "c.max_length, 'version', c.version)"
#define ACCOUNT_JSON                                                                       \
    "json_build_object('channel', a.channel_id, 'department', a.department_id, 'handle', " \
    "a.handle, 'credential_set', a.secret IS NOT NULL, 'version', a.version)"

static unsigned char s_key[HD_SECRET_KEY_LEN];
static int s_have_key;

void ing_config_set_key(const unsigned char *key) {
    s_have_key = key != NULL;
    if (key)
        memcpy(s_key, key, sizeof s_key);
}

/* ---------------- channels ---------------- */

void ing_cfg_channels_list(ing_call_t *c) {
    if (ing_org_authorize(c, "channels", NULL, "channel") == 0)
        ing_org_list(c, "SELECT " CHANNEL_JSON " FROM channel c ORDER BY c.id", 0, NULL);
}

/* The channel {id} (FOR UPDATE when lock), or NULL: answered 404 / 503. */
static json_t *channel_of(ing_call_t *c, int lock) {
    const char *p[1] = {c->params[0]};
    json_t *o;
    int got = ing_org_one(c,
                          lock ? "SELECT " CHANNEL_JSON " FROM channel c WHERE c.id = $1 "
                                 "FOR UPDATE"
                               : "SELECT " CHANNEL_JSON " FROM channel c WHERE c.id = $1",
                          1, p, &o);
    if (got == 0)
        ing_org_refuse(c, 404, "id", "not_found", "no such channel '%s'", c->params[0]);
    return o;
}

void ing_cfg_channel_get(ing_call_t *c) {
    if (ing_org_authorize(c, "channels", NULL, "channel") < 0)
        return;
    json_t *o = channel_of(c, 0);
    if (o)
        ing_org_respond(c, 200, o);
}

/* The channel's fields of body (kind, base_url, max_length) into p[0..2],
   as text; NULL where absent. required: all of them. -1 after 422. */
static int channel_fields(ing_call_t *c, json_t *body, int required, const char **p, char *maxlen) {
    const char *why;
    if (ing_org_text(c, body, "kind", required, 1, 32, &p[0]) ||
        ing_org_text(c, body, "base_url", required, 1, 512, &p[1]))
        return -1;
    if (p[0] && strcmp(p[0], "mastodon") != 0) {
        ing_api_refuse(c, 422, "kind", "invalid",
                       "kind '%s' is not supported (supported: mastodon)", p[0]);
        return -1;
    }
    if (p[1] && (why = ing_check_url(p[1]))) {
        ing_api_refuse(c, 422, "base_url", "invalid", "base_url %s", why);
        return -1;
    }
    json_t *m = json_object_get(body, "max_length");
    p[2] = NULL;
    if (m) {
        if (!json_is_integer(m) || json_integer_value(m) < 1 ||
            json_integer_value(m) > ING_CHECK_MAX_LENGTH) {
            ing_api_refuse(c, 422, "max_length", "invalid",
                           "max_length must be an integer from 1 to %d", ING_CHECK_MAX_LENGTH);
            return -1;
        }
        snprintf(maxlen, 24, "%lld", (long long)json_integer_value(m));
        p[2] = maxlen;
    }
    return 0;
}

void ing_cfg_channel_create(ing_call_t *c) {
    static const char *const known[] = {"id", "kind", "base_url", "max_length", NULL};
    if (ing_org_authorize(c, "channels", NULL, "channel") < 0)
        return;
    json_t *body = ing_api_body(c);
    const char *p[4] = {NULL}, *why;
    char maxlen[24];
    if (!body || ing_org_known(c, body, known) || ing_org_text(c, body, "id", 1, 1, 63, &p[0]) ||
        channel_fields(c, body, 1, p + 1, maxlen))
        goto out;
    if ((why = ing_check_slug(p[0]))) {
        ing_api_refuse(c, 422, "id", "invalid", "id %s", why);
        goto out;
    }
    if (ing_org_begin(c) < 0)
        goto out;
    json_t *o;
    int got = ing_org_one(c,
                          "INSERT INTO channel AS c (id, kind, base_url, max_length) "
                          "VALUES ($1, $2, $3, coalesce($4::int, 500)) "
                          "ON CONFLICT (id) DO NOTHING RETURNING " CHANNEL_JSON,
                          4, p, &o);
    if (got == 0)
        ing_org_refuse(c, 409, "id", "exists", "channel '%s' exists already", p[0]);
    else if (got > 0)
        ing_org_finish(c, &(ing_org_change_t){"channel", p[0], "created", NULL, NULL, NULL, o}, 201,
                       json_incref(o));
    json_decref(o);
out:
    json_decref(body);
}

void ing_cfg_channel_update(ing_call_t *c) {
    static const char *const known[] = {"kind", "base_url", "max_length", "version", NULL};
    if (ing_org_authorize(c, "channels", NULL, "channel") < 0)
        return;
    json_t *body = ing_api_body(c), *before = NULL, *after = NULL;
    const char *p[4] = {c->params[0]};
    char maxlen[24];
    long long want;
    if (!body || ing_org_known(c, body, known) || channel_fields(c, body, 0, p + 1, maxlen) ||
        (want = ing_org_required_version(c, body)) < 0)
        goto out;
    if (ing_org_begin(c) < 0)
        goto out;
    if (!(before = channel_of(c, 1)) || ing_org_fresh(c, before, want, "the channel"))
        goto out;
    int got = ing_org_one(c,
                          "UPDATE channel c SET kind = coalesce($2, kind), "
                          "base_url = coalesce($3, base_url), "
                          "max_length = coalesce($4::int, max_length), version = version + 1 "
                          "WHERE c.id = $1 RETURNING " CHANNEL_JSON,
                          4, p, &after);
    if (got == 0)
        ing_org_unavailable(c);
    else if (got > 0)
        ing_org_finish(c,
                       &(ing_org_change_t){"channel", p[0], "updated", NULL, NULL, before, after},
                       200, json_incref(after));
out:
    json_decref(before);
    json_decref(after);
    json_decref(body);
}

/* ---------------- accounts ---------------- */

void ing_cfg_accounts_list(ing_call_t *c) {
    if (ing_org_authorize(c, "channels", NULL, "channel") < 0)
        return;
    json_t *ch = channel_of(c, 0);
    if (!ch)
        return;
    json_decref(ch);
    const char *p[1] = {c->params[0]};
    ing_org_list(c,
                 "SELECT " ACCOUNT_JSON " FROM channel_account a WHERE a.channel_id = $1 "
                 "ORDER BY a.department_id",
                 1, p);
}

/* The account {id}/{department} FOR UPDATE in the open transaction: 1 and
   *o, 0 none (*o NULL), -1 after answering 503. */
static int account_of(ing_call_t *c, json_t **o) {
    const char *p[2] = {c->params[0], c->params[1]};
    int got = ing_org_one(c,
                          "SELECT " ACCOUNT_JSON " FROM channel_account a "
                          "WHERE a.channel_id = $1 AND a.department_id = $2 FOR UPDATE",
                          2, p, o);
    return got;
}

/* Checks the account's body: handle required, credential optional, both
   bounded. The credential sealed (hex, caller frees) into *sealed. */
static int account_fields(ing_call_t *c, json_t *body, const char **handle, char **sealed) {
    static const char *const known[] = {"handle", "credential", "version", NULL};
    const char *cred;
    *sealed = NULL;
    if (ing_org_known(c, body, known) || ing_org_text(c, body, "handle", 1, 1, 128, handle) ||
        ing_org_text(c, body, "credential", 0, 1, HD_SECRET_MAX, &cred))
        return -1;
    if (cred && !s_have_key) {
        ing_api_refuse(c, 503, "credential", "unavailable",
                       "no credentials key is configured here (HUDDLE_CREDENTIALS_KEY_FILE): "
                       "a credential cannot be stored");
        return -1;
    }
    if (cred)
        *sealed = hd_secret_seal(s_key, cred, strlen(cred));
    return 0;
}

/* The department and channel of the path exist: 0, or -1 answered. */
static int account_parents(ing_call_t *c) {
    json_t *ch = channel_of(c, 0);
    if (!ch)
        return -1;
    json_decref(ch);
    return ing_org_exists(c, "SELECT 1 FROM department WHERE id = $1", c->params[1], 404,
                          "department", "department") > 0
               ? 0
               : -1;
}

void ing_cfg_account_put(ing_call_t *c) {
    if (ing_org_authorize(c, "channels", NULL, "channel") < 0)
        return;
    json_t *body = ing_api_body(c), *before = NULL, *after = NULL;
    const char *handle;
    char *sealed = NULL;
    long long want;
    if (!body || account_fields(c, body, &handle, &sealed) ||
        (want = ing_org_expected_version(c, body)) < 0)
        goto out;
    if (ing_org_begin(c) < 0)
        goto out;
    int have = account_parents(c) < 0 ? -1 : account_of(c, &before);
    if (have < 0)
        goto out;
    if (!have && !sealed) {
        ing_org_refuse(c, 422, "credential", "required",
                       "'credential' is required to create an account");
        goto out;
    }
    if (have && want == 0) {
        ing_org_version_missing(c);
        goto out;
    }
    if (have && ing_org_fresh(c, before, want, "the account"))
        goto out;
    const char *p[4] = {c->params[0], c->params[1], handle, sealed};
    int got = ing_org_one(
        c,
        "INSERT INTO channel_account AS a (channel_id, department_id, handle, secret) "
        "VALUES ($1, $2, $3, decode($4, 'hex')) ON CONFLICT (channel_id, department_id) "
        "DO UPDATE SET handle = $3, token = NULL, version = a.version + 1, "
        "secret = CASE WHEN $4::text IS NULL THEN a.secret ELSE decode($4, 'hex') END "
        "RETURNING " ACCOUNT_JSON,
        4, p, &after);
    char id[300];
    snprintf(id, sizeof id, "%s/%s", c->params[0], c->params[1]);
    if (got == 0)
        ing_org_unavailable(c);
    else if (got > 0)
        ing_org_finish(c,
                       &(ing_org_change_t){"channel_account", id, have ? "updated" : "created",
                                           c->params[1], NULL, before, after},
                       have ? 200 : 201, json_incref(after));
out:
    free(sealed);
    json_decref(before);
    json_decref(after);
    json_decref(body);
}

void ing_cfg_account_delete(ing_call_t *c) {
    if (ing_org_authorize(c, "channels", NULL, "channel") < 0)
        return;
    json_t *before = NULL;
    long long want = ing_org_required_version(c, NULL);
    if (want < 0)
        return;
    if (ing_org_begin(c) < 0)
        return;
    int have = account_of(c, &before);
    if (have == 0)
        ing_org_refuse(c, 404, NULL, "not_found", "department '%s' has no account on '%s'",
                       c->params[1], c->params[0]);
    if (have <= 0 || ing_org_fresh(c, before, want, "the account"))
        goto out;
    const char *p[2] = {c->params[0], c->params[1]};
    char id[300];
    snprintf(id, sizeof id, "%s/%s", c->params[0], c->params[1]);
    if (hd_db_cmd(c->db, "DELETE FROM channel_account WHERE channel_id = $1 AND department_id = $2",
                  2, p) < 0)
        ing_org_unavailable(c);
    else
        ing_org_finish(
            c,
            &(ing_org_change_t){"channel_account", id, "deleted", c->params[1], NULL, before, NULL},
            200, json_incref(before));
out:
    json_decref(before);
}
