/*  huddle-publisher: delivers approved content to its channel.
    Wires configuration, database, hub connection and health endpoint around
    hd_consumer_run: jobs.c turns content.approved into publish jobs (apply)
    and delivers due jobs between fetches (idle hook). */
#include "hd_bus.h"
#include "hd_config.h"
#include "hd_consumer.h"
#include "hd_db.h"
#include "hd_health.h"
#include "hd_keys.h"
#include "hd_log.h"
#include "hd_signal.h"
#include "jobs.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

static const hd_config_var_t s_vars[] = {
    HD_CONFIG_COMMON_DB,
    HD_CONFIG_COMMON_BUS,
    {"HUDDLE_PUBLISHER_HTTP", "127.0.0.1:7640", "address of the /healthz and /metrics endpoint"},
    {"HUDDLE_PUBLISH_MAX_ATTEMPTS", "8",
     "attempts before a transient delivery failure becomes permanent"},
    {"HUDDLE_PUBLISH_TIMEOUT_MS", "10000",
     "longest wait for a channel's answer; beyond it the outcome is unknown and reconciled"},
    {NULL, NULL, NULL}};

static const char *const s_types[] = {"content.approved"};

int main(int argc, char **argv) {
    hd_config_init(argc, argv, "huddle-publisher",
                   "Publisher: delivers approved content to channels, with retries and "
                   "without double posting.",
                   s_vars);
    hd_log_init("publisher");
    hd_signal_init();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = 1;
    pub_jobs_t jobs;
    pub_jobs_init(&jobs, (int)hd_config_long("HUDDLE_PUBLISH_MAX_ATTEMPTS", 8));
    jobs.timeout_ms = hd_config_long("HUDDLE_PUBLISH_TIMEOUT_MS", 10000);
    hd_bus_t *bus = NULL;
    hd_http_server_t *http = NULL;
    zcert_t *own = NULL;
    hd_db_t *db = hd_db_connect(hd_config_get("HUDDLE_DATABASE_URL"), 30000);
    if (!db) {
        hd_error("startup_failed", "cannot reach the database");
        goto done;
    }
    const char *keys = hd_config_get("HUDDLE_KEYS_DIR");
    char hub_key[41];
    own = hd_keys_load(keys, "publisher");
    if (!own || hd_keys_public(keys, "hub", hub_key) < 0) {
        hd_error("startup_failed", "missing CURVE keys under %s", keys);
        goto done;
    }
    bus = hd_bus_new(hd_config_get("HUDDLE_HUB_ENDPOINT"), hub_key, &own, "publisher");
    http = hd_health_start(hd_config_get("HUDDLE_PUBLISHER_HTTP"), "publisher", pub_jobs_metrics,
                           &jobs);
    if (!bus || !http) {
        hd_error("startup_failed", "cannot start the bus client or the health endpoint");
        goto done;
    }
    hd_consumer_cfg_t cfg = {.name = "publisher",
                             .types = s_types,
                             .ntypes = 1,
                             .apply = pub_jobs_apply,
                             .idle = pub_jobs_idle,
                             .arg = &jobs};
    hd_info("started", "consuming as 'publisher', max %d attempts", jobs.max_attempts);
    rc = hd_consumer_run(db, bus, &cfg) == 0 ? 0 : 1;
done:
    zcert_destroy(&own);
    hd_http_server_destroy(&http);
    hd_bus_destroy(&bus);
    hd_db_destroy(&db);
    curl_global_cleanup();
    hd_info("stopped", "exit %d", rc);
    return rc;
}
