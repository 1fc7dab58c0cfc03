/*  reads: the sandbox's Mastodon reading routes, the ones a listening feed
    and a thread view use, answered as Mastodon's controllers answer them
    (docs/sandbox.md):
      GET /api/v1/notifications       the token's account's notifications:
                                      one of type mention per status that
                                      mentions it (types[], exclude_types[],
                                      account_id, max_id, since_id, min_id,
                                      limit: 40, at most 80); newest first;
                                      Link next/prev
      GET /api/v1/timelines/tag/{tag} the public statuses carrying a
                                      hashtag (limit: 20, at most 40; same
                                      paging); [] for a tag never used
      GET /api/v1/statuses/{id}       one status: 404 "Record not found"
                                      when it does not exist or the asker
                                      may not see it
      GET /api/v1/statuses/{id}/context   its ancestors and descendants
                                      (without a token: 40 ancestors, 60
                                      descendants, 20 levels deep; with
                                      one: 4096 and 4096, any depth)
    A token is required for notifications (401 without one) and optional
    elsewhere (401 when one is sent but unknown). Server thread only. */
#ifndef SB_READS_H
#define SB_READS_H

#include "api.h"

void sb_reads_notifications(sb_api_t *api, hd_http_req_t *req);

/* segment: the hashtag as the path holds it (percent-encoded). */
void sb_reads_tag(sb_api_t *api, hd_http_req_t *req, const char *segment);

void sb_reads_status(sb_api_t *api, hd_http_req_t *req, const char *id);

void sb_reads_context(sb_api_t *api, hd_http_req_t *req, const char *id);

/* A path segment percent-decoded ('+' stays), as Rails decodes a route's
   parameter; NULL when it decodes to a NUL or to text that is not UTF-8.
   The caller frees. */
char *sb_reads_segment(const char *segment);

#endif
