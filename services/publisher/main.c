/*  huddle-publisher: delivers approved content to its channel.
    Wires configuration, database, hub connection and health endpoint around
    hd_consumer_run: jobs.c turns content.approved into publish jobs (apply)
    and delivers due jobs between fetches (idle hook). */
#include "hd_config.h"
#include "hd_consumer.h"
#include "hd_service.h"
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
    hd_service_t svc;
    if (hd_service_start(&svc, "publisher", "HUDDLE_PUBLISHER_HTTP", pub_jobs_metrics, &jobs) <
        0)
        goto done;
    hd_consumer_cfg_t cfg = {.name = "publisher",
                             .types = s_types,
                             .ntypes = 1,
                             .apply = pub_jobs_apply,
                             .idle = pub_jobs_idle,
                             .arg = &jobs};
    hd_info("started", "consuming as 'publisher', max %d attempts", jobs.max_attempts);
    rc = hd_consumer_run(svc.db, svc.bus, &cfg) == 0 ? 0 : 1;
    hd_service_stop(&svc);
done:
    curl_global_cleanup();
    hd_info("stopped", "exit %d", rc);
    return rc;
}
