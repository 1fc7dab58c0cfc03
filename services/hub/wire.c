/*  wire: the hub's outgoing messages. */
#include "wire.h"
#include "hd_mem.h"

#include <stdlib.h>
#include <string.h>

/* Tags: (field number << 3) | wire type; 0 = varint, 2 = length-delimited. */
#define TAG_VERSION 0x08     /* BusMessage.version = 1 */
#define TAG_BUS_EVENTS 0x6a  /* BusMessage.events = 13 */
#define TAG_REQUEST_ID 0x08  /* Events.request_id = 1 */
#define TAG_HEAD_SEQ 0x10    /* Events.head_seq = 2 */
#define TAG_SCANNED_SEQ 0x20 /* Events.scanned_seq = 4 */
#define TAG_EVENT 0x1a       /* Events.events = 3 */

void hub_wire_free(void *data, void *hint) {
    (void)hint;
    free(data);
}

uint8_t *hub_wire_pack(Huddle__V1__BusMessage *m, size_t *len) {
    m->version = HUB_PROTOCOL_VERSION;
    *len = huddle__v1__bus_message__get_packed_size(m);
    uint8_t *buf = hd_malloc(*len);
    huddle__v1__bus_message__pack(m, buf);
    return buf;
}

uint8_t *hub_wire_events(uint64_t request_id, uint64_t head, uint64_t scanned,
                         const hub_event_t *const *evs, size_t n, size_t *len) {
    uint8_t tmp[10];
    size_t body =
        1 + hub_varint(tmp, request_id) + 1 + hub_varint(tmp, head) + 1 + hub_varint(tmp, scanned);
    for (size_t i = 0; i < n; i++)
        body += 1 + hub_varint(tmp, evs[i]->len) + evs[i]->len;
    size_t total = 2 + 1 + hub_varint(tmp, body) + body;
    uint8_t *buf = hd_malloc(total);
    size_t o = 0;
    buf[o++] = TAG_VERSION;
    buf[o++] = HUB_PROTOCOL_VERSION;
    buf[o++] = TAG_BUS_EVENTS;
    o += hub_varint(buf + o, body);
    buf[o++] = TAG_REQUEST_ID;
    o += hub_varint(buf + o, request_id);
    buf[o++] = TAG_HEAD_SEQ;
    o += hub_varint(buf + o, head);
    buf[o++] = TAG_SCANNED_SEQ;
    o += hub_varint(buf + o, scanned);
    for (size_t i = 0; i < n; i++) {
        buf[o++] = TAG_EVENT;
        o += hub_varint(buf + o, evs[i]->len);
        memcpy(buf + o, evs[i]->data, evs[i]->len);
        o += evs[i]->len;
    }
    *len = o;
    return buf;
}

uint8_t *hub_wire_welcome(uint64_t head, int hb_ms, const char *peer, const char *department,
                          size_t *len) {
    Huddle__V1__BusMessage m = HUDDLE__V1__BUS_MESSAGE__INIT;
    Huddle__V1__Welcome w = HUDDLE__V1__WELCOME__INIT;
    w.head_seq = head;
    w.heartbeat_ms = (uint32_t)hb_ms;
    w.peer = (char *)(peer ? peer : "");
    w.department = (char *)(department ? department : "");
    m.cmd_case = HUDDLE__V1__BUS_MESSAGE__CMD_WELCOME;
    m.welcome = &w;
    return hub_wire_pack(&m, len);
}

uint8_t *hub_wire_heartbeat(uint64_t head, size_t *len) {
    Huddle__V1__BusMessage m = HUDDLE__V1__BUS_MESSAGE__INIT;
    Huddle__V1__Heartbeat h = HUDDLE__V1__HEARTBEAT__INIT;
    h.head_seq = head;
    m.cmd_case = HUDDLE__V1__BUS_MESSAGE__CMD_HEARTBEAT;
    m.heartbeat = &h;
    return hub_wire_pack(&m, len);
}

uint8_t *hub_wire_error(unsigned code, const char *reason, uint64_t request_id, size_t *len) {
    Huddle__V1__BusMessage m = HUDDLE__V1__BUS_MESSAGE__INIT;
    Huddle__V1__Error e = HUDDLE__V1__ERROR__INIT;
    e.code = code;
    e.reason = (char *)(reason ? reason : "");
    e.request_id = request_id;
    m.cmd_case = HUDDLE__V1__BUS_MESSAGE__CMD_ERROR;
    m.error = &e;
    return hub_wire_pack(&m, len);
}
