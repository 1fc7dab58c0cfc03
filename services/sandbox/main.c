/*  huddle-sandbox: a small fake social network, so people and tests can see
    exactly what huddle sent out and have a live feed to listen to. A stand-in
    for a Mastodon server (see api.h, docs/sandbox.md): statuses, replies,
    mentions and hashtags, notifications, timelines, threads and RSS; posts
    kept in an fsync'd JSON-lines file; a simulated public (crowd.h);
    optional fault injection for the publisher's fault tests; and a webhook
    sink (sink.h) that receives crisis notifications in place of the outside
    world. */
#include "accounts.h"
#include "api.h"
#include "commit.h"
#include "crowd.h"
#include "fault.h"
#include "hang.h"
#include "hd_mem.h"
#include "sink.h"
#include "store.h"
#include "timeline.h"

#include "hd_config.h"
#include "hd_http.h"
#include "hd_log.h"
#include "hd_signal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const hd_config_var_t s_vars[] = {
    {"SANDBOX_ADDR", "127.0.0.1:7700", "listen address: host:port or [ipv6]:port"},
    {"SANDBOX_PUBLIC_URL", NULL,
     "base of status urls (http://HOST/@handle/ID); unset: http://SANDBOX_ADDR"},
    {"SANDBOX_ACCOUNTS", "demo:demo-token",
     "accounts and their bearer tokens: handle:token,handle2:token2"},
    {"SANDBOX_CROWD", "",
     "the public's accounts (handle:token,...), accounts like the others; with "
     "SANDBOX_CROWD_EVERY_MS they post"},
    {"SANDBOX_CROWD_TARGETS", "", "accounts the crowd mentions, in turn: handle,handle2"},
    {"SANDBOX_CROWD_EVERY_MS", "0",
     "every how many ms one of the crowd posts a customer-like status (0: never)"},
    {"SANDBOX_CROWD_TAG", "", "a hashtag (without '#') every third crowd status carries"},
    {"SANDBOX_DATA", ".huddle/sandbox/statuses.jsonl",
     "append-only JSON-lines file of posts (directory created)"},
    {"SANDBOX_MAX_CHARS", "500", "status length limit in characters (code points)"},
    {"SANDBOX_FAULT_RATE", "0",
     "0..1: fraction of POSTs that get a fault: 500, 429 (Retry-After: 1), a hang, or a "
     "closed connection, chosen uniformly"},
    {"SANDBOX_FAULT_TIMEOUT_MS", "5000",
     "how long a hang lasts; the post is then handled normally"},
    {"SANDBOX_FAULT_SEED", "0", "seed of the fault choice (0: from the clock)"},
    {"SANDBOX_CRASH_AFTER_STORE", "0",
     "N > 0: store the N-th new post, then exit 137 before answering"},
    {"HUDDLE_LOG_LEVEL", "info", "debug, info, warn or error"},
    {NULL, NULL, NULL}};

/* Reads the numbers and the fault rate; -1 (logged) on bad values. */
static int configure(sb_api_t *api) {
    api->max_chars = hd_config_long("SANDBOX_MAX_CHARS", 500);
    api->fault_timeout_ms = hd_config_long("SANDBOX_FAULT_TIMEOUT_MS", 5000);
    api->crash_after = hd_config_long("SANDBOX_CRASH_AFTER_STORE", 0);
    double rate = 0;
    if (sb_fault_parse_rate(hd_config_get("SANDBOX_FAULT_RATE"), &rate) < 0) {
        hd_error("config_invalid", "SANDBOX_FAULT_RATE=%s is not a number from 0 to 1",
                 hd_config_get("SANDBOX_FAULT_RATE"));
        return -1;
    }
    if (api->max_chars < 1 || api->fault_timeout_ms < 0 || api->crash_after < 0) {
        hd_error("config_invalid", "SANDBOX_MAX_CHARS must be > 0, SANDBOX_FAULT_TIMEOUT_MS and "
                                   "SANDBOX_CRASH_AFTER_STORE >= 0");
        return -1;
    }
    sb_faults_init(&api->faults, rate,
                   (uint64_t)strtoull(hd_config_get("SANDBOX_FAULT_SEED"), NULL, 10));
    return 0;
}

/* The crowd's configuration, read before the server starts. */
typedef struct {
    sb_accounts_t *accounts; /* SANDBOX_CROWD; NULL: none */
    const char **targets;    /* when it posts: handles borrowed from the api's accounts */
    long every_ms;
} crowd_cfg_t;

/* Merges SANDBOX_CROWD into the accounts and reads when and whom it posts
   to; -1 (logged) on bad values. */
static int configure_crowd(sb_api_t *api, crowd_cfg_t *c) {
    char err[256];
    const char *spec = hd_config_get("SANDBOX_CROWD");
    c->every_ms = hd_config_long("SANDBOX_CROWD_EVERY_MS", 0);
    if (spec && *spec) {
        c->accounts = sb_accounts_parse(spec, err, sizeof err);
        if (!c->accounts || sb_accounts_merge(api->accounts, c->accounts, err, sizeof err) < 0) {
            hd_error("config_invalid", "SANDBOX_CROWD: %s", err);
            return -1;
        }
    }
    if (c->every_ms < 0 || (c->every_ms > 0 && !c->accounts)) {
        hd_error("config_invalid", "SANDBOX_CROWD_EVERY_MS must be >= 0, and > 0 only with "
                                   "SANDBOX_CROWD");
        return -1;
    }
    if (c->every_ms > 0) {
        c->targets = sb_crowd_targets(hd_config_get("SANDBOX_CROWD_TARGETS"), api->accounts, err,
                                      sizeof err);
        if (!c->targets) {
            hd_error("config_invalid", "SANDBOX_CROWD_TARGETS: %s", err);
            return -1;
        }
    }
    return 0;
}

/* http://HOST:PORT of the address bound, as a client on this machine
   reaches it (a wildcard address as loopback). Caller frees. */
static char *bound_url(const char *addr, int port) {
    char host[128];
    const char *colon = strrchr(addr, ':');
    size_t n = colon ? (size_t)(colon - addr) : 0;
    snprintf(host, sizeof host, "%.*s", (int)(n < sizeof host ? n : 0), addr);
    if (!*host || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "*") == 0)
        strcpy(host, "127.0.0.1");
    else if (strcmp(host, "[::]") == 0)
        strcpy(host, "[::1]");
    char *url = hd_malloc(strlen(host) + 32);
    sprintf(url, "http://%s:%d", host, port);
    return url;
}

/* SANDBOX_PUBLIC_URL without its trailing slashes, or the bound address's
   URL. Caller frees. */
static char *public_url(const char *addr, int port) {
    const char *given = hd_config_get("SANDBOX_PUBLIC_URL");
    char *url;
    if (given) {
        url = hd_strdup(given);
    } else {
        url = bound_url(addr, port);
    }
    for (size_t n = url ? strlen(url) : 0; n > 0 && url[n - 1] == '/'; n--)
        url[n - 1] = '\0';
    return url;
}

typedef struct {
    sb_api_t *api;
    const char *url;
} url_set_t;

/* On the server's thread, which every handler runs on: no handler reads
   the URL while it is being set. */
static void set_url(void *arg) {
    url_set_t *u = arg;
    u->api->view.base_url = u->url;
}

static int run(sb_api_t *api, const crowd_cfg_t *cc) {
    const char *addr = hd_config_get("SANDBOX_ADDR");
    hd_http_server_t *server = hd_http_server_new(addr, 64 * 1024, NULL, sb_api_handle, api);
    if (!server)
        return 1;
    int port = hd_http_server_port(server);
    char *url = public_url(addr, port), *local = bound_url(addr, port);
    url_set_t set = {api, url};
    hd_http_server_post(server, set_url, &set);
    hd_info("listening", "sandbox on %s (port %d), %zu accounts, statuses as %s/@handle/ID", addr,
            port, sb_accounts_count(api->accounts), url);
    sb_crowd_t *crowd = NULL;
    if (cc->every_ms > 0) {
        char statuses[256];
        snprintf(statuses, sizeof statuses, "%s/api/v1/statuses", local);
        crowd = sb_crowd_start(statuses, cc->accounts, cc->targets,
                               hd_config_get("SANDBOX_CROWD_TAG"), cc->every_ms);
    }
    while (!hd_sleep_ms(1000)) {
    }
    hd_info("stopping", "SIGTERM or SIGINT received");
    sb_crowd_stop(&crowd); /* while the server still answers its post under way */
    sb_hang_join_all();    /* their resumes run in the server's destroy */
    hd_http_server_destroy(&server);
    free(local);
    free(url);
    return 0;
}

int main(int argc, char **argv) {
    hd_config_init(argc, argv, "huddle-sandbox",
                   "A fake Mastodon server: what huddle publishes lands here, and what the "
                   "public posts is there to listen to.\nAPI (docs/sandbox.md): POST/GET "
                   "/api/v1/statuses, GET/DELETE /api/v1/statuses/{id}, GET "
                   "/api/v1/statuses/{id}/context, GET /api/v1/notifications, GET "
                   "/api/v1/timelines/tag/{tag}, GET /@{handle}.rss, GET /tags/{tag}.rss, GET "
                   "/api/v1/accounts/verify_credentials, GET /api/v1/stats, POST/GET "
                   "/webhooks/{name} (a webhook sink), GET /healthz, GET /metrics.",
                   s_vars);
    hd_log_init("sandbox");
    hd_signal_init();
    sb_api_t api = {0};
    crowd_cfg_t crowd = {0};
    if (configure(&api) < 0)
        return 2;
    char err[256];
    api.accounts = sb_accounts_parse(hd_config_get("SANDBOX_ACCOUNTS"), err, sizeof err);
    if (!api.accounts) {
        hd_error("config_invalid", "SANDBOX_ACCOUNTS: %s", err);
        return 2;
    }
    int rc = configure_crowd(&api, &crowd) < 0 ? 2 : 1;
    api.store = rc == 1 ? sb_store_open(hd_config_get("SANDBOX_DATA")) : NULL;
    api.commit = sb_commit_new(api.store, sb_api_answer_post, &api);
    api.sink = sb_sink_new(SB_SINK_KEEP);
    sb_timeline_t *timeline = sb_timeline_new(api.store, api.accounts);
    api.view = (sb_view_t){.store = api.store, .timeline = timeline};
    if (api.commit && api.sink && timeline)
        rc = run(&api, &crowd);
    /* Freed after run's server: a flush posted last runs in its destroy. */
    sb_commit_destroy(&api.commit);
    sb_timeline_destroy(&timeline);
    sb_sink_destroy(&api.sink);
    sb_store_destroy(&api.store);
    free(crowd.targets);
    sb_accounts_destroy(&crowd.accounts);
    sb_accounts_destroy(&api.accounts);
    return rc;
}
