/*  hd_pbjson: any protobuf-c message as JSON, by walking its descriptor, so
    event details reach people (huddle status, the API) without a hand-written
    mapping per event type. Field names as in the .proto; proto3 defaults
    (0, "", false, empty lists) are omitted. */
#ifndef HD_PBJSON_H
#define HD_PBJSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/* A new JSON object for msg (caller owns the reference). */
json_t *hd_pbjson(const ProtobufCMessage *msg);

#endif
