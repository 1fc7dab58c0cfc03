/*  inbox_api: the inbox through the HTTP API (docs/inbox.md). The routes
    (table ing_inbox_routes, route.h) live in five files: inbox_api.c (the
    list and one item, with its replies and history), inbox_action.c
    (assign, unassign, escalate, wait, resolve, reopen, route: checked early,
    recorded as inbox.requested for workflow to decide), inbox_reply.c
    (replies: a content item of kind reply through the group commit),
    inbox_away.c (a person away, and back) and admin_inbox.c (inbox settings
    and holidays). What they share is here. Reads go through the read
    side's views (read_inbox, read_inbox_reply, the event log's history);
    every write is ingest's own tables and the outbox. */
#ifndef ING_INBOX_API_H
#define ING_INBOX_API_H

#include "inbox_rules.h"
#include "route.h"

#include <jansson.h>

#define ING_INBOX_MAX_REASON 500 /* bytes of an action's reason */

/* What GET /v1/inbox asks; NULL / -1 members ask nothing. */
typedef struct {
    const char *state;      /* new, assigned, waiting, resolved, or open (not resolved) */
    const char *assignee;   /* mine: the viewer's person id */
    const char *department; /* a department, or "" for the triage queue */
    int breached;           /* 1 breached, 0 not, -1 either */
    const char *before;     /* a mention id: the items routed before it (paging) */
    int limit;
} ing_inbox_filter_t;

/* The items viewer may see (ing_inbox_visible) that f asks for, newest
   routed first: {"items": [...], "next_before": the last item's mention id
   when the page is full, else null}. JSON the caller owns, or NULL with
   *status 503. db (the read side) and everything else borrowed. */
json_t *ing_inbox_list(hd_db_t *db, const ing_person_t *viewer, const ing_inbox_filter_t *f,
                       int *status);

/* An item as the routes act on it, read from read_inbox. */
typedef struct {
    PGresult *r; /* owns the strings below */
    ing_inbox_item_t item;
    const char *json; /* the item as the API shows it (a JSON text) */
    long long version;
} ing_inbox_loaded_t;

/* Loads the item of mention id (the path's {id}) as c's caller may see it
   into *out (ing_inbox_loaded_free). 1 loaded; 0 answered 404 (not a
   UUID, no such item, or one the caller may not see: one answer); -1
   answered 503. */
int ing_inbox_load(ing_call_t *c, const char *id, ing_inbox_loaded_t *out);
void ing_inbox_loaded_free(ing_inbox_loaded_t *l);

/* The handlers of the other files (the table is inbox_api.c's). */
void ing_inbox_action(ing_call_t *c);        /* inbox_action.c: POST /v1/inbox/{id}/{action} */
void ing_inbox_reply(ing_call_t *c);         /* inbox_reply.c: POST /v1/inbox/{id}/replies */
void ing_inbox_away_put(ing_call_t *c);      /* inbox_away.c: PUT /v1/me/away */
void ing_inbox_away_delete(ing_call_t *c);   /* inbox_away.c: DELETE /v1/me/away */
void ing_inbox_settings_list(ing_call_t *c); /* admin_inbox.c */
void ing_inbox_setting_get(ing_call_t *c);
void ing_inbox_setting_put(ing_call_t *c);
void ing_inbox_holidays_list(ing_call_t *c);
void ing_inbox_holiday_put(ing_call_t *c);
void ing_inbox_holiday_delete(ing_call_t *c);

#endif
