/*  watch: what inbound mentions do to crises (docs/crisis-detection.md):
    they count towards spike detection, and they are rerouted to the
    crisis team while a crisis is in force.

    A workflow batch with mentions reads, in its first round trip
    (read.c), every playbook with a spike trigger (its terms, settings,
    cool-down, and whether a crisis of it is proposed or declared) and
    every crisis in force that reroutes (view crisis_in_force with
    reroute_terms and reroute_department), and compiles their terms into
    one matcher (terms.h; cached while they do not change). Then, per
    mention, in the batch's order:

      wf_watch_scan     matches its text once against every set
      wf_watch_reroute  (decide.c) the crisis it goes to, if any: the
                        first crisis in force (oldest declaration first)
                        whose terms it holds and whose scope covers the
                        mention's channel and the department routing gave
                        it; a drill is never in force, so never reroutes
      wf_watch_count    one more mention in its minute for each spike
                        playbook whose terms it holds

    and at the batch's end, in its transaction, wf_watch_flush writes the
    counts (table crisis_mention_count, one statement, pruning what no
    detector reads again), reads every touched playbook's window and
    baseline (one statement), runs the detector (spike.h) and, on a
    firing, proposes or declares the crisis (hd_crisis_declare) and
    starts its cool-down (table crisis_watch). A playbook that already has
    a crisis proposed or declared is not evaluated. The crisis's id
    derives from the mention event that fired it and the playbook, so a
    replayed batch finds it and does not declare it twice. */
#ifndef WF_WATCH_H
#define WF_WATCH_H

#include "hd_approval.h"
#include "hd_crisis.h"
#include "hd_db.h"
#include "hd_envelope.h"
#include "hd_id.h"
#include "spike.h"
#include "terms.h"

#include <stddef.h>
#include <stdint.h>

#define WF_PLAYBOOK_LEN 64          /* playbook names: ^[a-z][a-z0-9-]{0,62}$ */
#define WF_SERVICE_ACTOR "workflow" /* the actor of what spike detection declares */

/* A playbook with a spike trigger. */
typedef struct {
    char name[WF_PLAYBOOK_LEN];
    wf_spike_cfg_t cfg;
    hd_crisis_state_t then; /* PROPOSED or DECLARED */
    int busy;               /* a crisis of it is proposed or declared */
    int64_t last_fired_ms;  /* crisis_watch.last_fired_at; 0: never */
    char **terms;           /* owned */
    size_t nterms;
    int64_t newest_ms;            /* the batch's newest matching mention; 0: none */
    char newest_event[HD_ID_LEN]; /* that mention's event id */
} wf_watch_playbook_t;

/* A crisis in force that reroutes mentions matching its terms. */
typedef struct {
    char id[HD_ID_LEN];
    char playbook[WF_PLAYBOOK_LEN];
    char department[HD_DEPT_LEN];            /* reroute_department */
    char **terms, **departments, **channels; /* owned; scope arrays empty: every one */
    size_t nterms, ndepartments, nchannels;
} wf_watch_crisis_t;

/* Mentions counted for playbook (an index) in a Unix minute. */
typedef struct {
    size_t playbook;
    int64_t minute, n;
} wf_watch_count_t;

/* Zero it to start; kept between batches (the matcher's cache). */
typedef struct wf_watch {
    wf_watch_playbook_t *playbooks;
    size_t nplaybooks, cappb;
    wf_watch_crisis_t *crises;
    size_t ncrises, capcr;
    wf_terms_cache_t cache;
    const wf_terms_t *terms; /* the playbooks' sets, then the crises' (borrowed from cache) */
    unsigned char *hits;     /* the last scan's, per set */
    size_t caphits;
    const hd_envelope_t *scanned; /* the event the hits are of (borrowed) */
    wf_watch_count_t *counts;
    size_t ncounts, capcounts;
} wf_watch_t;

/* Forgets the playbooks, crises, hits and counts (the cache is kept). */
void wf_watch_clear(wf_watch_t *w);

/* Frees everything, the calling thread's scan scratch too (workflow scans
   on one thread); w may be used again afterwards. */
void wf_watch_free(wf_watch_t *w);

/* Adds a playbook / a crisis (every string copied; NULL lists with n 0).
   The matcher is stale until wf_watch_build. */
void wf_watch_add_playbook(wf_watch_t *w, const char *name, const wf_spike_cfg_t *cfg,
                           hd_crisis_state_t then, int busy, int64_t last_fired_ms,
                           const char *const *terms, size_t nterms);
void wf_watch_add_crisis(wf_watch_t *w, const char *id, const char *playbook,
                         const char *department, const char *const *terms, size_t nterms,
                         const char *const *departments, size_t ndepartments,
                         const char *const *channels, size_t nchannels);

/* Compiles (or finds cached) the matcher of the playbooks and crises
   added. 0, or -1 with why set. */
int wf_watch_build(wf_watch_t *w, char *why, size_t n);

/* Sends the read of playbooks and crises (hd_db_send; its result comes
   back with the batch's other reads). 0, or -1 (the connection is gone). */
int wf_watch_send(hd_db_t *db);

/* Fills w (cleared first) from that read's result r (borrowed) and builds
   the matcher. A playbook whose spec is malformed is left out (logged).
   0, or -1 when the matcher cannot be built (logged; the batch retries). */
int wf_watch_parse(wf_watch_t *w, PGresult *r);

/* Matches mention.received ev's text against every playbook's and
   crisis's terms; the hits are ev's until the next scan. 0, or -1 when
   Vectorscan fails (the batch retries). */
int wf_watch_scan(wf_watch_t *w, const hd_envelope_t *ev);

/* The crisis in force that mention ev (scanned last), on channel and
   routed by the rules to department ("" when none took it: triage),
   goes to instead, or NULL (also for a NULL w or another event's hits).
   Borrowed. Pure. */
const wf_watch_crisis_t *wf_watch_reroute(const wf_watch_t *w, const hd_envelope_t *ev,
                                          const char *channel, const char *department);

/* Counts mention ev (scanned last) at its minute (its occurred_at, else
   now) for every spike playbook whose terms it holds, and remembers it as
   that playbook's newest when it is. */
void wf_watch_count(wf_watch_t *w, const hd_envelope_t *ev);

/* In the batch's transaction: the counts, the detection and any firing
   (above). 0, or -1 on a database error (the caller rolls back). */
int wf_watch_flush(hd_db_t *db, wf_watch_t *w);

#endif
