/*  read_side: what people read back through the API (an item's state and
    whole history, the approval queue; the inbox is inbox_api.h's) and what the
    early decision check needs (an item's approval state, a decider's
    roles). Every read goes through the views of migrations/008_read_side.sql,
    the contract between ingest and the services that own the tables behind
    them (workflow, policy, publisher, the hub's event log); none of ingest's
    SQL names those tables. The connection passed in is meant to run as the
    read-only role huddle_read (docs/deploy.md), which may SELECT those views
    and nothing else. */
#ifndef ING_READ_SIDE_H
#define ING_READ_SIDE_H

#include "auth.h"
#include "hd_approval.h"
#include "hd_db.h"

#include <jansson.h>

/* The libpq options of the read connection (hd_db_connect_with). */
#define ING_READ_SIDE_OPTIONS "-c role=huddle_read"

/* 1 when v holds a role that reads every department's items (orchestrator,
   legal, crisis), else 0. Pure. */
int ing_read_sees_all(const ing_person_t *v);

/* The item `id` with its history, as seen by `viewer`. Returns the JSON
   (caller owns) with *status 200, or NULL with *status 404 (no such item,
   or one of another department the viewer may not see: the same answer)
   or 503, and why filled. db and viewer borrowed. */
json_t *ing_read_item(hd_db_t *db, const ing_person_t *viewer, const char *id, int *status,
                      char *why, size_t why_len);

/* Every sequenced event whose correlation id is `id` (an item's, a
   mention's), oldest first, each as its JSON with "seq" and "at". A new
   array, or NULL on a database error. */
json_t *ing_read_history(hd_db_t *db, const char *id);

/* Items awaiting a decision the viewer may make now (hd_approval's rule),
   oldest request first, at most limit candidates. JSON the caller owns, or
   NULL with *status 503. */
json_t *ing_read_queue(hd_db_t *db, const ing_person_t *viewer, int limit, int *status);

/* Loads what the approval rule needs about item `content_id` into *item.
   Returns 0 loaded, 1 workflow has no such item (yet), -1 database error or
   a malformed row (why says which; n bytes). */
/* The item's approval round: when approval was last requested, as Unix
   milliseconds in text, into out (n bytes); "" when not requested yet or
   no such item. 0, or -1 on database error. */
int ing_read_approval_round(hd_db_t *db, const char *content_id, char *out, size_t n);

int ing_read_approval(hd_db_t *db, const char *content_id, hd_approval_item_t *item, char *why,
                      size_t n);

/* Loads person `person_id` as a decider into *actor. 0 loaded, 1 no such
   person, -1 database error or a malformed row. */
int ing_read_actor(hd_db_t *db, const char *person_id, hd_actor_t *actor);

/* Whether a content item `id` exists and `viewer` may see it (of their
   department, theirs, or an organization-wide reader: ing_read_sees_all):
   1 yes, 0 no (unknown and unseen are one answer), -1 database error. */
int ing_read_item_visible(hd_db_t *db, const ing_person_t *viewer, const char *id);

#endif
