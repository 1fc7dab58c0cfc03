/*  inbox_action: a person's action on an inbox item (docs/inbox.md):
    assign, unassign, escalate, wait, resolve, reopen, route. The item is
    workflow's: ingest checks the request early against what the read side
    shows (ing_inbox_action_check: hd_inbox's rules, one home for them) so
    that the person gets 403 / 409 / 422 with the reason at once, then
    records the request as an inbox.requested event and answers 202.
    Workflow decides with the same rules when the event arrives and answers
    with inbox.<what> or inbox.refused, which the item's history shows: two
    people racing may both get 202, workflow takes the first. */
#include "inbox_api.h"

#include "admin.h"
#include "api.h"
#include "decode.h"
#include "hd_envelope.h"
#include "hd_log.h"
#include "hd_outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the request asks, beyond the action. Strings borrow from the body
   or the target's row. */
typedef struct {
    hd_inbox_action_t action;
    const char *to, *department, *reason; /* NULL: not given */
    hd_actor_t target;                    /* assign: the person named */
    char target_email[256];
    int has_target, target_active, target_away;
    char request_id[HD_ID_LEN], event_id[HD_ID_LEN];
    const char *key; /* Idempotency-Key, or NULL */
} request_t;

/* The action the path's last segment names; -1 none. */
static int path_action(ing_call_t *c) {
    const char *last = strrchr(hd_http_req_path(c->req), '/');
    return last ? hd_inbox_action_parse(last + 1) : -1;
}

/* The body: reason for every action, to for assign, department for route. */
static int read_body(ing_call_t *c, json_t *body, request_t *q) {
    if (ing_org_text(c, body, "reason", 0, 1, ING_INBOX_MAX_REASON, &q->reason) < 0)
        return -1;
    if (q->action == HD_INBOX_ASSIGN && ing_org_text(c, body, "to", 0, 1, 254, &q->to) < 0)
        return -1;
    if (q->action != HD_INBOX_ROUTE)
        return 0;
    if (ing_org_text(c, body, "department", 1, 1, 63, &q->department) < 0)
        return -1;
    if (!ing_admin_slug(q->department)) {
        ing_api_refuse(c, 422, "department", "invalid",
                       "department must be a department's id (^[a-z][a-z0-9-]{0,62}$)");
        return -1;
    }
    return ing_org_exists(c, "SELECT 1 FROM department WHERE id = $1", q->department, 422,
                          "department", "department") == 1
               ? 0
               : -1;
}

static const char *PERSON_SQL =
    "SELECT p.id, p.department_id, p.active, coalesce(p.away_until > now(), false), "
    "  coalesce(json_agg(r.role) FILTER (WHERE r.role IS NOT NULL), '[]')::text, p.email "
    "FROM person p LEFT JOIN person_role r ON r.person_id = p.id "
    "WHERE lower(p.email) = lower($1) OR p.id::text = lower($1) GROUP BY p.id";

/* The person an assign names (q->to) into q->target, unless it is the
   caller (an assign to oneself names nobody). 0, or -1 answered (422
   unknown, 503). */
static int read_target(ing_call_t *c, request_t *q) {
    if (!q->to)
        return 0;
    PGresult *r = hd_db_exec(c->db, PERSON_SQL, 1, (const char *[]){q->to});
    if (!r) {
        ing_api_refuse(c, 503, NULL, "unavailable", "database unavailable, retry");
        return -1;
    }
    int found = PQntuples(r) == 1;
    if (found && strcmp(PQgetvalue(r, 0, 0), c->who->id) != 0) {
        hd_actor_t *t = &q->target;
        snprintf(t->id, sizeof t->id, "%s", PQgetvalue(r, 0, 0));
        snprintf(t->department, sizeof t->department, "%s", PQgetvalue(r, 0, 1));
        snprintf(q->target_email, sizeof q->target_email, "%s", PQgetvalue(r, 0, 5));
        q->target_active = t->active = PQgetvalue(r, 0, 2)[0] == 't';
        q->target_away = PQgetvalue(r, 0, 3)[0] == 't';
        json_t *roles = json_loads(PQgetvalue(r, 0, 4), 0, NULL), *role;
        size_t i;
        json_array_foreach(roles, i, role) {
            if (t->nroles < HD_MAX_ROLES) /* ignoring roles past it can only refuse */
                snprintf(t->roles[t->nroles++], HD_ROLE_LEN, "%s", json_string_value(role));
        }
        json_decref(roles);
        q->has_target = 1;
    }
    PQclear(r);
    if (!found)
        ing_api_refuse(c, 422, "to", "invalid", "no such person '%s'", q->to);
    return found ? 0 : -1;
}

/* The request's ids: derived from the Idempotency-Key (a retry finds the
   request it made) or random. 0, or -1 answered 422. */
static int request_ids(ing_call_t *c, const char *mention, request_t *q) {
    q->key = hd_http_req_header(c->req, "Idempotency-Key");
    ing_refusal_t why;
    if (q->key && ing_decode_key(q->key, "Idempotency-Key", &why) < 0) {
        ing_api_refuse(c, why.status, why.field, why.code, "%s", why.message);
        return -1;
    }
    if (q->key) {
        char label[ING_MAX_KEY + 128];
        snprintf(label, sizeof label, "inbox.requested:%s:%s:%s", c->who->id,
                 hd_inbox_action_name(q->action), q->key);
        hd_id_derive(q->request_id, mention, label);
    } else
        hd_id_random(q->request_id);
    hd_id_derive(q->event_id, q->request_id, "inbox.requested");
    return 0;
}

/* 1 when the request's event is recorded already (a client's retry with
   its Idempotency-Key), 0 not, -1 database error. */
static int recorded(ing_call_t *c, const request_t *q) {
    if (!q->key)
        return 0;
    return (int)hd_db_count(c->db,
                            "SELECT 1 FROM outbox WHERE event_id = $1::uuid UNION ALL "
                            "SELECT 1 FROM event_log WHERE event_id = $1::uuid",
                            1, (const char *[]){q->event_id}) > 0;
}

static void answer(ing_call_t *c, const char *mention, const request_t *q, int status) {
    hd_http_respond_json(c->req, status,
                         json_pack("{s:s, s:s, s:s, s:s}", "request_id", q->request_id,
                                   "mention_id", mention, "action", hd_inbox_action_name(q->action),
                                   "status", status == 202 ? "accepted" : "duplicate"));
}

/* Records inbox.requested and answers 202 (200 for a replay). */
static void record(ing_call_t *c, const char *mention, const ing_inbox_item_t *item,
                   const request_t *q) {
    Huddle__V1__InboxRequested body = HUDDLE__V1__INBOX_REQUESTED__INIT;
    body.request_id = (char *)q->request_id;
    body.mention_id = (char *)mention;
    body.action = (char *)hd_inbox_action_name(q->action);
    if (q->action == HD_INBOX_ASSIGN) {
        body.assignee_id = (char *)(q->has_target ? q->target.id : c->who->id);
        body.assignee_email = (char *)(q->has_target ? q->target_email : c->who->email);
    }
    body.department = (char *)(q->department ? q->department : "");
    body.actor_id = (char *)c->who->id;
    body.actor_email = (char *)c->who->email;
    body.reason = (char *)(q->reason ? q->reason : "");
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_INBOX_REQUESTED;
    env.inbox_requested = &body;
    env.department = (char *)(ing_inbox_in_triage(item) ? "" : item->department);
    env.correlation_id = (char *)mention;
    env.actor = (char *)c->who->email;
    env.token_id = (char *)c->who->token_id;
    char eid[HD_ID_LEN];
    hd_envelope_stamp(&env, eid, "ingest", q->request_id, "inbox.requested");
    env.causation_id = "";
    int rc = hd_db_begin(c->db) < 0 ? -1 : hd_outbox_put(c->db, &env);
    if (rc < 0 || hd_db_commit(c->db) < 0) {
        ing_org_unavailable(c);
        return;
    }
    hd_log(HD_LOG_INFO, "inbox_requested", q->request_id, mention, "%s by %s",
           hd_inbox_action_name(q->action), c->who->email);
    answer(c, mention, q, rc == 1 ? 200 : 202);
}

/* The early check (inbox_rules.h) of q on the loaded item; 0, or answered. */
static int check(ing_call_t *c, const ing_inbox_item_t *item, const request_t *q) {
    hd_actor_t actor;
    ing_inbox_actor(c->who, &actor);
    hd_inbox_target_t target = {&q->target, q->target_active, q->target_away};
    char why[300];
    int status = ing_inbox_action_check(&actor, item, q->action, q->has_target ? &target : NULL,
                                        q->department, why, sizeof why);
    if (!status)
        return 0;
    const char *field = status == 403                 ? NULL
                        : status == 409               ? "id"
                        : q->action == HD_INBOX_ROUTE ? "department"
                                                      : "to";
    ing_api_refuse(c, status, field,
                   status == 403   ? "forbidden"
                   : status == 409 ? "conflict"
                                   : "invalid",
                   "%s", why);
    return -1;
}

/* The members a body may hold: to for assign, department for route. */
static const char *const *known_members(hd_inbox_action_t a) {
    static const char *const assign[] = {"to", "reason", NULL};
    static const char *const route[] = {"department", "reason", NULL};
    static const char *const other[] = {"reason", NULL};
    return a == HD_INBOX_ASSIGN ? assign : a == HD_INBOX_ROUTE ? route : other;
}

void ing_inbox_action(ing_call_t *c) {
    const char *mention = c->params[0];
    request_t q = {0};
    int a = path_action(c), rc;
    if (a < 0) { /* the route table names only actions */
        ing_api_refuse(c, 404, NULL, "not_found", "no such inbox action");
        return;
    }
    q.action = (hd_inbox_action_t)a;
    json_t *body = ing_org_body(c, known_members(q.action), 1);
    ing_inbox_loaded_t l = {0};
    if (!body)
        return;
    if (read_body(c, body, &q) == 0 && ing_inbox_load(c, mention, &l) == 1 &&
        request_ids(c, mention, &q) == 0) {
        if ((rc = recorded(c, &q)) < 0)
            ing_api_refuse(c, 503, NULL, "unavailable", "database unavailable, retry");
        else if (rc == 1)
            answer(c, mention, &q, 200);
        else if (read_target(c, &q) == 0 && check(c, &l.item, &q) == 0)
            record(c, mention, &l.item, &q);
    }
    ing_inbox_loaded_free(&l);
    json_decref(body);
}
