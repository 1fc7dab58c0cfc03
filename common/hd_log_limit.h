/*  hd_log_limit: a flood of one kind of log line must not fill the disk.
    Lines of level warn and above are counted per event name in fixed
    windows; past `limit` lines of one event in a window the rest are
    suppressed, and the first line of that event in a later window reports
    how many were. Info lines are one per accepted item (bounded by the
    rate limits of the doors) and are never suppressed: they are the trail
    that follows an item through the services.

    Pure: the caller passes the time and keeps the state (hd_log does, under
    its lock). */
#ifndef HD_LOG_LIMIT_H
#define HD_LOG_LIMIT_H

#include <stdint.h>

#define HD_LOG_LIMIT_SLOTS 128
#define HD_LOG_LIMIT_NAME 48

typedef struct {
    char name[HD_LOG_LIMIT_NAME]; /* "" = free */
    int64_t window_start_ms;
    long in_window;  /* lines of this event in the current window */
    long suppressed; /* lines suppressed in the window before the last line */
    int64_t last_ms; /* last line seen, for reuse of the slot */
} hd_log_limit_slot_t;

typedef struct {
    long limit;        /* lines per event per window; <= 0: no limit */
    int64_t window_ms; /* the window's length */
    long total_suppressed;
    hd_log_limit_slot_t slots[HD_LOG_LIMIT_SLOTS];
} hd_log_limit_t;

typedef enum {
    HD_LOG_LIMIT_WRITE = 0, /* write the line */
    HD_LOG_LIMIT_DROP,      /* suppress it (counted) */
} hd_log_limit_verdict_t;

/* Empties the state and sets the limit. */
void hd_log_limit_init(hd_log_limit_t *self, long limit, int64_t window_ms);

/* Decides one line of event `what` at now_ms. When the verdict is WRITE
   and lines of this event were suppressed in earlier windows, *reported is
   set to how many (the caller says so on the line); else 0. */
hd_log_limit_verdict_t hd_log_limit_check(hd_log_limit_t *self, const char *what, int64_t now_ms,
                                          long *reported);

#endif
