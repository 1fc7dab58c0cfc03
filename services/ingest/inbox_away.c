/*  inbox_away: a person away and back (docs/inbox.md): PUT and DELETE
    /v1/me/away. While away (person.away_until in the future, 'infinity'
    until they come back) nobody may assign them an item and
    auto-assignment passes them over. A person says it of themselves only;
    each change is an org.person.away / org.person.back event. It is
    presence, not administration: the person's version stays as it is. */
#include "inbox_api.h"

#include "api.h"
#include "decode.h"
#include "org.h"
#include "rfc3339.h"

#include <stdio.h>
#include <string.h>

#define AWAY_JSON                                                                     \
    "json_build_object('id', p.id, 'email', p.email, 'department', p.department_id, " \
    "'away_until', p.away_until)::text"

static const char *AWAY_SQL[2] = {
    "UPDATE person p SET away_until = NULL WHERE p.id = $1::uuid RETURNING " AWAY_JSON,
    "UPDATE person p SET away_until = coalesce(timestamptz 'epoch' + $2::bigint * "
    "interval '1 millisecond', 'infinity') WHERE p.id = $1::uuid RETURNING " AWAY_JSON};

/* Sets the caller's away_until to until_ms (NULL: 'infinity') when away,
   else clears it; records the change and answers the person. */
static void change(ing_call_t *c, const char *until_ms, int away) {
    json_t *before = NULL, *after = NULL;
    const char *p[2] = {c->who->id, until_ms};
    if (ing_org_begin(c) < 0)
        return;
    int got = ing_org_one(c, "SELECT " AWAY_JSON " FROM person p WHERE p.id = $1::uuid FOR UPDATE",
                          1, p, &before);
    if (got == 1)
        got = ing_org_one(c, AWAY_SQL[away], away ? 2 : 1, p, &after);
    if (got == 0) /* deactivated since the token was checked */
        ing_org_unavailable(c);
    else if (got == 1 && !away && json_is_null(json_object_get(before, "away_until"))) {
        hd_db_rollback(c->db); /* back already: nothing changed, nothing recorded */
        hd_http_respond_json(c->req, 200, json_incref(after));
    } else if (got == 1)
        ing_org_finish(c,
                       &(ing_org_change_t){"person", c->who->id, away ? "away" : "back",
                                           c->who->department, NULL, before, after},
                       200, json_incref(after));
    json_decref(before);
    json_decref(after);
}

void ing_inbox_away_put(ing_call_t *c) {
    static const char *const known[] = {"until", NULL};
    const char *until;
    long long ms = 0, now = ing_rfc3339_now_ms();
    char buf[24];
    json_t *body = ing_org_body(c, known, 1);
    if (!body || ing_org_text(c, body, "until", 0, 1, 64, &until) < 0) {
        json_decref(body);
        return;
    }
    if (until && ing_rfc3339_ms(until, &ms) < 0)
        ing_api_refuse(c, 422, "until", "invalid",
                       "until must be an RFC 3339 date-time such as 2026-12-07T09:00:00Z (or "
                       "absent: until you come back)");
    else if (until && (ms <= now || ms > now + ING_SCHEDULE_AHEAD_MS))
        ing_api_refuse(c, 422, "until", "invalid",
                       "until must lie in the future, at most 366 days ahead");
    else {
        snprintf(buf, sizeof buf, "%lld", ms);
        change(c, until ? buf : NULL, 1);
    }
    json_decref(body);
}

void ing_inbox_away_delete(ing_call_t *c) {
    static const char *const known[] = {NULL};
    json_t *body = ing_org_body(c, known, 1);
    if (body)
        change(c, NULL, 0);
    json_decref(body);
}
