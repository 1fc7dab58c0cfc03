/*  lg_probe: when each acknowledged mention becomes visible in the inbox.

    A thread of its own with one PostgreSQL connection (as the API's read
    role when its password file exists, as GET /v1/inbox reads) asks, over
    and over, which of the mentions acknowledged and not seen yet have a
    row in the read_inbox view: the view GET /v1/inbox answers from, so a
    row there is a mention the inbox shows. The HTTP client hands it each
    acknowledged mention (lg_probe_watch); lg_probe_finish waits for the
    stragglers and writes every first sighting into the run's records.

    A mention's visible time is the start of the first poll that found it:
    it committed before that poll's snapshot and after the previous one's,
    so the figure is late by less than one poll interval, never early. The
    interval grows with the mentions outstanding (one lookup per mention
    per poll), so that the probe's own load on PostgreSQL stays bounded
    (about LG_PROBE_LOOKUPS_PER_S) however far the inbox falls behind:
    resolution is traded for a probe that does not become the load. */
#ifndef LG_PROBE_H
#define LG_PROBE_H

#include "lg.h"

#define LG_PROBE_LOOKUPS_PER_S 5000
#define LG_PROBE_MAX_INTERVAL_US 1000000

/* Connects to url and starts the thread, polling at least every
   min_interval_ms while mentions are outstanding. NULL on failure (reason
   on stderr). The caller owns the probe (lg_probe_finish). */
lg_probe_t *lg_probe_start(const char *url, int min_interval_ms);

/* Item `item`, answered as mention `id`, is to be watched for (its
   record keeps when it was answered). Thread-safe; id is copied. */
void lg_probe_watch(lg_probe_t *self, long item, const char *id);

/* What the probe did (for the summary). */
typedef struct {
    long polls;
    double mean_interval_ms; /* between polls while mentions were outstanding */
    long errors;             /* polls that failed */
    long unseen;             /* still outstanding when the probe gave up */
} lg_probe_stats_t;

/* No more mentions will come: waits until every one is seen, or none has
   been for stall_s seconds; writes each sighting into run's records
   (t_visible_us), stops the thread, frees the probe and nulls *self_p.
   Safe on NULL. */
void lg_probe_finish(lg_probe_t **self_p, lg_run_t *run, double stall_s, lg_probe_stats_t *stats);

#endif
