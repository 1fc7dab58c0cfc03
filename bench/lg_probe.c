/*  lg_probe: the inbox probe (lg_probe.h). The HTTP client's thread only
    appends to `in` under the mutex; everything else is the probe thread's
    until lg_probe_finish has joined it. */
#include "lg_probe.h"

#include "hd_db.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct {
    long item;
    char id[LG_ID_LEN];
} watch_t;

typedef struct {
    long item;
    int64_t t_us;
} sighting_t;

struct lg_probe {
    hd_db_t *db;
    pthread_t thread;
    pthread_mutex_t mu;
    /* under mu */
    watch_t *in;
    size_t nin, capin;
    int finishing;
    int64_t finish_at_us, stall_us;
    /* the thread's */
    watch_t *pending;
    size_t npending, cappending;
    sighting_t *seen;
    size_t nseen, capseen;
    int64_t min_interval_us, last_progress_us, prev_poll_us;
    long polls, errors, intervals;
    int64_t interval_sum_us;
};

static void *grow(void *p, size_t *cap, size_t need, size_t size) {
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap * 2 : 4096;
    while (c < need)
        c *= 2;
    void *q = realloc(p, c * size);
    if (!q) {
        fprintf(stderr, "loadgen: probe: out of memory for %zu entries\n", c);
        exit(1);
    }
    *cap = c;
    return q;
}

void lg_probe_watch(lg_probe_t *self, long item, const char *id) {
    pthread_mutex_lock(&self->mu);
    self->in = grow(self->in, &self->capin, self->nin + 1, sizeof *self->in);
    watch_t *w = &self->in[self->nin++];
    w->item = item;
    snprintf(w->id, sizeof w->id, "%s", id);
    pthread_mutex_unlock(&self->mu);
}

static int cmp_id(const void *a, const void *b) {
    return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

/* One poll, started at t: the outstanding mentions that have an inbox row
   move to the sightings. */
static void poll_once(lg_probe_t *self, int64_t t) {
    hd_pgarray_t ids = {0};
    for (size_t i = 0; i < self->npending; i++)
        hd_pgarray_add(&ids, self->pending[i].id);
    PGresult *r = hd_db_exec_arrays(
        self->db, "SELECT mention_id::text FROM read_inbox WHERE mention_id = ANY($1::uuid[])",
        &ids, 1);
    self->polls++;
    if (!r) {
        self->errors++;
        hd_db_ensure(self->db);
        return;
    }
    size_t rows = (size_t)PQntuples(r);
    const char **found = malloc((rows ? rows : 1) * sizeof *found);
    if (!found)
        abort();
    for (size_t k = 0; k < rows; k++)
        found[k] = PQgetvalue(r, (int)k, 0);
    qsort(found, rows, sizeof *found, cmp_id);
    size_t keep = 0;
    for (size_t i = 0; i < self->npending; i++) {
        const char *key = self->pending[i].id;
        if (rows && bsearch(&key, found, rows, sizeof *found, cmp_id)) {
            self->seen = grow(self->seen, &self->capseen, self->nseen + 1, sizeof *self->seen);
            self->seen[self->nseen++] = (sighting_t){.item = self->pending[i].item, .t_us = t};
        } else
            self->pending[keep++] = self->pending[i];
    }
    if (keep < self->npending)
        self->last_progress_us = t;
    self->npending = keep;
    free(found);
    PQclear(r);
}

/* One lookup per outstanding mention per poll: the interval that keeps
   the lookups near LG_PROBE_LOOKUPS_PER_S, within its bounds. */
static int64_t interval_us(const lg_probe_t *self, size_t outstanding) {
    int64_t us = (int64_t)outstanding * 1000000 / LG_PROBE_LOOKUPS_PER_S;
    if (us < self->min_interval_us)
        us = self->min_interval_us;
    return us > LG_PROBE_MAX_INTERVAL_US ? LG_PROBE_MAX_INTERVAL_US : us;
}

/* Moves what the client handed over to the outstanding list; 1 once the
   probe is done (finishing, and nothing outstanding or nothing seen for
   the stall time). */
static int take_in(lg_probe_t *self, int64_t now) {
    pthread_mutex_lock(&self->mu);
    if (self->nin) {
        self->pending = grow(self->pending, &self->cappending, self->npending + self->nin,
                             sizeof *self->pending);
        memcpy(self->pending + self->npending, self->in, self->nin * sizeof *self->in);
        self->npending += self->nin;
        self->nin = 0;
    }
    int finishing = self->finishing;
    int64_t since = self->finish_at_us, stall = self->stall_us;
    pthread_mutex_unlock(&self->mu);
    if (self->last_progress_us > since)
        since = self->last_progress_us;
    return finishing && (self->npending == 0 || now - since > stall);
}

static void sleep_us(int64_t us) {
    struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

static void *probe_main(void *arg) {
    lg_probe_t *self = arg;
    for (;;) {
        int64_t now = lg_now_us();
        if (take_in(self, now))
            return NULL;
        if (!self->npending) {
            self->prev_poll_us = 0; /* an idle gap is not a poll interval */
            sleep_us(self->min_interval_us);
            continue;
        }
        if (self->prev_poll_us) {
            self->interval_sum_us += now - self->prev_poll_us;
            self->intervals++;
        }
        self->prev_poll_us = now;
        size_t outstanding = self->npending;
        poll_once(self, now);
        int64_t wait = now + interval_us(self, outstanding) - lg_now_us();
        if (wait > 0)
            sleep_us(wait);
    }
}

lg_probe_t *lg_probe_start(const char *url, int min_interval_ms) {
    lg_probe_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    self->min_interval_us = (int64_t)(min_interval_ms > 0 ? min_interval_ms : 1) * 1000;
    self->db = hd_db_connect_as(url, "read", 10000, NULL);
    if (!self->db) {
        fprintf(stderr, "loadgen: probe: cannot connect to the database\n");
        free(self);
        return NULL;
    }
    pthread_mutex_init(&self->mu, NULL);
    if (pthread_create(&self->thread, NULL, probe_main, self) != 0) {
        fprintf(stderr, "loadgen: probe: cannot start its thread\n");
        hd_db_destroy(&self->db);
        pthread_mutex_destroy(&self->mu);
        free(self);
        return NULL;
    }
    return self;
}

void lg_probe_finish(lg_probe_t **self_p, lg_run_t *run, double stall_s, lg_probe_stats_t *stats) {
    if (!self_p || !*self_p)
        return;
    lg_probe_t *self = *self_p;
    pthread_mutex_lock(&self->mu);
    self->finishing = 1;
    self->finish_at_us = lg_now_us();
    self->stall_us = (int64_t)(stall_s * 1e6);
    pthread_mutex_unlock(&self->mu);
    pthread_join(self->thread, NULL);
    for (size_t k = 0; k < self->nseen; k++)
        lg_record(run, self->seen[k].item)->t_visible_us = self->seen[k].t_us;
    *stats = (lg_probe_stats_t){
        .polls = self->polls,
        .mean_interval_ms =
            self->intervals ? (double)self->interval_sum_us / (double)self->intervals / 1000 : 0,
        .errors = self->errors,
        .unseen = (long)self->npending};
    hd_db_destroy(&self->db);
    pthread_mutex_destroy(&self->mu);
    free(self->in);
    free(self->pending);
    free(self->seen);
    free(self);
    *self_p = NULL;
}
