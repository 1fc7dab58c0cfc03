/*  crisis_banner: the "crisis" member of every API answer about content in
    scope of a crisis in force (docs/crisis.md, "The banner"):
    {"id","playbook","name","reason","declared_by","since"}, absent when no
    crisis in force covers the item's department and channel.

    The crises in force (view crisis_in_force, on ingest's own connection)
    are few and change rarely, while answers about content are many: they
    are kept in a small cache shared by the HTTP workers, read again once
    it is older than its ttl (ING_BANNER_TTL_MS) and at once after this
    ingest declared, confirmed or ended a crisis (ing_banner_invalidate).
    A crisis declared elsewhere (spike detection in workflow) shows within
    the ttl. Which crisis a covered item shows is a pure function
    (ing_banner_pick). */
#ifndef ING_CRISIS_BANNER_H
#define ING_CRISIS_BANNER_H

#include "hd_db.h"

#include <jansson.h>
#include <stddef.h>

/* How old the cached crises in force may be, in ms. */
#define ING_BANNER_TTL_MS 1000

/* One crisis in force as the pick sees it (strings borrowed). */
typedef struct {
    const char *const *departments; /* none: every department */
    size_t ndepartments;
    const char *const *channels; /* none: every channel */
    size_t nchannels;
    long long declared_ms; /* when it was declared */
    const char *id;
} ing_banner_crisis_t;

/* The crisis an item of department on channel shows: among those of
   list[0..n) that cover it (hd_crisis_covers), the one declared first
   (the oldest hold), ties by id; -1 when none covers it. Pure. */
int ing_banner_pick(const ing_banner_crisis_t *list, size_t n, const char *department,
                    const char *channel);

typedef struct ing_banner ing_banner_t;

/* An empty cache; ttl_ms how old it may get. Aborts on out-of-memory. */
ing_banner_t *ing_banner_new(long ttl_ms);

/* Frees; safe on NULL; nulls the caller's pointer. */
void ing_banner_destroy(ing_banner_t **self_p);

/* The next lookup reads the crises in force again (this ingest changed
   one; call after the commit). Thread-safe. */
void ing_banner_invalidate(ing_banner_t *self);

/* The banner of an item of department on channel, a new JSON object (the
   caller's), or NULL when no crisis in force covers it. Refreshes the
   cache on db (borrowed, ingest's own connection, outside a transaction
   or inside: it only reads) when stale; on a database error the last
   crises known are used. Thread-safe. */
json_t *ing_banner_for(ing_banner_t *self, hd_db_t *db, const char *department,
                       const char *channel);

/* Sets obj's "crisis" to the banner of the item obj describes (its
   "department" and "channel" members) when one covers it; else leaves
   obj without one. */
void ing_banner_attach(ing_banner_t *self, hd_db_t *db, json_t *obj);

#endif
