/*  policy_batch: the policy consumer's reads and writes for one whole
    batch, one statement each (the benchmark's bottleneck is PostgreSQL CPU
    per statement): the channel facts of every item of the batch, and every
    verdict of the batch. What happens in between is decided in memory
    (policy_decide.h). */
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
