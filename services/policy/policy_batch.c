/*  policy_batch: one statement for a batch's channel facts, one for its
    author facts, one for its verdicts (see header). */
#include "policy_batch.h"

#include "hd_id.h"
#include "hd_pgarray.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One row per known channel, each with the batch positions asking for it
   (1-based, from WITH ORDINALITY). */
static const char *CHANNELS_SQL = "SELECT x.i, c.kind, c.max_length "
                                  "FROM unnest($1::text[]) WITH ORDINALITY AS x(id, i) "
                                  "JOIN channel c ON c.id = x.id";

int pol_batch_send_channels(hd_db_t *db, const char *const *ids, size_t n) {
    hd_pgarray_t col[1] = {{0}};
    for (size_t i = 0; i < n; i++)
        hd_pgarray_add(&col[0], ids[i]);
    return hd_db_send_arrays(db, CHANNELS_SQL, col, 1);
}

void pol_batch_parse_channels(const PGresult *r, size_t n, pol_channel_t *facts) {
    for (size_t i = 0; i < n; i++) {
        facts[i].kind[0] = 0;
        facts[i].max_length = 0;
    }
    for (int row = 0; row < PQntuples(r); row++) {
        long long i = atoll(PQgetvalue(r, row, 0)) - 1;
        if (i < 0 || (size_t)i >= n)
            continue; /* cannot happen: positions come from the array */
        snprintf(facts[i].kind, sizeof facts[i].kind, "%s", PQgetvalue(r, row, 1));
        facts[i].max_length = atol(PQgetvalue(r, row, 2));
    }
}

int pol_batch_read_channels(hd_db_t *db, const char *const *ids, size_t n, pol_channel_t *facts) {
    PGresult *r = NULL;
    if (pol_batch_send_channels(db, ids, n) < 0 || hd_db_results(db, &r, 1) < 0)
        return -1;
    pol_batch_parse_channels(r, n, facts);
    PQclear(r);
    return 0;
}

/* One row per item whose author exists, with its batch position (1-based):
   the person, their certifications for the channel (how many, and the
   latest expiry, 0 when one never expires), and whether the submitter
   holds a delegation from them at submission time. */
static const char *AUTHORS_SQL =
    "SELECT x.i, a.active, "
    " (SELECT count(*) FROM certification c WHERE c.person_id = a.id "
    "   AND (c.channel_id IS NULL OR c.channel_id = x.channel)), "
    " (SELECT coalesce(max(extract(epoch FROM c.expires_at) * 1000), 0)::bigint * "
    "   (CASE WHEN bool_or(c.expires_at IS NULL) THEN 0 ELSE 1 END) "
    "   FROM certification c WHERE c.person_id = a.id "
    "   AND (c.channel_id IS NULL OR c.channel_id = x.channel)), "
    " EXISTS (SELECT 1 FROM delegation d JOIN person s ON s.id = d.delegate_id "
    "   WHERE d.principal_id = a.id AND lower(s.email) = lower(x.submitter) "
    "   AND (d.channel_id IS NULL OR d.channel_id = x.channel) AND d.valid_from <= x.at "
    "   AND (d.valid_until IS NULL OR d.valid_until > x.at)) "
    "FROM (SELECT u.*, to_timestamp(u.at_ms / 1000.0) AS at "
    "      FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::bigint[], "
    "                  $6::text[]) AS u(i, id, email, channel, at_ms, submitter)) x "
    "CROSS JOIN LATERAL (SELECT p.id, p.active FROM person p "
    "  WHERE (x.id IS NOT NULL AND p.id = x.id) "
    "     OR (x.id IS NULL AND lower(p.email) = lower(x.email)) LIMIT 1) a";

static const char *or_empty(const char *s) { return s ? s : ""; }

int pol_batch_send_authors(hd_db_t *db, const pol_ctx_t *const *ctx, size_t n) {
    hd_pgarray_t col[6] = {{0}};
    for (size_t i = 0; i < n; i++) {
        const pol_ctx_t *c = ctx[i];
        if (!c)
            continue;
        char pos[24], at[24];
        snprintf(pos, sizeof pos, "%zu", i + 1);
        snprintf(at, sizeof at, "%" PRId64, c->submitted_ms);
        hd_pgarray_add(&col[0], pos);
        hd_pgarray_add(&col[1], c->author_id && hd_id_valid(c->author_id) ? c->author_id : NULL);
        hd_pgarray_add(&col[2], or_empty(c->author_email));
        hd_pgarray_add(&col[3], or_empty(c->channel));
        hd_pgarray_add(&col[4], at);
        hd_pgarray_add(&col[5], or_empty(c->submitter_email));
    }
    return hd_db_send_arrays(db, AUTHORS_SQL, col, 6);
}

void pol_batch_parse_authors(const PGresult *r, size_t n, pol_author_t *facts) {
    memset(facts, 0, n * sizeof *facts);
    for (int row = 0; row < PQntuples(r); row++) {
        long long i = atoll(PQgetvalue(r, row, 0)) - 1;
        if (i < 0 || (size_t)i >= n)
            continue; /* cannot happen: positions come from the array */
        facts[i] = (pol_author_t){.known = 1,
                                  .active = PQgetvalue(r, row, 1)[0] == 't',
                                  .certified = atol(PQgetvalue(r, row, 2)) > 0,
                                  .cert_expires_ms = atoll(PQgetvalue(r, row, 3)),
                                  .delegated = PQgetvalue(r, row, 4)[0] == 't'};
    }
}

void pol_author_apply(const pol_author_t *a, pol_ctx_t *ctx) {
    ctx->author_facts = 1;
    ctx->author_known = a->known;
    if (a->known) {
        ctx->author_active = a->active;
        ctx->author_certified = a->certified;
        ctx->cert_expires_ms = a->cert_expires_ms;
        ctx->delegated = a->delegated;
    }
}

int pol_batch_write_verdicts(hd_db_t *db, const pol_verdict_row_t *rows, size_t n) {
    if (n == 0)
        return 0;
    hd_pgarray_t col[4] = {{0}};
    for (size_t i = 0; i < n; i++) {
        char version[24];
        snprintf(version, sizeof version, "%" PRId64, rows[i].version);
        hd_pgarray_add(&col[0], rows[i].content_id);
        hd_pgarray_add(&col[1], version);
        hd_pgarray_add(&col[2], rows[i].verdict);
        hd_pgarray_add(&col[3], rows[i].findings);
    }
    /* DISTINCT ON keeps the first verdict of an item (a replay within the
       batch); sorted by the key, so two writers of the same rows always
       lock them in one order. */
    return hd_db_cmd_arrays(db,
                            "INSERT INTO policy_verdict (content_id, policy_version, verdict, "
                            "  findings) "
                            "SELECT DISTINCT ON (x.content_id) x.content_id, x.policy_version, "
                            "  x.verdict, x.findings "
                            "FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::jsonb[]) "
                            "  WITH ORDINALITY AS x(content_id, policy_version, verdict, "
                            "  findings, i) "
                            "ORDER BY x.content_id, x.i "
                            "ON CONFLICT (content_id) DO NOTHING",
                            col, 4);
}
