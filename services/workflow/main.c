/*  huddle-workflow: the approval state machine as a process.
    Wires configuration, database, hub connection and health endpoint
    around hd_consumer_run with machine.c's wf_apply; the rules live in
    chain.c, routing.c and machine.c. */
#include "hd_bus.h"
#include "hd_config.h"
#include "hd_consumer.h"
#include "hd_db.h"
#include "hd_health.h"
#include "hd_keys.h"
#include "hd_log.h"
#include "hd_signal.h"
#include "machine.h"

#include <stdlib.h>

static const hd_config_var_t s_vars[] = {
    HD_CONFIG_COMMON_DB,
    HD_CONFIG_COMMON_BUS,
    {"HUDDLE_WORKFLOW_HTTP", "127.0.0.1:7630", "address of the /healthz and /metrics endpoint"},
    {"HUDDLE_WORKFLOW_FALLBACK_ROLE", "orchestrator",
     "role that must approve an item whose approval chain names no role at all"},
    {NULL, NULL, NULL}};

int main(int argc, char **argv) {
    hd_config_init(argc, argv, "huddle-workflow",
                   "Approval workflow: chains, four-eyes, decisions and the mention inbox.",
                   s_vars);
    hd_log_init("workflow");
    hd_signal_init();
    int rc = 1;
    hd_bus_t *bus = NULL;
    hd_http_server_t *http = NULL;
    zcert_t *own = NULL;
    hd_db_t *db = hd_db_connect(hd_config_get("HUDDLE_DATABASE_URL"), 30000);
    if (!db) {
        hd_error("startup_failed", "cannot reach the database");
        return 1;
    }
    const char *keys = hd_config_get("HUDDLE_KEYS_DIR");
    char hub_key[41];
    own = hd_keys_load(keys, "workflow");
    if (!own || hd_keys_public(keys, "hub", hub_key) < 0) {
        hd_error("startup_failed", "missing CURVE keys under %s", keys);
        goto done;
    }
    bus = hd_bus_new(hd_config_get("HUDDLE_HUB_ENDPOINT"), hub_key, &own, "workflow");
    http = hd_health_start(hd_config_get("HUDDLE_WORKFLOW_HTTP"), "workflow", NULL, NULL);
    if (!bus || !http) {
        hd_error("startup_failed", "cannot start the bus client or the health endpoint");
        goto done;
    }
    wf_ctx_t ctx = {hd_config_get("HUDDLE_WORKFLOW_FALLBACK_ROLE")};
    hd_consumer_cfg_t cfg = {
        .name = "workflow", .types = wf_types, .ntypes = wf_ntypes, .apply = wf_apply, .arg = &ctx};
    hd_info("started", "consuming as 'workflow'");
    rc = hd_consumer_run(db, bus, &cfg) == 0 ? 0 : 1;
done:
    zcert_destroy(&own);
    hd_http_server_destroy(&http);
    hd_bus_destroy(&bus);
    hd_db_destroy(&db);
    hd_info("stopped", "exit %d", rc);
    return rc;
}
