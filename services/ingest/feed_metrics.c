/*  feed_metrics: the feeds' figures (see feed_metrics.h). */
#include "feed_metrics.h"

#include "feed_store.h"
#include "hd_mem.h"
#include "hd_prom.h"

#include <stdlib.h>

#define MAX_FEEDS 200 /* feeds shown by the gauges (ordered by id) */

static hd_prom_vec_t s_polls; /* feed, outcome */
static hd_prom_vec_t s_items; /* feed */

void ing_feed_metrics_poll(const char *feed, ing_feed_outcome_t outcome) {
    const char *v[] = {feed, ing_feed_outcome_name(outcome)};
    hd_prom_vec_add(&s_polls, v, 2, 1);
}

void ing_feed_metrics_items(const char *feed, int n) {
    if (n > 0)
        hd_prom_vec_add(&s_items, &feed, 1, (unsigned long long)n);
}

static void gauge_line(FILE *out, const char *name, const char *feed, double v) {
    char labels[HD_PROM_LABELS_LEN];
    const char *k = "feed";
    if (hd_prom_labels(labels, sizeof labels, &k, &feed, 1) == 0)
        hd_prom_sample(out, name, NULL, labels, v);
}

void ing_feed_metrics_write(FILE *out, hd_db_t *db) {
    static const char *const polls[] = {"feed", "outcome"}, *const items[] = {"feed"};
    hd_prom_vec_write(out, &s_polls, "huddle_feed_polls_total",
                      "Polls of the listening feeds by this ingest, by feed and outcome.", polls,
                      2);
    hd_prom_vec_write(out, &s_items, "huddle_feed_items_total",
                      "New mentions recorded from each listening feed by this ingest.", items, 1);
    ing_feed_figure_t *figs = hd_calloc(MAX_FEEDS, sizeof *figs);
    int n = hd_db_ensure(db) == 0 ? ing_feed_figures(db, figs, MAX_FEEDS) : -1;
    hd_prom_family(out, "huddle_feed_lag_seconds", "gauge",
                   "Seconds since each enabled feed's last successful poll.");
    if (n < 0)
        fprintf(out, "# the feeds cannot be read (database unavailable)\n");
    for (int i = 0; i < n; i++)
        gauge_line(out, "huddle_feed_lag_seconds", figs[i].id, figs[i].lag_s);
    hd_prom_family(out, "huddle_feed_failures", "gauge",
                   "Consecutive failed polls of each enabled feed (0: its last poll succeeded).");
    for (int i = 0; i < n; i++)
        gauge_line(out, "huddle_feed_failures", figs[i].id, figs[i].failures);
    free(figs);
}
