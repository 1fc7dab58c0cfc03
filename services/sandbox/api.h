/*  api: the sandbox's HTTP routes: a stand-in for a Mastodon server, close
    enough that a Mastodon client library works against it unchanged
    (docs/sandbox.md is the full contract).
      POST /api/v1/statuses            post (Bearer token of any account;
                                       JSON or form body: status,
                                       visibility, in_reply_to_id (an id
                                       the poster may not see, or none:
                                       404); Idempotency-Key honoured per
                                       account); answered once the post is
                                       fsync'd, one fsync per batch
                                       (commit.h)
      GET  /api/v1/statuses            the sandbox's own listing: all,
                                       newest first; ?account=handle,
                                       ?idempotency_key=K, ?limit=N,
                                       ?max_id=ID (deleted statuses are
                                       not listed)
      GET  /api/v1/statuses/{id}       one status (reads.h)
      GET  /api/v1/statuses/{id}/context   its thread (reads.h)
      DELETE /api/v1/statuses/{id}     as Mastodon: the owner's token only
                                       (none or unknown: 401; a status of
                                       another account, or none, or one
                                       deleted already: 404 "Record not
                                       found"); 200 with the deleted status,
                                       answered once the deletion is
                                       fsync'd (with the posts of the
                                       batch, commit.h); a POST repeating
                                       the Idempotency-Key of a deleted
                                       status: 404
      GET  /api/v1/notifications       the token's mentions (reads.h)
      GET  /api/v1/timelines/tag/{tag} a hashtag's public statuses (reads.h)
      GET  /@{handle}.rss, /tags/{tag}.rss   RSS 2.0 (rss.h)
      GET  /api/v1/stats               {"posts":N,"by_idempotency_key":{...}}
      GET  /api/v1/accounts/verify_credentials   the token's account
      POST /webhooks/{name}            the webhook sink (sink.h): kept in
                                       memory (the newest 1000 of all
                                       names), 204; name not
                                       ^[a-z][a-z0-9-]{0,62}$: 404; a body
                                       over 64 KiB: 413 (the server's limit)
      GET  /webhooks/{name}            200 [{"received_at", "webhook-id",
                                       "webhook-timestamp",
                                       "webhook-signature", "bytes",
                                       "body"}...] oldest first ([]: none)
      GET  /healthz, GET /metrics
    Errors of the Mastodon routes are Mastodon's: {"error": "what is
    wrong"}; the webhook sink's are huddle's (hd_http_respond_error). */
#ifndef SB_API_H
#define SB_API_H

#include "accounts.h"
#include "commit.h"
#include "entity.h"
#include "fault.h"
#include "hd_http.h"
#include "sink.h"
#include "store.h"
#include "timeline.h"

typedef struct {
    sb_store_t *store;       /* borrowed */
    sb_commit_t *commit;     /* borrowed; answers POSTs once their post is on disk */
    sb_accounts_t *accounts; /* borrowed */
    sb_sink_t *sink;         /* borrowed; the webhooks received */
    sb_view_t view;          /* the store, the timeline (borrowed) and the public URL */
    long max_chars;          /* status limit in code points */
    sb_faults_t faults;
    long fault_timeout_ms;   /* how long a "hang" fault waits */
    long crash_after;        /* _exit(137) after storing the N-th post; 0 = never */
    long created;            /* posts created by this process */
    long faults_injected[5]; /* by sb_fault_t */
} sb_api_t;

/* The hd_http handler; arg is an sb_api_t. Runs on the server thread only,
   so the store needs no lock. Reads show durable posts only: nobody sees a
   post a crash could still take back. */
void sb_api_handle(hd_http_req_t *req, void *arg);

/* The commit's answer function (sb_commit_answer_fn); arg is an sb_api_t.
   A POST: 200 with the post, or 500 when it was not stored. A DELETE: 200
   with the deleted status, or 500 when the deletion was not stored (the
   status is live again). */
void sb_api_answer_post(hd_http_req_t *req, const sb_post_t *post, void *arg);

/* Answers a Mastodon error: {"error": message}. */
void sb_api_error(hd_http_req_t *req, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Mastodon's 404 for a status that does not exist, or that the asker may
   not see or act on: {"error": "Record not found"}. */
void sb_api_not_found(hd_http_req_t *req);

/* The account of the request's bearer token, or NULL after answering 401
   (missing or unknown token, as Mastodon's doorkeeper). Borrowed. */
const char *sb_api_account(sb_api_t *api, hd_http_req_t *req);

/* A public read's asker: 0 with *viewer the token's account, or NULL when
   no Authorization was sent; -1 after answering 401 when a token was sent
   but is unknown (Mastodon's authorize_if_got_token!). */
int sb_api_viewer(sb_api_t *api, hd_http_req_t *req, const char **viewer);

#endif
