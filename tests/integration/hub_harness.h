/*  hub_harness: what the hub integration tests share: a keys folder, the
    real huddle-hub process started with its own ports, a raw DEALER that
    speaks BusMessages frame by frame, and events written to the outbox. */
#ifndef HUB_HARNESS_H
#define HUB_HARNESS_H

#include "hd_bus.h"
#include "hd_db.h"
#include "hd_envelope.h"
#include "hd_http.h"
#include "hd_id.h"
#include "hd_keys.h"
#include "hd_outbox.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

typedef struct {
    pid_t pid;
    char keys[256];
    char endpoint[64];
    char http[64];
    char url[512];
    char hub_key[41];
    int port, http_port;
} hub_proc_t;

/* Children a failed assertion would leave behind are killed at exit. */
static pid_t hh_pids[16];

static inline void hh_kill_all(void) {
    for (int i = 0; i < 16; i++)
        if (hh_pids[i] > 0) {
            kill(hh_pids[i], SIGKILL);
            waitpid(hh_pids[i], NULL, 0);
            hh_pids[i] = 0;
        }
}

static inline void hh_track(pid_t pid) {
    static int registered;
    if (!registered)
        atexit(hh_kill_all);
    registered = 1;
    for (int i = 0; i < 16; i++)
        if (hh_pids[i] <= 0) {
            hh_pids[i] = pid;
            return;
        }
}

static inline void hh_untrack(pid_t pid) {
    for (int i = 0; i < 16; i++)
        if (hh_pids[i] == pid)
            hh_pids[i] = 0;
}

static inline int hh_free_port(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    bind(s, (struct sockaddr *)&a, sizeof a);
    getsockname(s, (struct sockaddr *)&a, &len);
    close(s);
    return ntohs(a.sin_port);
}

static inline void hh_sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A fresh keys folder with the hub's key and an authorized peer "tester". */
static inline int hh_keys(hub_proc_t *h, const char *name) {
    snprintf(h->keys, sizeof h->keys, "/tmp/huddle-test-keys-%s-%d", name, (int)getpid());
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", h->keys);
    if (system(cmd) != 0)
        return -1;
    if (hd_keys_ensure(h->keys, "hub", NULL, 0) < 0 ||
        hd_keys_ensure(h->keys, "tester", NULL, 1) < 0)
        return -1;
    return hd_keys_public(h->keys, "hub", h->hub_key);
}

static inline void hh_keys_remove(hub_proc_t *h) {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", h->keys);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", h->keys);
}

/* Starts huddle-hub (extra: "NAME=VALUE" strings, NULL-terminated, may be
   NULL) and waits for its /healthz. Ports are picked once, kept on restart. */
static inline int hh_start(hub_proc_t *h, const char *const *extra) {
    if (!h->port) {
        h->port = hh_free_port();
        h->http_port = hh_free_port();
        snprintf(h->endpoint, sizeof h->endpoint, "tcp://127.0.0.1:%d", h->port);
        snprintf(h->http, sizeof h->http, "127.0.0.1:%d", h->http_port);
    }
    char bin[512];
    const char *dir = getenv("HUDDLE_BIN_DIR");
    snprintf(bin, sizeof bin, "%s/huddle-hub", dir ? dir : ".");
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a killed test */
        setenv("HUDDLE_DATABASE_URL", h->url, 1);
        setenv("HUDDLE_KEYS_DIR", h->keys, 1);
        setenv("HUDDLE_HUB_BIND", h->endpoint, 1);
        setenv("HUDDLE_HUB_HTTP", h->http, 1);
        setenv("HUDDLE_LOG_LEVEL", "warn", 0);
        for (const char *const *e = extra; e && *e; e++)
            putenv(strdup(*e));
        execl(bin, bin, (char *)NULL);
        perror(bin);
        _exit(127);
    }
    h->pid = pid;
    hh_track(pid);
    char url[128];
    snprintf(url, sizeof url, "http://%s/healthz", h->http);
    for (int i = 0; i < 200; i++) {
        if (hd_http_get(url, NULL, 500) == 200)
            return 0;
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            fprintf(stderr, "huddle-hub exited early (status %d)\n", st);
            h->pid = 0;
            return -1;
        }
        hh_sleep_ms(50);
    }
    fprintf(stderr, "huddle-hub did not become healthy\n");
    return -1;
}

/* Stops the hub with `sig`; returns its exit status (0 = clean, leak-free
   under ASan), 128+sig when killed by a signal, -1 if it would not stop
   within timeout_ms (then it is killed). */
static inline int hh_stop(hub_proc_t *h, int sig, int timeout_ms) {
    if (h->pid <= 0)
        return -1;
    kill(h->pid, sig);
    hh_untrack(h->pid);
    int st = 0;
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        if (waitpid(h->pid, &st, WNOHANG) == h->pid) {
            h->pid = 0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        hh_sleep_ms(10);
    }
    kill(h->pid, SIGKILL);
    waitpid(h->pid, &st, 0);
    h->pid = 0;
    return -1;
}

/* An hd_bus for key `name` of h's keys folder. */
static inline hd_bus_t *hh_bus(hub_proc_t *h, const char *name) {
    zcert_t *cert = hd_keys_load(h->keys, name);
    if (!cert)
        return NULL;
    hd_bus_t *bus = hd_bus_new(h->endpoint, h->hub_key, &cert, name);
    zcert_destroy(&cert);
    return bus;
}

/* ---------- a raw peer: one BusMessage per frame, nothing automatic ---------- */

static inline void *hh_raw(void *ctx, hub_proc_t *h, const char *name) {
    zcert_t *cert = hd_keys_load(h->keys, name);
    if (!cert)
        return NULL;
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    int rc = hd_keys_client(s, cert, h->hub_key);
    zcert_destroy(&cert);
    if (rc < 0 || zmq_connect(s, h->endpoint) != 0) {
        zmq_close(s);
        return NULL;
    }
    return s;
}

static inline int hh_send(void *s, Huddle__V1__BusMessage *m) {
    size_t len = huddle__v1__bus_message__get_packed_size(m);
    uint8_t *buf = malloc(len + 1);
    huddle__v1__bus_message__pack(m, buf);
    int rc = zmq_send(s, buf, len, 0);
    free(buf);
    return rc < 0 ? -1 : 0;
}

/* The next message that is not a HEARTBEAT, or NULL after timeout_ms. */
static inline Huddle__V1__BusMessage *hh_recv(void *s, int timeout_ms) {
    int64_t until = hd_now_ms() + timeout_ms;
    for (;;) {
        int left = (int)(until - hd_now_ms());
        if (left <= 0)
            return NULL;
        zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, left) <= 0)
            continue;
        zmq_msg_t f;
        zmq_msg_init(&f);
        if (zmq_msg_recv(&f, s, 0) < 0) {
            zmq_msg_close(&f);
            return NULL;
        }
        Huddle__V1__BusMessage *m =
            huddle__v1__bus_message__unpack(NULL, zmq_msg_size(&f), zmq_msg_data(&f));
        zmq_msg_close(&f);
        if (m && m->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_HEARTBEAT) {
            huddle__v1__bus_message__free_unpacked(m, NULL);
            continue;
        }
        return m;
    }
}

static inline int hh_hello(void *s) {
    Huddle__V1__BusMessage m = HUDDLE__V1__BUS_MESSAGE__INIT;
    Huddle__V1__Hello h = HUDDLE__V1__HELLO__INIT;
    h.service = "test";
    h.instance = "raw";
    h.heartbeat_ms = 5000;
    m.version = 1;
    m.cmd_case = HUDDLE__V1__BUS_MESSAGE__CMD_HELLO;
    m.hello = &h;
    return hh_send(s, &m);
}

static inline int hh_fetch(void *s, uint64_t rid, uint64_t after, uint32_t max, int wait_ms) {
    Huddle__V1__BusMessage m = HUDDLE__V1__BUS_MESSAGE__INIT;
    Huddle__V1__Fetch f = HUDDLE__V1__FETCH__INIT;
    f.request_id = rid;
    f.after_seq = after;
    f.max = max;
    f.wait_ms = (uint32_t)wait_ms;
    m.version = 1;
    m.cmd_case = HUDDLE__V1__BUS_MESSAGE__CMD_FETCH;
    m.fetch = &f;
    return hh_send(s, &m);
}

/* ---------- events ---------- */

/* Records a mention.received event in the caller's transaction (or alone).
   actor and external_id let a test tell events apart. */
static inline int hh_put(hd_db_t *db, const char *actor, const char *external_id,
                         const char *department, const char *text) {
    Huddle__V1__MentionReceived mr = HUDDLE__V1__MENTION_RECEIVED__INIT;
    char mid[HD_ID_LEN], id[HD_ID_LEN];
    hd_id_random(mid);
    mr.mention_id = mid;
    mr.channel = "sandbox";
    mr.external_id = (char *)external_id;
    mr.author_handle = "@someone";
    mr.text = (char *)(text ? text : "hello");
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED;
    env.mention_received = &mr;
    hd_envelope_stamp(&env, id, "test", NULL, NULL);
    env.actor = (char *)actor;
    env.department = (char *)(department ? department : "");
    env.correlation_id = mid;
    return hd_outbox_put(db, &env);
}

static inline long long hh_scalar(hd_db_t *db, const char *sql) {
    PGresult *r = hd_db_exec(db, sql, 0, NULL);
    if (!r)
        return -1;
    long long v = PQntuples(r) ? atoll(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return v;
}

/* Waits until sql returns want (up to timeout_ms); returns the last value. */
static inline long long hh_wait_for(hd_db_t *db, const char *sql, long long want, int timeout_ms) {
    long long v = -1;
    for (int waited = 0; waited <= timeout_ms; waited += 50) {
        v = hh_scalar(db, sql);
        if (v == want)
            return v;
        hh_sleep_ms(50);
    }
    return v;
}

#endif
