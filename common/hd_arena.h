/*  hd_arena: a bump allocator for one decoded message and everything in it.
    protobuf-c's unpack makes one malloc per string, submessage and repeated
    field (about ten per event, ten thousand per EVENTS reply) and
    free_unpacked as many frees: half of a consumer's time reading the log.
    From an arena they are pointer bumps, and the whole message goes with
    one hd_arena_destroy. One owner, no locking. */
#ifndef HD_ARENA_H
#define HD_ARENA_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

typedef struct hd_arena hd_arena_t;

/* An arena whose first block has room for about `hint` bytes; more blocks
   are added when it runs out. Aborts when out of memory. Caller destroys. */
hd_arena_t *hd_arena_new(size_t hint);

/* Frees every block, and with them everything allocated from the arena.
   Safe twice; nulls the caller's pointer. */
void hd_arena_destroy(hd_arena_t **self_p);

/* n bytes aligned for any type, owned by the arena: never freed alone. */
void *hd_arena_alloc(hd_arena_t *self, size_t n);

/* A protobuf-c allocator drawing from the arena, for __unpack. Its free
   does nothing, so a message unpacked with it is released by destroying
   the arena, not with __free_unpacked (which would only walk it). Borrowed:
   valid as long as the arena. */
ProtobufCAllocator *hd_arena_protobuf(hd_arena_t *self);

/* Bytes handed out so far (for tests and sizing). */
size_t hd_arena_used(const hd_arena_t *self);

#endif
