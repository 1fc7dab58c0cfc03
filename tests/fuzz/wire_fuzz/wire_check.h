/*  wire_check: what every protobuf fuzzer of the wire set checks on a
    message that decoded: packing it again and decoding that gives the same
    bytes once more (protobuf-c keeps unknown fields, so the second packing
    must equal the first), and decoding with the arena allocator hd_bus
    uses agrees with decoding with malloc. A macro, as protobuf-c's
    functions are generated per message type.

    One exception, protobuf-c's own (1.4): a tag of field number 0 written
    as an overlong varint (0x82 0x00) is accepted as an unknown field, and
    packed again as the one-byte tag 0x02, which unpack refuses. So a
    message with unknown fields may fail to decode once re-packed; huddle
    never re-packs a decoded message it did not build (the hub serves the
    stored bytes), so only messages without unknown fields must. */
#ifndef FUZZ_WIRE_CHECK_H
#define FUZZ_WIRE_CHECK_H

#include "hd_arena.h"

#include <protobuf-c/protobuf-c.h>
#include <stdint.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Unknown fields in m and every message inside it. */
static inline size_t fuzz_unknowns(const ProtobufCMessage *m) {
    if (!m)
        return 0;
    size_t n = m->n_unknown_fields;
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const char *base = (const char *)m;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)(base + f->quantifier_offset) != f->id)
            continue; /* another member of the oneof is set */
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t count = *(const size_t *)(base + f->quantifier_offset);
            ProtobufCMessage *const *items = *(ProtobufCMessage *const *const *)(base + f->offset);
            for (size_t k = 0; k < count; k++)
                n += fuzz_unknowns(items[k]);
        } else
            n += fuzz_unknowns(*(const ProtobufCMessage *const *)(base + f->offset));
    }
    return n;
}

#define FUZZ_FAIL(...)                \
    do {                              \
        fprintf(stderr, __VA_ARGS__); \
        fputc('\n', stderr);          \
        abort();                      \
    } while (0)

/* PREFIX: the generated prefix (huddle__v1__bus_message); m: the message
   decoded from data/size (may be NULL); T: its C type. */
#define FUZZ_WIRE_CHECK(PREFIX, T, m, data, size)                            \
    do {                                                                     \
        hd_arena_t *arena_ = hd_arena_new(2 * (size) + 1024);                \
        T *a_ = PREFIX##__unpack(hd_arena_protobuf(arena_), (size), (data)); \
        if (!a_ != !(m))                                                     \
            FUZZ_FAIL(#PREFIX ": arena and malloc decoding disagree");       \
        hd_arena_destroy(&arena_);                                           \
        if (!(m))                                                            \
            break;                                                           \
        size_t n1_ = PREFIX##__get_packed_size(m);                           \
        uint8_t *b1_ = malloc(n1_ + 1);                                      \
        if (PREFIX##__pack((m), b1_) != n1_)                                 \
            FUZZ_FAIL(#PREFIX ": packed size differs from get_packed_size"); \
        T *m2_ = PREFIX##__unpack(NULL, n1_, b1_);                           \
        if (!m2_ && fuzz_unknowns(&(m)->base) == 0)                          \
            FUZZ_FAIL(#PREFIX ": a packed message does not decode");         \
        if (!m2_) {                                                          \
            free(b1_);                                                       \
            break;                                                           \
        }                                                                    \
        size_t n2_ = PREFIX##__get_packed_size(m2_);                         \
        uint8_t *b2_ = malloc(n2_ + 1);                                      \
        PREFIX##__pack(m2_, b2_);                                            \
        if (n1_ != n2_ || memcmp(b1_, b2_, n1_) != 0)                        \
            FUZZ_FAIL(#PREFIX ": packing is not stable");                    \
        free(b1_);                                                           \
        free(b2_);                                                           \
        PREFIX##__free_unpacked(m2_, NULL);                                  \
    } while (0)

#endif
