/*  crisis_api: the crisis routes' table, and the changes of a crisis's
    state by a person (docs/crisis.md): declare, drill, confirm, dismiss,
    resume. Each is one transaction on c->db that checks who may, checks
    the state, changes the row and records its crisis.<what> event; a
    declaration and a confirmation go through hd_crisis (which takes the
    fence: the request waits while publishing calls are on the wire). */
#include "crisis_api.h"

#include "admin.h"
#include "api.h"
#include "crisis_event.h"
#include "crisis_rules.h"
#include "decode.h"
#include "hd_id.h"
#include "hd_log.h"
#include "hd_outbox.h"
#include "hd_pgarray.h"
#include "org.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- declare, drill ---------- */

/* What a declaration asks. Strings borrow from the body. */
typedef struct {
    const char *playbook, *reason;
    ing_strlist_t departments, channels; /* none given: the playbook's */
    char id[HD_ID_LEN];                  /* the new crisis's id */
    const char *key;                     /* Idempotency-Key, or NULL */
} declaration_t;

/* The body's list of ids `name` (departments or channels) into *out: absent,
   null or [] is none (the playbook's own scope: an empty list never widens
   it). 0, or -1 after answering 422 naming it. */
static int read_ids(ing_call_t *c, json_t *body, const char *name, ing_strlist_t *out) {
    json_t *v = json_object_get(body, name);
    ing_strlist_parse(out, NULL);
    if (!v || json_is_null(v))
        return 0;
    int dept = strcmp(name, "departments") == 0;
    size_t i, n = json_is_array(v) ? json_array_size(v) : 0;
    json_t *e;
    int ok = json_is_array(v) && n <= ING_CRISIS_MAX_SCOPE;
    json_array_foreach(v, i, e) {
        const char *id = json_string_value(e);
        ok = ok && id && (dept ? ing_admin_slug(id) : ing_channel_valid(id));
    }
    if (!ok) {
        ing_api_refuse(c, 422, name, "invalid", "'%s' must be a list of at most %d %s ids", name,
                       ING_CRISIS_MAX_SCOPE, dept ? "department" : "channel");
        return -1;
    }
    char *text = json_dumps(v, JSON_COMPACT);
    ing_strlist_free(out);
    ing_strlist_parse(out, text);
    free(text);
    return 0;
}

/* The body and the Idempotency-Key into d. 0, or -1 answered. */
static int read_declaration(ing_call_t *c, json_t *body, hd_crisis_state_t state,
                            declaration_t *d) {
    memset(d, 0, sizeof *d);
    ing_strlist_parse(&d->departments, NULL);
    ing_strlist_parse(&d->channels, NULL);
    if (ing_org_text(c, body, "playbook", 1, 1, 63, &d->playbook) < 0)
        return -1;
    if (!ing_admin_slug(d->playbook)) {
        ing_api_refuse(c, 422, "playbook", "invalid",
                       "playbook must be a playbook's name (^[a-z][a-z0-9-]{0,62}$)");
        return -1;
    }
    if (ing_org_text(c, body, "reason", 1, 1, ING_CRISIS_MAX_REASON, &d->reason) < 0)
        return -1;
    if (state == HD_CRISIS_DECLARED && (read_ids(c, body, "departments", &d->departments) < 0 ||
                                        read_ids(c, body, "channels", &d->channels) < 0))
        return -1;
    d->key = hd_http_req_header(c->req, "Idempotency-Key");
    ing_refusal_t why;
    if (d->key && ing_decode_key(d->key, "Idempotency-Key", &why) < 0) {
        ing_api_refuse(c, why.status, why.field, why.code, "%s", why.message);
        return -1;
    }
    if (d->key) { /* a retry of the request finds the crisis it made */
        char label[ING_MAX_KEY + 16];
        snprintf(label, sizeof label, "crisis:%s", d->key);
        hd_id_derive(d->id, c->who->id, label);
    } else
        hd_id_random(d->id);
    return 0;
}

static void declaration_free(declaration_t *d) {
    ing_strlist_free(&d->departments);
    ing_strlist_free(&d->channels);
}

static const char *PLAYBOOK_SQL = "SELECT coalesce(spec->'team'->'roles', '[]')::text, "
                                  "  coalesce((spec->'triggers'->>'manual')::boolean, true), "
                                  "  coalesce(spec->'scope'->'departments', '[]')::text, "
                                  "  coalesce(spec->'scope'->'channels', '[]')::text "
                                  "FROM playbook_version WHERE name = $1 AND active";

/* The first of ids that names no row of `table` (department, channel). */
static const char *UNKNOWN_SQL[2] = {"SELECT x FROM unnest($1::text[]) AS x WHERE NOT EXISTS "
                                     "(SELECT 1 FROM department d WHERE d.id = x) LIMIT 1",
                                     "SELECT x FROM unnest($1::text[]) AS x WHERE NOT EXISTS "
                                     "(SELECT 1 FROM channel ch WHERE ch.id = x) LIMIT 1"};

/* 0 when every id of l exists (departments: which 0, channels 1), else -1
   after answering 422 naming field (or 503). */
static int known_ids(ing_call_t *c, const ing_strlist_t *l, int which, const char *field) {
    if (l->n == 0)
        return 0;
    hd_pgarray_t ids = {0};
    for (size_t i = 0; i < l->n; i++)
        hd_pgarray_add(&ids, l->v[i]);
    PGresult *u = hd_db_exec_arrays(c->db, UNKNOWN_SQL[which], &ids, 1);
    if (!u) {
        ing_org_unavailable(c);
        return -1;
    }
    int rc = PQntuples(u) ? -1 : 0;
    if (rc)
        ing_org_refuse(c, 422, field, "invalid", "no such %s '%s'",
                       which ? "channel" : "department", PQgetvalue(u, 0, 0));
    PQclear(u);
    return rc;
}

/* In the open transaction: the playbook exists, the caller may declare it
   (a team role or orchestrator; by hand only when triggers.manual), and
   the narrower scope lies inside the playbook's. 0, or -1 answered. */
static int may_declare(ing_call_t *c, const declaration_t *d, hd_crisis_state_t state) {
    PGresult *r = hd_db_exec(c->db, PLAYBOOK_SQL, 1, (const char *[]){d->playbook});
    if (!r) {
        ing_org_unavailable(c);
        return -1;
    }
    if (PQntuples(r) != 1) {
        PQclear(r);
        ing_org_refuse(c, 404, "playbook", "not_found", "no active playbook '%s'", d->playbook);
        return -1;
    }
    ing_strlist_t team, deps, chans;
    ing_strlist_parse(&team, PQgetvalue(r, 0, 0));
    ing_strlist_parse(&deps, PQgetvalue(r, 0, 2));
    ing_strlist_parse(&chans, PQgetvalue(r, 0, 3));
    int manual = PQgetvalue(r, 0, 1)[0] == 't', rc = -1;
    const char *out_d = ing_crisis_outside(d->departments.v, d->departments.n, deps.v, deps.n);
    const char *out_c = ing_crisis_outside(d->channels.v, d->channels.n, chans.v, chans.n);
    char list[512];
    if (!ing_crisis_may(c->who, team.v, team.n))
        ing_crisis_refuse_roles(c, state == HD_CRISIS_DRILL ? "a drill" : "declaring a crisis",
                                &team, NULL);
    else if (state == HD_CRISIS_DECLARED && !manual)
        ing_org_refuse(c, 403, "playbook", "forbidden",
                       "playbook '%s' is not declared by hand (triggers.manual is false): spike "
                       "detection proposes or declares it",
                       d->playbook);
    else if (out_d)
        ing_org_refuse(c, 422, "departments", "invalid",
                       "department '%s' is outside playbook '%s''s scope (%s)", out_d, d->playbook,
                       ing_crisis_join(deps.v, deps.n, list, sizeof list));
    else if (out_c)
        ing_org_refuse(c, 422, "channels", "invalid",
                       "channel '%s' is outside playbook '%s''s scope (%s)", out_c, d->playbook,
                       ing_crisis_join(chans.v, chans.n, list, sizeof list));
    else if (known_ids(c, &d->departments, 0, "departments") == 0 &&
             known_ids(c, &d->channels, 1, "channels") == 0)
        rc = 0;
    ing_strlist_free(&team);
    ing_strlist_free(&deps);
    ing_strlist_free(&chans);
    PQclear(r);
    return rc;
}

/* A retry under the same Idempotency-Key: 1 answered (200 with the crisis
   it made, or 422 when the key made another request), 0 none, -1
   answered 503. In the open transaction. */
static int retried(ing_call_t *c, const declaration_t *d, hd_crisis_state_t state) {
    PGresult *r = hd_db_exec(c->db, "SELECT playbook, reason, drill FROM crisis WHERE id = $1", 1,
                             (const char *[]){d->id});
    if (!r) {
        ing_org_unavailable(c);
        return -1;
    }
    int found = PQntuples(r) == 1;
    int same = found && !strcmp(PQgetvalue(r, 0, 0), d->playbook) &&
               !strcmp(PQgetvalue(r, 0, 1), d->reason) &&
               (PQgetvalue(r, 0, 2)[0] == 't') == (state == HD_CRISIS_DRILL);
    PQclear(r);
    if (!found)
        return 0;
    if (!same) {
        ing_org_refuse(c, 422, "Idempotency-Key", "idempotency_key_reused",
                       "Idempotency-Key was already used for another declaration (crisis %s): a "
                       "new request needs a new key",
                       d->id);
        return 1;
    }
    json_t *o = ing_crisis_json(c, c->db, d->id, 0);
    hd_db_rollback(c->db);
    if (o)
        hd_http_respond_json(c->req, 200, o);
    return 1;
}

/* hd_crisis_declare, committed; the answer 201 with the crisis. */
static void record_declaration(ing_call_t *c, const declaration_t *d, hd_crisis_state_t state) {
    hd_crisis_declare_t in = {.crisis_id = d->id,
                              .playbook = d->playbook,
                              .state = state,
                              .reason = d->reason,
                              .actor_id = c->who->id,
                              .actor_email = c->who->email,
                              .departments = d->departments.n ? d->departments.v : NULL,
                              .ndepartments = d->departments.n,
                              .channels = d->channels.n ? d->channels.v : NULL,
                              .nchannels = d->channels.n,
                              .token_id = c->who->token_id};
    hd_crisis_rc_t rc = hd_crisis_declare(c->db, &in);
    if (rc == HD_CRISIS_NO_PLAYBOOK) /* deactivated since may_declare read it */
        ing_org_refuse(c, 404, "playbook", "not_found", "no active playbook '%s'", d->playbook);
    else if (rc == HD_CRISIS_SCOPE) /* its scope changed since may_declare read it */
        ing_org_refuse(c, 422, d->departments.n ? "departments" : "channels", "invalid",
                       "the scope asked is outside playbook '%s''s scope", d->playbook);
    else if (rc != HD_CRISIS_OK)
        ing_org_unavailable(c);
    if (rc != HD_CRISIS_OK)
        return;
    json_t *o = ing_crisis_json(c, c->db, d->id, 0);
    if (!o)
        return;
    if (hd_db_commit(c->db) < 0) {
        json_decref(o);
        ing_org_unavailable(c);
        return;
    }
    ing_banner_invalidate(ing_api_banner(c->api));
    hd_log(HD_LOG_INFO, state == HD_CRISIS_DRILL ? "crisis_drill" : "crisis_declared", NULL, d->id,
           "playbook=%s by=%s", d->playbook, c->who->email);
    hd_http_respond_json(c->req, 201, o);
}

static void declare(ing_call_t *c, hd_crisis_state_t state) {
    static const char *const known[2][5] = {{"playbook", "reason", "departments", "channels", NULL},
                                            {"playbook", "reason", NULL}};
    json_t *body = ing_org_body(c, known[state == HD_CRISIS_DRILL], 0);
    declaration_t d;
    if (!body)
        return;
    if (read_declaration(c, body, state, &d) == 0 && ing_org_begin(c) == 0 &&
        (!d.key || retried(c, &d, state) == 0) && may_declare(c, &d, state) == 0)
        record_declaration(c, &d, state);
    declaration_free(&d);
    json_decref(body);
}

static void post_crisis(ing_call_t *c) { declare(c, HD_CRISIS_DECLARED); }
static void post_drill(ing_call_t *c) { declare(c, HD_CRISIS_DRILL); }

/* ---------- confirm, dismiss, resume ---------- */

/* The crisis changed state between the read and the write: 409 naming
   the state it is in now (c->db rolled back). */
static void refuse_raced(ing_call_t *c, const char *id, ing_crisis_action_t a) {
    hd_db_rollback(c->db);
    PGresult *r =
        hd_db_exec(c->db, "SELECT state FROM crisis WHERE id = $1::uuid", 1, (const char *[]){id});
    int s = r && PQntuples(r) == 1 ? hd_crisis_state_parse(PQgetvalue(r, 0, 0)) : -1;
    if (r)
        PQclear(r);
    if (s < 0)
        ing_org_unavailable(c);
    else
        ing_crisis_refuse_state(c, id, (hd_crisis_state_t)s, a);
}

/* Commits the change of crisis id and answers 200 with it. */
static void finish(ing_call_t *c, const char *id, const char *what) {
    json_t *o = ing_crisis_json(c, c->db, id, 0);
    if (!o)
        return;
    if (hd_db_commit(c->db) < 0) {
        json_decref(o);
        ing_org_unavailable(c);
        return;
    }
    ing_banner_invalidate(ing_api_banner(c->api));
    hd_log(HD_LOG_INFO, what, NULL, id, "by=%s", c->who->email);
    hd_http_respond_json(c->req, 200, o);
}

/* The body's reason (required or not) into *reason; the crisis's facts
   loaded in a new transaction. 0, or -1 answered (body freed). */
static int start(ing_call_t *c, int required, const char **id, json_t **body, const char **reason,
                 ing_crisis_facts_t *f) {
    static const char *const known[] = {"reason", NULL};
    *body = NULL;
    if (ing_crisis_id_arg(c, id) < 0 || !(*body = ing_org_body(c, known, !required)))
        return -1;
    if (ing_org_text(c, *body, "reason", required, 1, ING_CRISIS_MAX_REASON, reason) == 0 &&
        ing_org_begin(c) == 0 && ing_crisis_facts(c, *id, f) == 1)
        return 0;
    json_decref(*body);
    *body = NULL;
    return -1;
}

static void post_confirm(ing_call_t *c) {
    const char *id, *reason = NULL;
    json_t *body;
    ing_crisis_facts_t f;
    if (start(c, 0, &id, &body, &reason, &f) < 0)
        return;
    if (!ing_crisis_may(c->who, f.team.v, f.team.n))
        ing_crisis_refuse_roles(c, "confirming a crisis", &f.team, NULL);
    else if (!ing_crisis_action_allowed(ING_CRISIS_CONFIRM, f.state))
        ing_crisis_refuse_state(c, id, f.state, ING_CRISIS_CONFIRM);
    else {
        hd_crisis_rc_t rc =
            hd_crisis_confirm(c->db, id, c->who->id, c->who->email, reason, c->who->token_id);
        if (rc == HD_CRISIS_CONFLICT)
            refuse_raced(c, id, ING_CRISIS_CONFIRM);
        else if (rc != HD_CRISIS_OK)
            ing_org_unavailable(c);
        else
            finish(c, id, "crisis_confirmed");
    }
    ing_crisis_facts_free(&f);
    json_decref(body);
}

/* A crisis's end: dismissed (a proposal) or resumed. resumed_by and
   resume_reason say who ended it and why, either way. */
static const char *END_SQL =
    "UPDATE crisis SET state = $2, ended_at = clock_timestamp(), resumed_by = $3, "
    "  resume_reason = $4, resumed_at = CASE WHEN $2 = 'resumed' THEN clock_timestamp() END "
    "WHERE id = $1::uuid AND state = $5 "
    "RETURNING array_to_json(departments)::text, array_to_json(channels)::text";

/* Ends crisis id (read as f) into `to` and records crisis.<to>. */
static void end_crisis(ing_call_t *c, const char *id, const ing_crisis_facts_t *f,
                       hd_crisis_state_t to, const char *reason, ing_crisis_action_t a) {
    const char *p[5] = {id, hd_crisis_state_name(to), c->who->email, reason,
                        hd_crisis_state_name(f->state)};
    PGresult *r = hd_db_exec(c->db, END_SQL, 5, p);
    if (!r) {
        ing_org_unavailable(c);
        return;
    }
    if (PQntuples(r) != 1) {
        PQclear(r);
        refuse_raced(c, id, a);
        return;
    }
    ing_strlist_t deps, chans;
    ing_strlist_parse(&deps, PQgetvalue(r, 0, 0));
    ing_strlist_parse(&chans, PQgetvalue(r, 0, 1));
    ing_crisis_event_t ev;
    ing_crisis_event_init(&ev, id, hd_crisis_state_name(to), c->who);
    ev.body.playbook = (char *)f->playbook;
    ev.body.playbook_version = f->playbook_version;
    ev.body.reason = (char *)reason;
    ev.body.drill = f->drill;
    ev.body.departments = (char **)deps.v;
    ev.body.n_departments = deps.n;
    ev.body.channels = (char **)chans.v;
    ev.body.n_channels = chans.n;
    int rc = hd_outbox_put(c->db, ing_crisis_event_stamp(&ev, NULL, NULL));
    ing_strlist_free(&deps);
    ing_strlist_free(&chans);
    PQclear(r);
    if (rc < 0)
        ing_org_unavailable(c);
    else
        finish(c, id, to == HD_CRISIS_RESUMED ? "crisis_resumed" : "crisis_dismissed");
}

static void post_dismiss(ing_call_t *c) {
    const char *id, *reason;
    json_t *body;
    ing_crisis_facts_t f;
    if (start(c, 1, &id, &body, &reason, &f) < 0)
        return;
    if (!ing_crisis_may(c->who, f.team.v, f.team.n))
        ing_crisis_refuse_roles(c, "dismissing a proposal", &f.team, NULL);
    else if (!ing_crisis_action_allowed(ING_CRISIS_DISMISS, f.state))
        ing_crisis_refuse_state(c, id, f.state, ING_CRISIS_DISMISS);
    else
        end_crisis(c, id, &f, HD_CRISIS_DISMISSED, reason, ING_CRISIS_DISMISS);
    ing_crisis_facts_free(&f);
    json_decref(body);
}

static void post_resume(ing_call_t *c) {
    const char *id, *reason;
    json_t *body;
    ing_crisis_facts_t f;
    if (start(c, 1, &id, &body, &reason, &f) < 0)
        return;
    if (!ing_crisis_may(c->who, f.resume.v, f.resume.n))
        ing_crisis_refuse_roles(c, "resuming", &f.resume, NULL);
    else if (!ing_crisis_action_allowed(ING_CRISIS_RESUME, f.state))
        ing_crisis_refuse_state(c, id, f.state, ING_CRISIS_RESUME);
    else
        end_crisis(c, id, &f, HD_CRISIS_RESUMED, reason, ING_CRISIS_RESUME);
    ing_crisis_facts_free(&f);
    json_decref(body);
}

const ing_route_t ing_crisis_routes[] = {
    {"POST", "/v1/crises", ING_SCOPE_DECIDE, post_crisis, "declare a crisis from a playbook"},
    {"GET", "/v1/crises", ING_SCOPE_READ, ing_crisis_list, "crises, newest first"},
    {"POST", "/v1/crises/drills", ING_SCOPE_DECIDE, post_drill, "rehearse a playbook (a drill)"},
    {"GET", "/v1/crises/{id}", ING_SCOPE_READ, ing_crisis_show, "a crisis"},
    {"POST", "/v1/crises/{id}/confirm", ING_SCOPE_DECIDE, post_confirm,
     "confirm a proposed crisis (declared)"},
    {"POST", "/v1/crises/{id}/dismiss", ING_SCOPE_DECIDE, post_dismiss, "dismiss a proposal"},
    {"POST", "/v1/crises/{id}/resume", ING_SCOPE_DECIDE, post_resume,
     "end a crisis or a drill (resumed)"},
    {"POST", "/v1/crises/{id}/ack", ING_SCOPE_DECIDE, ing_crisis_ack,
     "acknowledge a crisis (once per person)"},
    {"POST", "/v1/crises/{id}/statement", ING_SCOPE_SUBMIT, ing_crisis_statement,
     "publish the playbook's holding statement"},
    {"GET", "/v1/crises/{id}/timeline", ING_SCOPE_READ, ing_crisis_timeline,
     "every event of a crisis, in order"},
    {"GET", "/v1/crises/{id}/report", ING_SCOPE_READ, ing_crisis_report,
     "a crisis's response times"},
    {NULL, NULL, 0, NULL, NULL}};
