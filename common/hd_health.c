/*  hd_health: /healthz and /metrics for every process (see hd_health.h). */
#include "hd_health.h"

#include "hd_http_internal.h"
#include "hd_id.h"
#include "hd_mem.h"

#include <stdlib.h>
#include <string.h>

#define PROM_CTYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct {
    char *service;
    hd_health_fn *extra;
    void *arg;
} health_t;

static double s_start_s;

/* Stamped before main so every server reports the process's start. */
__attribute__((constructor)) static void stamp_start(void) {
    s_start_s = (double)hd_now_ms() / 1000.0;
}

static void write_metrics(hd_http_req_t *req, const char *service, hd_health_fn *extra, void *arg) {
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out) {
        hd_http_respond_error(req, 500, "internal", NULL, "cannot build the metrics");
        return;
    }
    fprintf(out,
            "# HELP huddle_up 1 while the process serves requests.\n"
            "# TYPE huddle_up gauge\n"
            "huddle_up{service=\"%s\"} 1\n"
            "# HELP huddle_process_start_time_seconds Start time since the epoch.\n"
            "# TYPE huddle_process_start_time_seconds gauge\n"
            "huddle_process_start_time_seconds{service=\"%s\"} %.3f\n",
            service, service, s_start_s);
    if (extra)
        extra(out, arg);
    fclose(out);
    hd_http_respond(req, 200, PROM_CTYPE, text, len);
    free(text);
}

int hd_health_route(hd_http_req_t *req, const char *service, hd_health_fn *extra, void *arg) {
    const char *path = hd_http_req_path(req);
    int healthz = strcmp(path, "/healthz") == 0;
    int metrics = strcmp(path, "/metrics") == 0;
    if (!healthz && !metrics)
        return 0;
    const char *method = hd_http_req_method(req);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        hd_http_respond_error(req, 405, "method_not_allowed", "method",
                              "%s only answers GET, not %s", path, method);
        return 1;
    }
    if (healthz)
        hd_http_respond_json(req, 200, json_pack("{s:s,s:s}", "status", "ok", "service", service));
    else
        write_metrics(req, service, extra, arg);
    return 1;
}

static void on_request(hd_http_req_t *req, void *arg) {
    health_t *h = arg;
    if (!hd_health_route(req, h->service, h->extra, h->arg))
        hd_http_respond_error(req, 404, "not_found", "path", "no route for %s",
                              hd_http_req_path(req));
}

static void health_free(void *arg) {
    health_t *h = arg;
    free(h->service);
    free(h);
}

hd_http_server_t *hd_health_start(const char *addr, const char *service, hd_health_fn *extra,
                                  void *arg) {
    if (!addr || !service)
        return NULL;
    health_t *h = hd_calloc(1, sizeof *h);
    h->service = hd_strdup(service);
    h->extra = extra;
    h->arg = arg;
    hd_http_server_t *s = hd_http_server_new(addr, 4096, NULL, on_request, h);
    if (!s) {
        health_free(h);
        return NULL;
    }
    hd_http__server_set_cleanup(s, health_free, h);
    return s;
}
