/*  store: the sandbox's posts, in memory and in an append-only JSON-lines
    file. A new post is written at once (sb_store_append) and made durable
    with the others written since by one fsync (sb_store_sync): the caller
    answers only after the sync, so what a client was told was posted
    survives a crash, and a burst of posts costs one fsync. A torn last line
    (a crash mid-write) is cut off when the file is opened; other unreadable
    lines are skipped with a warning.

    A line of the file is a post:
      {"id":"12","acct":"alice","content":"...","visibility":"public",
       "created_at":"2025-01-02T03:04:05.678Z","idempotency_key":"k"|null,
       "in_reply_to_id":"7"|null}
    or the deletion of an earlier one (the file stays append-only):
      {"deleted":"12","acct":"alice","deleted_at":"2025-01-02T03:05:00.000Z"}
    A deletion is written and synced like a post (sb_store_delete, then
    sb_store_sync): until its fsync the post still shows, and a failed
    fsync takes the deletion back. In memory a post is one allocation
    holding its strings (sb_post_t), and two hash indexes find a post by id
    and by (account, idempotency key) in constant time; a deleted post
    keeps its place (ids are never given out again) with its state set. */
#ifndef SB_STORE_H
#define SB_STORE_H

#include <jansson.h>
#include <stddef.h>

typedef struct sb_store sb_store_t;

/* A stored status. Every string lives in the post's own allocation;
   visibility and created_at are NULL only for lines that lacked them,
   idempotency_key and in_reply_to_id are NULL when there is none. */
typedef enum {
    SB_POST_LIVE = 0,
    SB_POST_DELETING, /* its deletion is written, not yet fsync'd: it still shows */
    SB_POST_DELETED   /* its deletion is on disk: gone from every read */
} sb_post_state_t;

typedef struct {
    const char *id, *acct, *content, *visibility, *created_at, *idempotency_key, *in_reply_to_id;
    sb_post_state_t state; /* set by the store only */
} sb_post_t;

/* Opens (creating it and its directories if needed) and loads the file at
   `path`. NULL on failure (logged). The caller owns the store. */
sb_store_t *sb_store_open(const char *path);

/* Syncs what is still unsynced, closes the file and frees. Safe on NULL;
   nulls the caller's pointer. */
void sb_store_destroy(sb_store_t **self_p);

/* Number of posts, durable or not; the i-th in creation order (borrowed,
   valid while the store lives, unless a failed sync drops it). */
size_t sb_store_count(const sb_store_t *self);
const sb_post_t *sb_store_at(const sb_store_t *self, size_t i);

/* Posts 0 .. synced-1 are on disk; the rest are written but not fsync'd. */
size_t sb_store_synced(const sb_store_t *self);

/* Whether `post` is on disk (its answer may go out). */
int sb_store_durable(const sb_store_t *self, const sb_post_t *post);

/* The post with this id, or NULL. Borrowed. */
const sb_post_t *sb_store_find(const sb_store_t *self, const char *id);

/* The position of `post` in creation order (sb_store_at(self, pos) is
   post), or SIZE_MAX when it is not one of the store's. */
size_t sb_store_pos(const sb_store_t *self, const sb_post_t *post);

/* The latest post this account created with this idempotency key, durable
   or not, or NULL. Borrowed. */
const sb_post_t *sb_store_find_key(const sb_store_t *self, const char *acct, const char *key);

/* Writes a new post to the file, not yet fsync'd, and returns it (borrowed),
   or NULL if it could not be written (logged; the file is left as it was).
   visibility NULL means "public"; idempotency_key and in_reply_to_id may be
   NULL. The post is findable at once, so a retry can wait for it. */
const sb_post_t *sb_store_append(sb_store_t *self, const char *acct, const char *content,
                                 const char *visibility, const char *idempotency_key,
                                 const char *in_reply_to_id);

/* Whether a read shows `post`: it is durable and not durably deleted. */
int sb_store_visible(const sb_store_t *self, const sb_post_t *post);

/* Writes the deletion of `post` (a durable, live post of the store) to the
   file, not yet fsync'd: the post becomes DELETING and shows until the
   next sync makes it DELETED. 0, or -1 if it cannot be written (logged;
   nothing changed) or the post is not live and durable. */
int sb_store_delete(sb_store_t *self, const sb_post_t *post);

/* fsyncs every post and deletion appended since the last sync. 0 when
   they are on disk (or there were none): the deletions are final. -1 when
   the fsync failed (logged): the file is cut back to its last durable
   length, those posts are forgotten, their pointers freed (their ids are
   not given out again in this process), and those deletions are undone
   (their posts are live again). */
int sb_store_sync(sb_store_t *self);

/* fsyncs of new posts so far (tried, failed ones too): one per batch. */
long sb_store_fsyncs(const sb_store_t *self);

/* Durable deletions so far. */
size_t sb_store_deleted(const sb_store_t *self);

/* {"posts":N,"by_idempotency_key":{"k":count,...}} over the durable
   posts: every creation counted under its key, whatever the account,
   deleted since or not (keyless posts count only in "posts"): the
   exactly-once check counts creations. New reference. */
json_t *sb_store_stats(const sb_store_t *self);

#endif
