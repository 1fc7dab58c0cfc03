/*  bench-fetch: how fast one consumer reads the event log through the hub.
    It connects with hd_bus (common/hd_bus.h) exactly as a service does,
    registers, then fetches from seq 0 with the largest batch the hub allows
    until it reaches the head seen at start, one FETCH in flight at a time,
    and prints events/s with the shape of the replies (events per reply,
    bytes per event and per reply), which bench-zmqraw then replays to
    measure what ZeroMQ alone allows.

      bench-fetch --hub tcp://127.0.0.1:7600 --keys .huddle/keys [--cert cli]
                  [--max 100000] [--until SEQ] */
#include "hd_bus.h"
#include "hd_keys.h"
#include "hd_signal.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Size of the FETCH this client sends, for the raw replay. */
static size_t fetch_bytes(uint32_t max) {
    Huddle__V1__BusMessage m = HUDDLE__V1__BUS_MESSAGE__INIT;
    Huddle__V1__Fetch f = HUDDLE__V1__FETCH__INIT;
    f.request_id = 1000000;
    f.after_seq = 1000000;
    f.max = max;
    m.version = 1;
    m.cmd_case = HUDDLE__V1__BUS_MESSAGE__CMD_FETCH;
    m.fetch = &f;
    return huddle__v1__bus_message__get_packed_size(&m);
}

typedef struct {
    uint64_t events, batches, bytes, last_seq;
} tally_t;

/* Fetches from seq 0 up to `until`. 0, or -1 when the hub stopped answering. */
static int read_log(hd_bus_t *bus, uint32_t max, uint64_t until, tally_t *t) {
    int misses = 0;
    while (t->last_seq < until && !hd_stop) {
        hd_bus_batch_t *b = NULL;
        if (hd_bus_fetch(bus, t->last_seq, max, NULL, 0, 0, &b) < 0) {
            if (++misses > 5)
                return -1;
            continue;
        }
        size_t n = hd_bus_batch_count(b);
        for (size_t i = 0; i < n; i++) {
            const hd_envelope_t *ev = hd_bus_batch_event(b, i);
            t->bytes += huddle__v1__envelope__get_packed_size(ev);
            t->last_seq = ev->seq;
        }
        t->events += n;
        t->batches++;
        hd_bus_batch_destroy(&b);
        if (n == 0)
            break; /* the log ends below `until` */
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *hub = getenv("HUDDLE_HUB_ENDPOINT"), *keys = getenv("HUDDLE_KEYS_DIR");
    const char *cert = "cli";
    uint32_t max = 100000;
    uint64_t until = 0;
    static const struct option opts[] = {{"hub", 1, 0, 'h'},   {"keys", 1, 0, 'k'},
                                         {"cert", 1, 0, 'c'},  {"max", 1, 0, 'm'},
                                         {"until", 1, 0, 'u'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            hub = optarg;
            break;
        case 'k':
            keys = optarg;
            break;
        case 'c':
            cert = optarg;
            break;
        case 'm':
            max = (uint32_t)strtoul(optarg, NULL, 10);
            break;
        case 'u':
            until = strtoull(optarg, NULL, 10);
            break;
        default:
            fprintf(stderr, "usage: bench-fetch --hub ENDPOINT --keys DIR [--cert NAME] "
                            "[--max N] [--until SEQ]\n");
            return 2;
        }
    }
    hd_signal_init();
    char hub_key[41];
    zcert_t *own = keys ? hd_keys_load(keys, cert) : NULL;
    if (!hub || !own || hd_keys_public(keys, "hub", hub_key) < 0) {
        fprintf(stderr, "bench-fetch: need --hub and --keys holding %s and hub keys\n", cert);
        zcert_destroy(&own);
        return 2;
    }
    hd_bus_t *bus = hd_bus_new(hub, hub_key, &own, "bench-fetch");
    hd_bus_batch_t *b = NULL;
    /* Registering (HELLO, CURVE handshake) is not part of the measure. */
    if (!bus || hd_bus_fetch(bus, 0, 1, NULL, 0, 0, &b) < 0) {
        fprintf(stderr, "bench-fetch: the hub at %s does not answer\n", hub);
        hd_bus_destroy(&bus);
        return 1;
    }
    hd_bus_batch_destroy(&b);
    if (!until)
        until = hd_bus_head(bus);
    tally_t t = {0};
    double t0 = now_s();
    int rc = read_log(bus, max, until, &t);
    double secs = now_s() - t0;
    hd_bus_destroy(&bus);
    double avg_batch = t.batches ? (double)t.events / (double)t.batches : 0;
    double ev_bytes = t.events ? (double)t.bytes / (double)t.events : 0;
    printf("{\"events\":%" PRIu64 ",\"batches\":%" PRIu64 ",\"seconds\":%.3f,"
           "\"events_per_s\":%.1f,\"avg_batch\":%.1f,\"avg_event_bytes\":%.1f,"
           "\"avg_reply_bytes\":%.0f,\"request_bytes\":%zu,\"until\":%" PRIu64 "}\n",
           t.events, t.batches, secs, secs > 0 ? (double)t.events / secs : 0, avg_batch, ev_bytes,
           avg_batch * (ev_bytes + 3) + 16, fetch_bytes(max), until);
    return rc < 0 || t.events == 0 ? 1 : 0;
}
