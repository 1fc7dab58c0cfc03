/*  publisher against the real huddle-sandbox process (a fake Mastodon, from
    HUDDLE_BIN_DIR): deliveries through injected faults (500, 429, hangs,
    dropped connections), a channel that dies after storing a post but
    before answering, the reconciliation of an in-flight job, and a reply
    published in the thread of the status it answers. In every case each
    content ends up posted exactly once. */
#include "claim.h"
#include "hd_db.h"
#include "hd_http.h"
#include "hd_id.h"
#include "hd_secret.h"
#include "hd_signal.h"
#include "hd_test.h"
#include "hd_testdb.h"
#include "job_state.h"
#include "jobs.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static hd_db_t *s_db;
static int s_port;
static pid_t s_sandbox = -1;
static char s_dir[256];

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

/* The sandbox's statuses (all, or under one key) as a JSON array; NULL if
   it does not answer. Caller decrefs. */
static json_t *statuses(const char *key) {
    char url[256], *body = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/statuses%s%s", s_port,
             key ? "?idempotency_key=" : "", key ? key : "");
    int st = hd_http_get(url, &body, 2000);
    json_t *j = st == 200 && body ? json_loads(body, 0, NULL) : NULL;
    free(body);
    if (j && !json_is_array(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

static long count_statuses(const char *key) {
    json_t *j = statuses(key);
    long n = j ? (long)json_array_size(j) : -1;
    json_decref(j);
    return n;
}

/* Starts the sandbox with extra "NAME=value" settings; waits until it
   answers. 0 / -1. */
static int sandbox_start(const char *fault_rate, const char *crash_after) {
    const char *bin = getenv("HUDDLE_BIN_DIR");
    char path[512], addr[64], data[300], logf[300];
    snprintf(path, sizeof path, "%s/huddle-sandbox", bin ? bin : ".");
    if (access(path, X_OK) != 0) {
        fprintf(stderr, "%s is missing: build the huddle-sandbox target\n", path);
        return -1;
    }
    snprintf(addr, sizeof addr, "127.0.0.1:%d", s_port);
    snprintf(data, sizeof data, "%s/statuses.jsonl", s_dir);
    snprintf(logf, sizeof logf, "%s/sandbox.log", s_dir);
    s_sandbox = fork();
    if (s_sandbox == 0) {
        setenv("SANDBOX_ADDR", addr, 1);
        setenv("SANDBOX_DATA", data, 1);
        setenv("SANDBOX_ACCOUNTS", "acme:sbx-marketing,sam:sbx-public-sam", 1);
        setenv("SANDBOX_FAULT_RATE", fault_rate, 1);
        setenv("SANDBOX_FAULT_SEED", "7", 1);
        setenv("SANDBOX_FAULT_TIMEOUT_MS", "600", 1);
        setenv("SANDBOX_CRASH_AFTER_STORE", crash_after, 1);
        if (!freopen(logf, "a", stderr))
            _exit(126);
        execl(path, path, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100; i++) {
        if (count_statuses(NULL) >= 0)
            return 0;
        usleep(50 * 1000);
    }
    fprintf(stderr, "the sandbox did not answer on %s (see %s)\n", addr, logf);
    return -1;
}

/* Stops the sandbox (if still running); returns its exit status. */
static int sandbox_stop(void) {
    if (s_sandbox <= 0)
        return -1;
    int st = 0;
    if (waitpid(s_sandbox, &st, WNOHANG) == 0) {
        kill(s_sandbox, SIGTERM);
        waitpid(s_sandbox, &st, 0);
    }
    s_sandbox = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Seals the account's credential as huddle-migrate does: token NULL,
   secret sealed under the test's key, which the publisher is given. */
static int seal_account(void) {
    unsigned char key[HD_SECRET_KEY_LEN];
    memset(key, 0x42, sizeof key);
    pub_claim_set_key(key);
    char *sealed = hd_secret_seal(key, "sbx-marketing", 13);
    const char *p[1] = {sealed};
    int rc = hd_db_cmd(s_db, "UPDATE channel_account SET token = NULL, secret = decode($1, 'hex')",
                       1, p);
    free(sealed);
    return rc;
}

static int setup(void) {
    if (s_db)
        return 0;
    char url[512], sql[1024];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    snprintf(s_dir, sizeof s_dir, "/tmp/hd-test-publisher-sandbox-%d", (int)getpid());
    mkdir(s_dir, 0700);
    s_port = free_port();
    if (s_port <= 0 || hd_testdb_create("test_publisher_sandbox", 0, url, sizeof url) < 0)
        return -1;
    s_db = hd_db_connect(url, 5000);
    if (!s_db)
        return -1;
    snprintf(sql, sizeof sql,
             "INSERT INTO department (id, name) VALUES ('marketing', 'M');"
             "INSERT INTO channel (id, kind, base_url) VALUES "
             " ('sandbox', 'mastodon', 'http://127.0.0.1:%d');"
             "INSERT INTO channel_account (channel_id, department_id, handle, token) VALUES "
             " ('sandbox', 'marketing', 'acme', 'sbx-marketing');",
             s_port);
    PGresult *r = PQexec(hd_db_conn(s_db), sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok ? seal_account() : -1;
}

/* Approves a new content (its id into cid): a post, or a reply to the
   sandbox's status in_reply_to (kind reply, reply_to_external_id). */
static int approve_reply(char *cid, const char *in_reply_to) {
    char eid[HD_ID_LEN];
    hd_id_random(cid);
    hd_id_random(eid);
    Huddle__V1__ContentApproved b = HUDDLE__V1__CONTENT_APPROVED__INIT;
    b.content_id = cid;
    b.channel = "sandbox";
    b.text = in_reply_to ? "@sam So sorry! A new one is on its way." : "Spring is here";
    b.kind = in_reply_to ? "reply" : "post";
    b.reply_to_external_id = (char *)in_reply_to;
    hd_envelope_t ev = HUDDLE__V1__ENVELOPE__INIT;
    ev.id = eid;
    ev.type = "content.approved";
    ev.department = "marketing";
    ev.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_APPROVED;
    ev.content_approved = &b;
    const hd_envelope_t *one[1] = {&ev};
    hd_batch_out_t *out = hd_batch_out_new("publisher");
    hd_db_begin(s_db);
    int rc = pub_jobs_apply_batch(s_db, one, 1, out, NULL);
    hd_db_commit(s_db);
    hd_batch_out_destroy(&out);
    return rc;
}

static int approve(char *cid) { return approve_reply(cid, NULL); }

static long jobs_in(pub_job_state_t state) {
    const char *p[1] = {pub_job_state_name(state)};
    return hd_db_count(s_db, "SELECT 1 FROM publish_job WHERE state = $1", 1, p);
}

/* Runs the idle hook until no job is pending or in flight, making backoffs
   due at once (the backoff itself is tested elsewhere). */
static int run_until_settled(pub_jobs_t *jobs, int max_ms) {
    int64_t end = hd_now_ms() + max_ms;
    while (hd_now_ms() < end) {
        pub_jobs_idle(s_db, jobs);
        if (jobs_in(PUB_JOB_PENDING) == 0 && jobs_in(PUB_JOB_IN_FLIGHT) == 0)
            return 0;
        usleep(100 * 1000);
        hd_db_cmd(s_db, "UPDATE publish_job SET not_before = now() WHERE state = 'pending'", 0,
                  NULL);
    }
    return -1;
}

HD_TEST(every_post_once_through_faults) {
    ASSERT_EQ(setup(), 0);
    ASSERT_EQ(sandbox_start("0.6", "0"), 0);
    char cids[6][HD_ID_LEN];
    for (int i = 0; i < 6; i++)
        ASSERT_EQ(approve(cids[i]), HD_APPLY_OK);
    pub_jobs_t jobs;
    pub_jobs_init(&jobs, 40);
    jobs.timeout_ms = 300; /* shorter than the sandbox's 600 ms hang */
    int settled = run_until_settled(&jobs, 60000);
    pub_jobs_destroy(&jobs);
    long total = count_statuses(NULL);
    long once = 0;
    for (int i = 0; i < 6; i++)
        once += count_statuses(cids[i]) == 1;
    ASSERT_EQ(sandbox_stop(), 0);
    ASSERT_EQ(settled, 0);
    ASSERT_EQ(jobs_in(PUB_JOB_DONE), 6);
    ASSERT_EQ(total, 6);
    ASSERT_EQ(once, 6);
    ASSERT(hd_db_count(s_db, "SELECT 1 FROM publish_job WHERE attempts > 1", 0, NULL) > 0);
}

HD_TEST(a_channel_that_dies_before_answering_gets_no_second_post) {
    ASSERT_EQ(setup(), 0);
    long before = -1;
    ASSERT_EQ(sandbox_start("0", "1"), 0); /* stores the next new post, then exits */
    before = count_statuses(NULL);
    char cid[HD_ID_LEN];
    ASSERT_EQ(approve(cid), HD_APPLY_OK);
    pub_jobs_t jobs;
    pub_jobs_init(&jobs, 8);
    jobs.started = 1;
    ASSERT_EQ(pub_jobs_run_due(s_db, &jobs, 1), 1);
    ASSERT_EQ(sandbox_stop(), 137);
    ASSERT_EQ(jobs_in(PUB_JOB_PENDING), 1); /* no answer: transient */
    ASSERT_EQ(sandbox_start("0", "0"), 0);
    ASSERT_EQ(count_statuses(cid), 1); /* it did store it */
    int settled = run_until_settled(&jobs, 10000);
    pub_jobs_destroy(&jobs);
    long total = count_statuses(NULL), mine = count_statuses(cid);
    ASSERT_EQ(sandbox_stop(), 0);
    ASSERT_EQ(settled, 0);
    ASSERT_EQ(total, before + 1);
    ASSERT_EQ(mine, 1);
}

HD_TEST(an_in_flight_job_is_reconciled_against_the_channel) {
    ASSERT_EQ(setup(), 0);
    ASSERT_EQ(sandbox_start("0", "0"), 0);
    char posted[HD_ID_LEN], lost[HD_ID_LEN];
    ASSERT_EQ(approve(posted), HD_APPLY_OK);
    pub_jobs_t jobs;
    pub_jobs_init(&jobs, 8);
    jobs.started = 1;
    ASSERT_EQ(pub_jobs_run_due(s_db, &jobs, 1), 1);
    ASSERT_EQ(approve(lost), HD_APPLY_OK);
    /* a crash: one job's post reached the channel, the other's did not */
    const char *p[2] = {posted, lost};
    hd_db_cmd(s_db,
              "UPDATE publish_job SET state = 'in_flight', attempts = 1, post_id = NULL, "
              "  not_before = now() + interval '60 s' WHERE content_id IN ($1, $2)",
              2, p);
    long before = count_statuses(NULL);
    pub_jobs_t fresh;
    pub_jobs_init(&fresh, 8);
    int settled = run_until_settled(&fresh, 10000);
    pub_jobs_destroy(&fresh);
    pub_jobs_destroy(&jobs);
    long total = count_statuses(NULL), a = count_statuses(posted), b = count_statuses(lost);
    ASSERT_EQ(sandbox_stop(), 0);
    ASSERT_EQ(settled, 0);
    ASSERT_EQ(total, before + 1); /* only the lost one was posted */
    ASSERT_EQ(a, 1);
    ASSERT_EQ(b, 1);
    const char *q[1] = {posted};
    ASSERT_EQ(hd_db_count(s_db,
                          "SELECT 1 FROM publish_job WHERE content_id = $1 AND state = 'done' "
                          "AND post_id IS NOT NULL AND attempts = 1",
                          1, q),
              1);
}

/* The sandbox's answer to GET path as JSON (NULL unless 200). */
static json_t *sandbox_get(const char *path) {
    char url[512], *body = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s_port, path);
    int st = hd_http_get(url, &body, 2000);
    json_t *j = st == 200 && body ? json_loads(body, 0, NULL) : NULL;
    free(body);
    return j;
}

/* The public posts a status as sam; its id into id. 0 / -1. */
static int public_posts(const char *text, char *id, size_t n) {
    char url[256], *body = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1/statuses", s_port);
    json_t *req = json_pack("{s:s}", "status", text);
    char *payload = json_dumps(req, JSON_COMPACT);
    const char *h[] = {"Authorization: Bearer sbx-public-sam", "Content-Type: application/json",
                       NULL};
    int st = hd_http_request("POST", url, h, payload, 2000, &body, NULL, 0);
    json_t *j = st == 200 && body ? json_loads(body, 0, NULL) : NULL;
    const char *got = json_string_value(json_object_get(j, "id"));
    if (got)
        snprintf(id, n, "%s", got);
    json_decref(j);
    json_decref(req);
    free(payload);
    free(body);
    return got ? 0 : -1;
}

/* The ids of a context's list ("ancestors" or "descendants") of status
   id, joined by ' ', with each one's in_reply_to_id and author checked:
   a descendant must answer `id` as acme. */
static const char *thread_of(const char *id, const char *which) {
    static char out[256];
    char path[128];
    snprintf(path, sizeof path, "/api/v1/statuses/%s/context", id);
    json_t *ctx = sandbox_get(path), *s;
    size_t i;
    snprintf(out, sizeof out, "%s", ctx ? "" : "no context");
    json_array_foreach(json_object_get(ctx, which), i, s) {
        size_t len = strlen(out);
        const char *to = json_string_value(json_object_get(s, "in_reply_to_id"));
        const char *who = json_string_value(json_object_get(json_object_get(s, "account"), "acct"));
        int answers = strcmp(which, "ancestors") == 0 ||
                      (to && strcmp(to, id) == 0 && who && strcmp(who, "acme") == 0);
        snprintf(out + len, sizeof out - len, "%s%s%s", i ? " " : "",
                 json_string_value(json_object_get(s, "id")), answers ? "" : "(elsewhere)");
    }
    json_decref(ctx);
    return out;
}

HD_TEST(a_retried_reply_lands_once_in_its_thread) {
    ASSERT_EQ(setup(), 0);
    /* The sandbox stores the 2nd post it is sent (the reply), then dies
       before answering: the publisher must retry, and the retry must be
       the same post, in the same thread. */
    ASSERT_EQ(sandbox_start("0", "2"), 0);
    char mention[64], cid[HD_ID_LEN];
    ASSERT_EQ(public_posts("@acme my parcel arrived broken", mention, sizeof mention), 0);
    ASSERT_EQ(approve_reply(cid, mention), HD_APPLY_OK);
    const char *p[1] = {cid};
    ASSERT_EQ(hd_db_count(s_db,
                          "SELECT 1 FROM publish_job WHERE content_id = $1 AND "
                          "in_reply_to_id IS NOT NULL",
                          1, p),
              1);
    pub_jobs_t jobs;
    pub_jobs_init(&jobs, 8);
    jobs.started = 1;
    ASSERT_EQ(pub_jobs_run_due(s_db, &jobs, 1), 1);
    ASSERT_EQ(sandbox_stop(), 137);
    ASSERT_EQ(jobs_in(PUB_JOB_PENDING), 1); /* no answer: transient */
    ASSERT_EQ(sandbox_start("0", "0"), 0);
    int settled = run_until_settled(&jobs, 10000);
    pub_jobs_destroy(&jobs);
    long mine = count_statuses(cid);
    json_t *reply = statuses(cid);
    char reply_id[64] = "";
    snprintf(reply_id, sizeof reply_id, "%s",
             json_string_value(json_object_get(json_array_get(reply, 0), "id")));
    json_decref(reply);
    char down[256], up[256];
    snprintf(down, sizeof down, "%s", thread_of(mention, "descendants"));
    snprintf(up, sizeof up, "%s", thread_of(reply_id, "ancestors"));
    ASSERT_EQ(sandbox_stop(), 0);
    ASSERT_EQ(settled, 0);
    ASSERT_EQ(mine, 1);
    ASSERT_STR(down, reply_id); /* the thread shows it, once, answering the mention */
    ASSERT_STR(up, mention);
    const char *q[2] = {cid, mention};
    ASSERT_EQ(hd_db_count(s_db,
                          "SELECT 1 FROM publish_job WHERE content_id = $1 AND state = 'done' "
                          "AND in_reply_to_id = $2 AND attempts = 2",
                          2, q),
              1);
}

HD_TEST(a_reply_to_a_status_that_is_gone_fails_for_good) {
    ASSERT_EQ(setup(), 0);
    ASSERT_EQ(sandbox_start("0", "0"), 0);
    char cid[HD_ID_LEN];
    ASSERT_EQ(approve_reply(cid, "987654321"), HD_APPLY_OK);
    pub_jobs_t jobs;
    pub_jobs_init(&jobs, 8);
    int settled = run_until_settled(&jobs, 10000);
    pub_jobs_destroy(&jobs);
    long mine = count_statuses(cid);
    ASSERT_EQ(sandbox_stop(), 0);
    ASSERT_EQ(settled, 0);
    ASSERT_EQ(mine, 0);
    const char *p[1] = {cid};
    ASSERT_EQ(hd_db_count(s_db,
                          "SELECT 1 FROM publish_job WHERE content_id = $1 AND state = 'failed' "
                          "AND attempts = 1 AND last_error LIKE '%404%Record not found%'",
                          1, p),
              1);
}

HD_TEST(cleanup) {
    sandbox_stop();
    hd_db_destroy(&s_db);
    curl_global_cleanup();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    if (s_dir[0] && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", s_dir);
}

HD_TEST_MAIN(HD_CASE(every_post_once_through_faults),
             HD_CASE(a_channel_that_dies_before_answering_gets_no_second_post),
             HD_CASE(an_in_flight_job_is_reconciled_against_the_channel),
             HD_CASE(a_retried_reply_lands_once_in_its_thread),
             HD_CASE(a_reply_to_a_status_that_is_gone_fails_for_good), HD_CASE(cleanup))
