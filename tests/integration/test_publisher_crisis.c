/*  The publisher's crisis hold, resume and recall against a real
    PostgreSQL and the real huddle-sandbox process (from HUDDLE_BIN_DIR),
    as the service runs them: the runner (pub_jobs_idle) on a connection
    and thread of its own, the declaration (hd_crisis_declare) committed
    on another connection while posts fall due every 100 ms, and the
    crisis events applied as the consumer applies them (one transaction,
    the emitted events written to the outbox). The sandbox injects faults,
    hangs among them, so calls are on the wire when the declaration comes.

    Proved: no post in the crisis's scope is stored on the sandbox with a
    created_at after the declaration's declared_at (the declaration waits
    for the calls it cannot see); out-of-scope posts keep flowing; the
    crisis's holding statement passes its hold; resume applies each rule
    (publish on time at the slot, reapprove -> returned and approved
    again, expire, the late rule once the slot passed, moved to another
    crisis in force); recall deletes exactly the posts published in its
    window; a drill holds nothing; and a runner whose database session is
    killed mid-batch begins no further call. */
#include "claim.h"
#include "crisis_apply.h"
#include "hd_crisis.h"
#include "hd_db.h"
#include "hd_http_client.h"
#include "hd_id.h"
#include "hd_outbox.h"
#include "hd_secret.h"
#include "hd_test.h"
#include "hd_testdb.h"
#include "job_state.h"
#include "jobs.h"
#include "recall.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static hd_db_t *s_db;   /* the consumer's side, and the test's reads */
static hd_db_t *s_decl; /* the declaring person's (ingest's) connection */
static char s_url[512];
static int s_port;
static pid_t s_sandbox = -1;
static char s_dir[256];

/* The crises of the run, in order. */
static char s_breach[HD_ID_LEN];    /* data-breach: marketing; publish / reapprove */
static char s_outage[HD_ID_LEN];    /* outage: support; expire / publish */
static char s_channel2[HD_ID_LEN];  /* second-channel: channel sandbox2 */
static char s_statement[HD_ID_LEN]; /* the breach's holding statement */
static char s_on_time[HD_ID_LEN];   /* marketing, slot a minute ahead, held by the breach */
static char s_support_on_time[HD_ID_LEN];

static int free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &al) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* ---------------- the sandbox ---------------- */

/* An HTTP call to the sandbox; the status, body into *body (caller frees). */
static int sandbox(const char *method, const char *path, const char *token, char **body) {
    char url[256], auth[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s_port, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token ? token : "");
    const char *headers[] = {auth, NULL};
    char *b = NULL;
    int st = hd_http_request(method, url, token ? headers : NULL, NULL, 3000, &b, NULL, 0);
    if (body)
        *body = b;
    else
        free(b);
    return st;
}

/* The account's statuses (newest first), NULL if the sandbox does not
   answer. Caller decrefs. */
static json_t *statuses_of(const char *acct) {
    char path[128], *body = NULL;
    snprintf(path, sizeof path, "/api/v1/statuses?account=%s", acct);
    int st = sandbox("GET", path, NULL, &body);
    json_t *j = st == 200 && body ? json_loads(body, 0, NULL) : NULL;
    free(body);
    return json_is_array(j) ? j : (json_decref(j), NULL);
}

/* Statuses of acct created strictly after `after` (RFC 3339, ms, UTC),
   not counting the one under key `except`; -1 if the sandbox does not
   answer. */
static long created_after(const char *acct, const char *after, const char *except) {
    json_t *all = statuses_of(acct);
    if (!all)
        return -1;
    long n = 0;
    size_t i;
    json_t *s;
    json_array_foreach(all, i, s) {
        const char *at = json_string_value(json_object_get(s, "created_at"));
        const char *key = json_string_value(json_object_get(s, "idempotency_key"));
        if (at && strcmp(at, after) > 0 && !(except && key && strcmp(key, except) == 0))
            n++;
    }
    json_decref(all);
    return n;
}

static int sandbox_start(const char *fault_rate) {
    const char *bin = getenv("HUDDLE_BIN_DIR");
    char path[512], addr[64], data[300], logf[300];
    snprintf(path, sizeof path, "%s/huddle-sandbox", bin ? bin : ".");
    snprintf(addr, sizeof addr, "127.0.0.1:%d", s_port);
    snprintf(data, sizeof data, "%s/statuses.jsonl", s_dir);
    snprintf(logf, sizeof logf, "%s/sandbox.log", s_dir);
    s_sandbox = fork();
    if (s_sandbox == 0) {
        setenv("SANDBOX_ADDR", addr, 1);
        setenv("SANDBOX_DATA", data, 1);
        setenv("SANDBOX_ACCOUNTS", "acme:sbx-marketing,help:sbx-support", 1);
        setenv("SANDBOX_FAULT_RATE", fault_rate, 1);
        setenv("SANDBOX_FAULT_SEED", "11", 1);
        setenv("SANDBOX_FAULT_TIMEOUT_MS", "400", 1);
        if (!freopen(logf, "a", stderr))
            _exit(126);
        execl(path, path, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100; i++) {
        if (sandbox("GET", "/api/v1/statuses?limit=1", NULL, NULL) == 200)
            return 0;
        usleep(50 * 1000);
    }
    fprintf(stderr, "the sandbox did not answer on %s (see %s)\n", addr, logf);
    return -1;
}

static void sandbox_stop(void) {
    if (s_sandbox <= 0)
        return;
    kill(s_sandbox, SIGTERM);
    waitpid(s_sandbox, NULL, 0);
    s_sandbox = -1;
}

/* ---------------- a slow road to the sandbox ---------------- */

/* A TCP relay in front of the sandbox that holds every chunk a client
   sends for SLOW_MS before passing it on: each call through it is on the
   wire that long, and its post is stored at the end. A declaration made
   meanwhile commits after the post only if it waits for the call. */
#define SLOW_MS 300

typedef struct {
    int fd, port;
    atomic_int stop;
    pthread_t thread;
} slow_t;

static slow_t s_slow;

static int write_all(int fd, const char *p, ssize_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, (size_t)n);
        if (w <= 0)
            return -1;
        p += w;
        n -= w;
    }
    return 0;
}

static void *relay(void *arg) {
    int c = (int)(intptr_t)arg;
    int u = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)s_port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char buf[65536];
    if (connect(u, (struct sockaddr *)&a, sizeof a) == 0) {
        struct pollfd p[2] = {{.fd = c, .events = POLLIN}, {.fd = u, .events = POLLIN}};
        while (!atomic_load(&s_slow.stop) && poll(p, 2, 200) >= 0) {
            ssize_t n = 0;
            if (p[0].revents && (n = read(c, buf, sizeof buf)) > 0) {
                usleep(SLOW_MS * 1000);
                n = write_all(u, buf, n) == 0 ? 1 : -1;
            } else if (p[1].revents && (n = read(u, buf, sizeof buf)) > 0)
                n = write_all(c, buf, n) == 0 ? 1 : -1;
            else if (!p[0].revents && !p[1].revents)
                n = 1;
            if (n <= 0)
                break;
        }
    }
    close(u);
    close(c);
    return NULL;
}

static void *slow_accept(void *arg) {
    (void)arg;
    while (!atomic_load(&s_slow.stop)) {
        int c = accept(s_slow.fd, NULL, NULL);
        pthread_t t;
        if (c >= 0 && pthread_create(&t, NULL, relay, (void *)(intptr_t)c) == 0)
            pthread_detach(t);
        else if (c >= 0)
            close(c);
    }
    return NULL;
}

static int slow_open(void) {
    s_slow.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    struct timeval tv = {0, 100000};
    setsockopt(s_slow.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (bind(s_slow.fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(s_slow.fd, 64) < 0 ||
        getsockname(s_slow.fd, (struct sockaddr *)&a, &al) < 0)
        return -1;
    s_slow.port = ntohs(a.sin_port);
    return pthread_create(&s_slow.thread, NULL, slow_accept, NULL) == 0 ? 0 : -1;
}

static void slow_close(void) {
    atomic_store(&s_slow.stop, 1);
    pthread_join(s_slow.thread, NULL);
    close(s_slow.fd);
    usleep(300 * 1000); /* the relays see the flag within a poll */
}

/* ---------------- the database ---------------- */

static int exec_sql(hd_db_t *db, const char *sql) {
    PGresult *r = PQexec(hd_db_conn(db), sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "%s: %s\n", sql, PQerrorMessage(hd_db_conn(db)));
    PQclear(r);
    return ok ? 0 : -1;
}

/* A playbook's spec as CRISIS.md normalizes it. */
static int add_playbook(const char *name, const char *departments, const char *channels, int hold,
                        int recall_minutes, const char *held, const char *late) {
    char spec[2048], minutes[16];
    snprintf(spec, sizeof spec,
             "{\"name\":\"%s\",\"description\":\"test\",\"severity\":\"high\",\"terms\":[],"
             "\"triggers\":{\"manual\":true,\"spike\":null},"
             "\"scope\":{\"departments\":%s,\"channels\":%s},"
             "\"actions\":{\"hold\":%s,\"add_approvals\":[],\"reroute_to\":null,"
             "\"recall_minutes\":%d,\"notify\":[],\"holding_statement\":\"We are on it.\"},"
             "\"team\":{\"roles\":[\"crisis\"],\"booth\":[]},"
             "\"exit\":{\"resume_roles\":[\"orchestrator\"],\"held_items\":\"%s\","
             "\"late_items\":\"%s\"}}",
             name, departments, channels, hold ? "true" : "false", recall_minutes, held, late);
    snprintf(minutes, sizeof minutes, "%d", recall_minutes);
    const char *p[2] = {name, spec};
    return hd_db_cmd(s_db,
                     "INSERT INTO playbook_version (name, version, source, spec) "
                     "VALUES ($1, 1, 'playbook: ' || $1, $2::jsonb)",
                     2, p);
}

static int seal_accounts(void) {
    unsigned char key[HD_SECRET_KEY_LEN];
    memset(key, 0x42, sizeof key);
    pub_claim_set_key(key);
    const char *tokens[2][2] = {{"marketing", "sbx-marketing"}, {"support", "sbx-support"}};
    for (int i = 0; i < 2; i++) {
        char *sealed = hd_secret_seal(key, tokens[i][1], strlen(tokens[i][1]));
        const char *p[2] = {sealed, tokens[i][0]};
        int rc = hd_db_cmd(s_db,
                           "UPDATE channel_account SET token = NULL, secret = decode($1, 'hex') "
                           "WHERE department_id = $2",
                           2, p);
        free(sealed);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int setup(void) {
    char sql[1024];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    snprintf(s_dir, sizeof s_dir, "/tmp/hd-test-publisher-crisis-%d", (int)getpid());
    mkdir(s_dir, 0700);
    s_port = free_port();
    if (s_port <= 0 || hd_testdb_create("test_publisher_crisis", 0, s_url, sizeof s_url) < 0)
        return -1;
    s_db = hd_db_connect(s_url, 5000);
    s_decl = hd_db_connect(s_url, 5000);
    if (!s_db || !s_decl)
        return -1;
    if (slow_open() < 0)
        return -1;
    /* sandbox: through the slow road; direct and sandbox2: straight */
    snprintf(sql, sizeof sql,
             "INSERT INTO department (id, name) VALUES ('marketing', 'M'), ('support', 'S');"
             "INSERT INTO channel (id, kind, base_url) VALUES "
             " ('sandbox', 'mastodon', 'http://127.0.0.1:%d'), "
             " ('direct', 'mastodon', 'http://127.0.0.1:%d'), "
             " ('sandbox2', 'mastodon', 'http://127.0.0.1:%d');"
             "INSERT INTO channel_account (channel_id, department_id, handle, token) VALUES "
             " ('sandbox', 'marketing', 'acme', 'x'), ('sandbox', 'support', 'help', 'x'), "
             " ('direct', 'support', 'help', 'x'), ('sandbox2', 'marketing', 'acme', 'x');",
             s_slow.port, s_port, s_port);
    if (exec_sql(s_db, sql) < 0 || seal_accounts() < 0)
        return -1;
    if (add_playbook("data-breach", "[\"marketing\"]", "[]", 1, 0, "publish", "reapprove") < 0 ||
        add_playbook("outage", "[\"support\"]", "[]", 1, 0, "expire", "publish") < 0 ||
        add_playbook("second-channel", "[]", "[\"sandbox2\"]", 1, 0, "publish", "publish") < 0 ||
        add_playbook("recall", "[\"marketing\"]", "[]", 0, 1, "publish", "publish") < 0)
        return -1;
    return sandbox_start("0.2");
}

/* A content.approved applied as the consumer applies it. */
static int approve_as(char *cid, const char *dept, const char *channel, int64_t slot_ms,
                      const char *kind, const char *crisis) {
    char eid[HD_ID_LEN];
    if (!*cid)
        hd_id_random(cid);
    hd_id_random(eid);
    Huddle__V1__ContentApproved b = HUDDLE__V1__CONTENT_APPROVED__INIT;
    b.content_id = cid;
    b.channel = (char *)channel;
    b.text = "Spring is here";
    b.author_email = "avery@example.org";
    b.scheduled_at_ms = slot_ms;
    b.kind = (char *)kind;
    b.crisis_id = (char *)crisis;
    hd_envelope_t ev = HUDDLE__V1__ENVELOPE__INIT;
    ev.id = eid;
    ev.type = "content.approved";
    ev.department = (char *)dept;
    ev.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_APPROVED;
    ev.content_approved = &b;
    const hd_envelope_t *one[1] = {&ev};
    hd_batch_out_t *out = hd_batch_out_new("publisher");
    int rc = hd_db_begin(s_db) == 0 ? pub_jobs_apply_batch(s_db, one, 1, out, NULL) : -1;
    rc =
        rc == HD_APPLY_OK && hd_batch_out_write(out, s_db) == 0 && hd_db_commit(s_db) == 0 ? 0 : -1;
    if (rc < 0)
        hd_db_rollback(s_db);
    hd_batch_out_destroy(&out);
    return rc;
}

static int approve(char *cid, const char *dept, int64_t slot_ms) {
    cid[0] = 0;
    return approve_as(cid, dept, "sandbox", slot_ms, "post", "");
}

/* Applies crisis events as the publisher's consumer does: one
   transaction, the emitted events written to the outbox with it. */
static int apply_events(const hd_envelope_t *const *evs, size_t n) {
    hd_batch_out_t *out = hd_batch_out_new("publisher");
    int rc = hd_db_begin(s_db) == 0 ? pub_crisis_apply_batch(s_db, evs, n, out, NULL) : -1;
    if (rc == HD_APPLY_OK && hd_batch_out_write(out, s_db) == 0 && hd_db_commit(s_db) == 0)
        rc = 0;
    else {
        hd_db_rollback(s_db);
        rc = -1;
    }
    hd_batch_out_destroy(&out);
    return rc;
}

/* The event the declaration recorded (crisis.declared, or crisis.drill
   for a drill), applied. */
static int apply_declared(const char *crisis) {
    const char *p[1] = {crisis};
    PGresult *r = hd_db_execv(s_db,
                              "SELECT payload FROM outbox WHERE correlation_id = $1 "
                              "AND type IN ('crisis.declared', 'crisis.drill')",
                              1, p, NULL, NULL, 1);
    if (!r || PQntuples(r) != 1) {
        PQclear(r);
        return -1;
    }
    hd_envelope_t *ev =
        hd_envelope_unpack((const uint8_t *)PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
    PQclear(r);
    const hd_envelope_t *one[1] = {ev};
    int rc = ev ? apply_events(one, 1) : -1;
    hd_envelope_free(ev);
    return rc;
}

/* A person declares (or drills) on the ingest's connection. */
static int declare(char *id, const char *playbook, hd_crisis_state_t state) {
    hd_id_random(id);
    hd_crisis_declare_t d = {.crisis_id = id,
                             .playbook = playbook,
                             .state = state,
                             .reason = "integration test",
                             .actor_email = "olivia@example.org"};
    if (hd_db_begin(s_decl) < 0)
        return -1;
    if (hd_crisis_declare(s_decl, &d) != HD_CRISIS_OK || hd_db_commit(s_decl) < 0) {
        hd_db_rollback(s_decl);
        return -1;
    }
    return 0;
}

/* Resumes as ingest would (the row, then crisis.resumed), and applies. */
static int resume(const char *crisis, const char *playbook) {
    const char *p[1] = {crisis};
    if (hd_db_cmd(s_db,
                  "UPDATE crisis SET state = 'resumed', resumed_at = now(), resumed_by = 'o' "
                  "WHERE id = $1",
                  1, p) < 0)
        return -1;
    char eid[HD_ID_LEN], type[HD_TYPE_LEN];
    hd_id_random(eid);
    Huddle__V1__CrisisChanged b = HUDDLE__V1__CRISIS_CHANGED__INIT;
    b.crisis_id = (char *)crisis;
    b.what = "resumed";
    b.playbook = (char *)playbook;
    hd_envelope_t ev = HUDDLE__V1__ENVELOPE__INIT;
    ev.id = eid;
    ev.body_case = HUDDLE__V1__ENVELOPE__BODY_CRISIS_CHANGED;
    ev.crisis_changed = &b;
    ev.type = (char *)hd_envelope_crisis_type(&b, type, sizeof type);
    ev.correlation_id = (char *)crisis;
    const hd_envelope_t *one[1] = {&ev};
    return apply_events(one, 1);
}

static long count1(const char *sql, const char *a) {
    const char *p[1] = {a};
    return hd_db_count(s_db, sql, a ? 1 : 0, a ? p : NULL);
}

/* The job's column as text ("" for NULL), into a static buffer. */
static const char *job_col(const char *cid, const char *col) {
    static char v[256];
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT coalesce(%s::text, '') FROM publish_job WHERE content_id = $1",
             col); /* col is ours */
    const char *p[1] = {cid};
    PGresult *r = hd_db_exec(s_db, sql, 1, p);
    snprintf(v, sizeof v, "%s", r && PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "(none)");
    PQclear(r);
    return v;
}

/* The crisis's declared_at as the sandbox writes created_at. */
static void declared_at(const char *crisis, char *out, size_t n) {
    const char *p[1] = {crisis};
    PGresult *r = hd_db_exec(s_db,
                             "SELECT to_char(declared_at AT TIME ZONE 'UTC', "
                             "  'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM crisis WHERE id = $1",
                             1, p);
    snprintf(out, n, "%s", r && PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
}

/* Makes retries and due slots due at once (backoffs are tested elsewhere);
   a slot still ahead stays ahead. */
static void hurry(void) {
    hd_db_cmd(s_db,
              "UPDATE publish_job SET not_before = now() WHERE state = 'pending' "
              "AND (scheduled_at IS NULL OR scheduled_at <= now())",
              0, NULL);
}

/* ---------------- the runner, on its own thread ---------------- */

typedef struct {
    pthread_t thread;
    atomic_int stop;
    hd_db_t *db;
    pub_jobs_t jobs;
} runner_t;

static void *run(void *arg) {
    runner_t *r = arg;
    while (!atomic_load(&r->stop)) {
        int wait = pub_jobs_idle(r->db, &r->jobs);
        usleep((useconds_t)(wait < 20 ? wait : 20) * 1000);
    }
    return NULL;
}

static int runner_start(runner_t *r) {
    memset(r, 0, sizeof *r);
    r->db = hd_db_connect(s_url, 5000);
    if (!r->db)
        return -1;
    pub_jobs_init(&r->jobs, 40);
    r->jobs.batch = 16;
    r->jobs.concurrency = 8;
    r->jobs.timeout_ms = 2000;
    return pthread_create(&r->thread, NULL, run, r) == 0 ? 0 : -1;
}

static void runner_stop(runner_t *r) {
    atomic_store(&r->stop, 1);
    pthread_join(r->thread, NULL);
    pub_jobs_destroy(&r->jobs);
    hd_db_destroy(&r->db);
}

/* ---------------- the tests ---------------- */

#define FLOW 64
static char s_flow[2][FLOW][HD_ID_LEN]; /* [0] marketing, [1] support */
static int s_nflow, s_first_after;      /* approvals, the first after the declaration */

/* Approves one marketing job (on the slow road) and one support job
   (straight) due now, every 100 ms. */
static int flow(int ticks) {
    for (int t = 0; t < ticks && s_nflow < FLOW; t++, s_nflow++) {
        s_flow[1][s_nflow][0] = 0;
        if (approve(s_flow[0][s_nflow], "marketing", hd_now_ms()) < 0 ||
            approve_as(s_flow[1][s_nflow], "support", "direct", hd_now_ms(), "post", "") < 0)
            return -1;
        usleep(100 * 1000);
    }
    return 0;
}

/* A marketing job in flight now (its call likely on the wire), or "". */
static void wait_in_flight(char *cid, int max_ms) {
    cid[0] = 0;
    for (int64_t end = hd_now_ms() + max_ms; hd_now_ms() < end && !cid[0]; usleep(2000)) {
        PGresult *r = hd_db_exec(s_db,
                                 "SELECT content_id FROM publish_job WHERE state = 'in_flight' "
                                 "AND department_id = 'marketing' LIMIT 1",
                                 0, NULL);
        if (r && PQntuples(r) == 1)
            snprintf(cid, HD_ID_LEN, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
    }
}

/* Waits until no job that can go out is left pending or in flight. */
static int settle(int max_ms) {
    for (int64_t end = hd_now_ms() + max_ms; hd_now_ms() < end; usleep(100 * 1000)) {
        hurry();
        if (count1("SELECT 1 FROM publish_job WHERE state IN ('in_flight', 'pending') "
                   "AND (scheduled_at IS NULL OR scheduled_at <= now())",
                   NULL) == 0)
            return 0;
    }
    return -1;
}

HD_TEST(a_declaration_leaves_no_window) {
    ASSERT_EQ(setup(), 0);
    /* slots a minute ahead, pending when the crisis comes */
    ASSERT_EQ(approve(s_on_time, "marketing", hd_now_ms() + 60000), 0);
    ASSERT_EQ(approve(s_support_on_time, "support", hd_now_ms() + 60000), 0);
    runner_t r;
    ASSERT_EQ(runner_start(&r), 0);
    ASSERT_EQ(flow(15), 0);
    char flying[HD_ID_LEN];
    wait_in_flight(flying, 5000);
    int64_t t0 = hd_now_ms();
    int declared = declare(s_breach, "data-breach", HD_CRISIS_DECLARED);
    int64_t waited = hd_now_ms() - t0;
    s_first_after = s_nflow;
    int flowed = flow(15);
    int applied = apply_declared(s_breach);
    s_statement[0] = 0;
    int stated = approve_as(s_statement, "marketing", "sandbox", 0, "statement", s_breach);
    int settled = settle(20000);
    runner_stop(&r);
    ASSERT_EQ(declared, 0);
    ASSERT_EQ(flowed, 0);
    ASSERT_EQ(applied, 0);
    ASSERT_EQ(stated, 0);
    ASSERT_EQ(settled, 0);
    fprintf(stderr, "declaration waited %lld ms for the calls on the wire (%s in flight)\n",
            (long long)waited, flying[0] ? flying : "none seen");
    char at[40];
    declared_at(s_breach, at, sizeof at);
    ASSERT(at[0]);
    /* the proof: nothing in scope stored after the declaration committed
       but the statement; out of scope kept flowing */
    ASSERT_EQ(created_after("acme", at, s_statement), 0);
    ASSERT(created_after("help", at, NULL) > 0);
    ASSERT_STR(job_col(s_statement, "state"), "done");
    /* every marketing job approved after the declaration is held, none lost */
    for (int i = s_first_after; i < s_nflow; i++) {
        ASSERT_STR(job_col(s_flow[0][i], "state"), "held");
        ASSERT_STR(job_col(s_flow[0][i], "held_by"), s_breach);
        ASSERT_STR(job_col(s_flow[1][i], "state"), "done");
    }
    for (int i = 0; i < s_first_after; i++) {
        const char *st = job_col(s_flow[0][i], "state");
        ASSERT(strcmp(st, "done") == 0 || strcmp(st, "held") == 0);
    }
    /* the job seen in flight went out before the declaration committed
       (counted above: nothing is after it), or is held */
    if (flying[0]) {
        const char *st = job_col(flying, "state");
        ASSERT(strcmp(st, "done") == 0 || strcmp(st, "held") == 0);
    }
    ASSERT_STR(job_col(s_on_time, "state"), "held"); /* held while pending */
    ASSERT_STR(job_col(s_support_on_time, "state"), "pending");
    /* each hold recorded: a crisis_item row and a content.held */
    long held = count1("SELECT 1 FROM publish_job WHERE held_by = $1 AND state = 'held'", s_breach);
    ASSERT(held >= s_nflow - s_first_after + 1);
    ASSERT_EQ(
        count1("SELECT 1 FROM crisis_item WHERE crisis_id = $1 AND action = 'held'", s_breach),
        held);
    ASSERT_EQ(count1("SELECT 1 FROM outbox o JOIN publish_job j ON j.content_id = "
                     "o.correlation_id WHERE o.type = 'content.held' AND j.held_by = $1",
                     s_breach),
              held);
    ASSERT_EQ(
        count1("SELECT 1 FROM outbox WHERE type = 'crisis.held' AND correlation_id = $1", s_breach),
        1);
}

/* Runs the runner's idle hook on the test's connection until settled. */
static int idle_until_settled(pub_jobs_t *jobs) {
    for (int i = 0; i < 100; i++) {
        hurry();
        pub_jobs_idle(s_db, jobs);
        if (count1("SELECT 1 FROM publish_job WHERE state IN ('in_flight', 'pending') "
                   "AND (scheduled_at IS NULL OR scheduled_at <= now())",
                   NULL) == 0)
            return 0;
        usleep(50 * 1000);
    }
    return -1;
}

/* The detail_json of the crisis's summary event `type`, from the outbox. */
static json_t *summary_detail(const char *crisis, const char *type) {
    const char *p[2] = {crisis, type};
    PGresult *r =
        hd_db_execv(s_db, "SELECT payload FROM outbox WHERE correlation_id = $1 AND type = $2", 2,
                    p, NULL, NULL, 1);
    hd_envelope_t *ev =
        r && PQntuples(r) == 1
            ? hd_envelope_unpack((const uint8_t *)PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0))
            : NULL;
    PQclear(r);
    json_t *j =
        ev && ev->crisis_changed ? json_loads(ev->crisis_changed->detail_json, 0, NULL) : NULL;
    hd_envelope_free(ev);
    return j;
}

static long detail_int(json_t *j, const char *key) {
    return (long)json_integer_value(json_object_get(j, key));
}

HD_TEST(resume_applies_each_rule) {
    pub_jobs_t jobs;
    pub_jobs_init(&jobs, 8);
    jobs.timeout_ms = 2000;
    /* held by the breach through the claim: no slot, and one on sandbox2 */
    char noslot[HD_ID_LEN] = "", second[HD_ID_LEN] = "", late[HD_ID_LEN];
    ASSERT_EQ(approve_as(noslot, "marketing", "sandbox", 0, "post", ""), 0);
    ASSERT_EQ(approve_as(second, "marketing", "sandbox2", 0, "post", ""), 0);
    /* approved in the crisis's scope: held at once, not pending until due */
    ASSERT_STR(job_col(noslot, "state"), "held");
    ASSERT_EQ(
        count1("SELECT 1 FROM outbox WHERE type = 'content.held' AND correlation_id = $1", noslot),
        1);
    ASSERT_EQ(approve(late, "support", hd_now_ms() - 1000), 0);
    ASSERT_EQ(declare(s_outage, "outage", HD_CRISIS_DECLARED), 0);
    ASSERT_EQ(declare(s_channel2, "second-channel", HD_CRISIS_DECLARED), 0);
    ASSERT_EQ(idle_until_settled(&jobs), 0);
    ASSERT_STR(job_col(noslot, "held_by"), s_breach); /* held when approved */
    ASSERT_STR(job_col(second, "held_by"), s_breach); /* declared first */
    ASSERT_STR(job_col(late, "held_by"), s_outage);
    ASSERT_EQ(apply_declared(s_outage), 0); /* holds the pending support slot */
    ASSERT_EQ(apply_declared(s_channel2), 0);
    ASSERT_STR(job_col(s_support_on_time, "held_by"), s_outage);

    /* the breach resumes: publish / reapprove, and sandbox2's moves on */
    ASSERT_EQ(resume(s_breach, "data-breach"), 0);
    ASSERT_STR(job_col(noslot, "state"), "pending"); /* no slot: on time, publish */
    ASSERT_STR(job_col(s_on_time, "state"), "pending");
    ASSERT_STR(job_col(s_on_time, "(not_before = scheduled_at)"), "true"); /* at its slot */
    ASSERT_STR(job_col(second, "state"), "held");
    ASSERT_STR(job_col(second, "held_by"), s_channel2);
    int late_flow = s_nflow - s_first_after;
    for (int i = s_first_after; i < s_nflow; i++)
        ASSERT_STR(job_col(s_flow[0][i], "state"), "returned"); /* slot passed: reapprove */
    json_t *d = summary_detail(s_breach, "crisis.released");
    ASSERT(d);
    ASSERT_EQ(detail_int(d, "moved"), 1);
    ASSERT(detail_int(d, "reapprove") >= late_flow);
    ASSERT(detail_int(d, "publish") >= 2);
    ASSERT_EQ(detail_int(d, "expire"), 0);
    json_decref(d);
    ASSERT_EQ(count1("SELECT 1 FROM crisis_item WHERE crisis_id = $1 AND action = 'held' "
                     "AND (outcome IS NULL OR outcome_at IS NULL)",
                     s_breach),
              0);
    /* one content.released per released item, none for the moved one */
    ASSERT_EQ(count1("SELECT 1 FROM outbox WHERE type = 'content.released' AND correlation_id IN "
                     "(SELECT content_id FROM crisis_item WHERE crisis_id = $1 AND action = "
                     "'held' AND outcome <> 'moved')",
                     s_breach),
              count1("SELECT 1 FROM crisis_item WHERE crisis_id = $1 AND action = 'held' AND "
                     "outcome <> 'moved'",
                     s_breach));
    ASSERT_EQ(count1("SELECT 1 FROM crisis_item WHERE crisis_id = $1 AND action = 'held' AND "
                     "content_id = (SELECT content_id FROM publish_job WHERE channel_id = "
                     "'sandbox2' AND held_by IS NOT NULL)",
                     s_channel2),
              1);
    /* the outage resumes: late -> publish, on time -> expire */
    ASSERT_EQ(resume(s_outage, "outage"), 0);
    ASSERT_STR(job_col(late, "state"), "pending");
    ASSERT_STR(job_col(s_support_on_time, "state"), "expired");
    ASSERT_EQ(count1("SELECT 1 FROM crisis_item WHERE content_id = $1 AND outcome = 'expire'",
                     s_support_on_time),
              1);
    ASSERT_EQ(resume(s_channel2, "second-channel"), 0);
    ASSERT_STR(job_col(second, "state"), "pending");

    /* reapproved: a returned job goes out; an expired one stays expired */
    char again[HD_ID_LEN];
    snprintf(again, sizeof again, "%s", s_flow[0][s_first_after]);
    ASSERT_EQ(approve_as(again, "marketing", "sandbox", 0, "post", ""), 0);
    ASSERT_STR(job_col(again, "state"), "pending");
    ASSERT_STR(job_col(again, "attempts"), "0");
    ASSERT_EQ(approve_as(s_support_on_time, "support", "sandbox", 0, "post", ""), 0);
    ASSERT_STR(job_col(s_support_on_time, "state"), "expired");
    ASSERT_EQ(idle_until_settled(&jobs), 0);
    pub_jobs_destroy(&jobs);
    ASSERT_STR(job_col(again, "state"), "done");
    ASSERT_STR(job_col(noslot, "state"), "done");
    ASSERT_STR(job_col(second, "state"), "done");
    ASSERT_STR(job_col(late, "state"), "done");
    ASSERT_STR(job_col(s_on_time, "state"), "pending"); /* its slot is a minute ahead */
}

HD_TEST(recall_deletes_exactly_its_window) {
    /* half the marketing posts are older than the recall's minute */
    ASSERT(hd_db_cmd(s_db,
                     "UPDATE publish_job SET published_at = now() - interval '10 minutes' "
                     "WHERE state = 'done' AND department_id = 'marketing' "
                     "AND content_id::text < '8'",
                     0, NULL) >= 0);
    long recent = count1("SELECT 1 FROM publish_job WHERE state = 'done' AND department_id = "
                         "'marketing' AND published_at > now() - interval '1 minute'",
                         NULL);
    long old = count1("SELECT 1 FROM publish_job WHERE state = 'done' AND department_id = "
                      "'marketing' AND published_at < now() - interval '5 minutes'",
                      NULL);
    long support = count1("SELECT 1 FROM publish_job WHERE state = 'done' AND department_id = "
                          "'support'",
                          NULL);
    ASSERT(recent > 0 && old > 0 && support > 0);
    char recall[HD_ID_LEN];
    ASSERT_EQ(declare(recall, "recall", HD_CRISIS_DECLARED), 0);
    ASSERT_EQ(apply_declared(recall), 0);
    ASSERT_EQ(count1("SELECT 1 FROM recall_job WHERE crisis_id = $1", recall), recent);
    pub_jobs_t jobs;
    pub_jobs_init(&jobs, 8);
    jobs.timeout_ms = 2000;
    for (int i = 0; i < 100 && count1("SELECT 1 FROM recall_job WHERE state IN ('pending', "
                                      "'in_flight')",
                                      NULL) > 0;
         i++) {
        hd_db_cmd(s_db, "UPDATE recall_job SET not_before = now() WHERE state = 'pending'", 0,
                  NULL);
        pub_recall_run_due(s_db, &jobs, 8);
    }
    pub_jobs_destroy(&jobs);
    ASSERT_EQ(count1("SELECT 1 FROM recall_job WHERE crisis_id = $1 AND state = 'deleted'", recall),
              recent);
    ASSERT_EQ(count1("SELECT 1 FROM publish_job WHERE state = 'recalled'", NULL), recent);
    ASSERT_EQ(count1("SELECT 1 FROM crisis_item WHERE crisis_id = $1 AND action = 'recalled' "
                     "AND outcome = 'deleted'",
                     recall),
              recent);
    ASSERT_EQ(count1("SELECT 1 FROM outbox WHERE type = 'content.recalled' AND correlation_id IN "
                     "(SELECT content_id FROM recall_job WHERE crisis_id = $1)",
                     recall),
              recent);
    /* on the sandbox: the recalled ones are gone, the old and support ones stay */
    PGresult *r = hd_db_exec(s_db,
                             "SELECT post_id, state FROM publish_job WHERE post_id IS NOT NULL "
                             "AND state IN ('recalled', 'done')",
                             0, NULL);
    ASSERT(r);
    long gone = 0, kept = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        char path[128];
        snprintf(path, sizeof path, "/api/v1/statuses/%s", PQgetvalue(r, i, 0));
        int st = sandbox("GET", path, NULL, NULL);
        int recalled = strcmp(PQgetvalue(r, i, 1), "recalled") == 0;
        gone += recalled && st == 404;
        kept += !recalled && st == 200;
    }
    int rows = PQntuples(r);
    PQclear(r);
    ASSERT_EQ(gone, recent);
    ASSERT_EQ(kept, rows - recent);
}

HD_TEST(the_sandbox_deletes_as_mastodon_does) {
    /* an old marketing post, still there */
    PGresult *r = hd_db_exec(s_db,
                             "SELECT post_id FROM publish_job WHERE state = 'done' AND "
                             "department_id = 'marketing' LIMIT 1",
                             0, NULL);
    ASSERT(r && PQntuples(r) == 1);
    char path[128], *body = NULL;
    snprintf(path, sizeof path, "/api/v1/statuses/%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    ASSERT_EQ(sandbox("DELETE", path, NULL, NULL), 401);
    ASSERT_EQ(sandbox("DELETE", path, "sbx-support", NULL), 404); /* not that account's */
    ASSERT_EQ(sandbox("GET", path, NULL, NULL), 200);
    ASSERT_EQ(sandbox("DELETE", path, "sbx-marketing", &body), 200);
    json_t *j = body ? json_loads(body, 0, NULL) : NULL;
    free(body);
    ASSERT_STR(json_string_value(json_object_get(j, "text")), "Spring is here");
    json_decref(j);
    ASSERT_EQ(sandbox("GET", path, NULL, NULL), 404);
    ASSERT_EQ(sandbox("DELETE", path, "sbx-marketing", NULL), 404);
    /* the adapter: already gone counts as deleted */
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", s_port);
    pub_request_t req = {.base_url = base, .token = "sbx-marketing", .post_id = path + 17};
    pub_result_t res;
    pub_adapter_find("mastodon")->delete (&req, &res);
    ASSERT_EQ(res.outcome, PUB_DONE);
    ASSERT_EQ(res.http_status, 404);
}

/* A crisis.declared marked as a drill (CRISIS.md's form of a drill's
   event), applied. */
static int apply_declared_drill(const char *crisis) {
    char eid[HD_ID_LEN], type[HD_TYPE_LEN];
    hd_id_random(eid);
    Huddle__V1__CrisisChanged b = HUDDLE__V1__CRISIS_CHANGED__INIT;
    b.crisis_id = (char *)crisis;
    b.what = "declared";
    b.playbook = "data-breach";
    b.drill = 1;
    hd_envelope_t ev = HUDDLE__V1__ENVELOPE__INIT;
    ev.id = eid;
    ev.body_case = HUDDLE__V1__ENVELOPE__BODY_CRISIS_CHANGED;
    ev.crisis_changed = &b;
    ev.type = (char *)hd_envelope_crisis_type(&b, type, sizeof type);
    ev.correlation_id = (char *)crisis;
    const hd_envelope_t *one[1] = {&ev};
    return apply_events(one, 1);
}

HD_TEST(a_drill_holds_nothing) {
    char drill[HD_ID_LEN], cid[HD_ID_LEN];
    ASSERT_EQ(approve(cid, "marketing", 0), 0);
    ASSERT_EQ(declare(drill, "data-breach", HD_CRISIS_DRILL), 0);
    ASSERT_EQ(apply_declared(drill), 0);
    ASSERT_EQ(apply_declared_drill(drill), 0);
    ASSERT_STR(job_col(cid, "state"), "pending");
    pub_jobs_t jobs;
    pub_jobs_init(&jobs, 8);
    jobs.timeout_ms = 2000;
    int settled = idle_until_settled(&jobs);
    pub_jobs_destroy(&jobs);
    ASSERT_EQ(settled, 0);
    ASSERT_STR(job_col(cid, "state"), "done");
    ASSERT_EQ(count1("SELECT 1 FROM crisis_item WHERE crisis_id = $1", drill), 0);
    ASSERT_EQ(count1("SELECT 1 FROM outbox WHERE correlation_id = $1 AND type NOT IN "
                     "('crisis.declared', 'crisis.drill')",
                     drill),
              0);
}

/* ---------------- a session lost mid-batch ---------------- */

/* A channel that accepts connections and never answers; counts them. */
typedef struct {
    int fd, port;
    atomic_int accepted, stop;
    pthread_t thread;
} hole_t;

static void *swallow(void *arg) {
    hole_t *h = arg;
    int kept[16], n = 0;
    while (!atomic_load(&h->stop)) {
        int c = accept(h->fd, NULL, NULL);
        if (c < 0)
            continue;
        atomic_fetch_add(&h->accepted, 1);
        if (n < 16)
            kept[n++] = c;
        else
            close(c);
    }
    for (int i = 0; i < n; i++)
        close(kept[i]);
    return NULL;
}

static int hole_open(hole_t *h) {
    memset(h, 0, sizeof *h);
    h->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    struct timeval tv = {0, 100000};
    setsockopt(h->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (bind(h->fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(h->fd, 16) < 0 ||
        getsockname(h->fd, (struct sockaddr *)&a, &al) < 0)
        return -1;
    h->port = ntohs(a.sin_port);
    return pthread_create(&h->thread, NULL, swallow, h) == 0 ? 0 : -1;
}

static void hole_close(hole_t *h) {
    atomic_store(&h->stop, 1);
    pthread_join(h->thread, NULL);
    close(h->fd);
}

typedef struct {
    int pid;
    int delay_ms;
} kill_t;

/* Ends the runner's session from another connection, as an operator's
   pg_terminate_backend or a server restart would. */
static void *terminate(void *arg) {
    kill_t *k = arg;
    usleep((useconds_t)k->delay_ms * 1000);
    hd_db_t *db = hd_db_connect(s_url, 5000);
    char pid[16];
    snprintf(pid, sizeof pid, "%d", k->pid);
    const char *p[1] = {pid};
    hd_db_cmd(db, "SELECT pg_terminate_backend($1::int)", 1, p);
    hd_db_destroy(&db);
    return NULL;
}

HD_TEST(a_lost_session_begins_no_further_call) {
    hole_t hole;
    ASSERT_EQ(hole_open(&hole), 0);
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO channel (id, kind, base_url) VALUES ('hole', 'mastodon', "
             "'http://127.0.0.1:%d'); INSERT INTO channel_account (channel_id, department_id, "
             "handle, secret) SELECT 'hole', 'support', 'help', secret FROM channel_account "
             "WHERE channel_id = 'direct' AND department_id = 'support'",
             hole.port);
    ASSERT_EQ(exec_sql(s_db, sql), 0);
    char cids[3][HD_ID_LEN];
    for (int i = 0; i < 3; i++) {
        cids[i][0] = 0;
        ASSERT_EQ(approve_as(cids[i], "support", "hole", 0, "post", ""), 0);
    }
    /* these three are the only jobs due */
    ASSERT_EQ(
        count1("SELECT 1 FROM publish_job WHERE state = 'pending' AND not_before <= now()", NULL),
        3);
    hd_db_t *db = hd_db_connect(s_url, 5000);
    ASSERT(db);
    pub_jobs_t jobs;
    pub_jobs_init(&jobs, 8);
    jobs.concurrency = 1; /* one call at a time: the first hangs */
    jobs.timeout_ms = 1500;
    jobs.started = 1;
    kill_t k = {.pid = PQbackendPID(hd_db_conn(db)), .delay_ms = 400};
    pthread_t killer;
    ASSERT_EQ(pthread_create(&killer, NULL, terminate, &k), 0);
    int n = pub_jobs_run_due(db, &jobs, 3);
    pthread_join(killer, NULL);
    pub_jobs_destroy(&jobs);
    hd_db_destroy(&db);
    usleep(200 * 1000);
    int accepted = atomic_load(&hole.accepted);
    hole_close(&hole);
    ASSERT_EQ(n, 3);
    ASSERT_EQ(accepted, 1); /* the call on the wire; none began after */
    /* the two never called are pending again, recorded on a new session */
    long not_called = 0;
    for (int i = 0; i < 3; i++) {
        not_called += strstr(job_col(cids[i], "last_error"), "not called") != NULL;
    }
    ASSERT_EQ(not_called, 2);
    for (int i = 0; i < 3; i++)
        ASSERT_STR(job_col(cids[i], "state"), "pending");
    hd_db_cmd(s_db, "DELETE FROM publish_job WHERE channel_id = 'hole'", 0, NULL);
}

typedef struct {
    hd_db_t *db;
    pub_jobs_t jobs;
    int n;
} batch_t;

static void *run_batch(void *arg) {
    batch_t *b = arg;
    b->n = pub_jobs_run_due(b->db, &b->jobs, 4);
    return NULL;
}

HD_TEST(a_declaration_waits_for_the_calls_on_the_wire_only) {
    char cids[4][HD_ID_LEN];
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(approve(cids[i], "marketing", 0), 0); /* the slow road, 300 ms a call */
    ASSERT_EQ(
        count1("SELECT 1 FROM publish_job WHERE state = 'pending' AND not_before <= now()", NULL),
        4);
    batch_t b = {.db = hd_db_connect(s_url, 5000)};
    ASSERT(b.db);
    pub_jobs_init(&b.jobs, 8);
    b.jobs.concurrency = 1; /* the batch alone would keep the fence 1.2 s */
    b.jobs.timeout_ms = 2000;
    b.jobs.started = 1;
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, run_batch, &b), 0);
    char flying[HD_ID_LEN];
    wait_in_flight(flying, 5000);
    usleep(50 * 1000);
    char crisis[HD_ID_LEN];
    int64_t t0 = hd_now_ms();
    int declared = declare(crisis, "data-breach", HD_CRISIS_DECLARED);
    int64_t waited = hd_now_ms() - t0;
    pthread_join(t, NULL);
    pub_jobs_destroy(&b.jobs);
    ASSERT_EQ(declared, 0);
    ASSERT_EQ(b.n, 4);
    fprintf(stderr, "declaration waited %lld ms for one call of a batch of four\n",
            (long long)waited);
    /* one call was on the wire and went out; the others never began */
    long done = 0, yielded = 0;
    for (int i = 0; i < 4; i++) {
        done += strcmp(job_col(cids[i], "state"), "done") == 0;
        yielded += strstr(job_col(cids[i], "last_error"), "declaration was waiting") != NULL;
    }
    ASSERT_EQ(done, 1);
    ASSERT_EQ(yielded, 3);
    char at[40];
    declared_at(crisis, at, sizeof at);
    ASSERT_EQ(created_after("acme", at, NULL), 0);
    /* and the next claim, after the declaration, holds them */
    ASSERT_EQ(pub_jobs_run_due(b.db, &b.jobs, 4), 3);
    pub_jobs_destroy(&b.jobs);
    hd_db_destroy(&b.db);
    ASSERT_EQ(count1("SELECT 1 FROM publish_job WHERE held_by = $1 AND state = 'held' AND "
                     "last_error LIKE '%declaration was waiting%'",
                     crisis),
              3);
}

HD_TEST(zz_cleanup) {
    sandbox_stop();
    slow_close();
    hd_db_destroy(&s_decl);
    hd_db_destroy(&s_db);
    curl_global_cleanup();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    if (s_dir[0] && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", s_dir);
}

HD_TEST_MAIN(HD_CASE(a_declaration_leaves_no_window), HD_CASE(resume_applies_each_rule),
             HD_CASE(recall_deletes_exactly_its_window),
             HD_CASE(the_sandbox_deletes_as_mastodon_does), HD_CASE(a_drill_holds_nothing),
             HD_CASE(a_lost_session_begins_no_further_call),
             HD_CASE(a_declaration_waits_for_the_calls_on_the_wire_only), HD_CASE(zz_cleanup))
