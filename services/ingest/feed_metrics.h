/*  feed_metrics: the listening feeds' figures on ingest's GET /metrics
    (docs/metrics.md): what this process's runner did, counted lock-free
    as it polls (hd_prom_vec_t: bounded label sets), and each enabled
    feed's lag and consecutive failures, read from the feed table when
    scraped (every ingest shows every feed: the table is shared). */
#ifndef ING_FEED_METRICS_H
#define ING_FEED_METRICS_H

#include "feed_plan.h"
#include "hd_db.h"

#include <stdio.h>

/* One poll of feed with its outcome (huddle_feed_polls_total). Any thread. */
void ing_feed_metrics_poll(const char *feed, ing_feed_outcome_t outcome);

/* n new mentions recorded from feed (huddle_feed_items_total). Any thread. */
void ing_feed_metrics_items(const char *feed, int n);

/* Writes the families huddle_feed_polls_total{feed,outcome},
   huddle_feed_items_total{feed}, huddle_feed_lag_seconds{feed} and
   huddle_feed_failures{feed} (the last two read on db; a comment line
   when it cannot be read). */
void ing_feed_metrics_write(FILE *out, hd_db_t *db);

#endif
