/*  inbox_api: the inbox routes' table, the list and one item (see the
    header). */
#include "inbox_api.h"

#include "admin.h"
#include "api.h"
#include "read_side.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An item as the API shows it: every column of read_inbox. The triage
   queue is the items routed to no department (inbox_item.triage says the
   same). */
#define INBOX_JSON                                                                           \
    "json_build_object('mention_id', i.mention_id, 'department', i.department_id, "          \
    "'triage', i.department_id = '', 'rule', i.rule_id, 'channel', i.channel_id, "           \
    "'author', i.author_handle, 'text', i.text, 'url', i.url, 'routed_at', i.routed_at, "    \
    "'state', i.state, 'crisis', i.crisis_id, 'feed', i.feed_id, 'external_id', "            \
    "i.external_id, 'received_at', i.received_at, 'assignee_id', i.assignee_id, "            \
    "'assignee', i.assignee_email, 'assigned_at', i.assigned_at, 'state_at', i.state_at, "   \
    "'escalated', i.escalated, 'sla_due_at', i.sla_due_at, 'sla_warn_at', i.sla_warn_at, "   \
    "'sla_warned', i.sla_warned, 'sla_breached', i.sla_breached, 'first_response_at', "      \
    "i.first_response_at, 'first_response_ms', i.first_response_ms, 'reply_content_id', "    \
    "i.reply_content_id, 'replied_by', i.replied_by, 'conversation_of', i.conversation_of, " \
    "'version', i.version)::text"

/* Which items a list reads: decided in C from who asks and what (the
   visibility rule, ing_inbox_visible), so that each statement is one
   plain condition an index serves, newest first. */
typedef enum { SCOPE_NONE = 0, SCOPE_ALL, SCOPE_DEPARTMENT, SCOPE_TRIAGE, SCOPE_BOTH } scope_t;

/* The filters: $1 limit, $2 state, $3 assignee, $4 breached, $5 before
   that mention; $6 the department (SCOPE_DEPARTMENT, SCOPE_BOTH). */
#define LIST_FILTERS                                                                 \
    "($2::text IS NULL OR i.state = $2 OR ($2 = 'open' AND i.state <> 'resolved')) " \
    "AND ($3::uuid IS NULL OR i.assignee_id = $3::uuid) "                            \
    "AND ($4::boolean IS NULL OR i.sla_breached = $4) "                              \
    "AND ($5::uuid IS NULL OR (i.routed_at, i.mention_id) < "                        \
    "     (SELECT b.routed_at, b.mention_id FROM read_inbox b WHERE b.mention_id = $5::uuid)) "
#define LIST_SELECT \
    "SELECT " INBOX_JSON " AS j, i.mention_id AS id, i.routed_at AS r FROM read_inbox i "
#define LIST_PAGE "ORDER BY i.routed_at DESC, i.mention_id DESC LIMIT $1"

static const char *const LIST_SQL[] = {
    [SCOPE_ALL] = LIST_SELECT "WHERE " LIST_FILTERS LIST_PAGE,
    [SCOPE_DEPARTMENT] = LIST_SELECT "WHERE i.department_id = $6 AND " LIST_FILTERS LIST_PAGE,
    [SCOPE_TRIAGE] = LIST_SELECT "WHERE i.department_id = '' AND " LIST_FILTERS LIST_PAGE,
    [SCOPE_BOTH] =
        "SELECT j, id FROM ((" LIST_SELECT "WHERE i.department_id = $6 AND " LIST_FILTERS LIST_PAGE
        ") UNION ALL (" LIST_SELECT "WHERE i.department_id = '' AND " LIST_FILTERS LIST_PAGE
        ")) u ORDER BY r DESC, id DESC LIMIT $1"};

/* What viewer reads when asking for department (NULL: every one it may
   see; "": triage), and the department's id into *dept. */
static scope_t scope_of(const ing_person_t *viewer, const char *asked, const char **dept) {
    ing_inbox_item_t triage = {"", "", "", ""};
    *dept = asked ? asked : viewer->department;
    if (!asked && ing_read_sees_all(viewer))
        return SCOPE_ALL;
    if (!asked)
        return ing_inbox_visible(viewer, &triage) ? SCOPE_BOTH : SCOPE_DEPARTMENT;
    ing_inbox_item_t probe = {asked, "", "", ""};
    if (!ing_inbox_visible(viewer, &probe))
        return SCOPE_NONE;
    return *asked ? SCOPE_DEPARTMENT : SCOPE_TRIAGE;
}

json_t *ing_inbox_list(hd_db_t *db, const ing_person_t *viewer, const ing_inbox_filter_t *f,
                       int *status) {
    char lim[16];
    const char *dept;
    snprintf(lim, sizeof lim, "%d", f->limit);
    scope_t scope = scope_of(viewer, f->department, &dept);
    const char *breached = f->breached < 0 ? NULL : f->breached ? "t" : "f";
    const char *p[6] = {lim, f->state, f->assignee, breached, f->before, dept};
    int uses_dept = scope == SCOPE_DEPARTMENT || scope == SCOPE_BOTH;
    PGresult *r = scope ? hd_db_exec(db, LIST_SQL[scope], uses_dept ? 6 : 5, p) : NULL;
    if (scope && !r) {
        *status = 503;
        return NULL;
    }
    json_t *items = json_array();
    int rows = r ? PQntuples(r) : 0;
    for (int i = 0; i < rows; i++) {
        json_t *o = json_loads(PQgetvalue(r, i, 0), 0, NULL);
        json_array_append_new(items, o ? o : json_null());
    }
    json_t *next =
        rows == f->limit && rows > 0 ? json_string(PQgetvalue(r, rows - 1, 1)) : json_null();
    if (r)
        PQclear(r);
    *status = 200;
    return json_pack("{s:o, s:o}", "items", items, "next_before", next);
}

/* A true/false query parameter into *out (-1 when absent). 0, or -1 after
   answering 422 naming it. */
static int bool_param(ing_call_t *c, const char *name, int *out) {
    char buf[256]; /* what the dispatcher lets through fits: none is cut to absent */
    const char *v = hd_http_req_param(c->req, name, buf, sizeof buf);
    *out = !v ? -1 : !strcmp(v, "true") ? 1 : !strcmp(v, "false") ? 0 : -2;
    if (*out == -2) {
        ing_api_refuse(c, 422, name, "invalid", "%s must be true or false", name);
        return -1;
    }
    return 0;
}

/* The query's filters into f (strings in the buffers). 0, or -1 answered. */
static int read_filter(ing_call_t *c, ing_inbox_filter_t *f, char *state, char *dept,
                       char *before) {
    int mine;
    memset(f, 0, sizeof *f);
    f->state = hd_http_req_param(c->req, "state", state, 256);
    f->department = hd_http_req_param(c->req, "department", dept, 256);
    f->before = hd_http_req_param(c->req, "before", before, 256);
    if (f->state && strcmp(f->state, "open") && hd_inbox_state_parse(f->state) < 0) {
        ing_api_refuse(c, 422, "state", "invalid",
                       "state must be new, assigned, waiting, resolved or open (not resolved)");
        return -1;
    }
    if (f->department && strcmp(f->department, "triage") && !ing_admin_slug(f->department)) {
        ing_api_refuse(c, 422, "department", "invalid",
                       "department must be a department's id, or triage");
        return -1;
    }
    if (f->department && !strcmp(f->department, "triage"))
        f->department = "";
    if (f->before && !hd_id_valid(f->before)) {
        ing_api_refuse(c, 422, "before", "invalid",
                       "before must be a mention id (the last of the page before: next_before)");
        return -1;
    }
    if (bool_param(c, "mine", &mine) < 0 || bool_param(c, "breached", &f->breached) < 0 ||
        ing_api_limit(c, 50, 1000, &f->limit) < 0)
        return -1;
    f->assignee = mine == 1 ? c->who->id : NULL;
    return 0;
}

static void get_inbox(ing_call_t *c) {
    char state[256], dept[256], before[256]; /* the dispatcher refuses longer values */
    ing_inbox_filter_t f;
    int status;
    if (read_filter(c, &f, state, dept, before) < 0)
        return;
    json_t *box = ing_inbox_list(c->read_db, c->who, &f, &status);
    if (box)
        hd_http_respond_json(c->req, 200, box);
    else
        ing_api_refuse(c, 503, NULL, "unavailable", "database unavailable, retry");
}

/* ---------- one item ---------- */

static const char *ITEM_SQL =
    "SELECT " INBOX_JSON ", i.department_id, i.state, coalesce(i.assignee_id::text, ''), "
    "coalesce(i.assignee_email, ''), i.version FROM read_inbox i WHERE i.mention_id = $1::uuid";

int ing_inbox_load(ing_call_t *c, const char *id, ing_inbox_loaded_t *out) {
    memset(out, 0, sizeof *out);
    if (!hd_id_valid(id)) {
        ing_api_refuse(c, 404, "id", "not_found", "'%s' is not a mention id", id);
        return 0;
    }
    PGresult *r = hd_db_exec(c->read_db, ITEM_SQL, 1, (const char *[]){id});
    if (!r) {
        ing_api_refuse(c, 503, NULL, "unavailable", "database unavailable, retry");
        return -1;
    }
    out->r = r;
    if (PQntuples(r) == 1) {
        out->json = PQgetvalue(r, 0, 0);
        out->item = (ing_inbox_item_t){PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2),
                                       PQgetvalue(r, 0, 3), PQgetvalue(r, 0, 4)};
        out->version = atoll(PQgetvalue(r, 0, 5));
        if (ing_inbox_visible(c->who, &out->item))
            return 1;
    }
    ing_inbox_loaded_free(out);
    ing_api_refuse(c, 404, "id", "not_found", "no inbox item %s", id);
    return 0;
}

void ing_inbox_loaded_free(ing_inbox_loaded_t *l) {
    if (l->r)
        PQclear(l->r);
    memset(l, 0, sizeof *l);
}

static const char *REPLIES_SQL =
    "SELECT json_build_object('content_id', content_id, 'author', author_email, 'created_at', "
    "created_at, 'text', text, 'supersedes', supersedes, 'state', state, 'post_id', post_id, "
    "'url', url)::text, state FROM read_inbox_reply WHERE mention_id = $1::uuid "
    "ORDER BY created_at, content_id";

/* The mention's replies, oldest first, each saying whether it is pending;
   NULL on a database error. */
static json_t *replies(hd_db_t *db, const char *id) {
    PGresult *r = hd_db_exec(db, REPLIES_SQL, 1, (const char *[]){id});
    if (!r)
        return NULL;
    json_t *a = json_array();
    for (int i = 0; i < PQntuples(r); i++) {
        json_t *o = json_loads(PQgetvalue(r, i, 0), 0, NULL);
        if (!o)
            continue;
        json_object_set_new(o, "pending",
                            json_boolean(ing_inbox_reply_pending(PQgetvalue(r, i, 1))));
        json_array_append_new(a, o);
    }
    PQclear(r);
    return a;
}

static void get_item(ing_call_t *c) {
    ing_inbox_loaded_t l;
    if (ing_inbox_load(c, c->params[0], &l) != 1)
        return;
    json_t *o = json_loads(l.json, 0, NULL), *rs = replies(c->read_db, c->params[0]);
    json_t *h = rs ? ing_read_history(c->read_db, c->params[0]) : NULL;
    ing_inbox_loaded_free(&l);
    if (!o || !h) {
        json_decref(o);
        json_decref(rs);
        json_decref(h);
        ing_api_refuse(c, 503, NULL, "unavailable", "database unavailable, retry");
        return;
    }
    json_object_set_new(o, "replies", rs);
    json_object_set_new(o, "history", h);
    hd_http_respond_json(c->req, 200, o);
}

const ing_route_t ing_inbox_routes[] = {
    {"GET", "/v1/inbox", ING_SCOPE_READ, get_inbox, "the inbox items the caller may see, filtered"},
    {"GET", "/v1/inbox/{id}", ING_SCOPE_READ, get_item, "an inbox item, its replies and history"},
    {"POST", "/v1/inbox/{id}/assign", ING_SCOPE_SUBMIT, ing_inbox_action,
     "assign an item (to the caller, or to a person)"},
    {"POST", "/v1/inbox/{id}/unassign", ING_SCOPE_SUBMIT, ing_inbox_action,
     "give an item back to the queue"},
    {"POST", "/v1/inbox/{id}/escalate", ING_SCOPE_SUBMIT, ing_inbox_action,
     "hand an item to the department's coach"},
    {"POST", "/v1/inbox/{id}/wait", ING_SCOPE_SUBMIT, ing_inbox_action,
     "wait for the author's answer"},
    {"POST", "/v1/inbox/{id}/resolve", ING_SCOPE_SUBMIT, ing_inbox_action, "close an item"},
    {"POST", "/v1/inbox/{id}/reopen", ING_SCOPE_SUBMIT, ing_inbox_action, "reopen an item"},
    {"POST", "/v1/inbox/{id}/route", ING_SCOPE_SUBMIT, ing_inbox_action,
     "send an item to a department (out of triage, or elsewhere)"},
    {"POST", "/v1/inbox/{id}/replies", ING_SCOPE_SUBMIT, ing_inbox_reply,
     "answer a mention (a content item of kind reply)"},
    {"PUT", "/v1/me/away", ING_SCOPE_SUBMIT, ing_inbox_away_put,
     "the caller is away (no automatic assignment)"},
    {"DELETE", "/v1/me/away", ING_SCOPE_SUBMIT, ing_inbox_away_delete, "the caller is back"},
    {"GET", "/v1/admin/inbox-settings", ING_SCOPE_ADMIN, ing_inbox_settings_list,
     "every department's inbox settings"},
    {"GET", "/v1/admin/inbox-settings/{department}", ING_SCOPE_ADMIN, ing_inbox_setting_get,
     "a department's (or the default) inbox settings"},
    {"PUT", "/v1/admin/inbox-settings/{department}", ING_SCOPE_ADMIN, ing_inbox_setting_put,
     "set a department's (or the default) inbox settings"},
    {"GET", "/v1/admin/holidays", ING_SCOPE_ADMIN, ing_inbox_holidays_list, "the holidays"},
    {"PUT", "/v1/admin/holidays/{department}/{day}", ING_SCOPE_ADMIN, ing_inbox_holiday_put,
     "a holiday of a department (or of all)"},
    {"DELETE", "/v1/admin/holidays/{department}/{day}", ING_SCOPE_ADMIN, ing_inbox_holiday_delete,
     "remove a holiday"},
    {NULL, NULL, 0, NULL, NULL}};
