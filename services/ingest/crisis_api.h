/*  crisis_api: declaring and running a crisis through the API
    (docs/crisis.md). The routes (table ing_crisis_routes, route.h) live in
    four files: crisis_api.c (declare, drill, confirm, dismiss, resume),
    crisis_team.c (acknowledge, the holding statement), crisis_read.c (list,
    show) and crisis_history.c (timeline, report). What they share is
    here: the crisis's JSON, its facts as a change needs them, and lists of
    strings read from a row. Every change is one transaction on ingest's
    connection with its crisis.<what> event (correlation: the crisis id);
    every read goes through the read side's views. */
#ifndef ING_CRISIS_API_H
#define ING_CRISIS_API_H

#include "hd_crisis.h"
#include "route.h"

#include <jansson.h>

#define ING_CRISIS_MAX_REASON 500 /* bytes of a reason (declare, dismiss, resume) */
#define ING_CRISIS_MAX_SCOPE 64   /* departments or channels a declaration may name */

#define ING_CRISIS_TS(col) \
    "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* A crisis as every route answers it, one JSON text, from the table crisis
   (id column "id", ingest's own connection, inside a change) or the view
   read_crisis (id column "crisis_id"): the two have the same columns.
   (clang-format cannot lay out string literals around macro calls.) */
/* clang-format off */
#define ING_CRISIS_JSON(idcol)                                                                  \
    "json_build_object('id', " idcol ", 'name', name, 'playbook', playbook, "                   \
    "'playbook_version', playbook_version, 'severity', severity, 'state', state, "              \
    "'drill', drill, 'in_force', state = 'declared', 'reason', reason, "                        \
    "'declared_by', declared_by, 'declared_by_id', declared_by_id, "                            \
    "'departments', departments, 'channels', channels, 'hold', hold, "                          \
    "'approval_roles', approval_roles, 'reroute_terms', reroute_terms, "                        \
    "'reroute_department', reroute_department, 'recall_minutes', recall_minutes, "              \
    "'on_resume', on_resume, 'on_resume_late', on_resume_late, 'resume_roles', resume_roles, "  \
    "'team_roles', team_roles, 'notify', notify, 'statement', statement, "                      \
    "'detected_at', " ING_CRISIS_TS("detected_at") ", "                                         \
    "'proposed_at', " ING_CRISIS_TS("proposed_at") ", "                                         \
    "'declared_at', " ING_CRISIS_TS("declared_at") ", "                                         \
    "'started_at', " ING_CRISIS_TS("started_at") ", "                                           \
    "'resumed_at', " ING_CRISIS_TS("resumed_at") ", "                                           \
    "'resumed_by', resumed_by, 'resume_reason', resume_reason, "                                \
    "'ended_at', " ING_CRISIS_TS("ended_at") ", 'detail', detail)::text"
/* clang-format on */

/* A list of strings read from a JSON array's text (a row's array_to_json):
   v borrows from json. */
typedef struct {
    json_t *json;
    const char **v;
    size_t n;
} ing_strlist_t;

/* Parses text (NULL or not an array: an empty list) into l. */
void ing_strlist_parse(ing_strlist_t *l, const char *text);
void ing_strlist_free(ing_strlist_t *l);

/* What a change of an existing crisis reads first (table crisis, on
   c->db, in the change's transaction). Strings borrow from r. */
typedef struct {
    PGresult *r;
    hd_crisis_state_t state;
    ing_strlist_t team;   /* team_roles: who confirms, dismisses, speaks */
    ing_strlist_t resume; /* resume_roles */
    ing_strlist_t booth;  /* the playbook's team.booth: acknowledges too */
    ing_strlist_t channels;
    const char *statement, *playbook;
    long long playbook_version;
    int drill;
} ing_crisis_facts_t;

/* The path's {id} into *id when it is a UUID; else answers 404 naming it
   and returns -1. */
int ing_crisis_id_arg(ing_call_t *c, const char **id);

/* Loads crisis id's facts into f (ing_crisis_facts_free). 1 loaded; 0
   answered 404 (no such crisis) and -1 answered 503, both after rolling
   back c->db. */
int ing_crisis_facts(ing_call_t *c, const char *id, ing_crisis_facts_t *f);
void ing_crisis_facts_free(ing_crisis_facts_t *f);

/* Answers 409 naming the state: crisis id is f->state, action needs
   another (crisis_rules.h). Rolls back c->db first. */
void ing_crisis_refuse_state(ing_call_t *c, const char *id, hd_crisis_state_t state, int action);

/* Answers 403 naming the roles that may do `what` (and orchestrator).
   Rolls back c->db first. */
void ing_crisis_refuse_roles(ing_call_t *c, const char *what, const ing_strlist_t *a,
                             const ing_strlist_t *b);

/* The crisis id's JSON (ING_CRISIS_JSON) on db from `from` ("crisis" on
   c->db, "read_crisis" on c->read_db): a new object, or NULL after
   answering 404 / 503 (c->db rolled back). */
json_t *ing_crisis_json(ing_call_t *c, hd_db_t *db, const char *id, int from_view);

/* The handlers of the other files (the table is crisis_api.c's). */
void ing_crisis_ack(ing_call_t *c);       /* crisis_team.c */
void ing_crisis_statement(ing_call_t *c); /* crisis_team.c */
void ing_crisis_list(ing_call_t *c);      /* crisis_read.c */
void ing_crisis_show(ing_call_t *c);      /* crisis_read.c */
void ing_crisis_timeline(ing_call_t *c);  /* crisis_history.c */
void ing_crisis_report(ing_call_t *c);    /* crisis_history.c */

#endif
