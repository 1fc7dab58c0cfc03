/*  index: an open-addressing hash table (linear probing) from a key to a
    32-bit value, for the store's constant-time lookups of a post by id and
    by (account, Idempotency-Key). It keeps no keys of its own: a slot is a
    32-bit hash and the value, 8 bytes, and the caller's match function
    tells whether the entry a value names has the key looked for, so the
    strings live once, in the post. There is no removal: the store only
    grows, and the rare failed fsync rebuilds its indexes (sb_index_clear). */
#ifndef SB_INDEX_H
#define SB_INDEX_H

#include <stddef.h>
#include <stdint.h>

#define SB_INDEX_NONE UINT32_MAX

typedef struct sb_index sb_index_t;

/* Whether the entry holding `value` has the key `key` (the caller's type). */
typedef int(sb_index_match_fn)(uint32_t value, const void *key, void *arg);

/* An empty index. Out of memory aborts, as everywhere in huddle. The caller
   owns it. */
sb_index_t *sb_index_new(void);

/* Frees. Safe on NULL; nulls the caller's pointer. */
void sb_index_destroy(sb_index_t **self_p);

/* Number of entries. */
size_t sb_index_count(const sb_index_t *self);

/* The value of the entry whose key matches `key`, or SB_INDEX_NONE. `hash`
   is the key's hash (sb_index_hash); equal keys must hash equally. */
uint32_t sb_index_find(const sb_index_t *self, uint64_t hash, sb_index_match_fn *match,
                       const void *key, void *arg);

/* Maps the key to `value` (< SB_INDEX_NONE): a matching entry gets the new
   value, else one is added; the table grows to stay under 70% full. */
void sb_index_put(sb_index_t *self, uint64_t hash, uint32_t value, sb_index_match_fn *match,
                  const void *key, void *arg);

/* Drops every entry, keeping the table's size. */
void sb_index_clear(sb_index_t *self);

/* Hash of n bytes, chained on `h` (0 to start): hash a composite key by
   hashing its parts in turn, each with its terminating NUL so that
   ("ab","c") and ("a","bc") differ. */
uint64_t sb_index_hash(uint64_t h, const void *data, size_t n);

#endif
