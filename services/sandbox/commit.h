/*  commit: the group commit of the sandbox's answers. A POST that creates
    a post has it written to the file and waits here, deferred; so does a
    POST that repeats the Idempotency-Key of a post still waiting. The first
    waiter posts a flush to the server thread (hd_http_server_post), which
    runs once the reads at hand were handled: one fsync makes the whole
    batch durable, then every waiter is answered. A 200 never goes out
    before its post is on disk, and N posts that arrive together cost one
    fsync instead of N. Server thread only, like the handler: no locks. */
#ifndef SB_COMMIT_H
#define SB_COMMIT_H

#include "hd_http.h"
#include "store.h"

typedef struct sb_commit sb_commit_t;

/* Answers a waiter: `post` is on disk, or NULL when the sync failed and
   the post was dropped. Must answer req with an hd_http_respond* call. */
typedef void(sb_commit_answer_fn)(hd_http_req_t *req, const sb_post_t *post, void *arg);

/* A commit for `store` (borrowed, must outlive it). The caller owns it. */
sb_commit_t *sb_commit_new(sb_store_t *store, sb_commit_answer_fn *answer, void *arg);

/* Flushes what still waits (answers go nowhere once the server is gone),
   then frees. Destroy it after the server. Safe on NULL; nulls the
   caller's pointer. */
void sb_commit_destroy(sb_commit_t **self_p);

/* Handler only: defers req until `post`, one of the store's posts not yet
   durable, is on disk, then answers it through the answer function.
   -1 if req cannot be deferred (already answered or deferred). While
   requests wait, nothing else may sync the store: a failed sync frees the
   posts they wait for, and only the commit knows to answer 500 then. */
int sb_commit_wait(sb_commit_t *self, hd_http_req_t *req, const sb_post_t *post);

/* sb_commit_wait for a request deferred already (a hang resumed, say):
   takes `later`. Server thread only. */
void sb_commit_wait_later(sb_commit_t *self, hd_http_server_t *server, hd_http_later_t *later,
                          const sb_post_t *post);

/* Syncs the store and answers every waiter now. The posted flush calls it;
   the caller may too (before a crash-after-store exit, say). */
void sb_commit_flush(sb_commit_t *self);

/* Requests waiting now. */
size_t sb_commit_waiting(const sb_commit_t *self);

#endif
