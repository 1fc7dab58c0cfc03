/*  content: what a piece of content submitted into the governed path is,
    in pure functions: its checks, its id and its content.submitted event.
    Recording it is the batch's job (batch.h: a group commit, a batch of one
    being a batch): the item and its event commit in one transaction and only
    then is the sender answered. An idempotency key makes a retry return the
    original answer instead of a second item. Shared by the HTTP API and the
    ZeroMQ door. */
#ifndef ING_CONTENT_H
#define ING_CONTENT_H

#include "auth.h"
#include "decode.h"
#include "hd_envelope.h"

/* ing_submission_t, what is submitted, is decode.h's. */

#define ING_FINGERPRINT_LEN 65 /* 64 hex digits and the NUL */

/* The outcome of a request: an HTTP-like status, the id on success, and on
   refusal the reason and the offending field. */
typedef struct {
    int status; /* 201 created, 200 original answer, 4xx refused, 503 retry */
    char id[HD_ID_LEN];
    char error[512];
    char field[64];
    char code[32];   /* the API's error code when not the status's usual one */
    int retry_after; /* 429: seconds until the sender may try again */
    char by[256];    /* a reply's collision (409): who holds the mention ("" none) ... */
    char since[40];  /* ... and since when (RFC 3339) */
} ing_result_t;

/* Sets a refusal on res. */
void ing_result_refuse(ing_result_t *res, int status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Sets res to the refusal why (decode.h). */
void ing_result_from(ing_result_t *res, const ing_refusal_t *why);

/* The request's fingerprint: SHA-256 (hex) of everything that makes the
   request (channel, text, kind with its default, scheduled time, a
   statement's crisis, a reply's mention and whether it supersedes), to
   which
   an idempotency key is bound: the same key with another fingerprint is
   another request, refused. */
void ing_content_fingerprint(const ing_submission_t *in, char out[ING_FINGERPRINT_LEN]);

/* The item id: derived from author and idempotency key, random without one. */
void ing_content_id(const ing_person_t *author, const ing_submission_t *in, char id[HD_ID_LEN]);

/* What the group commit found out about a reply to a mention
   (batch_reply.h): the mention's id on its channel (the reply's
   in_reply_to_id) and the pending reply it withdraws ("" none). */
typedef struct {
    char external_id[ING_MAX_HANDLE + 1];
    char supersedes[HD_ID_LEN];
} ing_content_reply_t;

/* A content.submitted event, stamped (id derived from the item id). Every
   pointer in it borrows from the arguments, which must outlive it. reply:
   a reply to a mention's (NULL for every other item). */
typedef struct {
    hd_envelope_t env;
    Huddle__V1__ContentSubmitted body;
    char id[HD_ID_LEN];
} ing_content_event_t;
void ing_content_event(ing_content_event_t *ev, const ing_person_t *a, const ing_submission_t *in,
                       const char *id, long long policy_version, long long scheduled_at_ms,
                       const ing_content_reply_t *reply);

#endif
