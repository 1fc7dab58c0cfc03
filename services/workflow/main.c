/*  huddle-workflow: the approval state machine as a process.
    Wires configuration, database, hub connection and health endpoint
    around hd_consumer_run with apply.c's wf_apply_batch: read.c reads a
    batch's items and facts, decide.c decides, write.c writes. Between
    batches, sla.c's pass records the first-response timers that came. */
#include "apply.h"
#include "hd_config.h"
#include "hd_consumer.h"
#include "hd_dbrole.h"
#include "hd_deadletter.h"
#include "hd_log.h"
#include "hd_service.h"
#include "hd_signal.h"
#include "sla.h"

#include <stdlib.h>

static const hd_config_var_t s_vars[] = {
    HD_CONFIG_COMMON_DB,
    HD_CONFIG_COMMON_DEADLETTER,
    HD_CONFIG_COMMON_BUS,
    {"HUDDLE_WORKFLOW_HTTP", "127.0.0.1:7630", "address of the /healthz and /metrics endpoint"},
    {"HUDDLE_WORKFLOW_FALLBACK_ROLE", "orchestrator",
     "role that must approve an item whose approval chain names no role at all"},
    {NULL, NULL, NULL}};

/* The timers' pace: one per process, as the consumer loop is. */
static wf_sla_t s_sla;

static int sla_idle(hd_db_t *db, void *arg) { return wf_sla_idle(db, &s_sla); }

int main(int argc, char **argv) {
    hd_config_init(argc, argv, "huddle-workflow",
                   "Approval workflow: chains, four-eyes, decisions and the mention inbox.",
                   s_vars);
    hd_log_init("workflow");
    if (hd_dbrole_init("workflow") < 0)
        return 1;
    hd_deadletter_configure_from_config();
    hd_signal_init();
    hd_service_t svc;
    if (hd_service_start(&svc, "workflow", "HUDDLE_WORKFLOW_HTTP", NULL, NULL) < 0)
        return 1;
    wf_ctx_t ctx = {0};
    ctx.facts.fallback_role = hd_config_get("HUDDLE_WORKFLOW_FALLBACK_ROLE");
    hd_consumer_cfg_t cfg = {.name = "workflow",
                             .types = wf_types,
                             .ntypes = wf_ntypes,
                             .apply_batch = wf_apply_batch,
                             .idle = sla_idle,
                             .arg = &ctx};
    hd_info("started", "consuming as 'workflow'");
    int rc = hd_consumer_run(svc.db, svc.bus, &cfg) == 0 ? 0 : 1;
    wf_ctx_free(&ctx);
    hd_service_stop(&svc);
    hd_info("stopped", "exit %d", rc);
    return rc;
}
