/*  metrics: ingest's counters and GET /metrics (see metrics.h). */
#include "metrics.h"

#include "feed_metrics.h"
#include "hd_health.h"
#include "hd_prom.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static hd_prom_vec_t s_requests;     /* route, method, status */
static hd_prom_vec_t s_refusals;     /* status, code */
static hd_prom_vec_t s_rate_limited; /* kind */
static hd_prom_vec_t s_items;        /* outcome */

static const double s_batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
static hd_prom_hist_t s_batch_items = HD_PROM_HIST(s_batch_bounds);
static const double s_commit_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                         0.1,    0.25,  0.5,    1,     2.5,  5,     10};
static hd_prom_hist_t s_commit_seconds = HD_PROM_HIST(s_commit_bounds);

void ing_metrics_request(const char *route, const char *method, int status) {
    char st[16];
    snprintf(st, sizeof st, "%d", status);
    const char *v[] = {route ? route : "unmatched", method, st};
    hd_prom_vec_add(&s_requests, v, 3, 1);
}

void ing_metrics_refusal(int status, const char *code) {
    char st[16];
    snprintf(st, sizeof st, "%d", status);
    const char *v[] = {st, code && *code ? code : "error"};
    hd_prom_vec_add(&s_refusals, v, 2, 1);
}

void ing_metrics_rate_limited(const char *kind) { hd_prom_vec_add(&s_rate_limited, &kind, 1, 1); }

void ing_metrics_batch(size_t items, double seconds) {
    hd_prom_hist_observe(&s_batch_items, (double)items);
    hd_prom_hist_observe(&s_commit_seconds, seconds);
}

const char *ing_metrics_outcome(int status) {
    if (status == 201)
        return "accepted";
    if (status == 200)
        return "duplicate";
    if (status >= 400 && status < 500)
        return "refused";
    return "failed";
}

void ing_metrics_item(int status) {
    const char *o = ing_metrics_outcome(status);
    hd_prom_vec_add(&s_items, &o, 1, 1);
}

/* The dead-letter store's figures by kind ("source:status"), from
   dead_letter_stats (migrations/015_deadletter.sql): the table is read at
   scrape time when it exists and this role may read it, and the families
   are written either way (a comment line says why there are no samples). */
static const struct {
    const char *name, *type, *help;
} s_store[] = {
    {"huddle_dead_letters_evicted_total", "counter",
     "Dead letters evicted from the bounded store (oldest first), by kind (source:status)."},
    {"huddle_dead_letters_evicted_bytes_total", "counter",
     "Raw bytes of the dead letters evicted from the bounded store, by kind."},
    {"huddle_dead_letters_stored", "gauge", "Dead letters in the store now, by kind."},
    {"huddle_dead_letters_stored_bytes", "gauge",
     "Raw bytes of the dead letters in the store now, by kind."},
};

static PGresult *read_store(FILE *out, hd_db_t *db) {
    if (hd_db_ensure(db) < 0)
        return NULL;
    PGresult *ok =
        hd_db_exec(db,
                   "SELECT CASE WHEN to_regclass('dead_letter_stats') IS NULL THEN 'none' "
                   "WHEN has_table_privilege('dead_letter_stats', 'SELECT') THEN 'ok' "
                   "ELSE 'denied' END",
                   0, NULL);
    const char *how = ok && PQntuples(ok) == 1 ? PQgetvalue(ok, 0, 0) : "error";
    PGresult *r = NULL;
    if (strcmp(how, "ok") == 0)
        r = hd_db_exec(db,
                       "SELECT kind, evicted_rows, evicted_bytes, stored_rows, stored_bytes "
                       "FROM dead_letter_stats ORDER BY kind",
                       0, NULL);
    if (!r && strcmp(how, "none") != 0)
        fprintf(out, "# dead_letter_stats cannot be read (%s)\n",
                strcmp(how, "ok") == 0 ? "error" : how);
    PQclear(ok);
    return r;
}

static void write_store(FILE *out, hd_db_t *db) {
    PGresult *r = read_store(out, db);
    for (size_t f = 0; f < sizeof s_store / sizeof s_store[0]; f++) {
        hd_prom_family(out, s_store[f].name, s_store[f].type, s_store[f].help);
        for (int i = 0; r && i < PQntuples(r); i++) {
            char labels[HD_PROM_LABELS_LEN];
            const char *name = "kind", *value = PQgetvalue(r, i, 0);
            if (hd_prom_labels(labels, sizeof labels, &name, &value, 1) == 0)
                hd_prom_sample(out, s_store[f].name, NULL, labels,
                               strtod(PQgetvalue(r, i, 1 + (int)f), NULL));
        }
    }
    PQclear(r);
}

/* The API server's own figures (hd_health.h). */
static void write_http_server(FILE *out, ing_call_t *c) {
    hd_health_write_http(out, hd_http_req_server(c->req));
}

static void write_figures(FILE *out, ing_call_t *c) {
    hd_health_write_common(out, "ingest");
    static const char *const req_labels[] = {"route", "method", "status"};
    hd_prom_vec_write(out, &s_requests, "huddle_ingest_requests_total",
                      "HTTP API requests answered, by route pattern, method and status.",
                      req_labels, 3);
    static const char *const ref_labels[] = {"status", "code"};
    hd_prom_vec_write(out, &s_refusals, "huddle_ingest_refusals_total",
                      "HTTP API refusals, by status and error code.", ref_labels, 2);
    static const char *const kind[] = {"kind"};
    hd_prom_vec_write(out, &s_rate_limited, "huddle_ingest_rate_limited_total",
                      "Requests refused by a rate limit (429), by kind: address or token.", kind,
                      1);
    static const char *const outcome[] = {"outcome"};
    hd_prom_vec_write(out, &s_items, "huddle_ingest_items_total",
                      "Submissions recorded by the group commit, by outcome.", outcome, 1);
    hd_prom_hist_write(out, &s_batch_items, "huddle_ingest_commit_batch_items",
                       "Submissions per group commit.");
    hd_prom_hist_write(out, &s_commit_seconds, "huddle_ingest_commit_seconds",
                       "Time one group commit took, in seconds.");
    write_store(out, c->db);
    ing_feed_metrics_write(out, c->db);
    write_http_server(out, c);
}

void ing_metrics_serve(ing_call_t *c) {
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out) {
        hd_http_respond_error(c->req, 500, "internal", NULL, "cannot build the metrics");
        return;
    }
    write_figures(out, c);
    fclose(out);
    hd_http_respond(c->req, 200, HD_PROM_CONTENT_TYPE, text, len);
    free(text);
}

const ing_route_t ing_metrics_routes[] = {{"GET", "/metrics", ING_SCOPE_NONE, ing_metrics_serve,
                                           "Prometheus metrics (docs/metrics.md), without a token"},
                                          {NULL, NULL, 0, NULL, NULL}};
