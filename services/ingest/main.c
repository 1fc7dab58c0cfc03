/*  huddle-ingest: the only door for input from outside. The HTTP API's loop
    runs on its own thread and hands every request to HUDDLE_API_WORKERS
    workers, each with its own database connections (ingest's own tables, and the
    read side as role huddle_read); the ZeroMQ door's loop
    runs on the main thread and hands its database work to a worker of its
    own with another. Both validate, persist with the outbox, and answer
    only after commit. */
#include "admin_config.h"
#include "admin_webhooks.h"
#include "api.h"
#include "batch.h"
#include "feed_runner.h"
#include "hd_config.h"
#include "hd_db.h"
#include "hd_dbrole.h"
#include "hd_deadletter.h"
#include "hd_http.h"
#include "hd_keys.h"
#include "hd_log.h"
#include "hd_secret.h"
#include "hd_signal.h"
#include "read_side.h"
#include "zdoor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static const hd_config_var_t s_vars[] = {
    HD_CONFIG_COMMON_DB,
    HD_CONFIG_COMMON_DEADLETTER,
    {"HUDDLE_KEYS_DIR", ".huddle/keys",
     "CURVE keys: ingest.key_secret, authorized/ peers of the ZeroMQ door"},
    {"HUDDLE_CREDENTIALS_KEY_FILE", "",
     "key sealing the channel accounts' credentials (default: $HUDDLE_KEYS_DIR/credentials.key)"},
    {"HUDDLE_API_ADDR", "127.0.0.1:8080", "HTTP API listen address (host:port)"},
    {"HUDDLE_API_TLS_CERT", "",
     "PEM certificate chain: with _KEY the API speaks HTTPS only (HSTS)"},
    {"HUDDLE_API_TLS_KEY", "", "PEM private key (unencrypted) of HUDDLE_API_TLS_CERT"},
    {"HUDDLE_API_WORKERS", "4",
     "HTTP API worker threads (each its own database connection) running the requests"},
    {"HUDDLE_INGEST_BIND", "tcp://127.0.0.1:7610", "ZeroMQ door endpoint (CURVE)"},
    {"HUDDLE_MAX_BODY", "65536", "largest accepted HTTP body in bytes (413 beyond)"},
    {"HUDDLE_INGEST_WRITERS", "2",
     "group-commit writers (each its own database connection) for submissions"},
    {"HUDDLE_INGEST_BATCH", "256", "most submissions one group commit records"},
    HD_CONFIG_COMMON_HTTP,
    {"HUDDLE_RATE_ADDR_PER_S", "200",
     "requests a second one client address may make (token bucket; 0: no limit; 429 beyond)"},
    {"HUDDLE_RATE_ADDR_BURST", "400", "requests one client address may make at once"},
    {"HUDDLE_RATE_TOKEN_PER_S", "50",
     "requests a second one API token may make (token bucket; 0: no limit; 429 beyond)"},
    {"HUDDLE_RATE_TOKEN_BURST", "100", "requests one API token may make at once"},
    {"HUDDLE_FEEDS", "on", "poll the listening feeds (docs/feeds.md) here: on or off"},
    {"HUDDLE_FEED_TIMEOUT_MS", "10000",
     "a feed request's whole time in ms (past it the poll fails and backs off)"},
    {NULL, NULL, NULL}};

/* HTTPS for the API when both HUDDLE_API_TLS_CERT and _KEY are set
   (*tls, the caller's), plain HTTP when neither is; -1 on an error, logged. */
static int load_tls(hd_tls_ctx_t **tls) {
    const char *cert = hd_config_get("HUDDLE_API_TLS_CERT");
    const char *key = hd_config_get("HUDDLE_API_TLS_KEY");
    char err[512];
    *tls = NULL;
    if (!*cert && !*key)
        return 0;
    if (!*cert || !*key)
        snprintf(err, sizeof err,
                 "HUDDLE_API_TLS_CERT and HUDDLE_API_TLS_KEY go together: only %s is set",
                 *cert ? "HUDDLE_API_TLS_CERT" : "HUDDLE_API_TLS_KEY");
    else if ((*tls = hd_tls_ctx_new(cert, key, err, sizeof err)))
        return 0;
    hd_error("tls_config", "%s", err);
    return -1;
}

/* `huddle-ingest --routes`: the API's routes, one "METHOD PATTERN SCOPE"
   line each (the OpenAPI document is checked against it). */
static int print_routes(void) {
    for (size_t t = 0; ing_api_tables[t]; t++)
        for (const ing_route_t *r = ing_api_tables[t]; r->method; r++)
            printf("%s %s %s\n", r->method, r->pattern,
                   r->scope ? ing_scope_name(r->scope) : "none");
    return 0;
}

/* The key that seals the credentials administrators set; without it the
   API refuses to store one (503) and says so here. */
static void load_credentials_key(const char *keys) {
    char path[4096];
    unsigned char key[HD_SECRET_KEY_LEN];
    if (hd_secret_key_path(hd_config_get("HUDDLE_CREDENTIALS_KEY_FILE"), keys, path, sizeof path) ==
            0 &&
        hd_secret_load_key(path, key) == 0) {
        ing_config_set_key(key);
        ing_webhooks_set_key(key);
        ing_feed_runner_set_key(key);
        return;
    }
    hd_log(HD_LOG_WARN, "credentials_key_missing", NULL, NULL,
           "no credentials key: channel credentials cannot be set (run huddle-migrate with "
           "HUDDLE_KEYS_DIR)");
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--routes") == 0)
        return print_routes();
    hd_config_init(argc, argv, "huddle-ingest",
                   "huddle's door for input: the HTTP JSON API and the ZeroMQ door.", s_vars);
    hd_log_init("ingest");
    if (hd_dbrole_init("ingest") < 0)
        return 1;
    hd_deadletter_configure_from_config();
    hd_signal_init();
    const char *url = hd_config_get("HUDDLE_DATABASE_URL");
    const char *keys = hd_config_get("HUDDLE_KEYS_DIR");
    int rc = 1;
    hd_tls_ctx_t *tls;
    if (load_tls(&tls) < 0)
        return 1;
    load_credentials_key(keys);
    hd_db_t *zmq_db = hd_db_connect(url, 30000);
    zcert_t *cert = hd_keys_load(keys, "ingest");
    void *ctx = zmq_ctx_new();
    char authorized[4096];
    snprintf(authorized, sizeof authorized, "%s/authorized", keys);
    ing_api_t *api = NULL;
    ing_batch_t *batch = NULL;
    hd_http_server_t *http = NULL;
    ing_zdoor_t *door = NULL;
    ing_feed_runner_t *feeds = NULL;
    if (!zmq_db || !cert)
        goto out;
    batch = ing_batch_new(url, (int)hd_config_long("HUDDLE_INGEST_WRITERS", 2),
                          (int)hd_config_long("HUDDLE_INGEST_BATCH", 256), 30000);
    if (!batch)
        goto out;
    api = ing_api_new(batch);
    hd_workq_pool_t pool = {.workers = (int)hd_config_long("HUDDLE_API_WORKERS", 4),
                            .init = ing_api_worker_new,
                            .fini = ing_api_worker_free,
                            .arg = (void *)url};
    http = hd_http_server_new(hd_config_get("HUDDLE_API_ADDR"),
                              (size_t)hd_config_long("HUDDLE_MAX_BODY", 65536), &pool,
                              ing_api_handle, api);
    if (!http)
        goto out;
    hd_http_limits_t limits;
    hd_http_limits_from_config(&limits);
    hd_http_server_set_limits(http, &limits);
    hd_http_server_set_reject(http, ing_api_reject, api);
    hd_http_server_set_tls(http, tls);
    ing_api_set_server(api, http);
    door = ing_zdoor_new(ctx, hd_config_get("HUDDLE_INGEST_BIND"), cert, authorized, zmq_db, batch);
    if (!door)
        goto out;
    feeds = ing_feed_runner_from_config(url); /* NULL: HUDDLE_FEEDS=off, or logged */
    hd_info("started", "API on %s%s, door on %s", hd_config_get("HUDDLE_API_ADDR"),
            tls ? " (HTTPS)" : "", hd_config_get("HUDDLE_INGEST_BIND"));
    ing_zdoor_run(door);
    rc = 0;
out:
    ing_feed_runner_destroy(&feeds);
    ing_batch_stop(batch); /* its last answers go out through the doors */
    if (door)
        ing_zdoor_flush(door);
    hd_http_server_destroy(&http);
    hd_tls_ctx_destroy(&tls);
    ing_batch_destroy(&batch);
    ing_zdoor_destroy(&door);
    ing_api_destroy(&api);
    zcert_destroy(&cert);
    zmq_ctx_term(ctx);
    hd_db_destroy(&zmq_db);
    hd_info("stopped", "rc=%d", rc);
    return rc;
}
