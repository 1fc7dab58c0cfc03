/*  query: what people read back through the API: an item's state and whole
    history, and a department's inbox. Read-only views over the tables of
    workflow, policy and publisher and over event_log. */
#ifndef ING_QUERY_H
#define ING_QUERY_H

#include "auth.h"
#include "hd_db.h"

#include <jansson.h>

/* The item `id` with its history, as seen by `viewer`. Returns the JSON
   (caller owns) with *status 200, or NULL with *status 404 / 403 / 503 and
   why filled. */
json_t *ing_query_item(hd_db_t *db, const ing_person_t *viewer, const char *id, int *status,
                       char *why, size_t why_len);

/* The open inbox of the viewer's department, newest first (at most limit). */
json_t *ing_query_inbox(hd_db_t *db, const ing_person_t *viewer, int limit, int *status);

/* Items awaiting a decision the viewer may make (workflow's own rule),
   oldest request first, at most limit. */
json_t *ing_query_queue(hd_db_t *db, const ing_person_t *viewer, int limit, int *status);

#endif
