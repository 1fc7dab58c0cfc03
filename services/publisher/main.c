/*  huddle-publisher: delivers approved content to its channel.
    Wires configuration, database, hub connection and health endpoint around
    hd_consumer_run: jobs.c turns each batch of content.approved into
    publish jobs in one statement (apply_batch) and delivers due jobs
    between fetches (idle hook), a batch at a time on a pool of worker
    threads. */
#include "claim.h"
#include "dispatch.h"
#include "hd_config.h"
#include "hd_consumer.h"
#include "hd_dbrole.h"
#include "hd_deadletter.h"
#include "hd_log.h"
#include "hd_secret.h"
#include "hd_service.h"
#include "hd_signal.h"
#include "jobs.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

static const hd_config_var_t s_vars[] = {
    HD_CONFIG_COMMON_DB,
    HD_CONFIG_COMMON_DEADLETTER,
    HD_CONFIG_COMMON_BUS,
    {"HUDDLE_PUBLISHER_HTTP", "127.0.0.1:7640", "address of the /healthz and /metrics endpoint"},
    {"HUDDLE_PUBLISH_MAX_ATTEMPTS", "8",
     "attempts before a transient delivery failure becomes permanent"},
    {"HUDDLE_PUBLISH_TIMEOUT_MS", "10000",
     "longest wait for a channel's answer; beyond it the outcome is unknown and reconciled"},
    {"HUDDLE_PUBLISH_BATCH", "256",
     "due jobs claimed, and their outcomes recorded, in one transaction each"},
    {"HUDDLE_PUBLISH_CONCURRENCY", "16",
     "channel calls made at the same time (worker threads, one kept-alive connection each)"},
    {"HUDDLE_CREDENTIALS_KEY_FILE", "",
     "key opening the channel accounts' sealed credentials (default: "
     "$HUDDLE_KEYS_DIR/credentials.key)"},
    {"HUDDLE_NOTIFY_MAX_ATTEMPTS", "8",
     "attempts at a webhook notification before a transient failure becomes final"},
    {"HUDDLE_NOTIFY_TIMEOUT_MS", "5000", "longest wait for a webhook endpoint's answer"},
    {"HUDDLE_NOTIFY_BATCH", "8", "webhook notifications claimed, and sent at once, per round"},
    {NULL, NULL, NULL}};

static long clamp(long v, long lo, long hi) { return v < lo ? lo : v > hi ? hi : v; }

int main(int argc, char **argv) {
    hd_config_init(argc, argv, "huddle-publisher",
                   "Publisher: delivers approved content to channels, with retries and "
                   "without double posting.",
                   s_vars);
    hd_log_init("publisher");
    if (hd_dbrole_init("publisher") < 0)
        return 1;
    hd_deadletter_configure_from_config();
    hd_signal_init();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = 1;
    char key_path[4096];
    unsigned char key[HD_SECRET_KEY_LEN];
    if (hd_secret_key_path(hd_config_get("HUDDLE_CREDENTIALS_KEY_FILE"),
                           hd_config_get("HUDDLE_KEYS_DIR"), key_path, sizeof key_path) < 0 ||
        hd_secret_load_key(key_path, key) < 0) {
        hd_error("credentials_key_missing",
                 "no credentials key: every channel credential would "
                 "fail to open (run huddle-migrate with HUDDLE_KEYS_DIR)");
        curl_global_cleanup();
        return 1;
    }
    pub_claim_set_key(key);
    pub_jobs_t jobs;
    pub_jobs_init(&jobs, (int)hd_config_long("HUDDLE_PUBLISH_MAX_ATTEMPTS", 8));
    jobs.timeout_ms = hd_config_long("HUDDLE_PUBLISH_TIMEOUT_MS", 10000);
    jobs.batch = (int)clamp(hd_config_long("HUDDLE_PUBLISH_BATCH", PUB_BATCH_DEFAULT), 1, 1000);
    jobs.concurrency = (int)clamp(
        hd_config_long("HUDDLE_PUBLISH_CONCURRENCY", PUB_CONCURRENCY_DEFAULT), 1, PUB_POOL_MAX);
    pub_notify_t notify;
    pub_notify_init(&notify, key);
    pub_parts_t parts = {.jobs = &jobs, .notify = &notify};
    hd_service_t svc;
    if (hd_service_start(&svc, "publisher", "HUDDLE_PUBLISHER_HTTP", pub_metrics, &parts) < 0)
        goto done;
    hd_consumer_cfg_t cfg = {.name = "publisher",
                             .types = pub_types,
                             .ntypes = pub_ntypes,
                             .apply_batch = pub_apply_batch,
                             .idle = pub_idle,
                             .arg = &parts};
    hd_info("started", "consuming as 'publisher', max %d attempts, batches of %d, %d calls at once",
            jobs.max_attempts, jobs.batch, jobs.concurrency);
    rc = hd_consumer_run(svc.db, svc.bus, &cfg) == 0 ? 0 : 1;
    hd_service_stop(&svc);
done:
    pub_jobs_destroy(&jobs); /* the workers use libcurl: stop them before its cleanup */
    pub_notify_destroy(&notify);
    curl_global_cleanup();
    hd_info("stopped", "exit %d", rc);
    return rc;
}
