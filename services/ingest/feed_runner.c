/*  feed_runner: polling the listening feeds (see feed_runner.h). */
#include "feed_runner.h"

#include "feed_html.h"
#include "feed_http.h"
#include "feed_mastodon.h"
#include "feed_metrics.h"
#include "feed_rss.h"
#include "feed_store.h"
#include "hd_config.h"
#include "hd_db.h"
#include "hd_id.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_signal.h"
#include "rfc3339.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IDLE_MS 1000 /* how long an idle runner waits before looking for due feeds again */

struct ing_feed_runner {
    hd_db_t *db;
    int timeout_ms;
    int lease_s;
    unsigned seed; /* the backoffs' jitter */
    pthread_t thread;
    int started;
    atomic_int stop;
    pthread_mutex_t lock;
    pthread_cond_t wake;
};

static unsigned char s_key[HD_SECRET_KEY_LEN];
static int s_have_key;

void ing_feed_runner_set_key(const unsigned char key[HD_SECRET_KEY_LEN]) {
    s_have_key = key != NULL;
    if (key)
        memcpy(s_key, key, sizeof s_key);
}

/* One poll: the claimed feed, its credential and where it stands. */
typedef struct {
    ing_feed_runner_t *r;
    ing_feed_t f;
    char *token; /* mastodon-mentions: the account's, opened */
    char url[4096];
    char error[1024];
    ing_feed_tally_t total;
    int pages;
} poll_t;

/* Records the failure of the poll (o) and its backoff; what came back
   (raw, may be NULL) is kept as a dead letter. */
static ing_feed_outcome_t fail(poll_t *p, ing_feed_outcome_t o, const char *raw, size_t len) {
    double jitter = (double)rand_r(&p->r->seed) / ((double)RAND_MAX + 1.0);
    long long wait = ing_feed_backoff_ms(p->f.interval_s, p->f.failures + 1, jitter);
    int rc = ing_feed_commit_failure(p->r->db, &p->f, p->url, p->error, raw, len, wait);
    if (rc < 0)
        return ING_FEED_DATABASE;
    if (rc > 0)
        return ING_FEED_LOST;
    hd_log(HD_LOG_WARN, "feed_failed", NULL, NULL,
           "feed %s: %s (%s; failure %d in a row, next poll in %lld s)", p->f.id, p->error,
           ing_feed_outcome_name(o), p->f.failures + 1, wait / 1000);
    return o;
}

/* Opens the credential of a mastodon-mentions feed's account into
   p->token; -1 (p->error) when there is none to open. */
static int open_token(poll_t *p) {
    if (p->f.kind != ING_FEED_MASTODON_MENTIONS)
        return 0;
    if (!p->f.have_account)
        snprintf(p->error, sizeof p->error, "department '%s' has no account on channel '%s'",
                 p->f.account_department, p->f.channel);
    else if (!s_have_key || !*p->f.sealed)
        snprintf(p->error, sizeof p->error,
                 "the account of '%s' on '%s' has no credential this ingest can open (no "
                 "credentials key)",
                 p->f.account_department, p->f.channel);
    else if (!(p->token = hd_secret_open(s_key, p->f.sealed)))
        snprintf(p->error, sizeof p->error,
                 "the credential of '%s' on '%s' does not open with this ingest's key",
                 p->f.account_department, p->f.channel);
    return p->token ? 0 : -1;
}

/* RSS: passes over the items older than the cursor; the new cursor (the
   newest item time, RFC 3339) into out. */
static void rss_plan(const ing_feed_t *f, ing_feed_page_t *page, char *out, size_t n) {
    long long cursor_ms = 0, newest = 0;
    if (!*f->cursor || ing_rfc3339_ms(f->cursor, &cursor_ms) < 0)
        cursor_ms = 0;
    newest = cursor_ms;
    for (size_t i = 0; i < page->n; i++) {
        ing_feed_item_t *it = &page->items[i];
        it->skip = !ing_feed_rss_take(it->posted_at_ms, cursor_ms);
        if (it->posted_at_ms > newest)
            newest = it->posted_at_ms;
    }
    if (newest > 0)
        ing_rfc3339_format(newest, out, n);
    else
        snprintf(out, n, "%s", f->cursor);
}

/* Reads the answer's body as a page of the feed's kind; -1 (p->error). */
static int parse(poll_t *p, const ing_feed_answer_t *a, ing_feed_page_t *page) {
    char why[300];
    int rc = p->f.kind == ING_FEED_RSS
                 ? ing_feed_rss_parse(a->body, a->len, page, why, sizeof why)
                 : ing_feed_mastodon_parse(p->f.kind, a->body, a->len, page, why, sizeof why);
    if (rc < 0)
        snprintf(p->error, sizeof p->error, "garbage from %.200s: %s", p->url, why);
    return rc;
}

/* What follows a page that asked for more (follow) or not. */
static ing_feed_next_t next_of(poll_t *p, int follow) {
    if (!follow)
        return ING_FEED_NEXT_DONE;
    return p->pages < ING_FEED_MAX_PAGES && !hd_stop && !atomic_load(&p->r->stop)
               ? ING_FEED_NEXT_PAGE
               : ING_FEED_NEXT_SOON;
}

/* Records the page read from answer a; *more says whether to fetch the
   next at once. */
static ing_feed_outcome_t record(poll_t *p, const ing_feed_answer_t *a, ing_feed_page_t *page,
                                 int *more) {
    char cursor[sizeof p->f.cursor];
    int follow = 0;
    if (p->f.kind == ING_FEED_RSS)
        rss_plan(&p->f, page, cursor, sizeof cursor);
    else
        follow = ing_feed_mastodon_next(p->f.cursor, page->newest, page->entries, cursor,
                                        sizeof cursor) > 0;
    ing_feed_next_t next = next_of(p, follow);
    int rss = p->f.kind == ING_FEED_RSS;
    ing_feed_tally_t t;
    ing_feed_outcome_t o = ing_feed_commit_page(
        p->r->db, &p->f, p->url, page, cursor, rss && a->etag[0] ? a->etag : NULL,
        rss && a->last_modified[0] ? a->last_modified : NULL, next, p->r->lease_s, &t);
    if (o == ING_FEED_OK) {
        p->total.recorded += t.recorded;
        p->total.duplicates += t.duplicates;
        p->total.dead += t.dead;
        ing_feed_metrics_items(p->f.id, t.recorded);
    }
    *more = o == ING_FEED_OK && next == ING_FEED_NEXT_PAGE;
    return o;
}

/* RSS 304: nothing new; the feed's success is recorded, validators kept. */
static ing_feed_outcome_t not_modified(poll_t *p, const ing_feed_answer_t *a) {
    ing_feed_page_t empty = {0};
    ing_feed_tally_t t;
    ing_feed_outcome_t o = ing_feed_commit_page(
        p->r->db, &p->f, p->url, &empty, p->f.cursor, a->etag[0] ? a->etag : p->f.etag,
        a->last_modified[0] ? a->last_modified : p->f.last_modified, ING_FEED_NEXT_DONE,
        p->r->lease_s, &t);
    return o == ING_FEED_OK ? ING_FEED_NOT_MODIFIED : o;
}

/* Fetches and records one page; *more: fetch the next. */
static ing_feed_outcome_t one_page(poll_t *p, int *more) {
    int rss = p->f.kind == ING_FEED_RSS;
    *more = 0;
    if (ing_feed_request_url(p->f.kind, p->f.base, p->f.tag, p->f.cursor, p->url, sizeof p->url) <
        0) {
        snprintf(p->error, sizeof p->error, "the request's URL is longer than %zu bytes",
                 sizeof p->url);
        return fail(p, ING_FEED_NO_ANSWER, NULL, 0);
    }
    ing_feed_answer_t a;
    ing_feed_http_get(p->url, p->token, rss ? p->f.etag : NULL, rss ? p->f.last_modified : NULL,
                      rss ? "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
                            "text/xml;q=0.9, */*;q=0.1"
                          : "application/json",
                      p->r->timeout_ms, &a);
    ing_feed_outcome_t o;
    ing_feed_page_t page = {0};
    p->pages++;
    if (a.status < 0 && hd_stop)
        o = ING_FEED_LOST; /* abandoned by a stop: not the feed's failure */
    else if (a.status < 0) {
        snprintf(p->error, sizeof p->error, "%s from %.200s", a.error, p->url);
        o = fail(p, ING_FEED_NO_ANSWER, NULL, 0);
    } else if (rss && a.status == 304)
        o = not_modified(p, &a);
    else if (p->f.kind == ING_FEED_MASTODON_TAG &&
             ing_feed_mastodon_no_tag(a.status, a.body, a.len))
        o = record(p, &a, &page, more); /* nobody used the hashtag yet: an empty page */
    else if (a.status != 200) {
        snprintf(p->error, sizeof p->error, "HTTP %d from %.200s", a.status, p->url);
        o = fail(p, ING_FEED_HTTP_ERROR, a.body, a.len);
    } else if (parse(p, &a, &page) < 0)
        o = fail(p, ING_FEED_GARBAGE, a.body, a.len);
    else
        o = record(p, &a, &page, more);
    ing_feed_page_clear(&page);
    ing_feed_answer_clear(&a);
    return o;
}

static ing_feed_outcome_t poll_feed(poll_t *p) {
    if (open_token(p) < 0)
        return fail(p, ING_FEED_NO_CREDENTIAL, NULL, 0);
    ing_feed_outcome_t o;
    int more;
    do
        o = one_page(p, &more);
    while (more);
    if (o == ING_FEED_OK || o == ING_FEED_NOT_MODIFIED)
        hd_log(p->total.recorded || p->total.dead ? HD_LOG_INFO : HD_LOG_DEBUG, "feed_polled", NULL,
               NULL, "feed %s: %d new, %d known, %d dead-lettered in %d page(s); cursor '%s'",
               p->f.id, p->total.recorded, p->total.duplicates, p->total.dead, p->pages,
               p->f.cursor);
    return o;
}

int ing_feed_runner_poll_due(ing_feed_runner_t *self, ing_feed_outcome_t *outcome) {
    poll_t p = {.r = self};
    if (hd_db_ensure(self->db) < 0)
        return -1;
    int got = ing_feed_claim(self->db, self->lease_s, &p.f);
    if (got <= 0)
        return got;
    ing_feed_outcome_t o = poll_feed(&p);
    ing_feed_metrics_poll(p.f.id, o);
    if (o == ING_FEED_LOST || o == ING_FEED_DATABASE)
        hd_log(HD_LOG_WARN, "feed_not_recorded", NULL, NULL,
               "feed %s: the poll's outcome was not recorded (%s): it is polled again when its "
               "lease runs out",
               p.f.id, ing_feed_outcome_name(o));
    if (outcome)
        *outcome = o;
    hd_secret_free(p.token);
    ing_feed_release(&p.f);
    return o == ING_FEED_DATABASE ? -1 : 1;
}

ing_feed_runner_t *ing_feed_runner_new(const char *url, int timeout_ms) {
    hd_db_t *db = hd_db_connect(url, 30000);
    if (!db)
        return NULL;
    ing_feed_xml_init();
    ing_feed_runner_t *self = hd_calloc(1, sizeof *self);
    self->db = db;
    self->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
    self->lease_s = 2 * (self->timeout_ms / 1000) + 30; /* a page's request and its commit */
    self->seed = (unsigned)hd_now_ms();
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->wake, NULL);
    return self;
}

/* Waits up to ms, or until stopped. */
static void idle(ing_feed_runner_t *self, int ms) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&self->lock);
    if (!atomic_load(&self->stop))
        pthread_cond_timedwait(&self->wake, &self->lock, &until);
    pthread_mutex_unlock(&self->lock);
}

static void *run(void *arg) {
    ing_feed_runner_t *self = arg;
    while (!hd_stop && !atomic_load(&self->stop)) {
        int polled = ing_feed_runner_poll_due(self, NULL);
        if (polled <= 0)
            idle(self, IDLE_MS);
    }
    return NULL;
}

int ing_feed_runner_start(ing_feed_runner_t *self) {
    if (pthread_create(&self->thread, NULL, run, self) != 0)
        return -1;
    self->started = 1;
    return 0;
}

ing_feed_runner_t *ing_feed_runner_from_config(const char *url) {
    const char *on = hd_config_get("HUDDLE_FEEDS");
    if (on && strcasecmp(on, "off") == 0) {
        hd_info("feeds_off", "HUDDLE_FEEDS=off: this ingest polls no listening feed");
        return NULL;
    }
    if (on && strcasecmp(on, "on") != 0)
        hd_warn("config_invalid", "HUDDLE_FEEDS=%s is neither on nor off: on", on);
    ing_feed_runner_t *self =
        ing_feed_runner_new(url, (int)hd_config_long("HUDDLE_FEED_TIMEOUT_MS", 10000));
    if (self && ing_feed_runner_start(self) == 0) {
        hd_info("feeds_started", "polling the listening feeds (request timeout %d ms)",
                self->timeout_ms);
        return self;
    }
    hd_error("feeds_not_started", "the listening feeds' runner cannot start");
    ing_feed_runner_destroy(&self);
    return NULL;
}

void ing_feed_runner_destroy(ing_feed_runner_t **self_p) {
    if (!self_p || !*self_p)
        return;
    ing_feed_runner_t *self = *self_p;
    if (self->started) {
        pthread_mutex_lock(&self->lock);
        atomic_store(&self->stop, 1);
        pthread_cond_signal(&self->wake);
        pthread_mutex_unlock(&self->lock);
        pthread_join(self->thread, NULL);
    }
    pthread_cond_destroy(&self->wake);
    pthread_mutex_destroy(&self->lock);
    hd_db_destroy(&self->db);
    free(self);
    *self_p = NULL;
}
