/*  wire: encoding the hub's answers (docs/protocol.md). EVENTS replies are
    written by hand from the stored envelope bytes, so the hub never parses
    and re-packs an event it serves; everything else goes through protobuf-c. */
#ifndef HUB_WIRE_H
#define HUB_WIRE_H

#include "event.h"
#include "huddle/v1/bus.pb-c.h"

#include <stddef.h>
#include <stdint.h>

#define HUB_PROTOCOL_VERSION 1

/* Every encoder below returns a malloc'd buffer that the caller owns: it
   frees it with free(), or hands it to ZeroMQ without a copy
   (zmq_msg_init_data with hub_wire_free), and then ZeroMQ frees it, from
   its own I/O thread, once the frame is sent or dropped. */

/* zmq_free_fn for a buffer from these encoders; hint is unused. */
void hub_wire_free(void *data, void *hint);

/* Packs m with version set. */
uint8_t *hub_wire_pack(Huddle__V1__BusMessage *m, size_t *len);

/* BusMessage{version, events: Events{request_id, head_seq, scanned_seq,
   events}}, written from the stored bytes of evs (borrowed). */
uint8_t *hub_wire_events(uint64_t request_id, uint64_t head, uint64_t scanned,
                         const hub_event_t *const *evs, size_t n, size_t *len);

uint8_t *hub_wire_welcome(uint64_t head, int hb_ms, const char *peer, const char *department,
                          size_t *len);
uint8_t *hub_wire_heartbeat(uint64_t head, size_t *len);
uint8_t *hub_wire_error(unsigned code, const char *reason, uint64_t request_id, size_t *len);

#endif
