/*  The publisher's webhook notifications against a real PostgreSQL and a
    receiver in this process (real sockets, real libcurl) that checks
    every request's Standard Webhooks signature with its endpoint's own
    secret: crisis events become one notification per endpoint in the
    consumer's transaction, unknown and removed endpoints are recorded
    failed (never dropped), a replayed batch makes nothing twice, a drill's
    payload says so; then the runner delivers them signed, retries 500s
    with a growing backoff until a 200, fails a 410 at once and a dead
    endpoint once its attempts run out, never waits on a slow one past its
    timeout, makes again an attempt whose lease ran out, and records each
    final outcome with notification.recorded. */
#include "hd_db.h"
#include "hd_id.h"
#include "hd_secret.h"
#include "hd_test.h"
#include "hd_testdb.h"
#include "notify.h"
#include "notify_run.h"
#include "webhook.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---------------- the receiver ---------------- */

#define MAX_REQ 128

/* The endpoints: path, secret index, behaviour. */
enum { EP_TEAM, EP_FLAKY, EP_GONE, EP_DOWN, EP_SLOW, EP_COUNT };
static const char *const s_paths[EP_COUNT] = {"/team", "/flaky", "/gone", "/down", "/slow"};

typedef struct {
    int ep;
    char id[64];
    pub_webhook_verdict_t verdict;
    int64_t at_ms;
    int status;
    char body[2048];
} req_t;

static struct {
    pthread_mutex_t lock;
    pthread_t thread;
    int fd, port, stop;
    char secrets[EP_COUNT][64];
    req_t reqs[MAX_REQ];
    int nreqs;
} s_rx = {.lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1};

static void header_value(const char *req, const char *name, char *out, size_t n) {
    out[0] = 0;
    size_t nl = strlen(name);
    for (const char *p = strstr(req, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, name, nl) == 0 && p[2 + nl] == ':') {
            const char *v = p + 3 + nl;
            while (*v == ' ')
                v++;
            snprintf(out, n, "%.*s", (int)strcspn(v, "\r\n"), v);
            return;
        }
    }
}

/* Earlier requests with this webhook-id (the lock held). */
static int seen(const char *id) {
    int k = 0;
    for (int i = 0; i < s_rx.nreqs; i++)
        k += strcmp(s_rx.reqs[i].id, id) == 0;
    return k;
}

/* The answer: /team 200, /flaky 500 twice per message then 200, /gone
   410, /down 503, /slow 200 after longer than the runner waits. */
static int answer_of(int ep, int before) {
    static const int fixed[EP_COUNT] = {200, 0, 410, 503, 200};
    return ep == EP_FLAKY ? (before < 2 ? 500 : 200) : fixed[ep];
}

static void record(int ep, const char *req, const char *body, int *status) {
    char id[64], ts[32], sig[256];
    header_value(req, "webhook-id", id, sizeof id);
    header_value(req, "webhook-timestamp", ts, sizeof ts);
    header_value(req, "webhook-signature", sig, sizeof sig);
    pub_webhook_key_t key;
    pub_webhook_key_parse(s_rx.secrets[ep], &key);
    pthread_mutex_lock(&s_rx.lock);
    if (s_rx.nreqs < MAX_REQ) {
        req_t *r = &s_rx.reqs[s_rx.nreqs];
        r->ep = ep;
        snprintf(r->id, sizeof r->id, "%s", id);
        r->verdict = pub_webhook_verify(&key, id, ts, sig, body, strlen(body), hd_now_ms() / 1000,
                                        PUB_WEBHOOK_TOLERANCE_S);
        r->at_ms = hd_now_ms();
        r->status = *status = answer_of(ep, seen(id));
        snprintf(r->body, sizeof r->body, "%s", body);
        s_rx.nreqs++;
    }
    pthread_mutex_unlock(&s_rx.lock);
}

static void serve(int c) {
    char req[8192];
    size_t len = 0;
    char *end = NULL, cl[32];
    while (len < sizeof req - 1) {
        ssize_t n = read(c, req + len, sizeof req - 1 - len);
        if (n <= 0)
            return;
        len += (size_t)n;
        req[len] = 0;
        if ((end = strstr(req, "\r\n\r\n"))) {
            header_value(req, "Content-Length", cl, sizeof cl);
            if (len >= (size_t)(end + 4 - req) + (size_t)atoi(cl))
                break;
        }
    }
    int ep = -1, status = 404;
    for (int i = 0; end && i < EP_COUNT; i++)
        if (strncmp(req, "POST ", 5) == 0 &&
            strncmp(req + 5, s_paths[i], strlen(s_paths[i])) == 0 &&
            req[5 + strlen(s_paths[i])] == ' ')
            ep = i;
    if (ep >= 0)
        record(ep, req, end + 4, &status);
    if (ep == EP_SLOW)
        usleep(1500 * 1000);
    char out[256];
    int n = snprintf(out, sizeof out,
                     "HTTP/1.1 %d X\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}", status);
    if (send(c, out, (size_t)n, MSG_NOSIGNAL) < 0)
        perror("receiver write");
}

static void *connection_main(void *arg) {
    int c = (int)(intptr_t)arg;
    serve(c);
    close(c);
    return NULL;
}

static void *rx_main(void *arg) {
    (void)arg;
    while (!s_rx.stop) {
        struct pollfd p = {s_rx.fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(s_rx.fd, NULL, NULL);
        pthread_t t;
        if (c >= 0 && pthread_create(&t, NULL, connection_main, (void *)(intptr_t)c) == 0)
            pthread_detach(t);
        else if (c >= 0)
            close(c);
    }
    return NULL;
}

static int rx_start(void) {
    s_rx.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (bind(s_rx.fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(s_rx.fd, 64) < 0 ||
        getsockname(s_rx.fd, (struct sockaddr *)&a, &al) < 0)
        return -1;
    s_rx.port = ntohs(a.sin_port);
    return pthread_create(&s_rx.thread, NULL, rx_main, NULL);
}

/* The requests received for notification id, in order, into out (max n). */
static int requests_of(const char *id, req_t *out, int n) {
    int k = 0;
    pthread_mutex_lock(&s_rx.lock);
    for (int i = 0; i < s_rx.nreqs && k < n; i++)
        if (strcmp(s_rx.reqs[i].id, id) == 0)
            out[k++] = s_rx.reqs[i];
    pthread_mutex_unlock(&s_rx.lock);
    return k;
}

/* ---------------- the database ---------------- */

static hd_db_t *s_db;
static pub_notify_t s_notify;
static unsigned char s_key[HD_SECRET_KEY_LEN];

#define C_REAL "6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"
#define C_DRILL "7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
#define C_EDGE "8b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"

static char *query1(const char *sql) {
    PGresult *r = hd_db_exec(s_db, sql, 0, NULL);
    char *v = r && PQntuples(r) > 0 ? strdup(PQgetvalue(r, 0, 0)) : strdup("?");
    PQclear(r);
    return v;
}

static long count(const char *sql) {
    char *v = query1(sql);
    long n = atol(v);
    free(v);
    return n;
}

/* An endpoint `name` at path (NULL: nowhere useful), secret i, sealed
   under key (a key of its own when `foreign`). */
static int endpoint(const char *name, int ep, int active, int foreign) {
    unsigned char raw[32], other[HD_SECRET_KEY_LEN];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (unsigned char)(ep * 37 + (int)i);
    char secret[64] = "whsec_", url[128];
    sodium_bin2base64(secret + 6, sizeof secret - 6, raw, sizeof raw,
                      sodium_base64_VARIANT_ORIGINAL);
    if (ep >= 0)
        snprintf(s_rx.secrets[ep], sizeof s_rx.secrets[ep], "%s", secret);
    memset(other, 0xa5, sizeof other);
    char *sealed = hd_secret_seal(foreign ? other : s_key, secret, strlen(secret));
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s_rx.port, ep >= 0 ? s_paths[ep] : "/x");
    const char *p[4] = {name, url, sealed, active ? "t" : "f"};
    int rc = hd_db_cmd(s_db,
                       "INSERT INTO webhook_endpoint (name, url, secret, active) "
                       "VALUES ($1, $2, decode($3, 'hex'), $4::boolean)",
                       4, p);
    free(sealed);
    return rc;
}

static int setup(void) {
    if (s_db)
        return 0;
    char url[512];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (sodium_init() < 0 || rx_start() < 0 ||
        hd_testdb_create("test_publisher_notify", 0, url, sizeof url) < 0)
        return -1;
    s_db = hd_db_connect(url, 5000);
    if (!s_db)
        return -1;
    memset(s_key, 0x5a, sizeof s_key);
    /* C_REAL notifies five endpoints, two of which cannot be reached by
       name; C_DRILL the team; C_EDGE the dead, the slow and one whose
       secret was sealed under another key. */
    int rc = hd_db_cmd(
        s_db,
        "INSERT INTO crisis (id, name, state, drill, playbook, severity, reason, departments, "
        "  team_roles, notify, declared_at) VALUES "
        "('" C_REAL "', 'data-breach', 'declared', false, 'data-breach', 'critical', "
        "  'customer data leaked', '{marketing}', '{crisis,orchestrator}', "
        "  '{team,flaky,gone,removed,nobody}', now()), "
        "('" C_DRILL "', 'outage', 'drill', true, 'outage', 'high', 'rehearsal', '{}', "
        "  '{crisis}', '{team}', now()), "
        "('" C_EDGE "', 'takeover', 'declared', false, 'takeover', 'high', 'edge', '{}', "
        "  '{crisis}', '{down,slow,locked}', now())",
        0, NULL);
    if (rc < 0 || endpoint("team", EP_TEAM, 1, 0) < 0 || endpoint("flaky", EP_FLAKY, 1, 0) < 0 ||
        endpoint("gone", EP_GONE, 1, 0) < 0 || endpoint("down", EP_DOWN, 1, 0) < 0 ||
        endpoint("slow", EP_SLOW, 1, 0) < 0 || endpoint("removed", EP_TEAM, 0, 0) < 0 ||
        endpoint("locked", -1, 1, 1) < 0)
        return -1;
    pub_notify_init(&s_notify, s_key);
    s_notify.max_attempts = 3;
    s_notify.timeout_ms = 400;
    s_notify.batch = 4; /* fewer than are due: several rounds */
    return 0;
}

/* ---------------- the events ---------------- */

typedef struct {
    char id[HD_ID_LEN];
    hd_envelope_t env;
    Huddle__V1__CrisisChanged crisis;
    Huddle__V1__ContentReleased released;
} ev_t;

static ev_t s_evs[5];

static void crisis_event(ev_t *e, const char *crisis, const char *what, int drill) {
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    Huddle__V1__CrisisChanged b = HUDDLE__V1__CRISIS_CHANGED__INIT;
    hd_id_random(e->id);
    e->env = env;
    e->crisis = b;
    e->crisis.crisis_id = (char *)crisis;
    e->crisis.what = (char *)what;
    e->crisis.drill = drill;
    e->env.id = e->id;
    e->env.type = (char *)(strcmp(what, "drill") == 0 ? "crisis.drill" : "crisis.declared");
    e->env.department = "";
    e->env.correlation_id = (char *)crisis;
    e->env.actor = "olivia@example.org";
    e->env.occurred_at_ms = hd_now_ms();
    e->env.body_case = HUDDLE__V1__ENVELOPE__BODY_CRISIS_CHANGED;
    e->env.crisis_changed = &e->crisis;
}

static void expired_event(ev_t *e) {
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    Huddle__V1__ContentReleased b = HUDDLE__V1__CONTENT_RELEASED__INIT;
    hd_id_random(e->id);
    e->env = env;
    e->released = b;
    e->released.content_id = "11111111-2222-4333-8444-555555555555";
    e->released.crisis_id = C_REAL;
    e->released.outcome = "expire";
    e->released.author_email = "maya@example.org";
    e->released.channel = "mastodon-main";
    e->env.id = e->id;
    e->env.type = "content.released";
    e->env.department = "marketing";
    e->env.correlation_id = e->released.content_id;
    e->env.occurred_at_ms = hd_now_ms();
    e->env.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_RELEASED;
    e->env.content_released = &e->released;
}

/* The batch as the consumer applies it: one transaction, its emitted
   events written to the outbox in it. */
static int apply(void) {
    const hd_envelope_t *evs[5];
    for (int i = 0; i < 5; i++)
        evs[i] = &s_evs[i].env;
    hd_batch_out_t *out = hd_batch_out_new("publisher");
    int rc = hd_db_begin(s_db);
    if (rc == 0)
        rc = pub_notify_apply_batch(s_db, evs, 5, out, &s_notify);
    if (rc == HD_APPLY_OK)
        rc = hd_batch_out_write(out, s_db);
    if (rc == 0)
        rc = hd_db_commit(s_db);
    else
        hd_db_rollback(s_db);
    hd_batch_out_destroy(&out);
    return rc;
}

/* ---------------- the cases ---------------- */

HD_TEST(events_become_one_notification_per_endpoint) {
    ASSERT_EQ(setup(), 0);
    crisis_event(&s_evs[0], C_REAL, "declared", 0);
    crisis_event(&s_evs[1], C_DRILL, "drill", 1);
    expired_event(&s_evs[2]);
    crisis_event(&s_evs[3], C_REAL, "held", 0); /* the publisher's own: notifies nothing */
    crisis_event(&s_evs[4], C_EDGE, "declared", 0);
    ASSERT_EQ(apply(), 0);
    /* 5 + 1 + 5 + 0 + 3 */
    ASSERT_EQ(count("SELECT count(*) FROM notification"), 14);
    ASSERT_EQ(count("SELECT count(*) FROM notification WHERE state = 'failed' AND attempts = 0 "
                    "AND ((endpoint = 'removed' AND last_error = 'the webhook endpoint was "
                    "removed') OR (endpoint = 'nobody' AND last_error = 'no webhook endpoint "
                    "has this name'))"),
              4);
    ASSERT_EQ(count("SELECT count(*) FROM notification WHERE state = 'pending'"), 10);
    ASSERT_EQ(count("SELECT count(*) FROM outbox WHERE type = 'notification.recorded'"), 4);
    /* the drill's notification says so, in its column and its payload */
    ASSERT_EQ(count("SELECT count(*) FROM notification WHERE drill AND crisis_id = '" C_DRILL
                    "' AND event_type = 'crisis.declared' "
                    "AND payload::jsonb->'data'->>'drill' = 'true' "
                    "AND payload::jsonb->'data'->>'state' = 'drill'"),
              1);
    ASSERT_EQ(count("SELECT count(*) FROM notification WHERE NOT drill AND crisis_id = '" C_REAL
                    "' AND payload::jsonb->'data'->>'drill' = 'false'"),
              10);
    /* the expired item's author is named */
    ASSERT_EQ(count("SELECT count(*) FROM notification WHERE event_type = 'content.released' "
                    "AND payload::jsonb->'data'->>'author_email' = 'maya@example.org'"),
              5);
    /* ids derive from the event and the endpoint */
    char want[HD_ID_LEN], sql[256];
    hd_id_derive(want, s_evs[0].id, "notify:team");
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM notification WHERE id = '%s' AND endpoint = 'team' "
             "AND cause_event_id = '%s'",
             want, s_evs[0].id);
    ASSERT_EQ(count(sql), 1);
}

HD_TEST(a_replayed_batch_makes_nothing_twice) {
    ASSERT_EQ(setup(), 0);
    ASSERT_EQ(apply(), 0);
    ASSERT_EQ(count("SELECT count(*) FROM notification"), 14);
    ASSERT_EQ(count("SELECT count(*) FROM outbox WHERE type = 'notification.recorded'"), 4);
}

/* Runs the runner until nothing is pending or in flight (or 20 s);
   the longest call into *longest_ms. */
static void run_until_settled(int64_t *longest_ms) {
    *longest_ms = 0;
    for (int64_t until = hd_now_ms() + 20000; hd_now_ms() < until;) {
        int64_t t0 = hd_now_ms();
        int wait = pub_notify_idle(s_db, &s_notify);
        int64_t took = hd_now_ms() - t0;
        if (took > *longest_ms)
            *longest_ms = took;
        if (count("SELECT count(*) FROM notification WHERE state IN ('pending', 'in_flight')") == 0)
            return;
        usleep((useconds_t)(wait > 50 ? 50 : wait) * 1000);
    }
}

HD_TEST(delivered_signed_retried_and_refused) {
    ASSERT_EQ(setup(), 0);
    int64_t longest;
    run_until_settled(&longest);
    ASSERT_EQ(count("SELECT count(*) FROM notification WHERE state IN ('pending', 'in_flight')"),
              0);
    /* every request carried a valid signature under its endpoint's secret */
    pthread_mutex_lock(&s_rx.lock);
    int nreqs = s_rx.nreqs, bad = 0;
    for (int i = 0; i < nreqs; i++)
        bad += s_rx.reqs[i].verdict != PUB_WEBHOOK_VALID;
    pthread_mutex_unlock(&s_rx.lock);
    ASSERT(nreqs > 0);
    ASSERT_EQ(bad, 0);
    /* the team: delivered at the first attempt (declared, drill, expired) */
    ASSERT_EQ(count("SELECT count(*) FROM notification WHERE endpoint = 'team' AND state = "
                    "'delivered' AND attempts = 1 AND last_status = 200 AND delivered_at IS NOT "
                    "NULL"),
              3);
    /* flaky: 500, 500, 200, each wait longer than the one before */
    ASSERT_EQ(count("SELECT count(*) FROM notification WHERE endpoint = 'flaky' AND state = "
                    "'delivered' AND attempts = 3"),
              2);
    char id[HD_ID_LEN];
    hd_id_derive(id, s_evs[0].id, "notify:flaky");
    req_t r[4];
    ASSERT_EQ(requests_of(id, r, 4), 3);
    ASSERT_EQ(r[0].status, 500);
    ASSERT_EQ(r[1].status, 500);
    ASSERT_EQ(r[2].status, 200);
    ASSERT(r[1].at_ms - r[0].at_ms >= 250); /* backoff 1: 250..500 ms */
    ASSERT(r[2].at_ms - r[1].at_ms >= 500); /* backoff 2: 500..1000 ms */
    ASSERT(strstr(r[2].body, "\"type\":\"crisis.declared\"") == r[2].body + 1);
    /* gone: 410 is refused for good at once */
    ASSERT_EQ(count("SELECT count(*) FROM notification WHERE endpoint = 'gone' AND state = "
                    "'failed' AND attempts = 1 AND last_status = 410"),
              2);
    /* down: 503 until the attempts ran out */
    ASSERT_EQ(count("SELECT count(*) FROM notification WHERE endpoint = 'down' AND state = "
                    "'failed' AND attempts = 3 AND last_status = 503 AND last_error LIKE "
                    "'%the most allowed%'"),
              1);
    /* slow: never waited on past the timeout; no answer, then failed */
    ASSERT_EQ(count("SELECT count(*) FROM notification WHERE endpoint = 'slow' AND state = "
                    "'failed' AND attempts = 3 AND last_status IS NULL AND last_error LIKE "
                    "'no answer%'"),
              1);
    ASSERT(longest < s_notify.timeout_ms + 1000);
    /* locked: its secret does not open here */
    ASSERT_EQ(count("SELECT count(*) FROM notification WHERE endpoint = 'locked' AND state = "
                    "'failed' AND last_error LIKE '%secret cannot be opened%'"),
              1);
    /* the drill's delivery says drill */
    hd_id_derive(id, s_evs[1].id, "notify:team");
    ASSERT_EQ(requests_of(id, r, 4), 1);
    ASSERT(strstr(r[0].body, "\"drill\":true"));
}

HD_TEST(every_final_outcome_is_recorded_once) {
    ASSERT_EQ(setup(), 0);
    /* 14 notifications, each one notification.recorded; the figures:
       failed counts the 4 that could never be sent too */
    ASSERT_EQ(count("SELECT count(*) FROM outbox WHERE type = 'notification.recorded'"), 14);
    ASSERT_EQ(count("SELECT count(DISTINCT event_id) FROM outbox "
                    "WHERE type = 'notification.recorded'"),
              14);
    char buf[2048];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    pub_notify_metrics(f, &s_notify);
    fclose(f);
    ASSERT(strstr(buf, "huddle_publisher_notifications_total{outcome=\"delivered\"} 5"));
    ASSERT(strstr(buf, "huddle_publisher_notifications_total{outcome=\"failed\"} 9"));
    ASSERT(strstr(buf, "huddle_publisher_notifications_total{outcome=\"retried\"} 8"));
}

HD_TEST(an_attempt_whose_lease_ran_out_is_made_again) {
    ASSERT_EQ(setup(), 0);
    char id[HD_ID_LEN], cause[HD_ID_LEN];
    hd_id_random(id);
    hd_id_random(cause);
    const char *p[2] = {id, cause};
    ASSERT_EQ(hd_db_cmd(s_db,
                        "INSERT INTO notification (id, crisis_id, endpoint, event_type, payload, "
                        "  state, attempts, not_before, cause_event_id) VALUES ($1, '" C_REAL
                        "', 'team', 'crisis.declared', '{\"type\":\"crisis.declared\"}', "
                        "  'in_flight', 1, now() - interval '1 second', $2)",
                        2, p),
              0);
    s_notify.next_at = 0;
    int64_t longest;
    run_until_settled(&longest);
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM notification WHERE id = '%s' AND state = 'delivered' AND "
             "attempts = 2",
             id);
    ASSERT_EQ(count(sql), 1);
    req_t r[2];
    ASSERT_EQ(requests_of(id, r, 2), 1);
    ASSERT_EQ(r[0].verdict, PUB_WEBHOOK_VALID);
}

HD_TEST(teardown) {
    s_rx.stop = 1;
    pthread_join(s_rx.thread, NULL);
    close(s_rx.fd);
    pub_notify_destroy(&s_notify);
    hd_db_destroy(&s_db);
    curl_global_cleanup();
}

HD_TEST_MAIN(HD_CASE(events_become_one_notification_per_endpoint),
             HD_CASE(a_replayed_batch_makes_nothing_twice),
             HD_CASE(delivered_signed_retried_and_refused),
             HD_CASE(every_final_outcome_is_recorded_once),
             HD_CASE(an_attempt_whose_lease_ran_out_is_made_again), HD_CASE(teardown))
