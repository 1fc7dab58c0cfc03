/*  feed_runner: ingest's listening feeds (docs/feeds.md). A thread of its
    own, with its own database connection, claims the due feed waiting
    longest (feed_store.h: a lease, so two ingests never poll one feed at
    once), makes its request (feed_http.h), reads the page (feed_mastodon.h,
    feed_rss.h), decides where the cursor goes (feed_plan.h) and records
    the page in one transaction; a Mastodon feed then asks for the next
    page at once while pages come back full (ING_FEED_MAX_PAGES a poll,
    then it is due again for any poller). A failure (an HTTP error, no
    answer, a page of garbage, no credential) keeps the cursor, counts
    the failure and waits the backoff, keeping what came back as a dead
    letter. Settings: HUDDLE_FEEDS (on: the runner runs; off: it does
    not) and HUDDLE_FEED_TIMEOUT_MS (a request's whole time). */
#ifndef ING_FEED_RUNNER_H
#define ING_FEED_RUNNER_H

#include "feed_plan.h"
#include "hd_secret.h"

#define ING_FEED_MAX_PAGES 25 /* pages one poll records before the feed is due again */

typedef struct ing_feed_runner ing_feed_runner_t;

/* The key that opens the channel accounts' credentials (copied; NULL:
   none, then a mastodon-mentions feed fails with no_credential). Set by
   main before the runner starts. */
void ing_feed_runner_set_key(const unsigned char key[HD_SECRET_KEY_LEN]);

/* A runner with its own connection to the database at url (waiting up to
   30 s for it), requests of timeout_ms; NULL when it cannot connect. Not
   started: ing_feed_runner_poll_due drives it by hand (tests). */
ing_feed_runner_t *ing_feed_runner_new(const char *url, int timeout_ms);

/* Claims one due feed and polls it (all its pages, up to
   ING_FEED_MAX_PAGES). 1 a feed was polled (*outcome, may be NULL, says
   how), 0 none is due, -1 the database failed. */
int ing_feed_runner_poll_due(ing_feed_runner_t *self, ing_feed_outcome_t *outcome);

/* Starts the runner's thread: it polls while feeds are due and otherwise
   looks again every second, until hd_stop or ing_feed_runner_destroy.
   0, or -1 when the thread cannot start. */
int ing_feed_runner_start(ing_feed_runner_t *self);

/* From the settings (HUDDLE_FEEDS, HUDDLE_FEED_TIMEOUT_MS): a started
   runner, or NULL when HUDDLE_FEEDS is off (logged) or it cannot start
   (logged). */
ing_feed_runner_t *ing_feed_runner_from_config(const char *url);

/* Stops the thread (a request in flight is abandoned), closes the
   connection and frees; safe on NULL, nulls the caller's pointer. */
void ing_feed_runner_destroy(ing_feed_runner_t **self_p);

#endif
