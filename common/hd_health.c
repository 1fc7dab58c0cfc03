/*  hd_health: /healthz and /metrics for every process (see hd_health.h). */
#include "hd_health.h"

#include "hd_http_internal.h"
#include "hd_id.h"
#include "hd_mem.h"
#include "hd_prom.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    char *service;
    hd_health_fn *extra;
    void *arg;
} health_t;

static double s_start_s;
static hd_prom_vec_t s_dead_letters; /* by source */

/* Stamped before main so every server reports the process's start. */
__attribute__((constructor)) static void stamp_start(void) {
    s_start_s = (double)hd_now_ms() / 1000.0;
}

void hd_health_dead_letter_written(const char *source) {
    hd_prom_vec_add(&s_dead_letters, &source, 1, 1);
}

void hd_health_write_common(FILE *out, const char *service) {
    char labels[HD_PROM_LABELS_LEN];
    const char *name = "service";
    if (hd_prom_labels(labels, sizeof labels, &name, &service, 1) < 0)
        labels[0] = 0;
    hd_prom_family(out, "huddle_up", "gauge", "1 while the process serves requests.");
    hd_prom_sample(out, "huddle_up", NULL, labels, 1);
    hd_prom_family(out, "huddle_process_start_time_seconds", "gauge",
                   "When the process started, in seconds since the epoch.");
    hd_prom_sample(out, "huddle_process_start_time_seconds", NULL, labels, s_start_s);
    const char *source = "source";
    hd_prom_vec_write(out, &s_dead_letters, "huddle_dead_letters_written_total",
                      "Dead letters this process stored since it started, by source.", &source, 1);
}

static void write_metrics(hd_http_req_t *req, const char *service, hd_health_fn *extra, void *arg) {
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out) {
        hd_http_respond_error(req, 500, "internal", NULL, "cannot build the metrics");
        return;
    }
    hd_health_write_common(out, service);
    if (extra)
        extra(out, arg);
    fclose(out);
    hd_http_respond(req, 200, HD_PROM_CONTENT_TYPE, text, len);
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
