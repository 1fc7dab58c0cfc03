/*  policy_store: policy versions and the facts rules need, in PostgreSQL.
    Versions are numbered and immutable; exactly one is active. Applying a
    source validates it first (nothing is written when it has errors), then
    in one transaction inserts the next version, makes it the only active
    one and records a policy.activated event in the outbox. A consumer
    batch's channel facts and verdicts: policy_batch.h. */
#ifndef POL_STORE_H
#define POL_STORE_H

#include "hd_db.h"
#include "policy.h"

#include <stddef.h>
#include <stdint.h>

/* The active version into *version (0 when there is none). 0 / -1. */
int pol_store_active(hd_db_t *db, int64_t *version);

/* pol_store_active in two steps: the read sent (hd_db_send), then its
   result (borrowed, not cleared) parsed into the version (0: none). */
int pol_store_send_active(hd_db_t *db);
int64_t pol_store_parse_active(const PGresult *r);

/* The source of a version: malloc'd into *src (caller frees), its length in
   *len. 0 found, 1 no such version, -1 database error. */
int pol_store_source(hd_db_t *db, int64_t version, char **src, size_t *len);

/* Validates src and, when valid, makes it the new active version (see the
   file comment). When src is identical to the active version nothing is
   written and *unchanged is set. *version receives the active version.
   Returns 0, 1 when src is invalid (errors in err, one per line), -1 on
   database error (in err). */
int pol_store_apply(hd_db_t *db, const char *src, size_t len, const char *created_by,
                    int64_t *version, int *unchanged, char *err, size_t err_len);

/* Fills ctx's author facts (author_facts set) for ctx->author_id /
   author_email on ctx->channel at time at_ms, and the delegation from the
   author to ctx->submitter_email: the batch read of policy_batch.h for
   one item. 0 / -1. */
int pol_store_author(hd_db_t *db, pol_ctx_t *ctx, int64_t at_ms);

/* The crises in force (view crisis_in_force, in declaration order) with
   their scope and approval roles, owned by the holder: fill with
   pol_store_crises (or send + take), point ctx at .items, free with
   pol_crises_free. An approval role that is not a role name
   (hd_approval_role_ok) is left out with a warning. */
typedef struct {
    pol_crisis_t *items;
    size_t n;
    const char **strs; /* the lists' elements, each list a run of it */
    size_t nstrs;
    void *res; /* the PGresult the strings live in */
} pol_crises_t;
int pol_store_crises(hd_db_t *db, pol_crises_t *out);
/* pol_store_crises in two steps: the read sent (hd_db_send), then its
   result taken into out (out owns r from then on, freed by _free). */
int pol_store_send_crises(hd_db_t *db);
void pol_store_take_crises(PGresult *r, pol_crises_t *out);
void pol_crises_free(pol_crises_t *c);

#endif
