/*  huddle-workflow: the approval state machine as a process.
    Wires configuration, database, hub connection and health endpoint
    around hd_consumer_run with machine.c's wf_apply; the rules live in
    chain.c, routing.c and machine.c. */
#include "hd_config.h"
#include "hd_consumer.h"
#include "hd_service.h"
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
    hd_service_t svc;
    if (hd_service_start(&svc, "workflow", "HUDDLE_WORKFLOW_HTTP", NULL, NULL) < 0)
        return 1;
    static wf_ctx_t ctx; /* large (the chain memo): not on the stack */
    ctx.fallback_role = hd_config_get("HUDDLE_WORKFLOW_FALLBACK_ROLE");
    ctx.pending = wf_pending_new();
    ctx.prefetch = wf_prefetch_new();
    hd_consumer_cfg_t cfg = {.name = "workflow",
                             .types = wf_types,
                             .ntypes = wf_ntypes,
                             .apply = wf_apply,
                             .begin = wf_batch_begin,
                             .flush = wf_batch_flush,
                             .prepare = wf_batch_prepare,
                             .arg = &ctx};
    hd_info("started", "consuming as 'workflow'");
    int rc = hd_consumer_run(svc.db, svc.bus, &cfg) == 0 ? 0 : 1;
    wf_pending_destroy(&ctx.pending);
    wf_prefetch_destroy(&ctx.prefetch);
    hd_service_stop(&svc);
    hd_info("stopped", "exit %d", rc);
    return rc;
}
