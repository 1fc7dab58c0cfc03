/*  sink: the sandbox's webhook sink, the outside world's stand-in for
    huddle's outgoing webhooks (docs/webhooks.md "Trying it on make up").
    Each POST /webhooks/{name} is kept in memory as a record: when it came,
    its Standard Webhooks headers and its body, so that a person or a test
    can read what the publisher sent. Bounded: the newest SB_SINK_KEEP
    records in all (every name together), the oldest dropped first. Not
    persisted: a restart empties it. Pure (no I/O, no clock). */
#ifndef SB_SINK_H
#define SB_SINK_H

#include <jansson.h>
#include <stddef.h>

#define SB_SINK_KEEP 1000   /* records kept, all names together */
#define SB_SINK_NAME_MAX 63 /* ^[a-z][a-z0-9-]{0,62}$ */

typedef struct sb_sink sb_sink_t;

/* What one POST brought. Every string borrowed for the call; a header not
   sent is NULL. */
typedef struct {
    const char *name;        /* a valid name (sb_sink_name_ok) */
    const char *received_at; /* RFC 3339, UTC, milliseconds */
    const char *id;          /* webhook-id */
    const char *timestamp;   /* webhook-timestamp */
    const char *signature;   /* webhook-signature */
    const char *body;        /* body_len bytes, not NUL-terminated */
    size_t body_len;
} sb_sink_msg_t;

/* A sink keeping the newest `keep` records (>= 1); NULL if out of memory.
   The caller destroys it. */
sb_sink_t *sb_sink_new(size_t keep);

/* Frees the sink and its records; sets *s to NULL. Safe on NULL. */
void sb_sink_destroy(sb_sink_t **s);

/* 1 when name is ^[a-z][a-z0-9-]{0,62}$, else 0. */
int sb_sink_name_ok(const char *name);

/* Keeps a copy of m, dropping the oldest record when the sink is full.
   The body is kept as text when it is UTF-8 JSON, else as null (its size
   is kept either way). 0, or -1 when out of memory (nothing kept). */
int sb_sink_add(sb_sink_t *s, const sb_sink_msg_t *m);

/* The records of name, oldest first, as a new JSON array (the caller's):
   [{"received_at", "webhook-id", "webhook-timestamp",
     "webhook-signature", "bytes", "body"}...]; [] for a name never posted
   to. Headers not sent are null. */
json_t *sb_sink_list(const sb_sink_t *s, const char *name);

/* Records kept now, all names together. */
size_t sb_sink_count(const sb_sink_t *s);

#endif
