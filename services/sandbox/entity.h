/*  entity: Mastodon's REST entities as the sandbox renders them, field for
    field as Mastodon's serializers write them: Account, Status (its HTML
    content, mentions, tags, thread fields and replies_count), Notification
    (type mention) and the statuses of a Context. What the sandbox has no
    data for takes Mastodon's value for "none" (0 counts, empty lists, null,
    the default avatar's URL); docs/sandbox.md lists them. Two fields are
    the sandbox's own, for tests and for the publisher's reconciliation:
    "text" (the source as posted, which Mastodon shows only when it deletes
    a status) and "idempotency_key". Server thread only (the timeline). */
#ifndef SB_ENTITY_H
#define SB_ENTITY_H

#include "accounts.h"
#include "store.h"
#include "timeline.h"

#include <jansson.h>

/* What rendering reads; every pointer borrowed. */
typedef struct {
    const sb_store_t *store;
    sb_timeline_t *timeline;
    const char *base_url; /* the public URL, no trailing slash */
} sb_view_t;

/* The Account entity of acct (any handle: configured or a post's
   author). New reference. */
json_t *sb_entity_account(const sb_view_t *v, const char *acct);

/* The Status entity of a post of the store. New reference. */
json_t *sb_entity_status(const sb_view_t *v, const sb_post_t *post);

/* The Notification of type mention a post makes for the accounts it
   mentions: the status's id and time are the notification's (one per
   status and account, made when the status is). New reference. */
json_t *sb_entity_notification(const sb_view_t *v, const sb_post_t *post);

/* Whether viewer (a handle, or NULL: no token) may see post, as Mastodon's
   StatusPolicy#show?: a live, durable post; public and unlisted ones to
   anyone, private and direct ones to their author and the accounts they
   mention. */
int sb_entity_visible(const sb_view_t *v, const sb_post_t *post, const char *viewer);

#endif
