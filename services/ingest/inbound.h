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

#endif
