/*  huddle-metrics: counts every event on the bus and serves the figures.
    The consumer (aggregate.c) writes the figures in its transactions; the
    HTTP thread reads them with a connection of its own (report.c) for
    GET /metrics, next to /healthz. */
#include "aggregate.h"
#include "hd_bus.h"
#include "hd_config.h"
#include "hd_consumer.h"
#include "hd_db.h"
#include "hd_health.h"
#include "hd_keys.h"
#include "hd_log.h"
#include "hd_signal.h"
#include "report.h"

#include <stdio.h>
#include <stdlib.h>

static const hd_config_var_t s_vars[] = {
    HD_CONFIG_COMMON_DB,
    HD_CONFIG_COMMON_BUS,
    {"HUDDLE_METRICS_HTTP", "127.0.0.1:9100", "address of /metrics (Prometheus) and /healthz"},
    {NULL, NULL, NULL}};

/* Runs on the HTTP thread, the only user of this connection. */
static void write_figures(FILE *out, void *arg) {
    hd_db_t *db = arg;
    if (hd_db_ensure(db) < 0) {
        fprintf(out, "# metrics store unavailable: cannot connect\n");
        return;
    }
    mx_report_write(db, out);
}

int main(int argc, char **argv) {
    hd_config_init(argc, argv, "huddle-metrics",
                   "Metrics: aggregates every event into figures served to Prometheus.", s_vars);
    hd_log_init("metrics");
    hd_signal_init();
    int rc = 1;
    hd_bus_t *bus = NULL;
    hd_http_server_t *http = NULL;
    zcert_t *own = NULL;
    const char *url = hd_config_get("HUDDLE_DATABASE_URL");
    hd_db_t *db = hd_db_connect(url, 30000);
    hd_db_t *reader = db ? hd_db_connect(url, 30000) : NULL;
    if (!db || !reader) {
        hd_error("startup_failed", "cannot reach the database");
        goto done;
    }
    const char *keys = hd_config_get("HUDDLE_KEYS_DIR");
    char hub_key[41];
    own = hd_keys_load(keys, "metrics");
    if (!own || hd_keys_public(keys, "hub", hub_key) < 0) {
        hd_error("startup_failed", "missing CURVE keys under %s", keys);
        goto done;
    }
    bus = hd_bus_new(hd_config_get("HUDDLE_HUB_ENDPOINT"), hub_key, &own, "metrics");
    http = hd_health_start(hd_config_get("HUDDLE_METRICS_HTTP"), "metrics", write_figures, reader);
    if (!bus || !http) {
        hd_error("startup_failed", "cannot start the bus client or the HTTP endpoint");
        goto done;
    }
    hd_consumer_cfg_t cfg = {
        .name = "metrics", .types = NULL, .ntypes = 0, .apply = mx_aggregate_apply};
    hd_info("started", "consuming every event as 'metrics'");
    rc = hd_consumer_run(db, bus, &cfg) == 0 ? 0 : 1;
done:
    zcert_destroy(&own);
    hd_http_server_destroy(&http); /* before the reader it uses */
    hd_bus_destroy(&bus);
    hd_db_destroy(&reader);
    hd_db_destroy(&db);
    hd_info("stopped", "exit %d", rc);
    return rc;
}
