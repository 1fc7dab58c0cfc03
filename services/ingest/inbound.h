/*  inbound: mentions seen on a channel (listening, webhooks). A mention is
    identified by its channel and the channel's own id, so a re-delivery is
    answered with the original id instead of routing it twice. */
#ifndef ING_INBOUND_H
#define ING_INBOUND_H

#include "content.h"

typedef struct {
    const char *channel;
    const char *external_id;
    const char *author_handle;
    const char *text;
    const char *url; /* may be NULL */
} ing_mention_t;

/* Validates and records a mention and its mention.received event in one
   transaction; `by` (borrowed, NULL on the ZeroMQ door) is the integration
   token's holder, whose token is recorded with it. res->status: 201 new,
   200 already received, 4xx, 503. */
void ing_inbound_receive(hd_db_t *db, const ing_person_t *by, const ing_mention_t *in,
                         ing_result_t *res);

/* ing_inbound_receive inside the caller's open transaction on db (a group
   commit records many mentions in one): nothing is committed or rolled
   back here. res->status: 201 recorded, 200 already received (nothing
   written), 422 invalid or unknown channel (nothing written: the
   transaction goes on), 503 a database error (the transaction is lost:
   the caller rolls back). */
void ing_inbound_record(hd_db_t *db, const ing_person_t *by, const ing_mention_t *in,
                        ing_result_t *res);

/* ing_inbound_record for in[0..n) (by[i] the holder of mention i's token,
   NULL entries allowed), each with its own res[i], in one statement per
   step whatever n: what a group commit records in one transaction. Two
   mentions with one id insert once (the first 201, the second 200). A
   database error answers every mention not refused 503 (the transaction
   is lost: the caller rolls back). */
void ing_inbound_record_many(hd_db_t *db, const ing_person_t *const *by, const ing_mention_t *in,
                             ing_result_t *res, size_t n);

#endif
