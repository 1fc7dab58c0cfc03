/*  decode: the bodies of the API's writes (POST /v1/content, its decisions,
    POST /v1/inbound) and the headers they need, read into plain structs by
    pure functions. Everything a sender wrote is checked here, before any of
    it can reach SQL: each string is UTF-8 without NUL and within its
    length, ids have their syntax, a kind is one of its names, a time is RFC
    3339 within range; an unknown member is refused. So one sender's bytes
    can never make a statement fail that carries other senders' items too
    (batch.h), and every refusal names the field at fault.

    No database, no HTTP server, no clock: the caller passes the time. */
#ifndef ING_DECODE_H
#define ING_DECODE_H

#include <stddef.h>

#define ING_MAX_TEXT 10000                        /* bytes of a submission's or a mention's text */
#define ING_MAX_KEY 200                           /* bytes of an idempotency key */
#define ING_MAX_REASON 2000                       /* bytes of a decision's reason */
#define ING_MAX_ROLE 63                           /* bytes of a role name */
#define ING_MAX_HANDLE 200                        /* bytes of a mention's external id or author */
#define ING_MAX_URL 2000                          /* bytes of a mention's url */
#define ING_MAX_EMAIL 255                         /* bytes of an author's email (the ZeroMQ door) */
#define ING_SCHEDULE_PAST_MS (24LL * 3600 * 1000) /* scheduled_at: 1 day back */
#define ING_SCHEDULE_AHEAD_MS (366LL * 24 * 3600 * 1000) /* ... to 366 days ahead */

/* Why an input is refused: an HTTP status (400 body not JSON, 422 a field),
   the field at fault ("" none), the API's error code and a sentence. */
typedef struct {
    int status;
    char field[64];
    char code[32];
    char message[256];
} ing_refusal_t;

/* A submission (POST /v1/content, the ZeroMQ door's SubmitContent). The
   decoders fill the strings with copies the struct owns (ing_submission_clear);
   a door that fills one itself may borrow them (and must not clear it). */
typedef struct {
    const char *channel;
    const char *text;
    const char *kind;                /* NULL: post */
    const char *idempotency_key;     /* NULL: none (every call is a new item) */
    const char *key_field;           /* where the key came from: "Idempotency-Key",
                                    "idempotency_key" (static) */
    long long scheduled_at_ms;       /* 0: as soon as approved; else UTC ms */
    const char *crisis_id;           /* kind statement: the crisis whose holding statement it
                                    is (set by ingest itself, never read from a client's
                                    body); NULL: none */
    const char *reply_to_mention_id; /* kind reply through POST /v1/inbox/{id}/replies: the
                                        mention it answers (set by ingest itself, never read
                                        from a client's body); NULL: none */
    int supersede;                   /* with reply_to_mention_id: the author withdraws the
                                        mention's pending reply (docs/inbox.md) */
} ing_submission_t;

/* A decision's body (POST /v1/content/{id}/decisions); strings owned. */
typedef struct {
    char *decision; /* approve, reject */
    char *role;     /* NULL: the first required role the actor holds */
    char *reason;   /* NULL: none (required to reject) */
} ing_dec_decision_t;

/* A mention's body (POST /v1/inbound); strings owned. */
typedef struct {
    char *channel;
    char *external_id;
    char *author;
    char *text;
    char *url; /* NULL: none */
} ing_dec_mention_t;

/* 1 if a Content-Type header value says JSON: application/json (any case,
   optional whitespace) with parameters or none, a charset being utf-8.
   0 for NULL, another type, or a charset other than utf-8. */
int ing_content_type_json(const char *value);

/* 1 if s is a channel id: a lowercase slug ^[a-z0-9][a-z0-9-]{0,62}$. */
int ing_channel_valid(const char *s);

/* Checks an idempotency key from wherever it came (field names it): 1..
   ING_MAX_KEY bytes of UTF-8 without control characters. 0, or -1 with
   the 422 in *why. */
int ing_decode_key(const char *key, const char *field, ing_refusal_t *why);

/* Checks a scheduled time (ms since the epoch, 0 none) against now_ms:
   from 1 day before to 366 days after. 0, or -1 with the 422 in *why. */
int ing_decode_schedule(long long ms, long long now_ms, const char *field, ing_refusal_t *why);

/* Checks a submission however it came (the ZeroMQ door fills one from
   its frames, which protobuf-c does not check): channel and text present,
   UTF-8 and within their lengths, the channel an id, the kind one of its
   names, the scheduled time (0: none) within range of now_ms, the key (if
   any) as ing_decode_key, named by in->key_field. The kind statement goes
   with a crisis_id (a UUID) and only with one: a client's kind is post,
   reply or share; a reply_to_mention_id (a UUID) goes with kind reply.
   0, or -1 with *why. */
int ing_check_submission(const ing_submission_t *in, long long now_ms, ing_refusal_t *why);

/* 1 when e is an author's email the batch may look up (the ZeroMQ
   door's author of record): 1..ING_MAX_EMAIL bytes of UTF-8 without NUL;
   else 0 (NULL included). */
int ing_email_valid(const char *e);

/* A submission from the ZeroMQ door: the idempotency key is required (a
   retry on the bus is safe only with one: 422 naming idempotency_key),
   then ing_check_submission. 0, or -1 with *why. */
int ing_check_door_submission(const ing_submission_t *in, long long now_ms, ing_refusal_t *why);

/* Decodes POST /v1/content's body (len bytes, not NUL-terminated needed)
   with its Idempotency-Key header (NULL if absent; it wins over the body's
   "idempotency_key"), now_ms being the time now (for scheduled_at's range).
   0 with *out filled (the caller clears it), or -1 with *why set and *out
   empty. */
int ing_decode_submission(const char *body, size_t len, const char *key_header, long long now_ms,
                          ing_submission_t *out, ing_refusal_t *why);

/* Frees the strings a decoder put in s and empties it. Safe on an empty one. */
void ing_submission_clear(ing_submission_t *s);

/* Decodes a decision's body. 0 with *out filled (ing_dec_decision_clear),
   or -1 with *why set and *out empty. */
int ing_decode_decision(const char *body, size_t len, ing_dec_decision_t *out, ing_refusal_t *why);
void ing_dec_decision_clear(ing_dec_decision_t *d);

/* Checks a mention however it came (the ZeroMQ door's frames): channel,
   external_id, author and text present, each UTF-8 within its length, the
   channel an id, url (optional) UTF-8 within its length. 0, or -1. */
int ing_check_mention(const ing_dec_mention_t *m, ing_refusal_t *why);

/* Decodes a mention's body. 0 with *out filled (ing_dec_mention_clear), or
   -1 with *why set and *out empty. */
int ing_decode_mention(const char *body, size_t len, ing_dec_mention_t *out, ing_refusal_t *why);
void ing_dec_mention_clear(ing_dec_mention_t *m);

#endif
