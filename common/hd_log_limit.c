/*  hd_log_limit: per-event windows (see hd_log_limit.h). The table is small
    and fixed: when it is full, the slot idle longest is reused, so a storm
    of distinct event names costs at most their lines, never memory. */
#include "hd_log_limit.h"

#include <stdio.h>
#include <string.h>

void hd_log_limit_init(hd_log_limit_t *self, long limit, int64_t window_ms) {
    memset(self, 0, sizeof *self);
    self->limit = limit;
    self->window_ms = window_ms > 0 ? window_ms : 1000;
}

static uint32_t hash_name(const char *s) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The slot of `what`: its own, a free one, or the one idle longest. */
static hd_log_limit_slot_t *slot_of(hd_log_limit_t *self, const char *what) {
    uint32_t start = hash_name(what) % HD_LOG_LIMIT_SLOTS;
    hd_log_limit_slot_t *oldest = NULL;
    for (uint32_t i = 0; i < HD_LOG_LIMIT_SLOTS; i++) {
        hd_log_limit_slot_t *s = &self->slots[(start + i) % HD_LOG_LIMIT_SLOTS];
        if (!s->name[0] || strncmp(s->name, what, HD_LOG_LIMIT_NAME - 1) == 0) {
            if (!s->name[0])
                snprintf(s->name, sizeof s->name, "%s", what);
            return s;
        }
        if (!oldest || s->last_ms < oldest->last_ms)
            oldest = s;
    }
    memset(oldest, 0, sizeof *oldest);
    snprintf(oldest->name, sizeof oldest->name, "%s", what);
    return oldest;
}

hd_log_limit_verdict_t hd_log_limit_check(hd_log_limit_t *self, const char *what, int64_t now_ms,
                                          long *reported) {
    *reported = 0;
    if (self->limit <= 0)
        return HD_LOG_LIMIT_WRITE;
    hd_log_limit_slot_t *s = slot_of(self, what ? what : "");
    s->last_ms = now_ms;
    if (s->in_window == 0 || now_ms - s->window_start_ms >= self->window_ms ||
        now_ms < s->window_start_ms) {
        s->window_start_ms = now_ms;
        s->in_window = 0;
    }
    if (s->in_window >= self->limit) {
        s->suppressed++;
        self->total_suppressed++;
        return HD_LOG_LIMIT_DROP;
    }
    s->in_window++;
    *reported = s->suppressed;
    s->suppressed = 0;
    return HD_LOG_LIMIT_WRITE;
}
