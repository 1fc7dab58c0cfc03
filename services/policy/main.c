/*  huddle-policy: the policy service as a process. Wires configuration,
    database, hub connection and health endpoint around hd_consumer_run
    with policy_service.c's pol_svc_apply_batch; the rules live in the
    engine (policy_engine.c and friends). */
#include "hd_config.h"
#include "hd_consumer.h"
#include "hd_dbrole.h"
#include "hd_deadletter.h"
#include "hd_log.h"
#include "hd_service.h"
#include "hd_signal.h"
#include "policy_service.h"
#include "policy_store.h"

#include <stdlib.h>

static const hd_config_var_t s_vars[] = {
    HD_CONFIG_COMMON_DB,
    HD_CONFIG_COMMON_DEADLETTER,
    HD_CONFIG_COMMON_BUS,
    {"HUDDLE_POLICY_HTTP", "127.0.0.1:7620", "address of the /healthz and /metrics endpoint"},
    {NULL, NULL, NULL}};

int main(int argc, char **argv) {
    hd_config_init(argc, argv, "huddle-policy",
                   "Policy: evaluates every submitted item against its policy version.", s_vars);
    hd_log_init("policy");
    if (hd_dbrole_init("policy") < 0)
        return 1;
    hd_deadletter_configure_from_config();
    hd_signal_init();
    int rc = 1;
    hd_service_t base;
    pol_svc_t *svc = pol_svc_new();
    if (!svc || hd_service_start(&base, "policy", "HUDDLE_POLICY_HTTP", pol_svc_metrics, svc) < 0) {
        pol_svc_destroy(&svc);
        return 1;
    }
    hd_db_t *db = base.db;
    /* Compile the active version now, not on the first item. */
    int64_t active = 0;
    int transient;
    char why[512];
    if (pol_store_active(db, &active) == 0 && active > 0 &&
        !pol_svc_engine(svc, db, active, &transient, why, sizeof why))
        hd_warn("policy_unusable", "%s", why);
    hd_consumer_cfg_t cfg = {.name = "policy",
                             .types = pol_svc_types,
                             .ntypes = pol_svc_ntypes,
                             .apply_batch = pol_svc_apply_batch,
                             .arg = svc};
    hd_info("started", "consuming as 'policy'; active policy version %lld", (long long)active);
    rc = hd_consumer_run(db, base.bus, &cfg) == 0 ? 0 : 1;
    hd_service_stop(&base);
    pol_svc_destroy(&svc);
    hd_info("stopped", "exit %d", rc);
    return rc;
}
