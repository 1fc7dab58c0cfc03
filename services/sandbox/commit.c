/*  commit: one fsync per batch of posts, then their answers (see commit.h). */
#include "commit.h"

#include "hd_log.h"
#include "hd_mem.h"

#include <stdlib.h>

typedef struct {
    hd_http_later_t *later;
    const sb_post_t *post;
} waiter_t;

struct sb_commit {
    sb_store_t *store;
    sb_commit_answer_fn *answer;
    void *arg;
    waiter_t *waiting;
    size_t n, cap;
    int posted; /* a flush is queued on the server thread */
};

sb_commit_t *sb_commit_new(sb_store_t *store, sb_commit_answer_fn *answer, void *arg) {
    if (!store || !answer)
        return NULL;
    sb_commit_t *self = hd_calloc(1, sizeof *self);
    self->store = store;
    self->answer = answer;
    self->arg = arg;
    return self;
}

void sb_commit_destroy(sb_commit_t **self_p) {
    if (!self_p || !*self_p)
        return;
    sb_commit_t *self = *self_p;
    *self_p = NULL;
    sb_commit_flush(self);
    free(self->waiting);
    free(self);
}

static void on_flush(void *arg) {
    sb_commit_t *self = arg;
    self->posted = 0;
    sb_commit_flush(self);
}

int sb_commit_wait(sb_commit_t *self, hd_http_req_t *req, const sb_post_t *post) {
    if (!self || !req || !post)
        return -1;
    hd_http_later_t *later = hd_http_defer(req);
    if (!later)
        return -1;
    sb_commit_wait_later(self, hd_http_req_server(req), later, post);
    return 0;
}

void sb_commit_wait_later(sb_commit_t *self, hd_http_server_t *server, hd_http_later_t *later,
                          const sb_post_t *post) {
    self->waiting = hd_grow(self->waiting, &self->cap, self->n + 1, sizeof *self->waiting);
    self->waiting[self->n++] = (waiter_t){later, post};
    /* Posted, not run here: the reads already at hand join this batch. */
    if (!self->posted) {
        self->posted = 1;
        hd_http_server_post(server, on_flush, self);
    }
}

void sb_commit_flush(sb_commit_t *self) {
    if (!self)
        return;
    /* Answering resumes connections, whose next requests may wait anew:
       they go to a fresh list and the next flush. */
    waiter_t *batch = self->waiting;
    size_t n = self->n;
    self->waiting = NULL;
    self->n = self->cap = 0;
    int rc = sb_store_sync(self->store);
    if (n > 1)
        hd_debug("group_commit", "one fsync for %zu answers", n);
    for (size_t i = 0; i < n; i++) {
        hd_http_req_t *req = hd_http_later_req(batch[i].later);
        if (req)
            self->answer(req, rc == 0 ? batch[i].post : NULL, self->arg);
        else
            hd_info("answer_undelivered", "the client left before its post was durable");
        hd_http_later_done(&batch[i].later);
    }
    free(batch);
}

size_t sb_commit_waiting(const sb_commit_t *self) { return self ? self->n : 0; }
