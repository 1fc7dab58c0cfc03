/*  crisis_team: what the crisis team does during a crisis (docs/crisis.md):
    acknowledge it (once per person, timed: a drill measures it) and
    publish the playbook's holding statement, a content item of kind
    statement that goes through the one submission path (the batch, which
    records it with crisis.statement while the crisis is declared:
    batch_statement.h). */
#include "crisis_api.h"

#include "api.h"
#include "crisis_event.h"
#include "crisis_rules.h"
#include "decode.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_outbox.h"
#include "hd_pgarray.h"
#include "org.h"
#include "rfc3339.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- acknowledge ---------- */

static const char *ACK_SQL = "INSERT INTO crisis_ack (crisis_id, person_id, email, roles) "
                             "VALUES ($1::uuid, $2::uuid, $3, $4::text[]) "
                             "ON CONFLICT (crisis_id, person_id) DO NOTHING "
                             "RETURNING " ING_CRISIS_TS("acked_at") ", array_to_json(roles)::text";

static const char *FIRST_ACK_SQL =
    "SELECT " ING_CRISIS_TS("acked_at") ", array_to_json(roles)::text FROM crisis_ack "
                                        "WHERE crisis_id = $1::uuid AND person_id = $2::uuid";

/* The answer: who acknowledged crisis id when (row 0 of r: time, roles). */
static json_t *ack_json(const char *id, const ing_person_t *who, PGresult *r, int first) {
    json_t *roles = json_loads(PQgetvalue(r, 0, 1), 0, NULL);
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s}", "crisis_id", id, "person_id", who->id,
                     "email", who->email, "roles", roles ? roles : json_array(), "acked_at",
                     PQgetvalue(r, 0, 0), "status", first ? "acknowledged" : "duplicate");
}

/* crisis.acknowledged of the ack just inserted, its roles in detail_json. */
static int ack_event(ing_call_t *c, const char *id, const ing_crisis_facts_t *f,
                     const char *roles_json) {
    char detail[2048];
    snprintf(detail, sizeof detail, "{\"roles\":%s}", roles_json);
    ing_crisis_event_t ev;
    ing_crisis_event_init(&ev, id, "acknowledged", c->who);
    ev.body.playbook = (char *)f->playbook;
    ev.body.playbook_version = f->playbook_version;
    ev.body.drill = f->drill;
    ev.body.detail_json = detail;
    return hd_outbox_put(c->db, ing_crisis_event_stamp(&ev, NULL, NULL)) < 0 ? -1 : 0;
}

/* Inserts the ack (roles: what the caller holds among the crisis's), or
   finds the first; records crisis.acknowledged for a new one; commits and
   answers 201 (new) or 200 (the first, unchanged). */
static void record_ack(ing_call_t *c, const char *id, const ing_crisis_facts_t *f,
                       const char **roles, size_t nroles) {
    hd_pgarray_t ra = {0};
    for (size_t i = 0; i < nroles; i++)
        hd_pgarray_add(&ra, roles[i]);
    const char *p[4] = {id, c->who->id, c->who->email, hd_pgarray_str(&ra)};
    PGresult *r = hd_db_exec(c->db, ACK_SQL, 4, p);
    hd_pgarray_free(&ra);
    int first = r && PQntuples(r) == 1;
    if (r && !first) {
        PQclear(r);
        r = hd_db_exec(c->db, FIRST_ACK_SQL, 2, p);
    }
    if (!r || PQntuples(r) != 1 || (first && ack_event(c, id, f, PQgetvalue(r, 0, 1)) < 0) ||
        hd_db_commit(c->db) < 0) {
        if (r)
            PQclear(r);
        ing_org_unavailable(c);
        return;
    }
    if (first)
        hd_log(HD_LOG_INFO, "crisis_acknowledged", NULL, id, "by=%s", c->who->email);
    hd_http_respond_json(c->req, first ? 201 : 200, ack_json(id, c->who, r, first));
    PQclear(r);
}

void ing_crisis_ack(ing_call_t *c) {
    static const char *const known[] = {NULL};
    const char *id;
    json_t *body;
    ing_crisis_facts_t f;
    if (ing_crisis_id_arg(c, &id) < 0 || !(body = ing_org_body(c, known, 1)))
        return;
    json_decref(body);
    if (ing_org_begin(c) < 0 || ing_crisis_facts(c, id, &f) != 1)
        return;
    size_t n = f.team.n + f.booth.n;
    const char **all = hd_calloc(n ? n : 1, sizeof *all), *held[ING_MAX_ROLES];
    memcpy(all, f.team.v, f.team.n * sizeof *all);
    memcpy(all + f.team.n, f.booth.v, f.booth.n * sizeof *all);
    size_t k = ing_crisis_roles_held(c->who, all, n, held, ING_MAX_ROLES);
    if (k == 0)
        ing_crisis_refuse_roles(c, "acknowledging", &f.team, &f.booth);
    else if (!ing_crisis_action_allowed(ING_CRISIS_ACK, f.state))
        ing_crisis_refuse_state(c, id, f.state, ING_CRISIS_ACK);
    else
        record_ack(c, id, &f, held, k);
    free(all);
    ing_crisis_facts_free(&f);
}

/* ---------- the holding statement ---------- */

/* The channels the caller's department holds an account on, into *out. 0,
   or -1 after answering 503. */
static int accounts(ing_call_t *c, ing_strlist_t *out) {
    PGresult *r =
        hd_db_exec(c->db,
                   "SELECT coalesce(json_agg(channel_id ORDER BY channel_id), '[]')::text "
                   "FROM channel_account WHERE department_id = $1",
                   1, (const char *[]){c->who->department});
    if (!r) {
        ing_org_unavailable(c);
        return -1;
    }
    ing_strlist_parse(out, PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

/* The body: confirm true, channel (optional) an id. 0, or -1 answered. */
static int read_statement(ing_call_t *c, json_t *body, const char **channel) {
    if (!json_is_true(json_object_get(body, "confirm"))) {
        ing_api_refuse(c, 422, "confirm", "invalid",
                       "confirm must be true: the holding statement goes out exactly as the "
                       "playbook words it (GET /v1/crises/{id} shows it)");
        return -1;
    }
    if (ing_org_text(c, body, "channel", 0, 1, 63, channel) < 0)
        return -1;
    if (*channel && !ing_channel_valid(*channel)) {
        ing_api_refuse(c, 422, "channel", "invalid",
                       "channel must be a channel id (^[a-z0-9][a-z0-9-]{0,62}$)");
        return -1;
    }
    return 0;
}

/* Hands the statement of crisis id to the batch on `channel`. */
static void submit_statement(ing_call_t *c, const char *id, const char *text, const char *channel) {
    char key[ING_MAX_KEY];
    snprintf(key, sizeof key, "crisis-statement:%s:%s", id, channel);
    ing_submission_t in = {.channel = channel,
                           .text = text,
                           .kind = "statement",
                           .idempotency_key = key,
                           .key_field = "crisis_id",
                           .crisis_id = id};
    ing_refusal_t why;
    if (ing_check_submission(&in, ing_rfc3339_now_ms(), &why) < 0) {
        ing_api_refuse(c, why.status, why.field, why.code, "%s", why.message);
        return;
    }
    ing_api_submit(c, ing_item_new(&in), "/v1/crises/{id}/statement");
}

/* The statement's channel by the rule of ing_crisis_statement_channel, or
   NULL after answering 422 naming channel (503). */
static const char *statement_channel(ing_call_t *c, const char *asked, const ing_crisis_facts_t *f,
                                     ing_strlist_t *acc) {
    if (accounts(c, acc) < 0)
        return NULL;
    const char *ch =
        ing_crisis_statement_channel(asked, f->channels.v, f->channels.n, acc->v, acc->n);
    if (!ch) {
        char a[512], s[512];
        ing_api_refuse(c, 422, "channel", "required",
                       "say on which channel: department '%s' has accounts on (%s), the crisis "
                       "covers %s",
                       c->who->department, ing_crisis_join(acc->v, acc->n, a, sizeof a),
                       f->channels.n ? ing_crisis_join(f->channels.v, f->channels.n, s, sizeof s)
                                     : "every channel");
    }
    return ch;
}

void ing_crisis_statement(ing_call_t *c) {
    static const char *const known[] = {"confirm", "channel", NULL};
    const char *id, *asked = NULL;
    json_t *body;
    ing_crisis_facts_t f;
    if (ing_crisis_id_arg(c, &id) < 0 || !(body = ing_org_body(c, known, 0)))
        return;
    if (read_statement(c, body, &asked) == 0 && ing_crisis_facts(c, id, &f) == 1) {
        ing_strlist_t acc = {0};
        const char *ch;
        if (!ing_crisis_may(c->who, f.team.v, f.team.n))
            ing_crisis_refuse_roles(c, "publishing the holding statement", &f.team, NULL);
        else if (!ing_crisis_action_allowed(ING_CRISIS_STATEMENT, f.state))
            ing_crisis_refuse_state(c, id, f.state, ING_CRISIS_STATEMENT);
        else if (!*f.statement)
            ing_api_refuse(c, 422, NULL, "invalid",
                           "playbook '%s' has no holding_statement (actions.holding_statement)",
                           f.playbook);
        else if ((ch = statement_channel(c, asked, &f, &acc)))
            submit_statement(c, id, f.statement, ch);
        ing_strlist_free(&acc);
        ing_crisis_facts_free(&f);
    }
    json_decref(body);
}
