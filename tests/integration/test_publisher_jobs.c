/*  publisher against a real PostgreSQL and a fake Mastodon server running
    in this process (real sockets, real libcurl): delivery, retries with
    backoff and Retry-After, permanent failures, attempts exhausted, and the
    reconciliation of a job left in flight by a crash - never posting twice.
    And the batches: many jobs claimed by one statement and posted at the
    same time, a mixed batch's outcomes each recorded right, a batch record
    that fails falling back to one by one, and a stop in mid-batch. */
#include "claim.h"
#include "hd_db.h"
#include "hd_id.h"
#include "hd_outbox.h"
#include "hd_secret.h"
#include "hd_signal.h"
#include "hd_test.h"
#include "hd_testdb.h"
#include "job_state.h"
#include "jobs.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---------------- the fake channel ---------------- */

#define MAX_POSTS 512

/* One thread per connection, so concurrent calls really overlap. A base
   url ending in /sNNN/ makes every POST under it answer NNN, so one
   channel can fail while another succeeds in the same batch. */
static struct {
    pthread_mutex_t lock;
    pthread_t thread;
    int fd, port, stop;
    int handlers;              /* connection threads running */
    int delay_ms;              /* before handling a POST */
    int active, max_active;    /* POSTs being handled at once */
    int forced;                /* POSTs answered by a /sNNN/ prefix */
    int stop_on_post;          /* the next POST sets hd_stop (a shutdown mid-call) */
    PGconn *probe;             /* the fake's own look at publish_job */
    int watch, in_flight_seen; /* at the next POST: in_flight jobs (-1 unknown) */
    int script[8], nscript;    /* statuses for the next POSTs; 1 = never answer in time */
    char retry_after[32];
    char keys[MAX_POSTS][64];
    int nposts;        /* posts created */
    int post_requests; /* POST calls received */
    int lookups;       /* GET lookups received */
    char last_auth[128];
    char last_body[512];
} s_fake = {.lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1};

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

static void reply(int c, int status, const char *extra, const char *body) {
    char buf[2048];
    int n = snprintf(buf, sizeof buf,
                     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n%s\r\n%s",
                     status, strlen(body), extra, body);
    if (send(c, buf, (size_t)n, MSG_NOSIGNAL) < 0)
        perror("fake write");
}

static int find_post(const char *key) {
    for (int i = 0; i < s_fake.nposts; i++)
        if (strcmp(s_fake.keys[i], key) == 0)
            return i;
    return -1;
}

static void status_json(char *out, size_t n, int i) {
    snprintf(out, n, "{\"id\":\"%d\",\"url\":\"http://127.0.0.1:%d/@acme/%d\"}", 1000 + i,
             s_fake.port, 1000 + i);
}

/* What the store holds when a call arrives: were the attempts committed
   before it? Called with the lock held. */
static void look_at_jobs(void) {
    PGresult *r =
        PQexec(s_fake.probe, "SELECT count(*) FROM publish_job WHERE state = 'in_flight'");
    s_fake.in_flight_seen = PQresultStatus(r) == PGRES_TUPLES_OK ? atoi(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
}

/* Counts the POST as active for the fake's delay; may play a shutdown. */
static void slow_start(void) {
    pthread_mutex_lock(&s_fake.lock);
    if (s_fake.watch) {
        s_fake.watch = 0;
        look_at_jobs();
    }
    if (s_fake.stop_on_post) {
        s_fake.stop_on_post = 0;
        hd_stop = 1;
    }
    if (++s_fake.active > s_fake.max_active)
        s_fake.max_active = s_fake.active;
    int delay = s_fake.delay_ms;
    pthread_mutex_unlock(&s_fake.lock);
    if (delay > 0)
        usleep((useconds_t)delay * 1000);
    pthread_mutex_lock(&s_fake.lock);
    s_fake.active--;
    pthread_mutex_unlock(&s_fake.lock);
}

static void serve_post(int c, const char *req, const char *body, int forced) {
    char key[64], js[256], extra[64] = "";
    int status = 200;
    header_value(req, "Idempotency-Key", key, sizeof key);
    slow_start();
    pthread_mutex_lock(&s_fake.lock);
    s_fake.post_requests++;
    header_value(req, "Authorization", s_fake.last_auth, sizeof s_fake.last_auth);
    snprintf(s_fake.last_body, sizeof s_fake.last_body, "%s", body);
    if (s_fake.nscript > 0) {
        status = s_fake.script[0];
        memmove(s_fake.script, s_fake.script + 1, sizeof s_fake.script - sizeof s_fake.script[0]);
        s_fake.nscript--;
        if (status == 429 && s_fake.retry_after[0])
            snprintf(extra, sizeof extra, "Retry-After: %s\r\n", s_fake.retry_after);
    }
    if (forced) {
        status = forced;
        s_fake.forced++;
    }
    int i = status == 200 ? find_post(key) : -1;
    if (status == 200 && i < 0 && s_fake.nposts < MAX_POSTS) {
        i = s_fake.nposts++;
        snprintf(s_fake.keys[i], sizeof s_fake.keys[i], "%s", key);
    }
    if (status == 200)
        status_json(js, sizeof js, i);
    pthread_mutex_unlock(&s_fake.lock);
    if (status == 1) {
        usleep(800 * 1000); /* longer than the test's 300 ms timeout */
        return;
    }
    reply(c, status, extra, status == 200 ? js : "{\"error\":\"scripted\"}");
}

static void serve_lookup(int c, const char *path) {
    const char *k = strstr(path, "idempotency_key=");
    char key[64], js[300] = "[]";
    snprintf(key, sizeof key, "%.*s", (int)strcspn(k ? k + 16 : "", " &"), k ? k + 16 : "");
    pthread_mutex_lock(&s_fake.lock);
    s_fake.lookups++;
    int i = find_post(key);
    if (i >= 0) {
        char one[256];
        status_json(one, sizeof one, i);
        snprintf(js, sizeof js, "[%s]", one);
    }
    pthread_mutex_unlock(&s_fake.lock);
    reply(c, 200, "", js);
}

static void serve(int c) {
    char req[8192];
    size_t len = 0;
    char *end = NULL;
    while (len < sizeof req - 1) {
        ssize_t n = read(c, req + len, sizeof req - 1 - len);
        if (n <= 0)
            return;
        len += (size_t)n;
        req[len] = 0;
        if ((end = strstr(req, "\r\n\r\n"))) {
            char cl[32];
            header_value(req, "Content-Length", cl, sizeof cl);
            if (len >= (size_t)(end + 4 - req) + (size_t)atoi(cl))
                break;
        }
    }
    if (!end)
        return;
    int post = strncmp(req, "POST ", 5) == 0;
    const char *path = req + (post ? 5 : 4);
    int forced = 0;
    if (strncmp(path, "/s", 2) == 0 && strspn(path + 2, "0123456789") == 3 && path[5] == '/') {
        forced = atoi(path + 2);
        path += 5;
    }
    if (post && strncmp(path, "/api/v1/statuses ", 17) == 0)
        serve_post(c, req, end + 4, forced);
    else if (!post && strncmp(req, "GET ", 4) == 0 && strncmp(path, "/api/v1/statuses?", 17) == 0)
        serve_lookup(c, path);
    else
        reply(c, 404, "", "{}");
}

static void *connection_main(void *arg) {
    int c = (int)(intptr_t)arg;
    serve(c);
    close(c);
    pthread_mutex_lock(&s_fake.lock);
    s_fake.handlers--;
    pthread_mutex_unlock(&s_fake.lock);
    return NULL;
}

static void *fake_main(void *arg) {
    while (!s_fake.stop) {
        struct pollfd p = {s_fake.fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(s_fake.fd, NULL, NULL);
        if (c < 0)
            continue;
        pthread_t t;
        pthread_mutex_lock(&s_fake.lock);
        s_fake.handlers++;
        pthread_mutex_unlock(&s_fake.lock);
        if (pthread_create(&t, NULL, connection_main, (void *)(intptr_t)c) == 0) {
            pthread_detach(t);
            continue;
        }
        close(c);
        pthread_mutex_lock(&s_fake.lock);
        s_fake.handlers--;
        pthread_mutex_unlock(&s_fake.lock);
    }
    return NULL;
}

/* Waits until no connection is being served (slow answers finished). */
static void fake_settle(void) {
    for (int i = 0; i < 500; i++) {
        pthread_mutex_lock(&s_fake.lock);
        int busy = s_fake.handlers;
        pthread_mutex_unlock(&s_fake.lock);
        if (!busy)
            return;
        usleep(10 * 1000);
    }
}

static int fake_start(void) {
    s_fake.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (bind(s_fake.fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(s_fake.fd, 64) < 0 ||
        getsockname(s_fake.fd, (struct sockaddr *)&a, &al) < 0)
        return -1;
    s_fake.port = ntohs(a.sin_port);
    return pthread_create(&s_fake.thread, NULL, fake_main, NULL);
}

static void fake_script(const int *statuses, int n) {
    pthread_mutex_lock(&s_fake.lock);
    memcpy(s_fake.script, statuses, sizeof *statuses * (size_t)n);
    s_fake.nscript = n;
    pthread_mutex_unlock(&s_fake.lock);
}

static int fake_count(int *field) {
    pthread_mutex_lock(&s_fake.lock);
    int v = *field;
    pthread_mutex_unlock(&s_fake.lock);
    return v;
}

/* ---------------- database ---------------- */

static hd_db_t *s_db;
static pub_jobs_t s_jobs;

/* Seals every account's credential as huddle-migrate does (token NULL,
   secret sealed under the test's key); 'locked' is sealed under another
   key, so that its credential cannot be opened. */
static int seal_accounts(void) {
    unsigned char key[HD_SECRET_KEY_LEN], other[HD_SECRET_KEY_LEN];
    memset(key, 0x5a, sizeof key);
    memset(other, 0xa5, sizeof other);
    pub_claim_set_key(key);
    char *good = hd_secret_seal(key, "sbx-marketing", 13);
    char *bad = hd_secret_seal(other, "sbx-marketing", 13);
    const char *p[2] = {good, bad};
    int rc = hd_db_cmd(s_db,
                       "UPDATE channel_account SET token = NULL, secret = decode(CASE "
                       "WHEN channel_id = 'locked' THEN $2 ELSE $1 END, 'hex')",
                       2, p);
    free(good);
    free(bad);
    return rc;
}

static int setup(void) {
    if (s_db)
        return 0;
    char url[512], sql[4096];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (fake_start() < 0 || hd_testdb_create("test_publisher_jobs", 0, url, sizeof url) < 0)
        return -1;
    s_db = hd_db_connect(url, 5000);
    s_fake.probe = PQconnectdb(url);
    if (!s_db || PQstatus(s_fake.probe) != CONNECTION_OK)
        return -1;
    /* 'closed' points at port 1, where nobody listens; 'perm' and 'flaky'
       answer every post 422 and 500. update_log records each UPDATE
       statement on publish_job with its transaction; a row listed in
       poison cannot become done. */
    snprintf(sql, sizeof sql,
             "INSERT INTO department (id, name) VALUES ('marketing','M'), ('hr','H');"
             "INSERT INTO channel (id, kind, base_url) VALUES"
             " ('sandbox', 'mastodon', 'http://127.0.0.1:%d/'),"
             " ('closed', 'mastodon', 'http://127.0.0.1:1'),"
             " ('fax', 'fax', 'http://127.0.0.1:%d'),"
             " ('perm', 'mastodon', 'http://127.0.0.1:%d/s422/'),"
             " ('flaky', 'mastodon', 'http://127.0.0.1:%d/s500'),"
             " ('locked', 'mastodon', 'http://127.0.0.1:%d/');"
             "INSERT INTO channel_account (channel_id, department_id, handle, token) VALUES"
             " ('sandbox', 'marketing', 'acme', 'sbx-marketing'),"
             " ('closed', 'marketing', 'acme', 'sbx-marketing'),"
             " ('fax', 'marketing', 'acme', 'sbx-marketing'),"
             " ('perm', 'marketing', 'acme', 'sbx-marketing'),"
             " ('flaky', 'marketing', 'acme', 'sbx-marketing'),"
             " ('locked', 'marketing', 'acme', 'sbx-marketing');"
             "CREATE TABLE update_log (xid bigint NOT NULL);"
             "CREATE FUNCTION log_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
             "  INSERT INTO update_log VALUES (txid_current()); RETURN NULL; END $$;"
             "CREATE TRIGGER log_update AFTER UPDATE ON publish_job"
             "  FOR EACH STATEMENT EXECUTE FUNCTION log_update();"
             "CREATE TABLE poison (content_id uuid PRIMARY KEY);"
             "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
             "  IF NEW.state = 'done' AND EXISTS (SELECT 1 FROM poison p"
             "    WHERE p.content_id = NEW.content_id) THEN"
             "    RAISE EXCEPTION 'poisoned row %%', NEW.content_id; END IF;"
             "  RETURN NEW; END $$;"
             "CREATE TRIGGER refuse_poison BEFORE UPDATE ON publish_job"
             "  FOR EACH ROW EXECUTE FUNCTION refuse_poison();",
             s_fake.port, s_fake.port, s_fake.port, s_fake.port, s_fake.port);
    PGresult *r = PQexec(hd_db_conn(s_db), sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK && seal_accounts() == 0;
    if (!ok)
        fprintf(stderr, "fixture: %s\n", PQresultErrorMessage(r));
    PQclear(r);
    pub_jobs_init(&s_jobs, 8);
    s_jobs.timeout_ms = 300;
    s_jobs.started = 1; /* reconciliation is driven explicitly below */
    return ok ? 0 : -1;
}

typedef struct {
    char cid[HD_ID_LEN];
    char eid[HD_ID_LEN];
} job_ids_t;

/* A content.approved and the storage its body points into. */
typedef struct {
    hd_envelope_t ev;
    Huddle__V1__ContentApproved b;
} approval_t;

/* content.approved of j (ids as they are) with `text`, built into a. */
static const hd_envelope_t *approval(approval_t *a, const job_ids_t *j, const char *channel,
                                     const char *dept, int64_t scheduled, const char *text) {
    Huddle__V1__ContentApproved b = HUDDLE__V1__CONTENT_APPROVED__INIT;
    a->b = b;
    a->b.content_id = (char *)j->cid;
    a->b.channel = (char *)channel;
    a->b.text = (char *)text;
    a->b.scheduled_at_ms = scheduled;
    hd_envelope_t ev = HUDDLE__V1__ENVELOPE__INIT;
    a->ev = ev;
    a->ev.id = (char *)j->eid;
    a->ev.type = "content.approved";
    a->ev.department = (char *)dept;
    a->ev.correlation_id = (char *)j->cid;
    a->ev.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_APPROVED;
    a->ev.content_approved = &a->b;
    return &a->ev;
}

/* The consumer's batch entry point on evs inside the caller's open
   transaction; *dead (may be NULL) gets the dead event's index or -1.
   The publisher's consumer emits nothing: an emitted event gives -99. */
static int apply_batch(const hd_envelope_t *const *evs, size_t n, long *dead) {
    hd_batch_out_t *out = hd_batch_out_new("publisher");
    int rc = pub_jobs_apply_batch(s_db, evs, n, out, &s_jobs);
    size_t i;
    const char *why;
    if (dead)
        *dead = hd_batch_dead_mark(out, &i, &why) ? (long)i : -1;
    if (hd_batch_emitted(out) != 0)
        rc = -99;
    hd_batch_out_destroy(&out);
    return rc;
}

/* content.approved for a new content id, applied as a batch of its own. */
static int approve(job_ids_t *j, const char *channel, const char *dept, int64_t scheduled) {
    hd_id_random(j->cid);
    hd_id_random(j->eid);
    approval_t a;
    const hd_envelope_t *one[1] = {
        approval(&a, j, channel, dept, scheduled, "Hello \"fediverse\" \xe2\x9c\xa8")};
    hd_db_begin(s_db);
    int rc = apply_batch(one, 1, NULL);
    if (rc == HD_APPLY_OK)
        hd_db_commit(s_db);
    else
        hd_db_rollback(s_db);
    return rc;
}

static char s_col[512];

/* One column of the job, into s_col. */
static const char *job_col(const char *cid, const char *col) {
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT coalesce((%s)::text, '') FROM publish_job WHERE content_id = $1", col);
    const char *p[1] = {cid};
    PGresult *r = hd_db_exec(s_db, sql, 1, p);
    snprintf(s_col, sizeof s_col, "%s", r && PQntuples(r) ? PQgetvalue(r, 0, 0) : "(none)");
    PQclear(r);
    return s_col;
}

static void make_due(const char *cid) {
    const char *p[1] = {cid};
    hd_db_cmd(s_db, "UPDATE publish_job SET not_before = now() WHERE content_id = $1", 1, p);
}

/* The event the job emitted (label), or NULL. Free it. */
static hd_envelope_t *emitted(const job_ids_t *j, const char *label) {
    char id[HD_ID_LEN];
    hd_id_derive(id, j->eid, label);
    const char *p[1] = {id};
    PGresult *r =
        hd_db_execv(s_db, "SELECT payload FROM outbox WHERE event_id = $1", 1, p, NULL, NULL, 1);
    hd_envelope_t *ev =
        r && PQntuples(r) == 1
            ? hd_envelope_unpack((const uint8_t *)PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0))
            : NULL;
    PQclear(r);
    return ev;
}

HD_TEST(delivers_with_token_key_and_text) {
    ASSERT_EQ(setup(), 0);
    job_ids_t j;
    ASSERT_EQ(approve(&j, "sandbox", "marketing", 0), HD_APPLY_OK);
    ASSERT_STR(job_col(j.cid, "state"), "pending");
    ASSERT_STR(job_col(j.cid, "cause_event_id"), j.eid);
    int posts = fake_count(&s_fake.nposts);
    ASSERT_EQ(pub_jobs_run_due(s_db, &s_jobs, 8), 1);
    ASSERT_STR(job_col(j.cid, "state"), "done");
    ASSERT_STR(job_col(j.cid, "attempts"), "1");
    ASSERT(strstr(job_col(j.cid, "url"), "/@acme/") != NULL);
    ASSERT_EQ(fake_count(&s_fake.nposts), posts + 1);
    ASSERT_STR(s_fake.last_auth, "Bearer sbx-marketing");
    ASSERT_STR(s_fake.last_body, "{\"status\":\"Hello \\\"fediverse\\\" \xe2\x9c\xa8\"}");
    ASSERT_STR(s_fake.keys[s_fake.nposts - 1], j.cid);
    hd_envelope_t *ev = emitted(&j, "publish.succeeded");
    ASSERT(ev != NULL);
    int ok = strcmp(ev->publish_succeeded->content_id, j.cid) == 0 &&
             strcmp(ev->department, "marketing") == 0 && strcmp(ev->correlation_id, j.cid) == 0 &&
             strcmp(ev->causation_id, j.eid) == 0 && ev->publish_succeeded->attempts == 1 &&
             *ev->publish_succeeded->post_id;
    hd_envelope_free(ev);
    ASSERT(ok);
    ASSERT_EQ(pub_jobs_run_due(s_db, &s_jobs, 8), 0); /* nothing else is due */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    pub_jobs_metrics(f, &s_jobs);
    fclose(f);
    int counted =
        strstr(text, "huddle_publisher_attempts_total{outcome=\"delivered\"} 1\n") != NULL;
    free(text);
    ASSERT(counted);
}

/* The first retry's delay, 250..500 ms, measured from the record of the
   attempt: not_before and updated_at are set by the same statement. */
#define BACKOFF_AFTER_ONE "not_before - updated_at BETWEEN interval '250 ms' AND interval '500 ms'"

HD_TEST(transient_failure_backs_off_then_succeeds) {
    ASSERT_EQ(setup(), 0);
    job_ids_t j;
    ASSERT_EQ(approve(&j, "sandbox", "marketing", 0), HD_APPLY_OK);
    int script[] = {503};
    fake_script(script, 1);
    ASSERT_EQ(pub_jobs_run_due(s_db, &s_jobs, 8), 1);
    ASSERT_STR(job_col(j.cid, "state"), "pending");
    ASSERT_STR(job_col(j.cid, "attempts"), "1");
    ASSERT(strstr(job_col(j.cid, "last_error"), "503") != NULL);
    /* backoff after one attempt: 250..500 ms from when the attempt was
       recorded (not from now: a loaded machine may take that long to ask) */
    ASSERT_STR(job_col(j.cid, BACKOFF_AFTER_ONE), "true");
    make_due(j.cid);
    ASSERT_EQ(pub_jobs_run_due(s_db, &s_jobs, 8), 1);
    ASSERT_STR(job_col(j.cid, "state"), "done");
    ASSERT_STR(job_col(j.cid, "attempts"), "2");
    ASSERT_STR(job_col(j.cid, "last_error"), "");
}

HD_TEST(retry_after_is_honoured) {
    ASSERT_EQ(setup(), 0);
    job_ids_t j;
    ASSERT_EQ(approve(&j, "sandbox", "marketing", 0), HD_APPLY_OK);
    int script[] = {429};
    snprintf(s_fake.retry_after, sizeof s_fake.retry_after, "120");
    fake_script(script, 1);
    ASSERT_EQ(pub_jobs_run_due(s_db, &s_jobs, 8), 1);
    s_fake.retry_after[0] = 0;
    ASSERT_STR(job_col(j.cid, "state"), "pending");
    ASSERT_STR(job_col(j.cid, "not_before > now() + interval '118 s' AND "
                              "not_before < now() + interval '122 s'"),
               "true");
    /* the loop is told to wait, but at most a second */
    int wait = pub_jobs_idle(s_db, &s_jobs);
    ASSERT(wait > 0 && wait <= 1000);
    ASSERT_STR(job_col(j.cid, "state"), "pending");
}

HD_TEST(permanent_failure_is_reported_once) {
    ASSERT_EQ(setup(), 0);
    job_ids_t j;
    ASSERT_EQ(approve(&j, "sandbox", "marketing", 0), HD_APPLY_OK);
    int script[] = {422};
    fake_script(script, 1);
    ASSERT_EQ(pub_jobs_run_due(s_db, &s_jobs, 8), 1);
    ASSERT_STR(job_col(j.cid, "state"), "failed");
    hd_envelope_t *ev = emitted(&j, "publish.failed");
    ASSERT(ev != NULL);
    int ok = ev->publish_failed->permanent && ev->publish_failed->attempts == 1 &&
             strstr(ev->publish_failed->reason, "422") != NULL;
    hd_envelope_free(ev);
    ASSERT(ok);
    ASSERT_EQ(pub_jobs_run_due(s_db, &s_jobs, 8), 0);
}

HD_TEST(attempts_run_out) {
    ASSERT_EQ(setup(), 0);
    job_ids_t j;
    ASSERT_EQ(approve(&j, "sandbox", "marketing", 0), HD_APPLY_OK);
    int script[] = {500, 502, 503};
    fake_script(script, 3);
    s_jobs.max_attempts = 3;
    for (int i = 0; i < 3; i++) {
        make_due(j.cid);
        ASSERT_EQ(pub_jobs_run_due(s_db, &s_jobs, 8), 1);
    }
    s_jobs.max_attempts = 8;
    ASSERT_STR(job_col(j.cid, "state"), "failed");
    ASSERT_STR(job_col(j.cid, "attempts"), "3");
    hd_envelope_t *ev = emitted(&j, "publish.failed");
    ASSERT(ev != NULL);
    int ok = ev->publish_failed->attempts == 3 &&
             strstr(ev->publish_failed->reason, "gave up after 3 attempts") != NULL;
    hd_envelope_free(ev);
    ASSERT(ok);
}

HD_TEST(no_answer_is_transient) {
    ASSERT_EQ(setup(), 0);
    job_ids_t refused, slow;
    ASSERT_EQ(approve(&refused, "closed", "marketing", 0), HD_APPLY_OK);
    ASSERT_EQ(pub_jobs_run_due(s_db, &s_jobs, 1), 1);
    ASSERT_STR(job_col(refused.cid, "state"), "pending");
    ASSERT(strstr(job_col(refused.cid, "last_error"), "no answer") != NULL);
    /* park it so it does not disturb the next tests */
    const char *p[1] = {refused.cid};
    hd_db_cmd(s_db, "UPDATE publish_job SET state = 'failed' WHERE content_id = $1", 1, p);

    ASSERT_EQ(approve(&slow, "sandbox", "marketing", 0), HD_APPLY_OK);
    int script[] = {1};
    fake_script(script, 1);
    ASSERT_EQ(pub_jobs_run_due(s_db, &s_jobs, 1), 1);
    ASSERT_STR(job_col(slow.cid, "state"), "pending");
    ASSERT(strstr(job_col(slow.cid, "last_error"), "no answer") != NULL);
    usleep(700 * 1000); /* the single-threaded fake finishes its slow answer */
    make_due(slow.cid);
    ASSERT_EQ(pub_jobs_run_due(s_db, &s_jobs, 1), 1);
    ASSERT_STR(job_col(slow.cid, "state"), "done");
}

HD_TEST(undeliverable_jobs_fail_permanently) {
    ASSERT_EQ(setup(), 0);
    job_ids_t kind, account, channel;
    ASSERT_EQ(approve(&kind, "fax", "marketing", 0), HD_APPLY_OK);
    ASSERT_EQ(approve(&account, "sandbox", "hr", 0), HD_APPLY_OK);
    ASSERT_EQ(approve(&channel, "nowhere", "marketing", 0), HD_APPLY_OK);
    ASSERT_EQ(pub_jobs_run_due(s_db, &s_jobs, 8), 3);
    ASSERT_STR(job_col(kind.cid, "last_error"),
               "no adapter for the channel's kind (channel fax, kind 'fax')");
    ASSERT(strstr(job_col(account.cid, "last_error"), "no account") != NULL);
    ASSERT(strstr(job_col(channel.cid, "last_error"), "not configured") != NULL);
    ASSERT_STR(job_col(channel.cid, "state"), "failed");
}

HD_TEST(a_credential_that_cannot_be_opened_fails_permanently) {
    ASSERT_EQ(setup(), 0);
    job_ids_t j;
    int before = s_fake.nposts;
    ASSERT_EQ(approve(&j, "locked", "marketing", 0), HD_APPLY_OK);
    ASSERT_EQ(pub_jobs_run_due(s_db, &s_jobs, 8), 1);
    ASSERT_STR(job_col(j.cid, "state"), "failed");
    ASSERT(strstr(job_col(j.cid, "last_error"), "channel credential cannot be opened") != NULL);
    ASSERT_EQ(s_fake.nposts, before); /* the channel was never called */
}

HD_TEST(scheduled_jobs_wait_for_their_time) {
    ASSERT_EQ(setup(), 0);
    job_ids_t j;
    ASSERT_EQ(approve(&j, "sandbox", "marketing", hd_now_ms() + 3600 * 1000), HD_APPLY_OK);
    ASSERT_EQ(pub_jobs_run_due(s_db, &s_jobs, 8), 0);
    ASSERT_STR(job_col(j.cid, "state"), "pending");
    const char *p[1] = {j.cid};
    hd_db_cmd(s_db, "UPDATE publish_job SET state = 'failed' WHERE content_id = $1", 1, p);
}

/* A crash after the attempt was recorded: the job is in flight. */
static void crash_in_flight(const char *cid) {
    const char *p[1] = {cid};
    hd_db_cmd(s_db,
              "UPDATE publish_job SET state = 'in_flight', attempts = attempts + 1, "
              "  not_before = now() + interval '60 s' WHERE content_id = $1",
              1, p);
}

HD_TEST(in_flight_job_that_was_posted_is_recorded_not_reposted) {
    ASSERT_EQ(setup(), 0);
    job_ids_t j;
    ASSERT_EQ(approve(&j, "sandbox", "marketing", 0), HD_APPLY_OK);
    /* the post reached the channel, then the publisher died */
    ASSERT_EQ(pub_jobs_run_due(s_db, &s_jobs, 8), 1);
    const char *p[1] = {j.cid};
    hd_db_cmd(s_db,
              "UPDATE publish_job SET state = 'in_flight', post_id = NULL, url = NULL "
              "WHERE content_id = $1",
              1, p);
    hd_db_cmd(s_db, "DELETE FROM outbox", 0, NULL);
    int posts = fake_count(&s_fake.post_requests), lookups = fake_count(&s_fake.lookups);
    /* a fresh runner reconciles at start, whatever the lease says */
    pub_jobs_t fresh;
    pub_jobs_init(&fresh, 8);
    int waited = pub_jobs_idle(s_db, &fresh);
    pub_jobs_destroy(&fresh);
    ASSERT(waited >= 0);
    ASSERT_EQ(fake_count(&s_fake.lookups), lookups + 1);
    ASSERT_EQ(fake_count(&s_fake.post_requests), posts);
    ASSERT_STR(job_col(j.cid, "state"), "done");
    ASSERT(strstr(job_col(j.cid, "url"), "/@acme/") != NULL);
    hd_envelope_t *ev = emitted(&j, "publish.succeeded");
    ASSERT(ev != NULL);
    hd_envelope_free(ev);
}

HD_TEST(in_flight_job_that_was_not_posted_is_retried_with_the_same_key) {
    ASSERT_EQ(setup(), 0);
    job_ids_t j;
    ASSERT_EQ(approve(&j, "sandbox", "marketing", 0), HD_APPLY_OK);
    crash_in_flight(j.cid); /* died before the channel saw anything */
    int posts = fake_count(&s_fake.nposts);
    /* a running runner leaves a job under a live lease alone */
    ASSERT_EQ(pub_jobs_reconcile(s_db, &s_jobs, 0), 0);
    ASSERT_STR(job_col(j.cid, "state"), "in_flight");
    ASSERT_EQ(pub_jobs_reconcile(s_db, &s_jobs, 1), 1);
    ASSERT_STR(job_col(j.cid, "state"), "pending");
    ASSERT_EQ(pub_jobs_run_due(s_db, &s_jobs, 8), 1);
    ASSERT_STR(job_col(j.cid, "state"), "done");
    ASSERT_STR(job_col(j.cid, "attempts"), "2");
    ASSERT_EQ(fake_count(&s_fake.nposts), posts + 1);
    ASSERT_STR(s_fake.keys[s_fake.nposts - 1], j.cid);
}

/* ---------------- batches ---------------- */

/* Sets every unfinished job aside, so a test sees only its own. */
static void park_all(void) {
    hd_db_cmd(s_db,
              "UPDATE publish_job SET state = 'failed' WHERE state IN ('pending', 'in_flight')", 0,
              NULL);
}

static long sql_long(const char *sql) {
    PGresult *r = hd_db_exec(s_db, sql, 0, NULL);
    long v = r && PQntuples(r) == 1 ? atol(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return v;
}

/* Posts the fake holds under key. */
static int posts_under(const char *key) {
    pthread_mutex_lock(&s_fake.lock);
    int n = 0;
    for (int i = 0; i < s_fake.nposts; i++)
        n += strcmp(s_fake.keys[i], key) == 0;
    pthread_mutex_unlock(&s_fake.lock);
    return n;
}

/* Slows POSTs down by delay_ms; with watch, the next POST counts the
   in-flight jobs. Starts a new count of POSTs at once. */
static void fake_slow(int delay_ms, int watch) {
    pthread_mutex_lock(&s_fake.lock);
    s_fake.delay_ms = delay_ms;
    if (watch) {
        s_fake.watch = 1;
        s_fake.in_flight_seen = -1;
        s_fake.max_active = 0;
    }
    pthread_mutex_unlock(&s_fake.lock);
}

/* 0 when the job is `state` with `attempts` and has exactly the events
   wanted (1 / 0 for publish.succeeded and publish.failed). */
static int check_job(const job_ids_t *j, const char *state, const char *attempts, int ok, int ko) {
    hd_envelope_t *s = emitted(j, "publish.succeeded"), *f = emitted(j, "publish.failed");
    int good = strcmp(job_col(j->cid, "state"), state) == 0 &&
               strcmp(job_col(j->cid, "attempts"), attempts) == 0 && (s != NULL) == ok &&
               (f != NULL) == ko;
    if (!good)
        fprintf(stderr, "job %s: state %s, attempts %s, succeeded %d, failed %d\n", j->cid,
                job_col(j->cid, "state"), job_col(j->cid, "attempts"), s != NULL, f != NULL);
    if (s)
        good = good && s->publish_succeeded->attempts == 1 &&
               strcmp(s->causation_id, j->eid) == 0 && strcmp(s->correlation_id, j->cid) == 0;
    if (f)
        good = good && f->publish_failed->permanent && strcmp(f->causation_id, j->eid) == 0;
    hd_envelope_free(s);
    hd_envelope_free(f);
    return good ? 0 : -1;
}

HD_TEST(a_batch_is_claimed_at_once_and_posted_concurrently) {
    ASSERT_EQ(setup(), 0);
    park_all();
    enum { N = 40, DELAY_MS = 150 };
    job_ids_t j[N];
    for (int i = 0; i < N; i++)
        ASSERT_EQ(approve(&j[i], "sandbox", "marketing", 0), HD_APPLY_OK);
    int posts = fake_count(&s_fake.nposts), requests = fake_count(&s_fake.post_requests);
    hd_db_cmd(s_db, "DELETE FROM update_log", 0, NULL);
    fake_slow(DELAY_MS, 1);
    s_jobs.timeout_ms = 5000;
    int n = pub_jobs_run_due(s_db, &s_jobs, 64);
    s_jobs.timeout_ms = 300;
    fake_slow(0, 0);
    ASSERT_EQ(n, N);
    /* every attempt was committed, in one go, before the first call */
    ASSERT_EQ(s_fake.in_flight_seen, N);
    /* one UPDATE claimed them all, one recorded them all: two transactions */
    ASSERT_EQ(sql_long("SELECT count(*) FROM update_log"), 2);
    ASSERT_EQ(sql_long("SELECT count(DISTINCT xid) FROM update_log"), 2);
    /* at the same time, never more than the workers */
    ASSERT(s_fake.max_active >= 4);
    ASSERT(s_fake.max_active <= s_jobs.concurrency);
    /* one call and one post per job */
    ASSERT_EQ(fake_count(&s_fake.post_requests), requests + N);
    ASSERT_EQ(fake_count(&s_fake.nposts), posts + N);
    for (int i = 0; i < N; i++) {
        ASSERT_EQ(posts_under(j[i].cid), 1);
        ASSERT_EQ(check_job(&j[i], "done", "1", 1, 0), 0);
        ASSERT(strstr(job_col(j[i].cid, "url"), "/@acme/") != NULL);
    }
    ASSERT_EQ(pub_jobs_run_due(s_db, &s_jobs, 64), 0);
}

HD_TEST(a_mixed_batch_records_each_outcome) {
    ASSERT_EQ(setup(), 0);
    park_all();
    job_ids_t ok[4], perm[4], flaky[4], fax[2], stranger[2];
    for (int i = 0; i < 4; i++) {
        ASSERT_EQ(approve(&ok[i], "sandbox", "marketing", 0), HD_APPLY_OK);
        ASSERT_EQ(approve(&perm[i], "perm", "marketing", 0), HD_APPLY_OK);
        ASSERT_EQ(approve(&flaky[i], "flaky", "marketing", 0), HD_APPLY_OK);
    }
    for (int i = 0; i < 2; i++) {
        ASSERT_EQ(approve(&fax[i], "fax", "marketing", 0), HD_APPLY_OK);
        ASSERT_EQ(approve(&stranger[i], "sandbox", "hr", 0), HD_APPLY_OK);
    }
    int forced = fake_count(&s_fake.forced), requests = fake_count(&s_fake.post_requests);
    unsigned long delivered = s_jobs.delivered, retried = s_jobs.retried, failed = s_jobs.failed;
    ASSERT_EQ(pub_jobs_run_due(s_db, &s_jobs, 64), 16);
    /* the undeliverable ones were never called */
    ASSERT_EQ(fake_count(&s_fake.forced), forced + 8);
    ASSERT_EQ(fake_count(&s_fake.post_requests), requests + 12);
    for (int i = 0; i < 4; i++) {
        ASSERT_EQ(check_job(&ok[i], "done", "1", 1, 0), 0);
        ASSERT_EQ(check_job(&perm[i], "failed", "1", 0, 1), 0);
        ASSERT(strstr(job_col(perm[i].cid, "last_error"), "HTTP 422") != NULL);
        ASSERT_EQ(check_job(&flaky[i], "pending", "1", 0, 0), 0);
        ASSERT(strstr(job_col(flaky[i].cid, "last_error"), "HTTP 500") != NULL);
        ASSERT_STR(job_col(flaky[i].cid, BACKOFF_AFTER_ONE), "true");
    }
    for (int i = 0; i < 2; i++) {
        ASSERT_EQ(check_job(&fax[i], "failed", "1", 0, 1), 0);
        ASSERT_STR(job_col(fax[i].cid, "last_error"),
                   "no adapter for the channel's kind (channel fax, kind 'fax')");
        ASSERT_EQ(check_job(&stranger[i], "failed", "1", 0, 1), 0);
        ASSERT(strstr(job_col(stranger[i].cid, "last_error"), "no account") != NULL);
    }
    ASSERT_EQ(s_jobs.delivered - delivered, 4);
    ASSERT_EQ(s_jobs.retried - retried, 4);
    ASSERT_EQ(s_jobs.failed - failed, 8);
    /* the retries come back as a batch of their own, still failing */
    for (int i = 0; i < 4; i++)
        make_due(flaky[i].cid);
    ASSERT_EQ(pub_jobs_run_due(s_db, &s_jobs, 64), 4);
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(check_job(&flaky[i], "pending", "2", 0, 0), 0);
    park_all();
}

HD_TEST(full_batches_keep_the_runner_going) {
    ASSERT_EQ(setup(), 0);
    park_all();
    job_ids_t j[12];
    for (int i = 0; i < 12; i++)
        ASSERT_EQ(approve(&j[i], "sandbox", "marketing", 0), HD_APPLY_OK);
    s_jobs.batch = 8;
    int first = pub_jobs_idle(s_db, &s_jobs);
    long done = hd_db_count(s_db, "SELECT 1 FROM publish_job WHERE state = 'done'", 0, NULL);
    int second = pub_jobs_idle(s_db, &s_jobs);
    long after = hd_db_count(s_db, "SELECT 1 FROM publish_job WHERE state = 'done'", 0, NULL);
    s_jobs.batch = PUB_BATCH_DEFAULT;
    ASSERT_EQ(first, 0); /* a full batch: call again at once */
    ASSERT(second > 0);  /* the rest fitted: nothing more is due */
    ASSERT_EQ(after - done, 4);
    for (int i = 0; i < 12; i++)
        ASSERT_EQ(check_job(&j[i], "done", "1", 1, 0), 0);
}

HD_TEST(a_failed_batch_record_falls_back_to_one_by_one) {
    ASSERT_EQ(setup(), 0);
    park_all();
    job_ids_t j[6];
    for (int i = 0; i < 6; i++)
        ASSERT_EQ(approve(&j[i], "sandbox", "marketing", 0), HD_APPLY_OK);
    const char *p[1] = {j[2].cid};
    ASSERT_EQ(hd_db_cmd(s_db, "INSERT INTO poison VALUES ($1)", 1, p), 0);
    int lookups = fake_count(&s_fake.lookups);
    ASSERT_EQ(pub_jobs_run_due(s_db, &s_jobs, 64), 6);
    /* the bad row stays in flight, without an event; the others are done */
    for (int i = 0; i < 6; i++)
        ASSERT_EQ(check_job(&j[i], i == 2 ? "in_flight" : "done", "1", i != 2, 0), 0);
    ASSERT_EQ(hd_db_cmd(s_db, "DELETE FROM poison", 0, NULL), 0);
    /* reconciled: the channel has it, so it is recorded, not posted again */
    ASSERT_EQ(pub_jobs_reconcile(s_db, &s_jobs, 1), 1);
    ASSERT_EQ(fake_count(&s_fake.lookups), lookups + 1);
    ASSERT_EQ(check_job(&j[2], "done", "1", 1, 0), 0);
    for (int i = 0; i < 6; i++)
        ASSERT_EQ(posts_under(j[i].cid), 1);
}

HD_TEST(a_stop_mid_batch_posts_nothing_twice) {
    ASSERT_EQ(setup(), 0);
    park_all();
    enum { N = 24 };
    job_ids_t j[N];
    for (int i = 0; i < N; i++)
        ASSERT_EQ(approve(&j[i], "sandbox", "marketing", 0), HD_APPLY_OK);
    int requests = fake_count(&s_fake.post_requests);
    fake_slow(1500, 0);
    pthread_mutex_lock(&s_fake.lock);
    s_fake.stop_on_post = 1;
    pthread_mutex_unlock(&s_fake.lock);
    s_jobs.timeout_ms = 5000;
    int n = pub_jobs_run_due(s_db, &s_jobs, 64);
    int stopped = hd_stop;
    hd_stop = 0;
    s_jobs.timeout_ms = 300;
    fake_settle(); /* the slow answers end: their posts are stored */
    fake_slow(0, 0);
    int called = fake_count(&s_fake.post_requests) - requests;
    ASSERT_EQ(n, N);
    ASSERT(stopped);
    /* calls not begun when the stop came were not begun at all */
    ASSERT(called >= 1 && called <= s_jobs.concurrency);
    /* nothing is retried or failed on an unknown outcome: it stays in flight */
    int in_flight = 0;
    for (int i = 0; i < N; i++) {
        int leased = strcmp(job_col(j[i].cid, "state"), "in_flight") == 0;
        ASSERT(leased || strcmp(s_col, "done") == 0);
        in_flight += leased;
    }
    ASSERT(in_flight >= N - called);
    /* the next start looks each one up, then posts what is missing */
    ASSERT_EQ(pub_jobs_reconcile(s_db, &s_jobs, 1), in_flight);
    ASSERT(pub_jobs_run_due(s_db, &s_jobs, 64) >= 0);
    for (int i = 0; i < N; i++) {
        ASSERT_STR(job_col(j[i].cid, "state"), "done");
        ASSERT_EQ(posts_under(j[i].cid), 1);
    }
    /* every call that reached the channel stored its post: none was made twice */
    ASSERT_EQ(fake_count(&s_fake.post_requests) - requests, N);
}

/* A batch's jobs are written in one statement: a content approved twice
   in it keeps its first job, other events are ignored, and an attempt
   rolled back leaves nothing for the next. */
HD_TEST(a_batch_inserts_its_jobs_at_once) {
    ASSERT_EQ(setup(), 0);
    job_ids_t a, again, b, c;
    hd_id_random(a.cid);
    hd_id_random(a.eid);
    again = a;
    hd_id_random(again.eid);
    hd_id_random(b.cid);
    hd_id_random(b.eid);
    hd_id_random(c.cid);
    hd_id_random(c.eid);
    approval_t x[3], y;
    hd_envelope_t other = HUDDLE__V1__ENVELOPE__INIT;
    other.type = "content.rejected"; /* not for the publisher: ignored */
    const hd_envelope_t *batch[4] = {approval(&x[0], &a, "sandbox", "marketing", 0, "first"),
                                     &other,
                                     approval(&x[1], &b, "sandbox", "marketing", 0, "other"),
                                     approval(&x[2], &again, "sandbox", "marketing", 0, "second")};
    ASSERT_EQ(hd_db_begin(s_db), 0);
    long dead = 0;
    ASSERT_EQ(apply_batch(batch, 4, &dead), HD_APPLY_OK);
    ASSERT_EQ(dead, -1);
    ASSERT_EQ(hd_db_commit(s_db), 0);
    ASSERT_STR(job_col(a.cid, "text"), "first");
    ASSERT_STR(job_col(a.cid, "cause_event_id"), a.eid);
    ASSERT_STR(job_col(b.cid, "state"), pub_job_state_name(PUB_JOB_PENDING));

    const hd_envelope_t *one[1] = {approval(&y, &c, "sandbox", "marketing", 0, "rolled back")};
    ASSERT_EQ(hd_db_begin(s_db), 0);
    ASSERT_EQ(apply_batch(one, 1, NULL), HD_APPLY_OK);
    hd_db_rollback(s_db);
    ASSERT_STR(job_col(c.cid, "state"), "(none)");
    /* the runner must not find them due later: clean up for the tests after */
    const char *p[2] = {a.cid, b.cid};
    ASSERT_EQ(hd_db_cmd(s_db, "DELETE FROM publish_job WHERE content_id IN ($1, $2)", 2, p), 0);
}

/* An event that can never make a job marks its own index dead and writes
   nothing (the consumer then applies the events one at a time); alone, it
   is dead at index 0 and the others apply. */
HD_TEST(a_bad_approval_is_marked_dead_by_index) {
    ASSERT_EQ(setup(), 0);
    job_ids_t good, bad;
    hd_id_random(good.cid);
    hd_id_random(good.eid);
    snprintf(bad.cid, sizeof bad.cid, "not-a-uuid");
    hd_id_random(bad.eid);
    approval_t x[2];
    const hd_envelope_t *batch[2] = {approval(&x[0], &good, "sandbox", "marketing", 0, "good"),
                                     approval(&x[1], &bad, "sandbox", "marketing", 0, "bad")};
    long dead = -1;
    ASSERT_EQ(hd_db_begin(s_db), 0);
    ASSERT_EQ(apply_batch(batch, 2, &dead), HD_APPLY_DEAD);
    ASSERT_EQ(dead, 1);
    hd_db_rollback(s_db);
    ASSERT_STR(job_col(good.cid, "state"), "(none)");
    /* as the consumer retries it: one at a time */
    ASSERT_EQ(hd_db_begin(s_db), 0);
    ASSERT_EQ(apply_batch(&batch[0], 1, &dead), HD_APPLY_OK);
    ASSERT_EQ(dead, -1);
    ASSERT_EQ(apply_batch(&batch[1], 1, &dead), HD_APPLY_DEAD);
    ASSERT_EQ(dead, 0);
    ASSERT_EQ(hd_db_commit(s_db), 0);
    ASSERT_STR(job_col(good.cid, "text"), "good");
    const char *p[1] = {good.cid};
    ASSERT_EQ(hd_db_cmd(s_db, "DELETE FROM publish_job WHERE content_id = $1", 1, p), 0);
}

HD_TEST(cleanup) {
    pub_jobs_destroy(&s_jobs);
    fake_settle();
    s_fake.stop = 1;
    if (s_fake.fd >= 0) {
        pthread_join(s_fake.thread, NULL);
        close(s_fake.fd);
    }
    if (s_fake.probe)
        PQfinish(s_fake.probe);
    hd_db_destroy(&s_db);
    curl_global_cleanup();
}

HD_TEST_MAIN(HD_CASE(delivers_with_token_key_and_text),
             HD_CASE(transient_failure_backs_off_then_succeeds), HD_CASE(retry_after_is_honoured),
             HD_CASE(permanent_failure_is_reported_once), HD_CASE(attempts_run_out),
             HD_CASE(no_answer_is_transient), HD_CASE(undeliverable_jobs_fail_permanently),
             HD_CASE(a_credential_that_cannot_be_opened_fails_permanently),
             HD_CASE(scheduled_jobs_wait_for_their_time),
             HD_CASE(in_flight_job_that_was_posted_is_recorded_not_reposted),
             HD_CASE(in_flight_job_that_was_not_posted_is_retried_with_the_same_key),
             HD_CASE(a_batch_is_claimed_at_once_and_posted_concurrently),
             HD_CASE(a_mixed_batch_records_each_outcome),
             HD_CASE(full_batches_keep_the_runner_going),
             HD_CASE(a_failed_batch_record_falls_back_to_one_by_one),
             HD_CASE(a_stop_mid_batch_posts_nothing_twice),
             HD_CASE(a_batch_inserts_its_jobs_at_once),
             HD_CASE(a_bad_approval_is_marked_dead_by_index), HD_CASE(cleanup))
