/*  hd_log: JSON-line logs on stderr.
    One line per call: {"ts":"...","level":"info","service":"hub","event":"what",
    "msg":"...","event_id":"...","correlation_id":"..."} so that one post can be
    followed through every service with grep or jq. Thread-safe (one write(2)
    per line).

    Bounded: lines of level warn and error are limited per event name to
    HUDDLE_LOG_REPEAT_LIMIT (default 50; 0: no limit) in each 10 s window
    (hd_log_limit.h); the next line of that event written afterwards carries
    "suppressed": N, the number dropped. A flood of refused input costs a
    few lines, not a disk. */
#ifndef HD_LOG_H
#define HD_LOG_H

#define HD_LOG_REPEAT_LIMIT_DEFAULT 50

typedef enum { HD_LOG_DEBUG = 0, HD_LOG_INFO, HD_LOG_WARN, HD_LOG_ERROR } hd_log_level_t;

/* Sets the service name stamped on every line, the minimum level from
   HUDDLE_LOG_LEVEL (debug, info, warn, error; default info) and the repeat
   limit from HUDDLE_LOG_REPEAT_LIMIT. `service` is
   borrowed and must outlive logging (a string literal). */
void hd_log_init(const char *service);

/* Logs one line. `what` names the occurrence (a stable snake_case token);
   event_id / correlation_id may be NULL or "" and are then omitted. */
void hd_log(hd_log_level_t level, const char *what, const char *event_id,
            const char *correlation_id, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define hd_debug(what, ...) hd_log(HD_LOG_DEBUG, what, NULL, NULL, __VA_ARGS__)
#define hd_info(what, ...) hd_log(HD_LOG_INFO, what, NULL, NULL, __VA_ARGS__)
#define hd_warn(what, ...) hd_log(HD_LOG_WARN, what, NULL, NULL, __VA_ARGS__)
#define hd_error(what, ...) hd_log(HD_LOG_ERROR, what, NULL, NULL, __VA_ARGS__)

#endif
