/*  huddle-hub: the bus (DESIGN.md, "The bus"). Wires the sequencer thread,
    the ROUTER loop (serve.c) and the health endpoint together, and stops
    them in order on SIGTERM. It holds no business logic. */
#include "hd_config.h"
#include "hd_dbrole.h"
#include "hd_deadletter.h"
#include "hd_health.h"
#include "hd_keys.h"
#include "hd_log.h"
#include "hd_prom.h"
#include "hd_signal.h"
#include "sequencer.h"
#include "serve.h"
#include "stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#define SEQ_PIPE "inproc://hub-sequencer"
#define LOOP_SLICE_MS 100

static const hd_config_var_t s_vars[] = {
    HD_CONFIG_COMMON_DB,
    HD_CONFIG_COMMON_DEADLETTER,
    {"HUDDLE_KEYS_DIR", ".huddle/keys",
     "CURVE keys: hub.key_secret, and authorized/NAME.key for every peer allowed in"},
    {"HUDDLE_HUB_BIND", "tcp://127.0.0.1:7600", "ZeroMQ endpoint the hub binds (ROUTER)"},
    {"HUDDLE_HUB_HTTP", "127.0.0.1:7601", "address of /healthz and /metrics"},
    {"HUDDLE_HEARTBEAT_MS", "1000", "heartbeat interval; 3 silent intervals = dead peer"},
    {"HUDDLE_HUB_POLL_MS", "25", "longest pause between looks at an idle outbox (busy: ~1 ms)"},
    {"HUDDLE_HUB_BATCH", "1000", "outbox rows sequenced per transaction"},
    {"HUDDLE_HUB_RING", "65536", "recent events kept in memory"},
    {"HUDDLE_HUB_RING_MB", "24",
     "memory bound of the recent-event ring (MiB); with the rest, the hub stays under 50 MB"},
    {"HUDDLE_HUB_MAX_FETCH", "1000", "most events in one EVENTS reply"},
    {"HUDDLE_HUB_CREATE_KEYS", "0", "1: create hub.key if missing (tests, first run)"},
    {NULL, NULL, NULL}};

static void metrics(FILE *out, void *arg) {
    hub_stats_t *s = arg;
    hd_prom_gauge(out, "huddle_hub_head_seq", "Newest event_log seq this hub serves.",
                  (double)atomic_load(&s->head));
    hd_prom_counter(out, "huddle_hub_sequenced_total",
                    "Events this process moved from outboxes into event_log.",
                    (double)atomic_load(&s->sequenced));
    hd_prom_gauge(out, "huddle_hub_leader", "1 while this hub holds the sequencer lock, else 0.",
                  atomic_load(&s->leader));
    hd_prom_gauge(out, "huddle_hub_peers", "Registered peers.", (double)atomic_load(&s->peers));
    hd_prom_gauge(out, "huddle_hub_parked_fetches", "FETCH requests parked until new events.",
                  (double)atomic_load(&s->parked));
    hd_prom_gauge(out, "huddle_hub_ring_events", "Recent events held in the in-memory ring.",
                  (double)atomic_load(&s->ring_events));
    hd_prom_counter(out, "huddle_hub_events_served_total", "Events sent in EVENTS replies.",
                    (double)atomic_load(&s->served));
    hd_prom_counter(out, "huddle_hub_errors_total", "ERROR replies sent to peers.",
                    (double)atomic_load(&s->errors));
    hd_prom_family(out, "huddle_hub_zap_total", "counter",
                   "CURVE handshakes, by result (accepted or refused).");
    hd_prom_sample(out, "huddle_hub_zap_total", NULL, "result=\"accepted\"",
                   (double)atomic_load(&s->zap_accepted));
    hd_prom_sample(out, "huddle_hub_zap_total", NULL, "result=\"refused\"",
                   (double)atomic_load(&s->zap_refused));
}

static zcert_t *hub_cert(const char *keys) {
    if (hd_config_long("HUDDLE_HUB_CREATE_KEYS", 0) == 1 &&
        hd_keys_ensure(keys, "hub", NULL, 0) < 0)
        return NULL;
    return hd_keys_load(keys, "hub");
}

/* EVENTS replies are a few hundred KB to 4 MiB, built here and freed by
   ZeroMQ's I/O thread, which also allocates as much again to encrypt each
   one. Above 128 KB glibc would map every such buffer fresh and unmap it on
   free, so each reply paid a page fault per 4 KB on first touch (a fifth of
   the hub's time under a reading consumer). Served from the heap and kept
   there, the same pages are reused reply after reply; the heap only holds
   what the largest replies in flight needed. */
static void tune_malloc(void) {
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 8 << 20);
    mallopt(M_TRIM_THRESHOLD, 16 << 20);
#endif
}

static long positive(const char *name, long def) {
    long v = hd_config_long(name, def);
    return v > 0 ? v : def;
}

int main(int argc, char **argv) {
    hd_config_init(argc, argv, "huddle-hub",
                   "The huddle bus: sequences committed outbox events into the gap-free "
                   "event_log\nand serves them to authenticated peers (docs/protocol.md).",
                   s_vars);
    hd_log_init("hub");
    if (hd_dbrole_init("hub") < 0)
        return 1;
    hd_deadletter_configure_from_config();
    tune_malloc();
    hd_signal_init();
    const char *keys = hd_config_get("HUDDLE_KEYS_DIR");
    zcert_t *cert = hub_cert(keys);
    if (!cert)
        return 1;
    char authorized[1024];
    snprintf(authorized, sizeof authorized, "%s/authorized", keys);
    static hub_stats_t stats;
    void *ctx = zmq_ctx_new();
    hub_server_cfg_t scfg = {.bind = hd_config_get("HUDDLE_HUB_BIND"),
                             .authorized_dir = authorized,
                             .cert = cert,
                             .db_url = hd_config_get("HUDDLE_DATABASE_URL"),
                             .hb_ms = (int)positive("HUDDLE_HEARTBEAT_MS", 1000),
                             .ring_events = (size_t)positive("HUDDLE_HUB_RING", 65536),
                             .ring_bytes = (size_t)positive("HUDDLE_HUB_RING_MB", 24) << 20,
                             .max_fetch = (uint32_t)positive("HUDDLE_HUB_MAX_FETCH", 1000),
                             .ctx = ctx,
                             .seq_pipe = SEQ_PIPE,
                             .stats = &stats};
    hub_server_t *server = hub_server_new(&scfg);
    hub_sequencer_cfg_t qcfg = {.db_url = scfg.db_url,
                                .batch = (int)positive("HUDDLE_HUB_BATCH", 1000),
                                .poll_ms = (int)positive("HUDDLE_HUB_POLL_MS", 25),
                                .zmq_ctx = ctx,
                                .pipe = SEQ_PIPE,
                                .stats = &stats};
    hub_sequencer_t *seq = server ? hub_sequencer_start(&qcfg) : NULL;
    hd_http_server_t *http =
        seq ? hd_health_start(hd_config_get("HUDDLE_HUB_HTTP"), "hub", metrics, &stats) : NULL;
    int rc = http ? 0 : 1;
    if (http)
        hd_info("hub_started", "serving on %s, health on %s", scfg.bind,
                hd_config_get("HUDDLE_HUB_HTTP"));
    while (http && !hd_stop)
        hub_server_poll(server, LOOP_SLICE_MS);
    hd_info("hub_stopping", "shutting down");
    hd_http_server_destroy(&http);
    hub_sequencer_stop(&seq);
    hub_server_destroy(&server);
    zmq_ctx_term(ctx);
    zcert_destroy(&cert);
    return rc;
}
