/*  event: a sequenced event in one allocation (see event.h). */
#include "event.h"
#include "hd_mem.h"

#include <stdlib.h>
#include <string.h>

#define ENVELOPE_SEQ_TAG 0x10 /* field 2, wire type 0 (varint) */

size_t hub_varint(uint8_t *out, uint64_t v) {
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

hub_event_t *hub_event_new(uint64_t seq, const char *type, size_t type_len, const char *department,
                           size_t department_len, const uint8_t *payload, size_t payload_len) {
    size_t size = sizeof(hub_event_t) + type_len + 1 + department_len + 1 + payload_len + 11;
    hub_event_t *self = hd_malloc(size);
    char *p = (char *)(self + 1);
    memcpy(p, type, type_len);
    p[type_len] = 0;
    self->type = p;
    p += type_len + 1;
    memcpy(p, department, department_len);
    p[department_len] = 0;
    self->department = p;
    p += department_len + 1;
    uint8_t *d = (uint8_t *)p;
    memcpy(d, payload, payload_len);
    size_t n = payload_len;
    d[n++] = ENVELOPE_SEQ_TAG;
    n += hub_varint(d + n, seq);
    self->data = d;
    self->len = n;
    self->seq = seq;
    return self;
}

void hub_event_destroy(hub_event_t **self_p) {
    if (!self_p || !*self_p)
        return;
    free(*self_p);
    *self_p = NULL;
}

size_t hub_event_footprint(const hub_event_t *self) {
    return sizeof *self + strlen(self->type) + strlen(self->department) + 2 + self->len;
}
