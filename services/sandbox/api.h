/*  api: the sandbox's Mastodon-style HTTP routes.
      POST /api/v1/statuses            post (Bearer token; JSON or form body;
                                       Idempotency-Key honoured per account);
                                       answered once the post is fsync'd, one
                                       fsync per batch (commit.h)
      GET  /api/v1/statuses            all, newest first; ?account=handle,
                                       ?idempotency_key=K, ?limit=N
                                       (deleted statuses are not listed)
      GET  /api/v1/statuses/{id}       one status or 404 (deleted: 404)
      DELETE /api/v1/statuses/{id}     as Mastodon: the owner's token only
                                       (none or unknown: 401; a status of
                                       another account, or none, or one
                                       deleted already: 404 "Record not
                                       found"); 200 with the deleted status
                                       and its source as "text", answered
                                       once the deletion is fsync'd (with
                                       the posts of the batch, commit.h); a
                                       POST repeating the Idempotency-Key of
                                       a deleted status: 404
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
    Errors are hd_http JSON errors naming the field that is wrong. */
#ifndef SB_API_H
#define SB_API_H

#include "accounts.h"
#include "commit.h"
#include "fault.h"
#include "hd_http.h"
#include "sink.h"
#include "store.h"

typedef struct {
    sb_store_t *store;       /* borrowed */
    sb_commit_t *commit;     /* borrowed; answers POSTs once their post is on disk */
    sb_accounts_t *accounts; /* borrowed */
    sb_sink_t *sink;         /* borrowed; the webhooks received */
    const char *public_url;  /* borrowed; no trailing slash */
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
   with the deleted status (its source as "text"), or 500 when the
   deletion was not stored (the status is live again). */
void sb_api_answer_post(hd_http_req_t *req, const sb_post_t *post, void *arg);

/* Renders a stored status as the API shows it (new reference). */
json_t *sb_api_status_json(const sb_api_t *api, const sb_post_t *post);

#endif
