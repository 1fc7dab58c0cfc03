/*  store: the sandbox's posts, in memory and in an append-only JSON-lines
    file. Every accepted post is one line, written and fsync'd before the
    caller answers, so what a client was told was posted survives a crash.
    A torn last line (a crash mid-write) is cut off when the file is opened;
    other unreadable lines are skipped with a warning.

    A stored status is a jansson object:
      {"id":"12","acct":"alice","content":"...","visibility":"public",
       "created_at":"2025-01-02T03:04:05.678Z","idempotency_key":"k"|null,
       "in_reply_to_id":"7"|null}
    Lookups are linear scans: this is a test double, not a database. */
#ifndef SB_STORE_H
#define SB_STORE_H

#include <jansson.h>
#include <stddef.h>

typedef struct sb_store sb_store_t;

/* Opens (creating it and its directories if needed) and loads the file at
   `path`. NULL on failure (logged). The caller owns the store. */
sb_store_t *sb_store_open(const char *path);

/* Closes the file and frees. Safe on NULL; nulls the caller's pointer. */
void sb_store_destroy(sb_store_t **self_p);

/* Number of stored statuses; the i-th in creation order (borrowed). */
size_t sb_store_count(const sb_store_t *self);
const json_t *sb_store_at(const sb_store_t *self, size_t i);

/* The status with this id, or NULL. Borrowed. */
const json_t *sb_store_find(const sb_store_t *self, const char *id);

/* The status this account created with this idempotency key, or NULL. */
const json_t *sb_store_find_key(const sb_store_t *self, const char *acct, const char *key);

/* Stores a new status (fsync'd) and returns it (borrowed), or NULL if it
   could not be written (logged; the file is left as it was). idempotency_key
   and in_reply_to_id may be NULL. */
const json_t *sb_store_add(sb_store_t *self, const char *acct, const char *content,
                           const char *visibility, const char *idempotency_key,
                           const char *in_reply_to_id);

/* {"posts":N,"by_idempotency_key":{"k":count,...}}: every stored creation
   counted under its key (keyless posts count only in "posts"). New ref. */
json_t *sb_store_stats(const sb_store_t *self);

#endif
