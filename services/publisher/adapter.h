/*  adapter: how the publisher talks to one kind of channel.

    The channel's kind (table channel, column kind) selects the adapter; no
    channel or department is named in code. Every adapter offers the same
    three calls, each idempotent by construction: post (delivers a text
    under an idempotency key: the content id; posting again with the same
    key must not create a second post), lookup (finds what was posted under
    a key, to reconcile a delivery whose outcome was never recorded) and
    delete (removes a post by its id, for a crisis's recall: a post
    already gone counts as deleted, so deleting twice is deleting once).

    Both calls are safe from several threads at once, each thread with its
    own pub_conn_t (or none). */
#ifndef PUB_ADAPTER_H
#define PUB_ADAPTER_H

#include <curl/curl.h>
#include <stddef.h>

/* A thread's reusable transport: one libcurl easy handle, kept between
   calls so the next call to the same channel reuses its kept-alive
   connection. Belongs to one thread at a time. */
typedef struct pub_conn pub_conn_t;

typedef struct {
    const char *base_url;        /* the channel's API root, e.g. http://127.0.0.1:7700 */
    const char *token;           /* bearer token of the department's account */
    const char *idempotency_key; /* the content id */
    const char *text;            /* post only */
    const char *in_reply_to_id;  /* post only: the channel's id of the post it answers, as a
                                    reply in that thread; NULL or "": none */
    const char *post_id;         /* delete only: the channel's id of the post */
    long connect_timeout_ms;     /* 0: 2000 */
    long timeout_ms;             /* 0: 10000 */
    pub_conn_t *conn;            /* borrowed; NULL: a fresh connection for this call */
} pub_request_t;

typedef enum {
    PUB_DONE = 0,  /* posted (post) or found (lookup): post_id and url are set;
                      delete: the post is gone */
    PUB_NOT_FOUND, /* lookup: nothing was posted under that key */
    PUB_RETRY,     /* transient: try again after a backoff */
    PUB_FAIL,      /* permanent: the same request would fail again */
    PUB_ABORTED    /* stopped by shutdown mid-call: outcome unknown */
} pub_outcome_t;

typedef struct {
    pub_outcome_t outcome;
    long http_status;    /* 0 when no response came */
    long retry_after_ms; /* -1 unless the channel sent Retry-After */
    char post_id[128];
    char url[512];
    char error[256]; /* why, for PUB_RETRY / PUB_FAIL / PUB_ABORTED */
} pub_result_t;

typedef struct {
    const char *kind;
    void (*post)(const pub_request_t *req, pub_result_t *res);
    void (*lookup)(const pub_request_t *req, pub_result_t *res);
    void (*delete)(const pub_request_t *req, pub_result_t *res);
} pub_adapter_t;

/* A new connection, the caller's to destroy; NULL when libcurl cannot
   make a handle. */
pub_conn_t *pub_conn_new(void);

/* Closes the connection; safe on NULL, nulls the caller's pointer. */
void pub_conn_destroy(pub_conn_t **self_p);

/* The connection's easy handle, reset to default options (live
   connections are kept). Borrowed: valid until pub_conn_destroy. */
CURL *pub_conn_easy(pub_conn_t *self);

/* The adapter for a channel kind ("mastodon"), or NULL. Static, borrowed. */
const pub_adapter_t *pub_adapter_find(const char *kind);

#endif
