/*  inbound: mentions seen on a channel (listening feeds, webhooks, the
    ZeroMQ door). A mention is identified by its channel and the channel's
    own id (hd_id_derive(channel, "mention:" + external_id)), so a
    re-delivery, or the same post pulled by a feed and pushed by a webhook,
    is answered with the original id instead of routing it twice. Every
    door records through ing_inbound_record: one rule for what a mention
    is and what its mention.received event carries. */
#ifndef ING_INBOUND_H
#define ING_INBOUND_H

#include "content.h"

typedef struct {
    const char *channel;
    const char *external_id;
    const char *author_handle;
    const char *text;
    const char *url; /* may be NULL */
    /* What a listening feed knows (NULL / 0 when the mention is pushed): */
    const char *feed;        /* the feed that pulled it */
    const char *in_reply_to; /* the channel's id of the post it answers */
    long long posted_at_ms;  /* when its author posted it, by the channel (0: unknown) */
    /* Routed only among these departments (comma-separated; NULL or "":
       any). An integration token's own departments take its place. */
    const char *departments;
} ing_mention_t;

/* Validates and records a mention and its mention.received event in one
   transaction; `by` (borrowed, NULL on the ZeroMQ door) is the integration
   token's holder, whose token is recorded with it. res->status: 201 new,
   200 already received, 4xx, 503. */
void ing_inbound_receive(hd_db_t *db, const ing_person_t *by, const ing_mention_t *in,
                         ing_result_t *res);

/* ing_inbound_receive inside the caller's open transaction on db (a feed
   records a page's mentions with its cursor, a group commit many mentions
   in one): nothing is committed or rolled back here. res->status: 201
   recorded, 200 already received (nothing written), 422 invalid or
   unknown channel (nothing written: the
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
