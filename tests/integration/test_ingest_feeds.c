/*  The listening feeds' runner against a real PostgreSQL and a fake
    Mastodon server and RSS publisher in this process (real sockets, real
    libcurl). The fake pages as Mastodon does (min_id: the entries just
    newer, newest first) and can be told to answer 500, garbage, or
    nothing in time. Proven here: every mention is recorded exactly once
    with its mention.received event, across pages, polls, re-reads and
    failures; a failure keeps the cursor, counts, backs off and keeps what
    came back as a dead letter; a bad entry in a good page is
    dead-lettered while the rest is recorded and the cursor passes it; a
    poller whose lease was taken over writes nothing; RSS is read with
    conditional GETs and skips what its cursor has passed; a public tag
    feed sends no credential and a mentions feed without one asks nobody. */
#include "feed_runner.h"
#include "feed_store.h"
#include "hd_db.h"
#include "hd_secret.h"
#include "hd_test.h"
#include "hd_testdb.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---------------- the fake server ---------------- */

#define MAX_MENTIONS 256
#define MAX_REQUESTS 64
#define TIMEOUT_MS 1500 /* the runner's; a "hang" answers later than this */

typedef struct {
    int nid, sid; /* notification id, status id */
    int reply_to; /* 0: none */
    int broken;   /* served without its status */
} fake_mention_t;

static struct {
    pthread_mutex_t lock;
    pthread_t thread;
    int fd, port, stop;
    fake_mention_t m[MAX_MENTIONS];
    int nm;
    int script[8], nscript; /* statuses forced on the next requests: 500, 200 (garbage), 1 (hang) */
    char rss[8192], etag[64];
    char paths[MAX_REQUESTS][512], auth[MAX_REQUESTS][128], inm[MAX_REQUESTS][64];
    int nreq;
} s_fake = {.lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1};

static void header_value(const char *req, const char *name, char *out, size_t n) {
    out[0] = 0;
    size_t nl = strlen(name);
    for (const char *p = strstr(req, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n"))
        if (strncasecmp(p + 2, name, nl) == 0 && p[2 + nl] == ':') {
            const char *v = p + 3 + nl;
            while (*v == ' ')
                v++;
            snprintf(out, n, "%.*s", (int)strcspn(v, "\r\n"), v);
            return;
        }
}

static void reply(int c, int status, const char *type, const char *extra, const char *body) {
    size_t n = strlen(body) + 512;
    char *buf = malloc(n);
    int k = snprintf(buf, n,
                     "HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n%s\r\n%s",
                     status, type, strlen(body), extra, body);
    if (send(c, buf, (size_t)k, MSG_NOSIGNAL) < 0)
        perror("fake write");
    free(buf);
}

static int query_int(const char *path, const char *name, int def) {
    const char *q = strchr(path, '?');
    for (const char *p = q; p && *p; p = strchr(p + 1, '&')) {
        size_t nl = strlen(name);
        if (strncmp(p + 1, name, nl) == 0 && p[1 + nl] == '=')
            return atoi(p + 2 + nl);
    }
    return def;
}

/* The entry of mention i: a notification (mentions) or its status (tag). */
static void entry_json(char *out, size_t n, const fake_mention_t *m, int tag) {
    char status[700], reply_to[32] = "null";
    if (m->reply_to)
        snprintf(reply_to, sizeof reply_to, "\"%d\"", m->reply_to);
    snprintf(status, sizeof status,
             "{\"id\":\"%d\",\"created_at\":\"2025-03-0%dT10:00:00.000Z\",\"in_reply_to_id\":%s,"
             "\"url\":\"http://fake/@fan%d/%d\",\"account\":{\"id\":\"7\",\"acct\":\"fan%d\"},"
             "\"content\":\"<p><a href=\\\"http://fake/@care\\\">@<span>care</span></a> "
             "my order %d is broken</p>\"}",
             m->sid, 1 + m->sid % 9, reply_to, m->nid % 5, m->sid, m->nid % 5, m->sid);
    if (tag)
        snprintf(out, n, "%s", status);
    else if (m->broken)
        snprintf(out, n, "{\"id\":\"%d\",\"type\":\"mention\"}", m->nid);
    else
        snprintf(out, n,
                 "{\"id\":\"%d\",\"type\":\"mention\",\"created_at\":\"2025-03-01T10:00:00Z\","
                 "\"account\":{\"acct\":\"fan%d\"},\"status\":%s}",
                 m->nid, m->nid % 5, status);
}

/* Mastodon's paging: min_id the entries just newer than it (ascending,
   then reversed), else the newest; newest first either way. */
static void serve_page(int c, const char *path, int tag) {
    int limit = query_int(path, "limit", 20), min_id = query_int(path, "min_id", -1);
    int lo = 0, hi = s_fake.nm; /* the entries served: [lo, hi) */
    if (min_id >= 0) {
        while (lo < s_fake.nm && (tag ? s_fake.m[lo].sid : s_fake.m[lo].nid) <= min_id)
            lo++;
        hi = lo + limit < s_fake.nm ? lo + limit : s_fake.nm;
    } else
        lo = hi - limit > 0 ? hi - limit : 0;
    size_t cap = 1024 * (size_t)(hi - lo + 1);
    char *body = malloc(cap), e[1024];
    size_t k = (size_t)snprintf(body, cap, "[");
    for (int i = hi - 1; i >= lo; i--) {
        entry_json(e, sizeof e, &s_fake.m[i], tag);
        k += (size_t)snprintf(body + k, cap - k, "%s%s", i == hi - 1 ? "" : ",", e);
    }
    snprintf(body + k, cap - k, "]");
    reply(c, 200, "application/json", "", body);
    free(body);
}

static void serve_rss(int c, const char *inm) {
    char extra[128];
    snprintf(extra, sizeof extra, "ETag: %s\r\nLast-Modified: Sat, 01 Mar 2025 10:00:00 GMT\r\n",
             s_fake.etag);
    if (*inm && strcmp(inm, s_fake.etag) == 0)
        reply(c, 304, "application/rss+xml", extra, "");
    else
        reply(c, 200, "application/rss+xml", extra, s_fake.rss);
}

/* One request; the lock is held except while hanging. */
static void serve(int c, const char *req) {
    char path[512] = "", inm[64];
    sscanf(req, "GET %511s", path);
    header_value(req, "If-None-Match", inm, sizeof inm);
    if (s_fake.nreq < MAX_REQUESTS) {
        snprintf(s_fake.paths[s_fake.nreq], sizeof s_fake.paths[0], "%s", path);
        header_value(req, "Authorization", s_fake.auth[s_fake.nreq], sizeof s_fake.auth[0]);
        snprintf(s_fake.inm[s_fake.nreq], sizeof s_fake.inm[0], "%s", inm);
        s_fake.nreq++;
    }
    int forced = 0;
    if (s_fake.nscript > 0) {
        forced = s_fake.script[0];
        memmove(s_fake.script, s_fake.script + 1, sizeof s_fake.script - sizeof s_fake.script[0]);
        s_fake.nscript--;
    }
    if (forced == 1) { /* no answer in time */
        pthread_mutex_unlock(&s_fake.lock);
        usleep(TIMEOUT_MS * 2 * 1000);
        pthread_mutex_lock(&s_fake.lock);
    } else if (forced == 500)
        reply(c, 500, "text/plain", "", "upstream exploded");
    else if (forced == 200)
        reply(c, 200, "text/html", "", "<html><body>We'll be right back</body></html>");
    else if (strncmp(path, "/api/v1/notifications?", 22) == 0)
        serve_page(c, path, 0);
    else if (strncmp(path, "/api/v1/timelines/tag/example?", 30) == 0)
        serve_page(c, path, 1);
    else if (strcmp(path, "/feed.xml") == 0)
        serve_rss(c, inm);
    else
        reply(c, 404, "application/json", "", "{\"error\":\"Record not found\"}");
}

static void *fake_main(void *arg) {
    (void)arg;
    while (!s_fake.stop) {
        struct pollfd p = {.fd = s_fake.fd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int c = accept(s_fake.fd, NULL, NULL);
        if (c < 0)
            continue;
        char req[8192] = "";
        size_t len = 0;
        while (len < sizeof req - 1 && !strstr(req, "\r\n\r\n")) {
            ssize_t n = recv(c, req + len, sizeof req - 1 - len, 0);
            if (n <= 0)
                break;
            len += (size_t)n;
            req[len] = 0;
        }
        req[len] = 0;
        pthread_mutex_lock(&s_fake.lock);
        serve(c, req);
        pthread_mutex_unlock(&s_fake.lock);
        close(c);
    }
    return NULL;
}

static int fake_start(void) {
    s_fake.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (bind(s_fake.fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(s_fake.fd, 16) < 0 ||
        getsockname(s_fake.fd, (struct sockaddr *)&a, &al) < 0)
        return -1;
    s_fake.port = ntohs(a.sin_port);
    return pthread_create(&s_fake.thread, NULL, fake_main, NULL);
}

/* Adds n mentions to the fake (notification and status ids go up). */
static void fake_add(int n, int broken_every) {
    pthread_mutex_lock(&s_fake.lock);
    for (int i = 0; i < n && s_fake.nm < MAX_MENTIONS; i++) {
        fake_mention_t *m = &s_fake.m[s_fake.nm++];
        m->nid = s_fake.nm;
        m->sid = 1000 + s_fake.nm;
        m->reply_to = s_fake.nm % 3 == 0 ? 77 : 0;
        m->broken = broken_every && s_fake.nm % broken_every == 0;
    }
    pthread_mutex_unlock(&s_fake.lock);
}

static void fake_script(int status) {
    pthread_mutex_lock(&s_fake.lock);
    s_fake.script[s_fake.nscript++] = status;
    pthread_mutex_unlock(&s_fake.lock);
}

static void fake_reset(void) {
    pthread_mutex_lock(&s_fake.lock);
    s_fake.nm = s_fake.nscript = s_fake.nreq = 0;
    pthread_mutex_unlock(&s_fake.lock);
}

/* ---------------- the database ---------------- */

static char s_url[512];
static hd_db_t *s_db;
static unsigned char s_key[HD_SECRET_KEY_LEN];

static long count(const char *sql) {
    PGresult *r = hd_db_exec(s_db, sql, 0, NULL);
    long n = r && PQntuples(r) == 1 ? atol(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return n;
}

/* The first value of sql as text into out. */
static void value(const char *sql, char *out, size_t n) {
    PGresult *r = hd_db_exec(s_db, sql, 0, NULL);
    snprintf(out, n, "%s", r && PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "(none)");
    PQclear(r);
}

static int sql(const char *s) { return hd_db_cmd(s_db, s, 0, NULL); }

/* A feed of kind k on the fake (cursor as given), due now; every other
   feed removed, and what earlier cases recorded. */
static int make_feed(const char *kind, const char *url_suffix, const char *extra_cols,
                     const char *extra_vals, const char *cursor) {
    char q[2048];
    snprintf(q, sizeof q,
             "INSERT INTO feed (id, kind, channel_id, url, cursor, interval_s%s) "
             "VALUES ('care', '%s', 'fakenet', 'http://127.0.0.1:%d%s', '%s', 60%s)",
             extra_cols, kind, s_fake.port, url_suffix, cursor, extra_vals);
    return sql("DELETE FROM feed") || sql("DELETE FROM mention") || sql("DELETE FROM outbox") ||
           sql("DELETE FROM dead_letter") || sql(q);
}

/* Once: the database, the fake, a channel with an account whose credential
   is sealed with a key of the test's own. */
static int setup(void) {
    static int done = 0;
    if (done)
        return done > 0 ? 0 : -1;
    done = -1;
    if (hd_testdb_create("ingest_feeds", 0, s_url, sizeof s_url) < 0 || fake_start() < 0)
        return -1;
    s_db = hd_db_connect(s_url, 5000);
    randombytes_buf(s_key, sizeof s_key);
    char *sealed = hd_secret_seal(s_key, "tok-care", 8);
    const char *p[1] = {sealed};
    int rc = !s_db ||
             sql("INSERT INTO department (id, name) VALUES ('care', 'Care'), "
                 "('sales', 'Sales')") ||
             sql("INSERT INTO channel (id, kind, base_url) VALUES ('fakenet', 'mastodon', "
                 "'http://127.0.0.1:1')") ||
             hd_db_cmd(s_db,
                       "INSERT INTO channel_account (channel_id, department_id, handle, secret) "
                       "VALUES ('fakenet', 'care', 'care', decode($1, 'hex'))",
                       1, p);
    free(sealed);
    ing_feed_runner_set_key(s_key);
    done = rc ? -1 : 1;
    return rc ? -1 : 0;
}

/* Makes the feed due and polls; the outcome (ING_FEED_OUTCOMES when
   nothing was polled). */
static ing_feed_outcome_t poll_now(ing_feed_runner_t *r) {
    ing_feed_outcome_t o = ING_FEED_OUTCOMES;
    sql("UPDATE feed SET next_poll_at = now()");
    return ing_feed_runner_poll_due(r, &o) == 1 ? o : ING_FEED_OUTCOMES;
}

/* ---------------- the cases ---------------- */

HD_TEST(mentions_exactly_once_across_pages) {
    ASSERT_EQ(setup(), 0);
    fake_reset();
    fake_add(95, 0);
    ASSERT_EQ(make_feed("mastodon-mentions", "", ", account_department, departments",
                        ", 'care', '{care,sales}'", "0"),
              0);
    ing_feed_runner_t *r = ing_feed_runner_new(s_url, TIMEOUT_MS);
    ASSERT(r != NULL);
    ASSERT_EQ(poll_now(r), ING_FEED_OK);
    ASSERT_EQ(s_fake.nreq, 3); /* 40, 40, 15: followed while pages come back full */
    ASSERT(strstr(s_fake.paths[0], "types[]=mention") != NULL);
    ASSERT(strstr(s_fake.paths[0], "min_id=0") != NULL);
    ASSERT(strstr(s_fake.paths[1], "min_id=40") != NULL);
    ASSERT(strstr(s_fake.paths[2], "min_id=80") != NULL);
    ASSERT_STR(s_fake.auth[0], "Bearer tok-care"); /* the account's sealed credential, opened */
    ASSERT_EQ(count("SELECT count(*) FROM mention WHERE feed_id = 'care'"), 95);
    ASSERT_EQ(count("SELECT count(*) FROM outbox WHERE type = 'mention.received'"), 95);
    char v[128];
    value("SELECT cursor || '/' || items_total || '/' || failures FROM feed", v, sizeof v);
    ASSERT_STR(v, "95/95/0");
    value("SELECT in_reply_to_external_id || ' ' || author_handle || ' ' || "
          "to_char(posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM mention "
          "WHERE external_id = '1003'",
          v, sizeof v);
    ASSERT_STR(v, "77 fan3 2025-03-05");
    /* the next poll takes only what is new */
    fake_add(5, 0);
    ASSERT_EQ(poll_now(r), ING_FEED_OK);
    ASSERT_EQ(s_fake.nreq, 4);
    ASSERT(strstr(s_fake.paths[3], "min_id=95") != NULL);
    ASSERT_EQ(count("SELECT count(*) FROM mention"), 100);
    /* read again from further back: known mentions are not recorded twice */
    sql("UPDATE feed SET cursor = '50'");
    ASSERT_EQ(poll_now(r), ING_FEED_OK);
    ASSERT_EQ(count("SELECT count(*) FROM mention"), 100);
    ASSERT_EQ(count("SELECT count(*) FROM outbox WHERE type = 'mention.received'"), 100);
    value("SELECT cursor || '/' || items_total FROM feed", v, sizeof v);
    ASSERT_STR(v, "100/100");
    /* nothing due: nothing polled */
    ASSERT_EQ(ing_feed_runner_poll_due(r, NULL), 0);
    ing_feed_runner_destroy(&r);
}

HD_TEST(the_first_poll_takes_the_newest_page) {
    ASSERT_EQ(setup(), 0);
    fake_reset();
    fake_add(70, 0);
    ASSERT_EQ(make_feed("mastodon-mentions", "", ", account_department", ", 'care'", ""), 0);
    ing_feed_runner_t *r = ing_feed_runner_new(s_url, TIMEOUT_MS);
    ASSERT_EQ(poll_now(r), ING_FEED_OK);
    ASSERT_EQ(s_fake.nreq, 1);
    ASSERT(strstr(s_fake.paths[0], "min_id") == NULL);
    ASSERT_EQ(count("SELECT count(*) FROM mention"), 40);
    ASSERT_EQ(count("SELECT min(external_id::int) FROM mention"), 1031);
    char v[64];
    value("SELECT cursor FROM feed", v, sizeof v);
    ASSERT_STR(v, "70");
    ing_feed_runner_destroy(&r);
}

HD_TEST(failures_keep_the_cursor_back_off_and_dead_letter) {
    ASSERT_EQ(setup(), 0);
    fake_reset();
    fake_add(10, 0);
    ASSERT_EQ(make_feed("mastodon-mentions", "", ", account_department", ", 'care'", "0"), 0);
    ing_feed_runner_t *r = ing_feed_runner_new(s_url, TIMEOUT_MS);
    ASSERT_EQ(poll_now(r), ING_FEED_OK);
    fake_add(10, 0);
    char v[256];
    /* 500: counted, backed off (interval 60 s x 2, the last quarter jitter), kept */
    fake_script(500);
    ASSERT_EQ(poll_now(r), ING_FEED_HTTP_ERROR);
    value("SELECT cursor || '/' || failures FROM feed", v, sizeof v);
    ASSERT_STR(v, "10/1");
    ASSERT_EQ(count("SELECT count(*) FROM feed WHERE next_poll_at BETWEEN now() + interval "
                    "'89 s' AND now() + interval '121 s' AND lease_until IS NULL"),
              1);
    value("SELECT last_error FROM feed", v, sizeof v);
    ASSERT(strstr(v, "HTTP 500") != NULL);
    ASSERT_EQ(count("SELECT count(*) FROM dead_letter WHERE source = 'feed:care' AND "
                    "convert_from(raw, 'UTF8') = 'upstream exploded' AND reason LIKE "
                    "'feed care: HTTP 500%'"),
              1);
    /* garbage in a 200: the same, the backoff doubled */
    fake_script(200);
    ASSERT_EQ(poll_now(r), ING_FEED_GARBAGE);
    value("SELECT cursor || '/' || failures FROM feed", v, sizeof v);
    ASSERT_STR(v, "10/2");
    ASSERT_EQ(count("SELECT count(*) FROM feed WHERE next_poll_at BETWEEN now() + interval "
                    "'179 s' AND now() + interval '241 s'"),
              1);
    ASSERT_EQ(count("SELECT count(*) FROM dead_letter WHERE source = 'feed:care' AND "
                    "reason LIKE '%garbage%' AND convert_from(raw, 'UTF8') LIKE '%right back%'"),
              1);
    /* no answer in time: counted, nothing to keep */
    fake_script(1);
    ASSERT_EQ(poll_now(r), ING_FEED_NO_ANSWER);
    usleep(TIMEOUT_MS * 1000 + 200000); /* the fake is done hanging */
    value("SELECT cursor || '/' || failures FROM feed", v, sizeof v);
    ASSERT_STR(v, "10/3");
    ASSERT_EQ(count("SELECT count(*) FROM dead_letter"), 2);
    ASSERT_EQ(count("SELECT count(*) FROM mention"), 10);
    /* the next good poll takes up where the cursor stayed: nothing lost */
    ASSERT_EQ(poll_now(r), ING_FEED_OK);
    value("SELECT cursor || '/' || failures || '/' || coalesce(last_error, '-') FROM feed", v,
          sizeof v);
    ASSERT_STR(v, "20/0/-");
    ASSERT_EQ(count("SELECT count(*) FROM mention"), 20);
    ASSERT_EQ(count("SELECT count(*) FROM outbox WHERE type = 'mention.received'"), 20);
    ing_feed_runner_destroy(&r);
}

HD_TEST(a_bad_entry_is_dead_lettered_and_passed) {
    ASSERT_EQ(setup(), 0);
    fake_reset();
    fake_add(12, 4); /* notifications 4, 8, 12 come without their status */
    ASSERT_EQ(make_feed("mastodon-mentions", "", ", account_department", ", 'care'", "0"), 0);
    ing_feed_runner_t *r = ing_feed_runner_new(s_url, TIMEOUT_MS);
    ASSERT_EQ(poll_now(r), ING_FEED_OK);
    ASSERT_EQ(count("SELECT count(*) FROM mention"), 9);
    ASSERT_EQ(count("SELECT count(*) FROM dead_letter WHERE source = 'feed:care' AND "
                    "reason LIKE '%no status%'"),
              3);
    ASSERT_EQ(count("SELECT count(*) FROM dead_letter WHERE convert_from(raw, 'UTF8') = "
                    "'{\"id\":\"8\",\"type\":\"mention\"}'"),
              1);
    char v[64];
    value("SELECT cursor || '/' || failures FROM feed", v, sizeof v);
    ASSERT_STR(v, "12/0"); /* past the bad ones: their place is in their dead letters */
    ing_feed_runner_destroy(&r);
}

HD_TEST(a_poller_that_lost_its_lease_writes_nothing) {
    ASSERT_EQ(setup(), 0);
    fake_reset();
    ASSERT_EQ(make_feed("mastodon-tag", "", ", tag", ", 'example'", "5"), 0);
    hd_db_t *a = hd_db_connect(s_url, 5000), *b = hd_db_connect(s_url, 5000);
    ing_feed_t fa, fb;
    ASSERT_EQ(ing_feed_claim(a, 60, &fa), 1);
    ASSERT_EQ(ing_feed_claim(b, 60, &fb), 0);                    /* leased: nobody else polls it */
    sql("UPDATE feed SET lease_until = now() - interval '1 s'"); /* a's lease runs out */
    ASSERT_EQ(ing_feed_claim(b, 60, &fb), 1);
    ing_feed_page_t page = {0};
    ing_feed_item_t *it = ing_feed_page_add(&page);
    it->external_id = strdup("9999");
    it->text = strdup("late");
    it->author = strdup("x");
    page.entries = 1;
    ing_feed_tally_t t;
    ASSERT_EQ(ing_feed_commit_page(a, &fa, "http://x", &page, "9999", NULL, NULL,
                                   ING_FEED_NEXT_DONE, 60, &t),
              ING_FEED_LOST);
    ASSERT_EQ(ing_feed_commit_failure(a, &fa, "http://x", "late", NULL, 0, 1000), 1);
    ASSERT_EQ(count("SELECT count(*) FROM mention"), 0);
    char v[64];
    value("SELECT cursor || '/' || failures FROM feed", v, sizeof v);
    ASSERT_STR(v, "5/0");
    ASSERT_EQ(ing_feed_commit_page(b, &fb, "http://x", &page, "9999", NULL, NULL,
                                   ING_FEED_NEXT_DONE, 60, &t),
              ING_FEED_OK);
    ASSERT_EQ(t.recorded, 1);
    value("SELECT cursor || '/' || (lease_until IS NULL) FROM feed", v, sizeof v);
    ASSERT_STR(v, "9999/true");
    ing_feed_page_clear(&page);
    ing_feed_release(&fa);
    ing_feed_release(&fb);
    hd_db_destroy(&a);
    hd_db_destroy(&b);
}

HD_TEST(a_public_tag_feed_sends_no_credential) {
    ASSERT_EQ(setup(), 0);
    fake_reset();
    fake_add(3, 0);
    ASSERT_EQ(make_feed("mastodon-tag", "", ", tag", ", 'example'", ""), 0);
    ing_feed_runner_t *r = ing_feed_runner_new(s_url, TIMEOUT_MS);
    ASSERT_EQ(poll_now(r), ING_FEED_OK);
    ASSERT_EQ(s_fake.nreq, 1);
    ASSERT_STR(s_fake.auth[0], "");
    ASSERT(strncmp(s_fake.paths[0], "/api/v1/timelines/tag/example?limit=40", 38) == 0);
    ASSERT_EQ(count("SELECT count(*) FROM mention WHERE feed_id = 'care'"), 3);
    char v[64];
    value("SELECT cursor FROM feed", v, sizeof v);
    ASSERT_STR(v, "1003"); /* a tag's cursor is a status id */
    ing_feed_runner_destroy(&r);
}

HD_TEST(a_hashtag_nobody_used_is_an_empty_page) {
    ASSERT_EQ(setup(), 0);
    fake_reset();
    ASSERT_EQ(make_feed("mastodon-tag", "", ", tag", ", 'nobody'", "7"), 0);
    ing_feed_runner_t *r = ing_feed_runner_new(s_url, TIMEOUT_MS);
    ASSERT_EQ(poll_now(r), ING_FEED_OK); /* Mastodon's 404 "Record not found" */
    char v[64];
    value("SELECT cursor || '/' || failures || '/' || (last_ok_at IS NOT NULL) FROM feed", v,
          sizeof v);
    ASSERT_STR(v, "7/0/true");
    ASSERT_EQ(count("SELECT count(*) FROM dead_letter"), 0);
    /* another server's 404 is a failure */
    sql("UPDATE feed SET kind = 'rss', tag = NULL, url = url || '/no-such-feed'");
    ASSERT_EQ(poll_now(r), ING_FEED_HTTP_ERROR);
    ing_feed_runner_destroy(&r);
}

HD_TEST(no_credential_asks_nobody) {
    ASSERT_EQ(setup(), 0);
    fake_reset();
    ASSERT_EQ(make_feed("mastodon-mentions", "", ", account_department", ", 'sales'", ""), 0);
    ing_feed_runner_t *r = ing_feed_runner_new(s_url, TIMEOUT_MS);
    ASSERT_EQ(poll_now(r), ING_FEED_NO_CREDENTIAL);
    ASSERT_EQ(s_fake.nreq, 0);
    char v[256];
    value("SELECT failures || ' ' || last_error FROM feed", v, sizeof v);
    ASSERT_STR(v, "1 department 'sales' has no account on channel 'fakenet'");
    sql("UPDATE feed SET enabled = false");
    ASSERT_EQ(ing_feed_runner_poll_due(r, NULL), 0); /* disabled: never claimed */
    ing_feed_runner_destroy(&r);
}

static void set_rss(const char *etag, int items) {
    pthread_mutex_lock(&s_fake.lock);
    snprintf(s_fake.etag, sizeof s_fake.etag, "%s", etag);
    int k = snprintf(s_fake.rss, sizeof s_fake.rss,
                     "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Fake "
                     "News</title>");
    for (int i = 1; i <= items; i++)
        k += snprintf(s_fake.rss + k, sizeof s_fake.rss - (size_t)k,
                      "<item><guid>n%d</guid><title>story %d</title>"
                      "<pubDate>Sat, %02d Mar 2025 10:00:00 GMT</pubDate></item>",
                      i, i, i);
    snprintf(s_fake.rss + k, sizeof s_fake.rss - (size_t)k,
             "<item><guid>undated</guid><title>no date</title></item></channel></rss>");
    pthread_mutex_unlock(&s_fake.lock);
}

HD_TEST(rss_conditional_gets_and_its_cursor) {
    ASSERT_EQ(setup(), 0);
    fake_reset();
    set_rss("\"v1\"", 3);
    ASSERT_EQ(make_feed("rss", "/feed.xml", "", "", ""), 0);
    ing_feed_runner_t *r = ing_feed_runner_new(s_url, TIMEOUT_MS);
    ASSERT_EQ(poll_now(r), ING_FEED_OK);
    ASSERT_EQ(count("SELECT count(*) FROM mention WHERE author_handle = 'Fake News'"), 4);
    char v[128];
    value("SELECT cursor || ' ' || etag FROM feed", v, sizeof v);
    ASSERT_STR(v, "2025-03-03T10:00:00.000Z \"v1\"");
    /* unchanged: a 304, nothing read */
    ASSERT_EQ(poll_now(r), ING_FEED_NOT_MODIFIED);
    ASSERT_STR(s_fake.inm[1], "\"v1\"");
    ASSERT_EQ(count("SELECT count(*) FROM feed WHERE failures = 0 AND last_ok_at IS NOT NULL"), 1);
    /* a new item: recorded; the old ones, older than the cursor, passed over */
    set_rss("\"v2\"", 4);
    ASSERT_EQ(poll_now(r), ING_FEED_OK);
    ASSERT_EQ(count("SELECT count(*) FROM mention"), 5);
    ASSERT_EQ(count("SELECT count(*) FROM outbox WHERE type = 'mention.received'"), 5);
    value("SELECT cursor FROM feed", v, sizeof v);
    ASSERT_STR(v, "2025-03-04T10:00:00.000Z");
    /* garbage from the publisher: failure, the validators and cursor kept */
    fake_script(200);
    ASSERT_EQ(poll_now(r), ING_FEED_GARBAGE);
    value("SELECT cursor || ' ' || etag || ' ' || failures FROM feed", v, sizeof v);
    ASSERT_STR(v, "2025-03-04T10:00:00.000Z \"v2\" 1");
    ing_feed_runner_destroy(&r);
}

HD_TEST_MAIN(HD_CASE(mentions_exactly_once_across_pages),
             HD_CASE(the_first_poll_takes_the_newest_page),
             HD_CASE(failures_keep_the_cursor_back_off_and_dead_letter),
             HD_CASE(a_bad_entry_is_dead_lettered_and_passed),
             HD_CASE(a_poller_that_lost_its_lease_writes_nothing),
             HD_CASE(a_public_tag_feed_sends_no_credential),
             HD_CASE(a_hashtag_nobody_used_is_an_empty_page), HD_CASE(no_credential_asks_nobody),
             HD_CASE(rss_conditional_gets_and_its_cursor))
