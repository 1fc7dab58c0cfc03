/*  event: one sequenced event as the hub holds it. The payload is the packed
    huddle.v1.Envelope from the outbox (seq 0) with the seq field appended, so
    it can be copied into an EVENTS reply as is: protobuf lets a field come
    in any order, and the last value of a scalar wins. type and department
    are kept beside it for filtering without parsing. */
#ifndef HUB_EVENT_H
#define HUB_EVENT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t seq;
    const char *type;       /* NUL-terminated, inside the same allocation */
    const char *department; /* "" = organization-wide */
    const uint8_t *data;    /* packed Envelope with seq set */
    size_t len;
} hub_event_t;

/* Copies the pieces into one allocation. Caller destroys. */
hub_event_t *hub_event_new(uint64_t seq, const char *type, size_t type_len, const char *department,
                           size_t department_len, const uint8_t *payload, size_t payload_len);
void hub_event_destroy(hub_event_t **self_p);

/* Bytes the event occupies in memory (for the ring's bound). */
size_t hub_event_footprint(const hub_event_t *self);

/* Writes v as a protobuf varint into out (10 bytes room); returns its size. */
size_t hub_varint(uint8_t *out, uint64_t v);

#endif
