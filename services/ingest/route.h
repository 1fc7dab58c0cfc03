/*  route: the HTTP API's routes as data. Each module of the API (api.c,
    admin_*.c, tokens.c, policy_api.c) exports a table of routes; the
    dispatcher (api.c) matches a request against every table, authenticates
    the caller, checks the route's token scope and calls its handler.
    Matching is a pure function (route_match) so that it is unit-tested and
    so that `huddle-ingest --routes` can print the table the OpenAPI
    document is checked against (tests/e2e/test_openapi.py). */
#ifndef ING_ROUTE_H
#define ING_ROUTE_H

#include "auth.h"
#include "hd_db.h"
#include "hd_http.h"

#define ING_ROUTE_MAX_PARAMS 4
#define ING_ROUTE_PARAM_LEN 128

typedef struct ing_api ing_api_t;

/* One call of a handler: the request, who makes it and the path's
   parameters ({id} segments, in order, percent-decoding not applied). */
typedef struct {
    ing_api_t *api;
    hd_http_req_t *req;
    const ing_person_t *who; /* NULL on a public route */
    char params[ING_ROUTE_MAX_PARAMS][ING_ROUTE_PARAM_LEN];
    int nparams;
    hd_db_t *db;      /* ingest's own tables (the worker's) */
    hd_db_t *read_db; /* the read side, as huddle_read (the worker's) */
} ing_call_t;

typedef void (*ing_handler_fn)(ing_call_t *call);

/* Token scopes a route may require (a token's scopes are a set of these). */
typedef enum {
    ING_SCOPE_NONE = 0,    /* public: no token (healthz) */
    ING_SCOPE_READ = 1,    /* reads */
    ING_SCOPE_SUBMIT = 2,  /* content */
    ING_SCOPE_DECIDE = 4,  /* approve / reject, policy reviews */
    ING_SCOPE_ADMIN = 8,   /* administration, policy proposals */
    ING_SCOPE_INBOUND = 16 /* mentions: integration tokens only */
} ing_scope_t;

typedef struct {
    const char *method;  /* GET, POST, PATCH, PUT, DELETE */
    const char *pattern; /* /v1/admin/people/{id}: {x} matches one segment */
    ing_scope_t scope;   /* the scope the token needs */
    ing_handler_fn fn;
    const char *summary; /* one line, for --routes */
} ing_route_t;

/* The scope's name ("read"), or NULL for an unknown bit. */
const char *ing_scope_name(ing_scope_t s);

/* The bit for a scope name; 0 if unknown. */
ing_scope_t ing_scope_parse(const char *name);

typedef enum {
    ING_ROUTE_FOUND = 0,
    ING_ROUTE_NO_PATH,   /* 404 */
    ING_ROUTE_NO_METHOD, /* 405: the path exists with other methods (allow) */
} ing_route_result_t;

/* Matches method and path against the NULL-terminated tables (a NULL
   table ends the list). FOUND: *out is the route and call->params are set.
   NO_METHOD: allow receives the path's methods ("GET, POST"). Pure. */
ing_route_result_t ing_route_match(const ing_route_t *const *tables, const char *method,
                                   const char *path, const ing_route_t **out, ing_call_t *call,
                                   char *allow, size_t allow_len);

/* The API's tables, in match order. */
extern const ing_route_t ing_core_routes[];     /* api.c */
extern const ing_route_t ing_admin_routes[];    /* admin.c: departments, people, roles, grants */
extern const ing_route_t ing_config_routes[];   /* admin_config.c: channels, routing, chains... */
extern const ing_route_t ing_token_routes[];    /* tokens.c */
extern const ing_route_t ing_policy_routes[];   /* policy_api.c */
extern const ing_route_t ing_playbook_routes[]; /* playbooks.c */
extern const ing_route_t ing_crisis_routes[];   /* crisis_api.c */
extern const ing_route_t ing_webhook_routes[];  /* admin_webhooks.c */
extern const ing_route_t ing_feed_routes[];     /* admin_feeds.c: listening feeds */
extern const ing_route_t ing_inbox_routes[];    /* inbox_api.c */

#endif
