/*  crisis_timeline: a crisis's timeline (GET /v1/crises/{id}/timeline,
    docs/crisis.md "The timeline") in pure functions: the one-line summary
    of each crisis.* event, which events it shows, and the merge of the
    events with the other sources (held and recalled items, notifications,
    acknowledgements) by time, bounded. */
#ifndef ING_CRISIS_TIMELINE_H
#define ING_CRISIS_TIMELINE_H

#include "hd_envelope.h"

#include <jansson.h>
#include <stddef.h>

/* One entry: its time (ms since the epoch) and its JSON (owned). */
typedef struct {
    long long at_ms;
    size_t order; /* among equal times, the smaller first (set by the caller: arrival) */
    json_t *json;
} ing_tl_entry_t;

/* 1 when the timeline shows this event: a crisis.* event but
   crisis.acknowledged (its acknowledgement is shown from crisis_ack, once). */
int ing_timeline_shows(const hd_envelope_t *env);

/* The event's summary, one line, into buf (n bytes): who did what, why,
   how many items ("declared by olivia@example.org: breach reported;
   scope: departments marketing, every channel"). */
void ing_timeline_summary(const hd_envelope_t *env, char *buf, size_t n);

/* Sorts e[0..n) by time, then order. */
void ing_timeline_sort(ing_tl_entry_t *e, size_t n);

/* Sorts e[0..n), keeps the first `limit` in a new JSON array (their
   entries moved into it) and frees the rest; *truncated set when some
   were dropped. The array is the caller's. */
json_t *ing_timeline_take(ing_tl_entry_t *e, size_t n, size_t limit, int *truncated);

#endif
