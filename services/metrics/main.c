/*  huddle-metrics: counts every event on the bus and serves the figures.
    The consumer (aggregate.c) plans each batch in memory and writes its
    figures in the batch's transaction with array statements; the
    HTTP thread reads them with a connection of its own (report.c) for
    GET /metrics, next to /healthz. */
#include "aggregate.h"
#include "hd_config.h"
#include "hd_consumer.h"
#include "hd_dbrole.h"
#include "hd_deadletter.h"
#include "hd_log.h"
#include "hd_service.h"
#include "hd_signal.h"
#include "report.h"

#include <stdio.h>
#include <stdlib.h>

static const hd_config_var_t s_vars[] = {
    HD_CONFIG_COMMON_DB,
    HD_CONFIG_COMMON_DEADLETTER,
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
    if (hd_dbrole_init("metrics") < 0)
        return 1;
    hd_deadletter_configure_from_config();
    hd_signal_init();
    /* The health server's worker (not its I/O loop) reads the figures on a
       connection of its own, used by that thread alone. */
    hd_db_t *reader = hd_db_connect(hd_config_get("HUDDLE_DATABASE_URL"), 30000);
    hd_service_t svc;
    if (!reader ||
        hd_service_start(&svc, "metrics", "HUDDLE_METRICS_HTTP", write_figures, reader) < 0) {
        hd_error("startup_failed", "cannot start");
        hd_db_destroy(&reader);
        return 1;
    }
    hd_consumer_cfg_t cfg = {
        .name = "metrics", .types = NULL, .ntypes = 0, .apply_batch = mx_aggregate_apply_batch};
    hd_info("started", "consuming every event as 'metrics'");
    int rc = hd_consumer_run(svc.db, svc.bus, &cfg) == 0 ? 0 : 1;
    hd_service_stop(&svc); /* before the reader its endpoint uses */
    hd_db_destroy(&reader);
    hd_info("stopped", "exit %d", rc);
    return rc;
}
