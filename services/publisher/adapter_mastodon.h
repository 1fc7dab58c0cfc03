/*  adapter_mastodon: delivery to a Mastodon-compatible server.

      post:   POST {base}/api/v1/statuses  JSON {"status": text}, and
              "in_reply_to_id" for a reply (Mastodon answers 404 when
              that status is gone: a permanent failure)
              Authorization: Bearer <token>, Idempotency-Key: <content id>
              2xx with "id" and "url" in the JSON status = delivered.
      lookup: GET {base}/api/v1/statuses?idempotency_key=<key>
              answers [] (never posted) or [status].
      delete: DELETE {base}/api/v1/statuses/<post id>
              Authorization: Bearer <token>; 200 (the deleted status) =
              deleted; 404 = already gone (Mastodon also answers 404 for a
              status of another account: it cannot be ours to delete, and
              retrying would not change that), deleted too; 5xx, 408, 429
              and no answer are transient, other statuses permanent.

    Timeouts: connect 2 s, whole call 10 s (unless the request sets others).
    A request with a conn reuses its handle, so a worker posting to one
    server keeps one connection alive instead of opening one per post.
    A call in progress is abandoned when hd_stop is set (PUB_ABORTED). The
    answer parsers are exposed for tests. */
#ifndef PUB_ADAPTER_MASTODON_H
#define PUB_ADAPTER_MASTODON_H

#include "adapter.h"

extern const pub_adapter_t pub_adapter_mastodon;

/* Reads "id" (string or integer) and "url" of a status object from body
   (len bytes, need not be terminated) into res. 0, or -1 with res->error. */
int pub_mastodon_parse_status(const char *body, size_t len, pub_result_t *res);

/* Reads a lookup answer: [] -> 1 (nothing posted), [status, ...] -> 0 with
   the first status's id and url in res, anything else -> -1 (res->error). */
int pub_mastodon_parse_lookup(const char *body, size_t len, pub_result_t *res);

#endif
