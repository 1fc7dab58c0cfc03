/*  webhook: Standard Webhooks signatures (see webhook.h). */
#include "webhook.h"

#include "hd_mem.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAC_LEN 32 /* SHA-256 */

static const char *const s_verdicts[PUB_WEBHOOK_VERDICT_COUNT] = {[PUB_WEBHOOK_VALID] = "valid",
                                                                  [PUB_WEBHOOK_MISSING] = "missing",
                                                                  [PUB_WEBHOOK_STALE] = "stale",
                                                                  [PUB_WEBHOOK_MISMATCH] =
                                                                      "mismatch"};

const char *pub_webhook_verdict_name(pub_webhook_verdict_t v) {
    return (unsigned)v < PUB_WEBHOOK_VERDICT_COUNT ? s_verdicts[v] : "unknown";
}

/* Decodes len characters of standard base64 (padding required) into out
   (cap bytes). The decoded length, or -1. */
static long b64_decode(const char *s, size_t len, unsigned char *out, size_t cap) {
    size_t n = 0;
    if (len == 0 ||
        sodium_base642bin(out, cap, s, len, NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    return (long)n;
}

int pub_webhook_key_parse(const char *secret, pub_webhook_key_t *key) {
    if (!secret)
        return -1;
    size_t plen = strlen(PUB_WEBHOOK_SECRET_PREFIX);
    if (strncmp(secret, PUB_WEBHOOK_SECRET_PREFIX, plen) == 0)
        secret += plen;
    long n = b64_decode(secret, strlen(secret), key->bytes, sizeof key->bytes);
    if (n < PUB_WEBHOOK_KEY_MIN || n > PUB_WEBHOOK_KEY_MAX) {
        key->len = 0;
        return -1;
    }
    key->len = (size_t)n;
    return 0;
}

/* HMAC-SHA256 of "id.timestamp.body" into mac, the timestamp as the
   header carries it (the signed bytes are the header's). 0, or -1. */
static int mac_of(const pub_webhook_key_t *key, const char *id, const char *timestamp,
                  const char *body, size_t body_len, unsigned char mac[MAC_LEN]) {
    char head[160];
    int hn = snprintf(head, sizeof head, "%s.%s.", id, timestamp);
    if (hn < 0 || (size_t)hn >= sizeof head)
        return -1;
    size_t n = (size_t)hn + body_len;
    unsigned char *msg = hd_malloc(n ? n : 1);
    memcpy(msg, head, (size_t)hn);
    if (body_len)
        memcpy(msg + hn, body, body_len);
    unsigned int mlen = 0;
    unsigned char *ok = HMAC(EVP_sha256(), key->bytes, (int)key->len, msg, n, mac, &mlen);
    free(msg);
    return ok && mlen == MAC_LEN ? 0 : -1;
}

int pub_webhook_sign(const pub_webhook_key_t *key, const char *id, int64_t timestamp,
                     const char *body, size_t body_len, char out[PUB_WEBHOOK_SIG_LEN]) {
    unsigned char mac[MAC_LEN];
    char ts[24];
    snprintf(ts, sizeof ts, "%lld", (long long)timestamp);
    if (!id || !*id || strchr(id, '.') || key->len < PUB_WEBHOOK_KEY_MIN ||
        mac_of(key, id, ts, body, body_len, mac) < 0)
        return -1;
    memcpy(out, "v1,", 3);
    sodium_bin2base64(out + 3, PUB_WEBHOOK_SIG_LEN - 3, mac, sizeof mac,
                      sodium_base64_VARIANT_ORIGINAL);
    return 0;
}

/* The timestamp header as seconds: digits only. 0, or -1. */
static int parse_seconds(const char *s, int64_t *out) {
    if (!s || !*s || strlen(s) > 18)
        return -1;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return 0;
}

/* 1 when one "v1,<base64>" entry of the space-separated list is mac. Each
   candidate is decoded and compared in constant time, whatever it holds. */
static int any_matches(const char *list, const unsigned char mac[MAC_LEN]) {
    int found = 0;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, " ");
        unsigned char got[MAC_LEN + 16];
        if (len > 3 && strncmp(p, "v1,", 3) == 0 &&
            b64_decode(p + 3, len - 3, got, sizeof got) == MAC_LEN)
            found |= CRYPTO_memcmp(got, mac, MAC_LEN) == 0;
        p += len;
        while (*p == ' ')
            p++;
    }
    return found;
}

pub_webhook_verdict_t pub_webhook_verify(const pub_webhook_key_t *key, const char *id,
                                         const char *timestamp, const char *signatures,
                                         const char *body, size_t body_len, int64_t now_s,
                                         long tolerance_s) {
    int64_t ts;
    unsigned char mac[MAC_LEN];
    if (!id || !*id || !signatures || !*signatures || parse_seconds(timestamp, &ts) < 0)
        return PUB_WEBHOOK_MISSING;
    if (ts < now_s - tolerance_s || ts > now_s + tolerance_s)
        return PUB_WEBHOOK_STALE;
    if (key->len < PUB_WEBHOOK_KEY_MIN || mac_of(key, id, timestamp, body, body_len, mac) < 0)
        return PUB_WEBHOOK_MISMATCH;
    return any_matches(signatures, mac) ? PUB_WEBHOOK_VALID : PUB_WEBHOOK_MISMATCH;
}
