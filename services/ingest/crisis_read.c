/*  crisis_read: GET /v1/crises and GET /v1/crises/{id} (docs/crisis.md),
    through the read side's view read_crisis. Crises are the whole
    organization's: any token with the scope read sees every one. */
#include "crisis_api.h"

#include "admin.h"
#include "api.h"
#include "org.h"

#include <stdio.h>

#define LIST_DEFAULT 50
#define LIST_MAX 500

static const char *LIST_SQL = "SELECT " ING_CRISIS_JSON(
    "crisis_id") " FROM read_crisis "
                 "WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR playbook = $2) "
                 "ORDER BY started_at DESC, crisis_id LIMIT $3::int";

void ing_crisis_list(ing_call_t *c) {
    char sbuf[256], pbuf[256], lim[16]; /* the dispatcher refuses longer values */
    const char *state = hd_http_req_param(c->req, "state", sbuf, sizeof sbuf);
    const char *pb = hd_http_req_param(c->req, "playbook", pbuf, sizeof pbuf);
    int limit;
    if (state && hd_crisis_state_parse(state) < 0) {
        ing_api_refuse(c, 422, "state", "invalid",
                       "state must be proposed, declared, drill, resumed or dismissed");
        return;
    }
    if (pb && !ing_admin_slug(pb)) {
        ing_api_refuse(c, 422, "playbook", "invalid",
                       "playbook must be a playbook's name (^[a-z][a-z0-9-]{0,62}$)");
        return;
    }
    if (ing_api_limit(c, LIST_DEFAULT, LIST_MAX, &limit) < 0)
        return;
    snprintf(lim, sizeof lim, "%d", limit);
    json_t *rows;
    if (ing_org_rows(c, c->read_db, LIST_SQL, 3, (const char *[]){state, pb, lim}, &rows) >= 0)
        hd_http_respond_json(c->req, 200, json_pack("{s:o}", "items", rows));
}

void ing_crisis_show(ing_call_t *c) {
    const char *id;
    if (ing_crisis_id_arg(c, &id) < 0)
        return;
    json_t *o = ing_crisis_json(c, c->read_db, id, 1);
    if (o)
        hd_http_respond_json(c->req, 200, o);
}
