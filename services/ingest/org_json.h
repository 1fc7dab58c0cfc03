/*  org_json: the JSON of the administration routes (org.h): a request's
    body and its members, checked and refused by name, and the objects
    PostgreSQL builds (json_build_object(...)::text in a query's first
    column) answered as they are, with their ETag. */
#ifndef ING_ORG_JSON_H
#define ING_ORG_JSON_H

#include "hd_db.h"
#include "route.h"

#include <jansson.h>
#include <stddef.h>

/* ---- the request ---- */

/* The request's body as a JSON object (caller decrefs): an empty object
   when the body is empty and `optional` (DELETE, activate); NULL after
   answering 400 (not a JSON object) or 422 naming the first member that
   is not in `allowed` (NULL-terminated). */
json_t *ing_org_body(ing_call_t *c, const char *const *allowed, int optional);

/* 0 when every member of body is in allowed (NULL-terminated), else -1
   after answering 422 naming the first unknown one. */
int ing_org_known(ing_call_t *c, json_t *body, const char *const *allowed);

/* The string member `name` of body (borrowed from it) into *out: NULL
   when absent (or JSON null) and not required. Its length in bytes must be
   within min..max, without NUL. 0, or -1 after answering 422 naming the
   member. */
int ing_org_text(ing_call_t *c, json_t *body, const char *name, int required, size_t min,
                 size_t max, const char **out);

/* body's boolean member `name` into *out ("t"/"f"; left as is when
   absent). -1 after answering 422 when it is not a boolean. */
int ing_org_bool(ing_call_t *c, json_t *body, const char *name, const char **out);

/* ---- rows and answers ---- */

/* Runs sql (its first column: a JSON text per row) on db. rows: every
   row's JSON in a new array (caller decrefs). Returns the number of rows,
   or -1 after answering 503 (c->db rolled back). */
int ing_org_rows(ing_call_t *c, hd_db_t *db, const char *sql, int n, const char *const *p,
                 json_t **rows);

/* The first row's JSON of sql on c->db into *out (a new reference; NULL
   when none). 1 a row, 0 none, -1 after answering 503. */
int ing_org_one(ing_call_t *c, const char *sql, int n, const char *const *p, json_t **out);

/* Whether the object `key` names exists: sql ($1: key) on c->db returns a
   row. 1 yes (or key NULL: nothing named); 0 no, answered `status` (422
   "invalid", or 404 "not_found") naming `field`: "no such <noun> 'key'",
   rolled back; -1 after answering 503. */
int ing_org_exists(ing_call_t *c, const char *sql, const char *key, int status, const char *field,
                   const char *noun);

/* Answers {"items":[...]}: the JSON of every row of sql on c->db, or 503. */
void ing_org_list(ing_call_t *c, const char *sql, int n, const char *const *p);

/* Answers obj (taken) with status, and an ETag "\"N\"" when obj has an
   integer "version". */
void ing_org_respond(ing_call_t *c, int status, json_t *obj);

#endif
