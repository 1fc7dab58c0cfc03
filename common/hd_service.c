/*  hd_service: shared wiring of the consumer services. */
#include "hd_service.h"

#include "hd_config.h"
#include "hd_keys.h"
#include "hd_log.h"

#include <string.h>

int hd_service_start(hd_service_t *svc, const char *name, const char *http_var,
                     hd_health_fn *metrics, void *arg) {
    memset(svc, 0, sizeof *svc);
    svc->db = hd_db_connect(hd_config_get("HUDDLE_DATABASE_URL"), 30000);
    if (!svc->db) {
        hd_error("startup_failed", "cannot reach the database");
        return -1;
    }
    const char *keys = hd_config_get("HUDDLE_KEYS_DIR");
    char hub_key[41];
    zcert_t *own = hd_keys_load(keys, name);
    if (!own || hd_keys_public(keys, "hub", hub_key) < 0) {
        hd_error("startup_failed", "missing CURVE keys under %s", keys);
        zcert_destroy(&own);
        hd_service_stop(svc);
        return -1;
    }
    svc->bus = hd_bus_new(hd_config_get("HUDDLE_HUB_ENDPOINT"), hub_key, &own, name);
    zcert_destroy(&own); /* only if hd_bus_new failed to take it */
    svc->http = hd_health_start(hd_config_get(http_var), name, metrics, arg);
    if (!svc->bus || !svc->http) {
        hd_error("startup_failed", "cannot start the bus client or the %s endpoint", http_var);
        hd_service_stop(svc);
        return -1;
    }
    return 0;
}

void hd_service_stop(hd_service_t *svc) {
    hd_http_server_destroy(&svc->http);
    hd_bus_destroy(&svc->bus);
    hd_db_destroy(&svc->db);
}
