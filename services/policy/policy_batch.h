/*  policy_batch: what the policy consumer keeps in memory over one batch,
    so that a batch costs a few statements instead of two per item (the
    benchmark's bottleneck is PostgreSQL CPU per statement):
    - channel facts (kind, max_length), each channel read once per batch; a
      channel changed meanwhile applies from the next batch, as if it had
      been changed a moment later (the same rule as workflow's chain memo);
    - verdicts, written in one statement at the batch's end.
    The consumer loop says when to forget (hd_consumer_cfg_t.begin, before
    every attempt at a batch) and when to write (.flush, inside the batch's
    transaction); see policy_service.h for the wiring. */
#ifndef POL_BATCH_H
#define POL_BATCH_H

#include "hd_db.h"

#include <stddef.h>
#include <stdint.h>

#define POL_BATCH_CHANNELS 32 /* channels remembered per batch */
#define POL_CHANNEL_LEN 128   /* longer channel ids are read every time */
#define POL_KIND_LEN 64

typedef struct pol_batch pol_batch_t;

/* An empty batch; aborts on out-of-memory. The caller owns it. */
pol_batch_t *pol_batch_new(void);

/* Frees everything gathered; safe on NULL, nulls the caller's pointer. */
void pol_batch_destroy(pol_batch_t **self_p);

/* Forgets the remembered channels and every verdict not flushed (a new
   attempt at a batch, or an event whose effects are rolled back). */
void pol_batch_clear(pol_batch_t *self);

/* pol_store_channel through the batch's memory: the first lookup of a
   channel in a batch reads it, later ones do not. An unknown channel is
   remembered as unknown (kind "", max_length 0). self may be NULL (always
   read). All arguments borrowed. 0 / -1 database error. */
int pol_batch_channel(pol_batch_t *self, hd_db_t *db, const char *channel,
                            char *kind, size_t kind_len, long *max_length);

/* Keeps a verdict for the next flush; the strings are copied. Aborts on
   out-of-memory. */
void pol_batch_add_verdict(pol_batch_t *self, const char *content_id,
                                 int64_t version, const char *verdict,
                                 const char *findings_json);

/* Writes the kept verdicts in one statement inside the open transaction,
   with pol_store_verdict's rule (an item's first verdict is final:
   one already stored, or the first kept for it in this batch, wins), then
   forgets them (the remembered channels stay). 0, or -1 on database error
   (the verdicts are kept; the caller rolls back and clears). */
int pol_batch_flush(pol_batch_t *self, hd_db_t *db);

#endif
