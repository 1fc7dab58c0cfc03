/*  hd_deadletter: the dead-letter store's writer: texts made safe, raw
    bytes kept (credentials redacted), identical refusals folded, the store
    bounded by size and age (hd_deadletter.h). */
#include "hd_deadletter.h"

#include "hd_config.h"
#include "hd_deadletter_http.h"
#include "hd_health.h"
#include "hd_id.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_utf8.h"

#include <ctype.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static hd_deadletter_cfg_t s_cfg = {256LL << 20, 30L * 86400, 60, 64, 1000};
static atomic_long s_puts; /* puts of this process: every evict_every-th evicts by age */
static atomic_llong s_written, s_repeats, s_evicted_rows, s_evicted_bytes, s_lost;

hd_deadletter_counts_t hd_deadletter_counts(void) {
    return (hd_deadletter_counts_t){atomic_load(&s_written), atomic_load(&s_repeats),
                                    atomic_load(&s_evicted_rows), atomic_load(&s_evicted_bytes),
                                    atomic_load(&s_lost)};
}

hd_deadletter_cfg_t hd_deadletter_defaults(void) {
    return (hd_deadletter_cfg_t){256LL << 20, 30L * 86400, 60, 64, 1000};
}

void hd_deadletter_configure(const hd_deadletter_cfg_t *cfg) { s_cfg = *cfg; }

hd_deadletter_cfg_t hd_deadletter_config(void) { return s_cfg; }

/* name's value when it is at least min, else def (logged). */
static long setting(const char *name, long def, long min) {
    long v = hd_config_long(name, def);
    if (v >= min)
        return v;
    hd_warn("config_invalid", "%s=%ld is below %ld, using %ld", name, v, min, def);
    return def;
}

void hd_deadletter_configure_from_config(void) {
    hd_deadletter_cfg_t c = hd_deadletter_defaults();
    c.max_bytes = setting("HUDDLE_DEADLETTER_MAX_MB", 256, 1) * (1LL << 20);
    c.max_age_s = setting("HUDDLE_DEADLETTER_MAX_AGE_DAYS", 30, 1) * 86400L;
    c.sample_s = (int)setting("HUDDLE_DEADLETTER_SAMPLE_S", 60, 0);
    hd_deadletter_configure(&c);
}

/* ---- pure helpers ---- */

char *hd_deadletter_text(const char *s, size_t max) {
    if (!s)
        return NULL;
    size_t n = strlen(s), cap = n * 4 + 4, o = 0;
    char *out = hd_malloc(cap);
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t k = hd_utf8_seq(p + i, n - i);
        char piece[8];
        size_t pn = k ? k : 4;
        if (k)
            memcpy(piece, p + i, k);
        else
            snprintf(piece, sizeof piece, "\\x%02X", p[i]);
        if (o + pn > max) { /* cut: back off to leave room for "..." */
            while (o > 0 && o + 3 > max)
                o--;
            while (o > 0 && ((unsigned char)out[o] & 0xC0) == 0x80)
                o--;
            memcpy(out + o, "...", max < 3 ? max : 3);
            o += max < 3 ? max : 3;
            break;
        }
        memcpy(out + o, piece, pn);
        o += pn;
        i += k ? k : 1;
    }
    out[o] = 0;
    return out;
}

void hd_deadletter_peer_host(const char *peer, char *out, size_t n) {
    if (!n)
        return;
    const char *p = peer ? peer : "";
    size_t len = strlen(p);
    const char *colon = strrchr(p, ':');
    int port = colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1);
    if (p[0] == '[' && port && colon > p && colon[-1] == ']')
        snprintf(out, n, "%.*s", (int)(colon - p - 2), p + 1);
    else if (port && strchr(p, ':') == colon)
        snprintf(out, n, "%.*s", (int)(colon - p), p);
    else
        snprintf(out, n, "%.*s", (int)len, p);
}

void hd_deadletter_kind(const char *source, const char *reason, char *out, size_t n) {
    const char *r = reason ? reason : "";
    if (isdigit((unsigned char)r[0]) && isdigit((unsigned char)r[1]) &&
        isdigit((unsigned char)r[2]) && (r[3] == ' ' || r[3] == 0))
        snprintf(out, n, "%s:%.3s", source ? source : "", r);
    else
        snprintf(out, n, "%s", source ? source : "");
}

/* ---- the store ---- */

long hd_deadletter_evict(hd_db_t *db) {
    char bytes[32], age[32], batch[16];
    snprintf(bytes, sizeof bytes, "%lld", s_cfg.max_bytes);
    snprintf(age, sizeof age, "%ld", s_cfg.max_age_s);
    snprintf(batch, sizeof batch, "%d", s_cfg.evict_batch);
    const char *p[3] = {bytes, age, batch};
    PGresult *r = hd_db_exec(
        db, "SELECT evicted_rows, evicted_bytes FROM dead_letter_evict($1, $2, $3)", 3, p);
    if (!r)
        return -1;
    long rows = atol(PQgetvalue(r, 0, 0));
    atomic_fetch_add(&s_evicted_rows, rows);
    atomic_fetch_add(&s_evicted_bytes, atoll(PQgetvalue(r, 0, 1)));
    if (rows > 0)
        hd_info("dead_letter_evicted", "%ld dead letter(s), %s bytes (limits: %lld bytes, %ld s)",
                rows, PQgetvalue(r, 0, 1), s_cfg.max_bytes, s_cfg.max_age_s);
    PQclear(r);
    return rows;
}

/* The put could not be stored: say what was lost, so it can be found. */
static void lost(hd_db_t *db, const char *source, const char *peer, const char *reason,
                 const char *raw, size_t len, const char *corr) {
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    crypto_hash_sha256(h, (const unsigned char *)raw, len);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    hd_log(HD_LOG_ERROR, "dead_letter_lost", NULL, corr,
           "NOT STORED (%s): source=%s peer=%s raw_len=%zu raw_sha256=%s: %s", hd_db_error(db),
           source, peer ? peer : "-", len, hex, reason);
}

int hd_deadletter_put(hd_db_t *db, const char *source, const char *peer, const char *reason,
                      const char *field, const void *raw, size_t raw_len,
                      const char *correlation_id) {
    char *src = hd_deadletter_text(source ? source : "unknown", 64);
    char *pr = hd_deadletter_text(peer, HD_DEADLETTER_TEXT_MAX);
    char *rs = hd_deadletter_text(reason ? reason : "", HD_DEADLETTER_REASON_MAX);
    char *fl = hd_deadletter_text(field, HD_DEADLETTER_TEXT_MAX);
    char host[HD_DEADLETTER_TEXT_MAX + 1], kind[96], sample[16];
    hd_deadletter_peer_host(pr, host, sizeof host);
    hd_deadletter_kind(src, rs, kind, sizeof kind);
    snprintf(sample, sizeof sample, "%d", s_cfg.sample_s);
    size_t len = raw ? raw_len : 0;
    char *redacted = NULL;
    const char *bytes = raw ? raw : "";
    if (strcmp(src, "ingest.http") == 0)
        bytes = redacted = hd_deadletter_http_redact(bytes, len, &len);
    const char *corr = correlation_id && hd_id_valid(correlation_id) ? correlation_id : NULL;
    const char *params[9] = {src, pr, pr ? host : NULL, rs, fl, bytes, corr, kind, sample};
    int lengths[9] = {0, 0, 0, 0, 0, (int)len, 0, 0, 0};
    int formats[9] = {0, 0, 0, 0, 0, 1, 0, 0, 0};
    PGresult *r =
        hd_db_execv(db,
                    "SELECT dl_id, dl_repeated, dl_total FROM dead_letter_put($1, $2, $3, $4, $5, "
                    "$6, $7, $8, $9)",
                    9, params, lengths, formats, 0);
    int rc = r ? 0 : -1;
    if (r) {
        int repeated = PQgetvalue(r, 0, 1)[0] == 't';
        long long total = atoll(PQgetvalue(r, 0, 2));
        hd_log(repeated ? HD_LOG_DEBUG : HD_LOG_WARN, "dead_letter", NULL, corr,
               "id=%s%s source=%s peer=%s field=%s: %s", PQgetvalue(r, 0, 0),
               repeated ? " (repeat)" : "", src, pr ? pr : "-", fl ? fl : "-", rs);
        PQclear(r);
        atomic_fetch_add(repeated ? &s_repeats : &s_written, 1);
        hd_health_dead_letter_written(src); /* huddle_dead_letters_written_total: repeats too */
        long n = atomic_fetch_add(&s_puts, 1) + 1;
        if (total > s_cfg.max_bytes || (s_cfg.evict_every > 0 && n % s_cfg.evict_every == 0))
            if (hd_deadletter_evict(db) < 0 &&
                PQtransactionStatus(hd_db_conn(db)) == PQTRANS_INERROR)
                rc = -1; /* the caller's transaction is lost with it */
    } else {
        atomic_fetch_add(&s_lost, 1);
        lost(db, src, pr, rs, bytes, len, corr);
    }
    free(redacted);
    free(src);
    free(pr);
    free(rs);
    free(fl);
    return rc;
}
