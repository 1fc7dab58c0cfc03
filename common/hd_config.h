/*  hd_config: configuration from environment variables with defaults.
    Each process declares its variables once; `--help` lists them with their
    defaults and meaning, so an operator never has to read the source. */
#ifndef HD_CONFIG_H
#define HD_CONFIG_H

typedef struct {
    const char *name; /* HUDDLE_... */
    const char *def;  /* default; NULL = unset */
    const char *help;
} hd_config_var_t;

/* Registers `vars` (terminated by an entry with name NULL; borrowed, static)
   and handles argv: --help / -h prints usage and exits 0; any other argument
   is a usage error (exit 2). Call once, first thing in main. */
void hd_config_init(int argc, char **argv, const char *program, const char *summary,
                    const hd_config_var_t *vars);

/* The variable's value: the environment's if set and non-empty, else its
   default. Borrowed. NULL if neither. */
const char *hd_config_get(const char *name);

/* The value as an integer; `fallback` if unset or not a number (logged). */
long hd_config_long(const char *name, long fallback);

/* Variables every bus process shares, to splice into a program's table. */
/* One variable a line: the formatter's layout of these tables reads worse. */
/* clang-format off */
#define HD_CONFIG_COMMON_DB                                                                 \
    {"HUDDLE_DATABASE_URL", "postgresql:///huddle", "PostgreSQL connection URL (libpq syntax)"}, \
    {"HUDDLE_LOG_LEVEL", "info", "debug, info, warn or error"},                              \
    {"HUDDLE_LOG_REPEAT_LIMIT", "50",                                                        \
     "warn/error lines per event name per 10 s; past it they are counted, not written"},    \
    {"HUDDLE_DB_ROLE", "service",                                                           \
     "'service': a service logs in as its own role huddle_NAME with the password in "       \
     "$HUDDLE_KEYS_DIR/db/NAME.password (the URL's user when that file is missing); "       \
     "'owner': as the URL's user. huddle-migrate always runs as the URL's user"}
#define HD_CONFIG_COMMON_BUS                                                                \
    {"HUDDLE_HUB_ENDPOINT", "tcp://127.0.0.1:7600", "the hub's ZeroMQ endpoint"},          \
    {"HUDDLE_KEYS_DIR", ".huddle/keys",                                                     \
     "CURVE keys: NAME.key_secret for this process, hub.key for the hub"},                 \
    {"HUDDLE_HEARTBEAT_MS", "1000",                                                         \
     "bus client heartbeat interval; the hub is dead after 3 silent intervals"}
/* Every process that writes dead letters (hd_deadletter_configure_from_config). */
#define HD_CONFIG_COMMON_DEADLETTER                                                         \
    {"HUDDLE_DEADLETTER_MAX_MB", "256",                                                     \
     "dead letters: most raw megabytes kept (the oldest are evicted first)"},              \
    {"HUDDLE_DEADLETTER_MAX_AGE_DAYS", "30", "dead letters: oldest kept, in days"},         \
    {"HUDDLE_DEADLETTER_SAMPLE_S", "60",                                                    \
     "dead letters: identical refusals within this many seconds are one row (0: never)"}
/* The HTTP server's limits (hd_http_limits_from_config, hd_http_server.h). */
#define HD_CONFIG_COMMON_HTTP                                                               \
    {"HUDDLE_HTTP_REQUEST_TIMEOUT_MS", "10000",                                             \
     "a request's line, headers and body must all arrive within this (408 beyond)"},       \
    {"HUDDLE_HTTP_IDLE_TIMEOUT_MS", "60000", "a keep-alive connection idle this long is closed"}, \
    {"HUDDLE_HTTP_MAX_CONNS", "1024", "open HTTP connections at most (503 beyond)"},        \
    {"HUDDLE_HTTP_MAX_CONNS_PER_ADDR", "64",                                                \
     "open HTTP connections from one IP address at most (429 beyond)"},                    \
    {"HUDDLE_HTTP_WRITE_BUFFER", "262144",                                                  \
     "bytes of answers queued for one connection before it is no longer read"},            \
    {"HUDDLE_HTTP_WRITE_TIMEOUT_MS", "30000",                                               \
     "a connection whose answers stay unread past HUDDLE_HTTP_WRITE_BUFFER this long is closed"}
/* clang-format on */

#endif
