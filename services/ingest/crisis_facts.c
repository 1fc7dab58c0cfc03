/*  crisis_facts: what the crisis routes share (crisis_api.h): the path's
    id, a crisis's facts and JSON, lists read from rows, and the refusals
    that name a state or the roles that may act. */
#include "crisis_api.h"

#include "api.h"
#include "crisis_rules.h"
#include "hd_mem.h"
#include "org.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ing_strlist_parse(ing_strlist_t *l, const char *text) {
    memset(l, 0, sizeof *l);
    l->json = text ? json_loads(text, 0, NULL) : NULL;
    l->n = json_is_array(l->json) ? json_array_size(l->json) : 0;
    l->v = hd_calloc(l->n ? l->n : 1, sizeof *l->v);
    for (size_t i = 0; i < l->n; i++)
        l->v[i] = json_string_value(json_array_get(l->json, i)) ?: "";
}

void ing_strlist_free(ing_strlist_t *l) {
    json_decref(l->json);
    free(l->v);
    memset(l, 0, sizeof *l);
}

int ing_crisis_id_arg(ing_call_t *c, const char **id) {
    *id = c->params[0];
    if (hd_id_valid(*id))
        return 0;
    ing_api_refuse(c, 404, "id", "not_found", "'%s' is not a crisis id", *id);
    return -1;
}

static const char *FACTS_SQL =
    "SELECT state, array_to_json(team_roles)::text, array_to_json(resume_roles)::text, "
    "  coalesce(spec->'team'->'booth', '[]')::text, array_to_json(channels)::text, statement, "
    "  playbook, playbook_version, drill "
    "FROM crisis WHERE id = $1::uuid";

int ing_crisis_facts(ing_call_t *c, const char *id, ing_crisis_facts_t *f) {
    memset(f, 0, sizeof *f);
    f->r = hd_db_exec(c->db, FACTS_SQL, 1, (const char *[]){id});
    if (!f->r) {
        ing_org_unavailable(c);
        return -1;
    }
    if (PQntuples(f->r) != 1) {
        ing_crisis_facts_free(f);
        ing_org_refuse(c, 404, "id", "not_found", "no crisis %s", id);
        return 0;
    }
    int s = hd_crisis_state_parse(PQgetvalue(f->r, 0, 0));
    f->state = s < 0 ? HD_CRISIS_STATE_COUNT : (hd_crisis_state_t)s;
    ing_strlist_parse(&f->team, PQgetvalue(f->r, 0, 1));
    ing_strlist_parse(&f->resume, PQgetvalue(f->r, 0, 2));
    ing_strlist_parse(&f->booth, PQgetvalue(f->r, 0, 3));
    ing_strlist_parse(&f->channels, PQgetvalue(f->r, 0, 4));
    f->statement = PQgetvalue(f->r, 0, 5);
    f->playbook = PQgetvalue(f->r, 0, 6);
    f->playbook_version = atoll(PQgetvalue(f->r, 0, 7));
    f->drill = PQgetvalue(f->r, 0, 8)[0] == 't';
    return 1;
}

void ing_crisis_facts_free(ing_crisis_facts_t *f) {
    ing_strlist_free(&f->team);
    ing_strlist_free(&f->resume);
    ing_strlist_free(&f->booth);
    ing_strlist_free(&f->channels);
    if (f->r)
        PQclear(f->r);
    f->r = NULL;
}

void ing_crisis_refuse_state(ing_call_t *c, const char *id, hd_crisis_state_t state, int action) {
    ing_org_refuse(c, 409, NULL, "conflict", "crisis %s is %s: %s needs a crisis that is %s", id,
                   hd_crisis_state_name(state), ing_crisis_action_name((ing_crisis_action_t)action),
                   ing_crisis_action_states((ing_crisis_action_t)action));
}

void ing_crisis_refuse_roles(ing_call_t *c, const char *what, const ing_strlist_t *a,
                             const ing_strlist_t *b) {
    char ra[512], rb[512];
    ing_crisis_join(a->v, a->n, ra, sizeof ra);
    ing_crisis_join(b ? b->v : NULL, b ? b->n : 0, rb, sizeof rb);
    ing_org_refuse(c, 403, NULL, "forbidden", "%s needs one of the roles: %s%s%s%sorchestrator",
                   what, ra, *ra ? ", " : "", rb, *rb ? ", " : "");
}

json_t *ing_crisis_json(ing_call_t *c, hd_db_t *db, const char *id, int from_view) {
    static const char *SQL[2] = {
        "SELECT " ING_CRISIS_JSON("id") " FROM crisis WHERE id = $1::uuid",
        "SELECT " ING_CRISIS_JSON("crisis_id") " FROM read_crisis WHERE crisis_id = $1::uuid"};
    PGresult *r = hd_db_exec(db, SQL[from_view ? 1 : 0], 1, (const char *[]){id});
    if (!r) {
        ing_org_unavailable(c);
        return NULL;
    }
    json_t *o = PQntuples(r) == 1 ? json_loads(PQgetvalue(r, 0, 0), 0, NULL) : NULL;
    PQclear(r);
    if (!o)
        ing_org_refuse(c, 404, "id", "not_found", "no crisis %s", id);
    return o;
}
