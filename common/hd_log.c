/*  hd_log: JSON-line logs on stderr (see hd_log.h). */
#include "hd_log.h"

#include "hd_id.h"
#include "hd_log_limit.h"
#include "hd_mem.h"

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char *s_service = "huddle";
static hd_log_level_t s_min = HD_LOG_INFO;
static const char *s_names[] = {"debug", "info", "warn", "error"};
static pthread_mutex_t s_limit_lock = PTHREAD_MUTEX_INITIALIZER;
static hd_log_limit_t s_limit = {.limit = HD_LOG_REPEAT_LIMIT_DEFAULT, .window_ms = 10000};

void hd_log_init(const char *service) {
    s_service = service;
    const char *lim = getenv("HUDDLE_LOG_REPEAT_LIMIT");
    char *end = NULL;
    long n = lim && *lim ? strtol(lim, &end, 10) : HD_LOG_REPEAT_LIMIT_DEFAULT;
    if (end && *end)
        n = HD_LOG_REPEAT_LIMIT_DEFAULT;
    pthread_mutex_lock(&s_limit_lock);
    hd_log_limit_init(&s_limit, n, 10000);
    pthread_mutex_unlock(&s_limit_lock);
    const char *lvl = getenv("HUDDLE_LOG_LEVEL");
    if (!lvl)
        return;
    for (int i = 0; i < 4; i++)
        if (strcasecmp(lvl, s_names[i]) == 0)
            s_min = (hd_log_level_t)i;
}

void hd_log(hd_log_level_t level, const char *what, const char *event_id,
            const char *correlation_id, const char *fmt, ...) {
    if (level < s_min)
        return;
    long suppressed = 0;
    if (level >= HD_LOG_WARN) {
        pthread_mutex_lock(&s_limit_lock);
        hd_log_limit_verdict_t v = hd_log_limit_check(&s_limit, what, hd_now_ms(), &suppressed);
        pthread_mutex_unlock(&s_limit_lock);
        if (v == HD_LOG_LIMIT_DROP)
            return;
    }
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char ts[40];
    hd_now_rfc3339(ts, sizeof ts);

    json_t *o = json_object();
    json_object_set_new(o, "ts", json_string(ts));
    json_object_set_new(o, "level", json_string(s_names[level]));
    json_object_set_new(o, "service", json_string(s_service));
    json_object_set_new(o, "event", json_string(what ? what : ""));
    /* json_string refuses invalid UTF-8: keep the line, lose the bytes. */
    json_t *m = json_string(msg);
    json_object_set_new(o, "msg", m ? m : json_string("(message not UTF-8)"));
    if (event_id && *event_id)
        json_object_set_new(o, "event_id", json_string(event_id));
    if (correlation_id && *correlation_id)
        json_object_set_new(o, "correlation_id", json_string(correlation_id));
    if (suppressed > 0) /* lines of this event dropped since its last line */
        json_object_set_new(o, "suppressed", json_integer(suppressed));
    char *line = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!line)
        return;
    size_t n = strlen(line);
    char *out = hd_malloc(n + 2);
    memcpy(out, line, n);
    out[n] = '\n';
    ssize_t w = write(STDERR_FILENO, out, n + 1);
    (void)w;
    free(out);
    free(line);
}
