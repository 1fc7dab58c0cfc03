/*  huddle-policy: the policy service as a process. Wires configuration,
    database, hub connection and health endpoint around hd_consumer_run
    with policy_service.c's hd_policy_svc_apply; the rules live in the
    engine (policy_engine.c and friends). */
#include "hd_bus.h"
#include "hd_config.h"
#include "hd_consumer.h"
#include "hd_db.h"
#include "hd_health.h"
#include "hd_keys.h"
#include "hd_log.h"
#include "hd_signal.h"
#include "policy_service.h"
#include "policy_store.h"

#include <stdlib.h>

static const hd_config_var_t s_vars[] = {
    HD_CONFIG_COMMON_DB,
    HD_CONFIG_COMMON_BUS,
    {"HUDDLE_POLICY_HTTP", "127.0.0.1:7620", "address of the /healthz and /metrics endpoint"},
    {NULL, NULL, NULL}};

int main(int argc, char **argv) {
    hd_config_init(argc, argv, "huddle-policy",
                   "Policy: evaluates every submitted item against its policy version.", s_vars);
    hd_log_init("policy");
    hd_signal_init();
    int rc = 1;
    hd_bus_t *bus = NULL;
    hd_http_server_t *http = NULL;
    zcert_t *own = NULL;
    hd_policy_svc_t *svc = hd_policy_svc_new();
    hd_db_t *db = hd_db_connect(hd_config_get("HUDDLE_DATABASE_URL"), 30000);
    if (!db || !svc) {
        hd_error("startup_failed", "cannot reach the database");
        goto done;
    }
    const char *keys = hd_config_get("HUDDLE_KEYS_DIR");
    char hub_key[41];
    own = hd_keys_load(keys, "policy");
    if (!own || hd_keys_public(keys, "hub", hub_key) < 0) {
        hd_error("startup_failed", "missing CURVE keys under %s", keys);
        goto done;
    }
    bus = hd_bus_new(hd_config_get("HUDDLE_HUB_ENDPOINT"), hub_key, &own, "policy");
    http = hd_health_start(hd_config_get("HUDDLE_POLICY_HTTP"), "policy", hd_policy_svc_metrics,
                           svc);
    if (!bus || !http) {
        hd_error("startup_failed", "cannot start the bus client or the health endpoint");
        goto done;
    }
    /* Compile the active version now, not on the first item. */
    int64_t active = 0;
    int transient;
    char why[512];
    if (hd_policy_store_active(db, &active) == 0 && active > 0 &&
        !hd_policy_svc_engine(svc, db, active, &transient, why, sizeof why))
        hd_warn("policy_unusable", "%s", why);
    hd_consumer_cfg_t cfg = {.name = "policy",
                             .types = hd_policy_svc_types,
                             .ntypes = hd_policy_svc_ntypes,
                             .apply = hd_policy_svc_apply,
                             .arg = svc};
    hd_info("started", "consuming as 'policy'; active policy version %lld", (long long)active);
    rc = hd_consumer_run(db, bus, &cfg) == 0 ? 0 : 1;
done:
    zcert_destroy(&own);
    hd_http_server_destroy(&http);
    hd_bus_destroy(&bus);
    hd_db_destroy(&db);
    hd_policy_svc_destroy(&svc);
    hd_info("stopped", "exit %d", rc);
    return rc;
}
