/*  dbwork: the serve loop's database worker (see dbwork.h). */
#include "dbwork.h"

#include "hd_id.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "sequencer.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define DB_RETRY_MS 1000

struct hub_dbwork {
    int wake_fd;
    hd_workq_t *workq;
};

/* The worker's own: its connection and when it may next try to connect. */
typedef struct {
    const char *url;
    hd_db_t *db;
    int64_t retry_at;
} conn_t;

static void *conn_new(int index, void *arg) {
    (void)index;
    conn_t *c = hd_calloc(1, sizeof *c);
    c->url = arg;
    return c;
}

static void conn_free(void *state, void *arg) {
    (void)arg;
    conn_t *c = state;
    hd_db_destroy(&c->db);
    free(c);
}

/* Any thread: done callbacks are waiting for the loop. */
static void wake_loop(void *arg) {
    hub_dbwork_t *self = arg;
    uint64_t one = 1;
    if (write(self->wake_fd, &one, sizeof one) < 0) {
        /* the counter is saturated: the loop is being woken anyway */
    }
}

hub_dbwork_t *hub_dbwork_new(const char *db_url) {
    hub_dbwork_t *self = hd_calloc(1, sizeof *self);
    self->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    hd_workq_pool_t pool = {
        .workers = 1, .init = conn_new, .fini = conn_free, .arg = (void *)db_url};
    if (self->wake_fd >= 0)
        self->workq = hd_workq_new(&pool, wake_loop, self);
    if (!self->workq) {
        hd_error("hub_dbwork_failed", "cannot start the hub's database worker");
        hub_dbwork_destroy(&self);
    }
    return self;
}

void hub_dbwork_submit(hub_dbwork_t *self, hd_workq_fn *work, hd_workq_fn *done, void *arg) {
    hd_workq_submit(self->workq, work, done, arg);
}

hd_db_t *hub_dbwork_db(void) {
    conn_t *c = hd_workq_state();
    if (!c)
        return NULL;
    int64_t now = hd_now_ms();
    if (now < c->retry_at)
        return NULL;
    if (!c->db)
        c->db = hd_db_connect_with(c->url, 0, HUB_DB_OPTIONS);
    if (c->db && hd_db_ensure(c->db) == 0)
        return c->db;
    c->retry_at = now + DB_RETRY_MS;
    return NULL;
}

int hub_dbwork_fd(const hub_dbwork_t *self) { return self->wake_fd; }

size_t hub_dbwork_drain(hub_dbwork_t *self) {
    uint64_t n;
    if (read(self->wake_fd, &n, sizeof n) < 0) {
        /* nothing signalled: drain anyway */
    }
    return hd_workq_drain(self->workq);
}

void hub_dbwork_destroy(hub_dbwork_t **self_p) {
    if (!self_p || !*self_p)
        return;
    hub_dbwork_t *self = *self_p;
    hd_workq_destroy(&self->workq);
    if (self->wake_fd >= 0)
        close(self->wake_fd);
    free(self);
    *self_p = NULL;
}
