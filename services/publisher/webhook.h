/*  webhook: signing outgoing webhooks as the Standard Webhooks spec
    (standardwebhooks.com, version 1.0.0) says, and checking such a
    signature the way a receiver must (docs/webhooks.md).

    An endpoint's secret is "whsec_" followed by the standard base64 (with
    padding) of 24 to 64 random bytes; those bytes are the HMAC key. A
    message is signed over "<webhook-id>.<webhook-timestamp>.<body>" with
    HMAC-SHA256, and the signature travels as "v1,<base64 of the 32-byte
    MAC>" in the webhook-signature header, which may list several
    signatures separated by spaces (a receiver accepts the message when any
    v1 one matches). The timestamp is the attempt's, in Unix seconds, so a
    receiver refuses one too far from its clock (a replay). Pure functions:
    no I/O, no clock. */
#ifndef PUB_WEBHOOK_H
#define PUB_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#define PUB_WEBHOOK_SECRET_PREFIX "whsec_"
#define PUB_WEBHOOK_KEY_MIN 24 /* bytes of a secret, as the spec bounds them */
#define PUB_WEBHOOK_KEY_MAX 64
#define PUB_WEBHOOK_SIG_LEN 48       /* "v1," + 44 base64 characters + NUL */
#define PUB_WEBHOOK_TOLERANCE_S 300L /* a receiver's window around its clock */

typedef struct {
    unsigned char bytes[PUB_WEBHOOK_KEY_MAX];
    size_t len;
} pub_webhook_key_t;

/* The key of a secret: "whsec_<base64>" (the prefix may be left out, as
   the spec's libraries allow), decoding to PUB_WEBHOOK_KEY_MIN..MAX bytes.
   0, or -1 when secret is NULL, not base64 or of another length. */
int pub_webhook_key_parse(const char *secret, pub_webhook_key_t *key);

/* The signature "v1,<base64>" of body (body_len bytes) sent as message id
   at timestamp (Unix seconds), into out. 0, or -1 when id is empty or
   holds a '.' (the spec forbids it: it would move the signed fields). */
int pub_webhook_sign(const pub_webhook_key_t *key, const char *id, int64_t timestamp,
                     const char *body, size_t body_len, char out[PUB_WEBHOOK_SIG_LEN]);

typedef enum {
    PUB_WEBHOOK_VALID = 0,
    PUB_WEBHOOK_MISSING,  /* a header is absent or empty, or the timestamp is not an integer */
    PUB_WEBHOOK_STALE,    /* the timestamp is more than tolerance_s from now_s */
    PUB_WEBHOOK_MISMATCH, /* no v1 signature of the header matches */
    PUB_WEBHOOK_VERDICT_COUNT
} pub_webhook_verdict_t;

/* "valid", "missing", "stale", "mismatch"; "unknown" out of range. Static. */
const char *pub_webhook_verdict_name(pub_webhook_verdict_t v);

/* What a receiver decides of a message: the three headers as received
   (NULL: absent), the raw body, its clock now_s and its tolerance in
   seconds. Signatures are compared in constant time. */
pub_webhook_verdict_t pub_webhook_verify(const pub_webhook_key_t *key, const char *id,
                                         const char *timestamp, const char *signatures,
                                         const char *body, size_t body_len, int64_t now_s,
                                         long tolerance_s);

#endif
