/*  sequencer: outbox -> event_log, gap-free and commit-ordered.

    One statement per batch (a single statement is one transaction): delete
    the committed outbox rows with the lowest oids, drop those whose event_id
    is already in event_log, and insert the rest with seq = last + 1, ... in
    oid order. Only committed rows are visible to the DELETE, and a writer's
    later transaction always gets a higher oid than its earlier (committed)
    one, so each writer's events keep their commit order; a transaction that
    commits late simply lands in a later batch with higher seqs. Nothing here
    tails a sequence. Whenever the outcome of a batch is unknown (the
    connection broke), the next connection re-reads max(seq).

    Wake-ups: none from the producers. A NOTIFY at commit (the first design)
    takes a database-wide lock that is held until the commit record is
    flushed, which serialized every producer's commit and switched off
    PostgreSQL's group commit (migrations/007_outbox_no_notify.sql says
    more). Instead the sequencer polls adaptively: at once after a full
    batch, after IDLE_MIN_MS after a partial one (so the next batch has
    time to grow: at 500 items/s, 1 ms gave moves of two events, each
    costing the database as much as one of twenty), and with a pause that
    doubles up to poll_ms while the outbox stays empty. Busy, a commit waits
    at most a few milliseconds; idle, one cheap statement every poll_ms. */
#include "sequencer.h"

#include "floor.h"
#include "hd_db.h"
#include "hd_id.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "history.h"

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000
#define SLICE_MS 200 /* longest sleep before looking at the stop flag */
#define IDLE_MIN_MS 5
#define FULL_SCAN_MS 5000 /* a move from oid 0 now and then: checks the floor */

struct hub_sequencer {
    pthread_t thread;
    atomic_int stop;
    hub_sequencer_cfg_t cfg;
    char *db_url, *pipe_ep;
    void *pipe;
    hd_db_t *db;
    int leader;
    int idle_ms; /* the next pause while the outbox stays empty */
    hub_floor_t *floor;
    int64_t full_scan_at; /* when the next move starts from oid 0 */
    uint64_t last;        /* highest seq handed to the hub loop */
};

/* Both lookups are written so that no estimate can turn them into scans:
   the oids come as an array (an index probe each), and the "already in
   event_log" check is a per-row subplan on its unique index. Planned as
   joins, they read the whole outbox (dead rows included) and the whole
   event_log on every batch: 44 ms a batch at 65,000 events in the log.
   The scan starts at the floor (floor.h). Every moved row comes back with
   its oid (seq NULL: already in event_log, only deleted), and one last row
   with oid NULL carries the statement's snapshot xmin and the move's own
   transaction id (NULL when it deleted nothing): an xid assigned after
   every oid below the ones it moved was taken (floor.h). */
static const char *MOVE_SQL =
    "WITH moved AS ("
    "  DELETE FROM outbox WHERE oid = ANY (ARRAY("
    "    SELECT oid FROM outbox WHERE oid >= $3::bigint ORDER BY oid LIMIT $1::int))"
    "  RETURNING oid, event_id, type, department, correlation_id, causation_id, payload,"
    "            created_at"
    "), fresh AS ("
    "  SELECT m.*, $2::bigint + row_number() OVER (ORDER BY m.oid) AS seq FROM moved m"
    "  WHERE (SELECT 1 FROM event_log e WHERE e.event_id = m.event_id LIMIT 1) IS NULL"
    "), ins AS ("
    "  INSERT INTO event_log (seq, event_id, type, department, correlation_id, causation_id,"
    "                         payload, created_at)"
    "  SELECT seq, event_id, type, department, correlation_id, causation_id, payload,"
    "         created_at FROM fresh"
    "  RETURNING seq"
    ") SELECT f.seq, m.type, m.department, m.payload, m.oid, NULL::xid8, NULL::xid8"
    "  FROM moved m LEFT JOIN fresh f ON f.oid = m.oid"
    "  UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, pg_snapshot_xmin(pg_current_snapshot()),"
    "                   pg_current_xact_id_if_assigned()"
    "  ORDER BY 5 NULLS LAST";

void hub_seqbatch_destroy(hub_seqbatch_t **self_p) {
    if (!self_p || !*self_p)
        return;
    hub_history_free((*self_p)->events, (int)(*self_p)->n);
    free(*self_p);
    *self_p = NULL;
}

/* Hands a batch to the hub loop; blocks (checking stop) while it is busy. */
static void hand_over(hub_sequencer_t *self, uint64_t head, hub_event_t **evs, size_t n) {
    hub_seqbatch_t *b = hd_calloc(1, sizeof *b);
    b->head = head;
    b->n = n;
    b->events = evs;
    while (!atomic_load(&self->stop)) {
        if (zmq_send(self->pipe, &b, sizeof b, 0) == (int)sizeof b)
            return;
        if (zmq_errno() != EAGAIN && zmq_errno() != EINTR)
            break;
    }
    hub_seqbatch_destroy(&b);
}

static void set_leader(hub_sequencer_t *self, int on) {
    self->leader = on;
    atomic_store(&self->cfg.stats->leader, on);
}

static void db_drop(hub_sequencer_t *self) {
    hd_db_destroy(&self->db);
    if (self->leader)
        hd_warn("sequencer_lost_db", "lost the database: sequencing paused");
    set_leader(self, 0);
}

static int try_lock(hub_sequencer_t *self) {
    char key[24];
    snprintf(key, sizeof key, "%d", HUB_SEQ_LOCK_KEY);
    const char *p[1] = {key};
    PGresult *r = hd_db_exec(self->db, "SELECT pg_try_advisory_lock($1::bigint)", 1, p);
    if (!r)
        return -1;
    int got = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (!got)
        return 0;
    long long head = hub_history_head(self->db);
    if (head < 0)
        return -1;
    set_leader(self, 1);
    hub_floor_reset(self->floor);
    self->full_scan_at = 0;
    self->last = (uint64_t)head;
    hand_over(self, self->last, NULL, 0);
    hd_info("sequencer_leader", "holding the sequencer lock; head %lld", head);
    return 1;
}

static int db_open(hub_sequencer_t *self) {
    self->db = hd_db_connect_with(self->db_url, 0, HUB_DB_OPTIONS);
    if (!self->db)
        return -1;
    long long head;
    if ((head = hub_history_head(self->db)) < 0) {
        db_drop(self);
        return -1;
    }
    self->last = (uint64_t)head;
    hand_over(self, self->last, NULL, 0);
    hd_info("sequencer_connected", "event_log head %lld", head);
    if (try_lock(self) < 0) {
        db_drop(self);
        return -1;
    }
    if (!self->leader)
        hd_info("sequencer_standby", "another hub holds the sequencer lock: following");
    return 0;
}

/* What a move returned: its events (rows with a seq), every oid it took,
   and its snapshot. */
typedef struct {
    hub_event_t **evs;
    int nev;
    uint64_t *oids;
    size_t noids;
    uint64_t xmin, xid; /* xid 0: the move deleted nothing */
} moved_t;

static void moved_free(moved_t *m) {
    hub_history_free(m->evs, m->nev);
    free(m->oids);
}

static int moved_parse(PGresult *r, moved_t *m) {
    int rows = PQntuples(r);
    memset(m, 0, sizeof *m);
    if (rows < 1 || !PQgetisnull(r, rows - 1, 4))
        return -1; /* the snapshot row is always there, last */
    m->evs = hd_calloc((size_t)rows, sizeof *m->evs);
    m->oids = hd_calloc((size_t)rows, sizeof *m->oids);
    for (int i = 0; i < rows - 1; i++) {
        m->oids[m->noids++] = hub_history_int8(PQgetvalue(r, i, 4));
        if (PQgetisnull(r, i, 0))
            continue; /* already in event_log: deleted only */
        m->evs[m->nev++] = hub_event_new(
            hub_history_int8(PQgetvalue(r, i, 0)), PQgetvalue(r, i, 1),
            (size_t)PQgetlength(r, i, 1), PQgetvalue(r, i, 2), (size_t)PQgetlength(r, i, 2),
            (const uint8_t *)PQgetvalue(r, i, 3), (size_t)PQgetlength(r, i, 3));
    }
    m->xmin = hub_history_int8(PQgetvalue(r, rows - 1, 5));
    m->xid = PQgetisnull(r, rows - 1, 6) ? 0 : hub_history_int8(PQgetvalue(r, rows - 1, 6));
    return 0;
}

/* Events must continue the log exactly; anything else means `last` is
   wrong (it cannot happen with one writer), so stop trusting it. */
static int continues_log(const hub_sequencer_t *self, const moved_t *m) {
    for (int i = 0; i < m->nev; i++)
        if (m->evs[i]->seq != self->last + 1 + (uint64_t)i) {
            hd_error("sequencer_seq_mismatch", "expected %llu.., got %llu at %d",
                     (unsigned long long)self->last + 1, (unsigned long long)m->evs[i]->seq, i);
            return 0;
        }
    return 1;
}

/* Leader: one batch. The number of outbox rows moved, -1 on error. */
static int step_leader(hub_sequencer_t *self) {
    int full_scan = hd_now_ms() >= self->full_scan_at;
    uint64_t floor = full_scan ? 0 : hub_floor_get(self->floor);
    char lim[16], last[24], from[24];
    snprintf(lim, sizeof lim, "%d", self->cfg.batch);
    snprintf(last, sizeof last, "%llu", (unsigned long long)self->last);
    snprintf(from, sizeof from, "%llu", (unsigned long long)floor);
    const char *p[3] = {lim, last, from};
    PGresult *r = hd_db_execv(self->db, MOVE_SQL, 3, p, NULL, NULL, 1);
    if (!r)
        return -1;
    moved_t m;
    int bad = moved_parse(r, &m) < 0 || !continues_log(self, &m);
    PQclear(r);
    if (bad) {
        moved_free(&m);
        return -1;
    }
    if (full_scan) {
        self->full_scan_at = hd_now_ms() + FULL_SCAN_MS;
        uint64_t expected = hub_floor_get(self->floor);
        if (m.noids && m.oids[0] < expected) /* the floor's proof failed somewhere */
            hd_warn("sequencer_below_floor", "outbox oid %llu found below the floor %llu",
                    (unsigned long long)m.oids[0], (unsigned long long)expected);
    }
    hub_floor_update(self->floor, m.oids, m.noids, (int)m.noids >= self->cfg.batch, m.xmin, m.xid);
    int moved = (int)m.noids;
    if (m.nev > 0) {
        self->last += (uint64_t)m.nev;
        atomic_fetch_add(&self->cfg.stats->sequenced, (unsigned long long)m.nev);
        hd_debug("sequencer_batch", "sequenced %d events up to %llu (floor %llu, %zu gaps)", m.nev,
                 (unsigned long long)self->last, (unsigned long long)floor,
                 hub_floor_gaps(self->floor));
        hand_over(self, self->last, m.evs, (size_t)m.nev);
        m.evs = NULL; /* handed over */
        m.nev = 0;
    }
    moved_free(&m);
    return moved;
}

/* Standby: take the lock if it is free, else follow event_log. The number
   of events read (a batch's worth once it becomes the leader), -1 on
   error. */
static int step_follower(hub_sequencer_t *self) {
    int got = try_lock(self);
    if (got != 0)
        return got < 0 ? -1 : self->cfg.batch;
    hub_event_t **evs;
    int n =
        hub_history_read(self->db, self->last, INT64_MAX, (uint32_t)self->cfg.batch, NULL, &evs);
    if (n < 0)
        return -1;
    if (n == 0)
        return 0;
    self->last = evs[n - 1]->seq;
    hand_over(self, self->last, evs, (size_t)n);
    return n;
}

/* Sleeps before the next look at the outbox, given how many events the
   last step moved. */
static void pause_after(hub_sequencer_t *self, int moved) {
    if (moved >= self->cfg.batch)
        return;
    int ms;
    if (moved > 0) {
        self->idle_ms = IDLE_MIN_MS;
        ms = IDLE_MIN_MS;
    } else {
        ms = self->idle_ms;
        self->idle_ms = ms * 2 > self->cfg.poll_ms ? self->cfg.poll_ms : ms * 2;
    }
    while (ms > 0 && !atomic_load(&self->stop)) {
        int slice = ms < SLICE_MS ? ms : SLICE_MS;
        poll(NULL, 0, slice);
        ms -= slice;
    }
}

static void *run(void *arg) {
    hub_sequencer_t *self = arg;
    int backoff = BACKOFF_MIN_MS;
    while (!atomic_load(&self->stop)) {
        if (!self->db) {
            if (db_open(self) < 0) {
                for (int t = 0; t < backoff && !atomic_load(&self->stop); t += 50)
                    poll(NULL, 0, 50);
                backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
                continue;
            }
            backoff = BACKOFF_MIN_MS;
        }
        int moved = self->leader ? step_leader(self) : step_follower(self);
        if (moved < 0) {
            db_drop(self); /* re-connect, re-lock, re-read max(seq) */
            continue;
        }
        pause_after(self, moved);
    }
    hd_db_destroy(&self->db);
    return NULL;
}

hub_sequencer_t *hub_sequencer_start(const hub_sequencer_cfg_t *cfg) {
    hub_sequencer_t *self = hd_calloc(1, sizeof *self);
    self->cfg = *cfg;
    self->db_url = hd_strdup(cfg->db_url);
    self->pipe_ep = hd_strdup(cfg->pipe);
    self->cfg.db_url = self->db_url;
    self->cfg.pipe = self->pipe_ep;
    if (self->cfg.batch < 1)
        self->cfg.batch = 1000;
    if (self->cfg.poll_ms < 1)
        self->cfg.poll_ms = 25;
    self->idle_ms = IDLE_MIN_MS;
    self->floor = hub_floor_new();
    self->pipe = zmq_socket(cfg->zmq_ctx, ZMQ_PAIR);
    int linger = 0, timeout = SLICE_MS;
    if (self->pipe) {
        zmq_setsockopt(self->pipe, ZMQ_LINGER, &linger, sizeof linger);
        zmq_setsockopt(self->pipe, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
    }
    if (!self->pipe || zmq_connect(self->pipe, self->pipe_ep) != 0 ||
        pthread_create(&self->thread, NULL, run, self) != 0) {
        hd_error("sequencer_start_failed", "%s", zmq_strerror(zmq_errno()));
        if (self->pipe)
            zmq_close(self->pipe);
        hub_floor_destroy(&self->floor);
        free(self->db_url);
        free(self->pipe_ep);
        free(self);
        return NULL;
    }
    return self;
}

void hub_sequencer_stop(hub_sequencer_t **self_p) {
    if (!self_p || !*self_p)
        return;
    hub_sequencer_t *self = *self_p;
    atomic_store(&self->stop, 1);
    pthread_join(self->thread, NULL);
    zmq_close(self->pipe);
    hub_floor_destroy(&self->floor);
    free(self->db_url);
    free(self->pipe_ep);
    free(self);
    *self_p = NULL;
}
