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

/* huddle_http_requests_refused_total's statuses, as hd_http_stats_t keeps them. */
static void write_refused(FILE *out, const hd_http_stats_t *st) {
    const char *name = "huddle_http_requests_refused_total";
    hd_prom_family(out, name, "counter",
                   "Requests the HTTP server refused itself (malformed, too large, too slow, "
                   "unsupported), by status.");
    const struct {
        const char *label;
        uint64_t n;
    } by[] = {
        {"status=\"400\"", st->requests_refused_400}, {"status=\"408\"", st->requests_refused_408},
        {"status=\"413\"", st->requests_refused_413}, {"status=\"431\"", st->requests_refused_431},
        {"status=\"501\"", st->requests_refused_501}, {"status=\"505\"", st->requests_refused_505}};
    for (size_t i = 0; i < sizeof by / sizeof by[0]; i++)
        hd_prom_sample(out, name, NULL, by[i].label, (double)by[i].n);
}

void hd_health_write_http(FILE *out, hd_http_server_t *server) {
    hd_http_stats_t st;
    if (!server)
        return;
    hd_http_server_stats(server, &st);
    hd_prom_gauge(out, "huddle_http_connections_open", "HTTP connections open now.",
                  (double)st.connections_open);
    hd_prom_counter(out, "huddle_http_connections_accepted_total",
                    "HTTP connections admitted since start.",
                    (double)st.connections_accepted_total);
    hd_prom_family(
        out, "huddle_http_connections_refused_total", "counter",
        "HTTP connections refused at accept, by limit (503 max_conns, 429 per_address).");
    hd_prom_sample(out, "huddle_http_connections_refused_total", NULL, "limit=\"max_conns\"",
                   (double)st.connections_refused_max_conns);
    hd_prom_sample(out, "huddle_http_connections_refused_total", NULL, "limit=\"per_address\"",
                   (double)st.connections_refused_per_addr);
    hd_prom_counter(out, "huddle_http_requests_timed_out_total",
                    "Requests not complete within the request deadline (408).",
                    (double)st.requests_timed_out_total);
    hd_prom_counter(out, "huddle_http_idle_closed_total",
                    "Keep-alive connections closed after the idle timeout.",
                    (double)st.idle_closed_total);
    hd_prom_counter(out, "huddle_http_slow_readers_closed_total",
                    "Connections reset for not reading their answers within the write timeout.",
                    (double)st.slow_readers_closed_total);
    hd_prom_counter(out, "huddle_http_tls_failures_total",
                    "Connections closed for a TLS error (a failed handshake included).",
                    (double)hd_http_server_tls_failures(server));
    write_refused(out, &st);
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
    hd_health_write_http(out, hd_http_req_server(req));
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
    hd_http_limits_t lim; /* the same HUDDLE_HTTP_* limits as the API */
    hd_http_limits_from_config(&lim);
    hd_http_server_set_limits(s, &lim);
    return s;
}
