/*  policy_batch: the policy consumer's reads and writes for one whole
    batch, one statement each (the benchmark's bottleneck is PostgreSQL CPU
    per statement): the channel facts and the author facts of every item of
    the batch, and every verdict of the batch. The reads have a _send form
    (hd_db_send: sent with the batch's other reads, answered by one
    hd_db_results) and a _parse form for the result. What happens in
    between is decided in memory (policy_decide.h). */
#ifndef POL_BATCH_H
#define POL_BATCH_H

#include "hd_db.h"
#include "policy_decide.h"

#include <stddef.h>
#include <stdint.h>

/* Reads the facts of n channels in one statement: facts[i] for ids[i]
   (kind "" and max_length 0 for an unknown channel or a NULL id, which is
   not looked up). ids and their strings are borrowed; facts has n
   elements. 0, or -1 on database error (facts then undefined). */
int pol_batch_read_channels(hd_db_t *db, const char *const *ids, size_t n, pol_channel_t *facts);

/* pol_batch_read_channels in two steps: the read sent (hd_db_send; ids
   borrowed), then its result r (borrowed, not cleared) into facts. */
int pol_batch_send_channels(hd_db_t *db, const char *const *ids, size_t n);
void pol_batch_parse_channels(const PGresult *r, size_t n, pol_channel_t *facts);

/* An item's author facts (pol_ctx_t's author_* fields). */
typedef struct {
    int known, active, certified, delegated;
    int64_t cert_expires_ms;
} pol_author_t;

/* Sends one read of the author facts of n items (hd_db_send): for ctx[i]
   its author_id / author_email on its channel as of its submitted_ms, and
   the delegation from the author to its submitter_email; NULL entries are
   not looked up. ctx borrowed. 0 / -1. */
int pol_batch_send_authors(hd_db_t *db, const pol_ctx_t *const *ctx, size_t n);

/* That read's result r (borrowed, not cleared) into facts[0..n) (an item
   not looked up or not found: known 0). */
void pol_batch_parse_authors(const PGresult *r, size_t n, pol_author_t *facts);

/* Sets ctx's author facts from a (author_facts set). */
void pol_author_apply(const pol_author_t *a, pol_ctx_t *ctx);

/* One verdict to write; strings borrowed. */
typedef struct {
    const char *content_id;
    int64_t version;
    const char *verdict;
    const char *findings; /* JSON text */
} pol_verdict_row_t;

/* Writes n verdicts in one statement inside the open transaction. An
   item's first verdict is final: one already stored, or the first of
   `rows` for it (a replay within the batch), wins. 0 (also for n 0), or -1
   on database error (the caller rolls back). */
int pol_batch_write_verdicts(hd_db_t *db, const pol_verdict_row_t *rows, size_t n);

#endif
