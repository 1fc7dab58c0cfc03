/*  Writes the wire fuzzers' seed corpus: real frames made by huddle's own
    encoders (hd_envelope_pack, ing_content_event, the hub's hub_wire_*) and
    the messages the peers send (hd_bus's HELLO / FETCH / HEARTBEAT / BYE,
    the ZeroMQ door's requests as docs/protocol.md shows them). Not a
    fuzzer; run once after a change of the protocol, then commit:
        build/fuzz/wire/gen_wire_seeds tests/fuzz/wire_fuzz */
#include "content.h"
#include "event.h"
#include "hd_envelope.h"
#include "huddle/v1/bus.pb-c.h"
#include "huddle/v1/ingest.pb-c.h"
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_dir;

static void put(const char *set, const char *name, const uint8_t *p, size_t len) {
    char path[1024];
    snprintf(path, sizeof path, "%s/seeds-%s/%s", s_dir, set, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, len, f) != len) {
        perror(path);
        exit(1);
    }
    fclose(f);
}

/* ---- events ---- */

static const ing_person_t *author(void) {
    static ing_person_t a = {.id = "00000000-0000-4000-8000-0000000000a1",
                             .email = "ana@example.org",
                             .department = "marketing"};
    return &a;
}

static uint8_t *ev_submitted(size_t *len) {
    ing_submission_t in = {.channel = "sandbox",
                           .text = "Our spring campaign starts Monday #ad",
                           .kind = "post",
                           .idempotency_key = "spring-2026-01"};
    char id[HD_ID_LEN];
    ing_content_id(author(), &in, id);
    ing_content_event_t ev;
    ing_content_event(&ev, author(), &in, id, 3, 1772438400000LL, NULL);
    return hd_envelope_pack(&ev.env, len);
}

static uint8_t *ev_evaluated(size_t *len) {
    Huddle__V1__Finding f = HUDDLE__V1__FINDING__INIT;
    f.rule_id = "disclosure";
    f.kind = "disclosure";
    f.severity = "high";
    f.action = "review";
    f.role = "legal";
    f.message = "sponsored content needs #ad";
    f.matched = "campaign";
    f.start = 11;
    f.end = 19;
    Huddle__V1__Finding *fs[1] = {&f};
    char *roles[1] = {"legal"};
    Huddle__V1__PolicyEvaluated b = HUDDLE__V1__POLICY_EVALUATED__INIT;
    b.content_id = "00000000-0000-4000-8000-00000000c0de";
    b.verdict = "review";
    b.n_roles = 1;
    b.roles = roles;
    b.n_findings = 1;
    b.findings = fs;
    b.policy_version = 3;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_POLICY_EVALUATED;
    env.policy_evaluated = &b;
    env.department = "marketing";
    env.correlation_id = b.content_id;
    char id[HD_ID_LEN];
    hd_envelope_stamp(&env, id, "policy", "00000000-0000-4000-8000-00000000beef", NULL);
    return hd_envelope_pack(&env, len);
}

static uint8_t *ev_mention(size_t *len) {
    char *depts[2] = {"care", "marketing"};
    Huddle__V1__MentionReceived b = HUDDLE__V1__MENTION_RECEIVED__INIT;
    b.mention_id = "00000000-0000-4000-8000-0000000000m1";
    b.channel = "sandbox";
    b.external_id = "m-1";
    b.author_handle = "@bob";
    b.text = "@huddle my order never came";
    b.url = "https://sandbox.example/m/1";
    b.n_departments = 2;
    b.departments = depts;
    b.integration = "support-desk";
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED;
    env.mention_received = &b;
    char id[HD_ID_LEN];
    hd_envelope_stamp(&env, id, "ingest", NULL, NULL);
    return hd_envelope_pack(&env, len);
}

static uint8_t *ev_org(size_t *len) {
    Huddle__V1__OrgChanged b = HUDDLE__V1__ORG_CHANGED__INIT;
    b.object = "person";
    b.object_id = "00000000-0000-4000-8000-0000000000a2";
    b.action = "updated";
    b.before_json = "{\"email\":\"bo@example.org\",\"version\":1}";
    b.after_json = "{\"email\":\"bo@example.org\",\"version\":2,\"department\":\"care\"}";
    b.actor_id = "00000000-0000-4000-8000-0000000000a1";
    b.reason = "moved to care";
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_ORG_CHANGED;
    env.org_changed = &b;
    char type[HD_TYPE_LEN];
    env.type = (char *)hd_envelope_org_type(&b, type, sizeof type);
    char id[HD_ID_LEN];
    hd_envelope_stamp(&env, id, "ingest", NULL, NULL);
    return hd_envelope_pack(&env, len);
}

/* ---- bus ---- */

static void put_bus(const char *name, Huddle__V1__BusMessage *m) {
    size_t len;
    uint8_t *p = hub_wire_pack(m, &len);
    put("bus", name, p, len);
    free(p);
}

static void bus_seeds(uint8_t *evs[], size_t lens[], const char *types[], size_t n) {
    Huddle__V1__BusMessage m = HUDDLE__V1__BUS_MESSAGE__INIT;
    Huddle__V1__Hello h = HUDDLE__V1__HELLO__INIT;
    h.service = "policy";
    h.instance = "host-1:4242:7f3a";
    h.heartbeat_ms = 1000;
    m.cmd_case = HUDDLE__V1__BUS_MESSAGE__CMD_HELLO;
    m.hello = &h;
    put_bus("hello", &m);
    char *ftypes[2] = {"content.submitted", "mention.received"};
    Huddle__V1__Fetch f = HUDDLE__V1__FETCH__INIT;
    f.request_id = 7;
    f.after_seq = 1;
    f.max = 100;
    f.n_types = 2;
    f.types = ftypes;
    f.wait_ms = 5000;
    m.cmd_case = HUDDLE__V1__BUS_MESSAGE__CMD_FETCH;
    m.fetch = &f;
    put_bus("fetch", &m);
    Huddle__V1__Heartbeat hb = HUDDLE__V1__HEARTBEAT__INIT;
    hb.head_seq = 12345;
    m.cmd_case = HUDDLE__V1__BUS_MESSAGE__CMD_HEARTBEAT;
    m.heartbeat = &hb;
    put_bus("heartbeat", &m);
    Huddle__V1__Bye bye = HUDDLE__V1__BYE__INIT;
    m.cmd_case = HUDDLE__V1__BUS_MESSAGE__CMD_BYE;
    m.bye = &bye;
    put_bus("bye", &m);

    size_t len;
    uint8_t *p = hub_wire_welcome(12345, 1000, "spoke-marketing", "marketing", &len);
    put("bus", "welcome", p, len);
    free(p);
    p = hub_wire_error(401, "unknown peer: say HELLO", 7, &len);
    put("bus", "error", p, len);
    free(p);
    hub_event_t *hev[8];
    for (size_t i = 0; i < n; i++)
        hev[i] =
            hub_event_new(100 + i, types[i], strlen(types[i]), "marketing", 9, evs[i], lens[i]);
    p = hub_wire_events(7, 110, 104, (const hub_event_t *const *)hev, n, &len);
    put("bus", "events", p, len);
    free(p);
    for (size_t i = 0; i < n; i++)
        hub_event_destroy(&hev[i]);
}

/* ---- ingest's door ---- */

static void put_ingest(const char *name, Huddle__V1__IngestRequest *rq) {
    size_t len = huddle__v1__ingest_request__get_packed_size(rq);
    uint8_t *p = malloc(len + 1);
    huddle__v1__ingest_request__pack(rq, p);
    put("ingest", name, p, len);
    free(p);
}

static void ingest_seeds(void) {
    Huddle__V1__IngestRequest rq = HUDDLE__V1__INGEST_REQUEST__INIT;
    rq.version = 1;
    rq.request_id = "req-1";
    Huddle__V1__SubmitContent sc = HUDDLE__V1__SUBMIT_CONTENT__INIT;
    sc.idempotency_key = "spring-2026-01";
    sc.author_email = "ana@example.org";
    sc.channel = "sandbox";
    sc.text = "Our spring campaign starts Monday #ad";
    sc.kind = "post";
    sc.scheduled_at_ms = 1772438400000LL;
    rq.cmd_case = HUDDLE__V1__INGEST_REQUEST__CMD_SUBMIT_CONTENT;
    rq.submit_content = &sc;
    put_ingest("submit", &rq);
    Huddle__V1__SubmitMention sm = HUDDLE__V1__SUBMIT_MENTION__INIT;
    sm.channel = "sandbox";
    sm.external_id = "m-1";
    sm.author_handle = "@bob";
    sm.text = "@huddle my order never came";
    sm.url = "https://sandbox.example/m/1";
    rq.request_id = "req-2";
    rq.cmd_case = HUDDLE__V1__INGEST_REQUEST__CMD_SUBMIT_MENTION;
    rq.submit_mention = &sm;
    put_ingest("mention", &rq);
    rq.request_id = "req-3";
    rq.cmd_case = HUDDLE__V1__INGEST_REQUEST__CMD_PING;
    rq.ping = 1;
    put_ingest("ping", &rq);
    rq.version = 2;
    put_ingest("version-2", &rq);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s tests/fuzz/wire_fuzz\n", argv[0]);
        return 2;
    }
    s_dir = argv[1];
    uint8_t *evs[4];
    size_t lens[4];
    const char *types[4] = {"content.submitted", "policy.evaluated", "mention.received",
                            "org.person.updated"};
    evs[0] = ev_submitted(&lens[0]);
    evs[1] = ev_evaluated(&lens[1]);
    evs[2] = ev_mention(&lens[2]);
    evs[3] = ev_org(&lens[3]);
    const char *names[4] = {"content-submitted", "policy-evaluated", "mention-received",
                            "org-person-updated"};
    for (int i = 0; i < 4; i++)
        put("envelope", names[i], evs[i], lens[i]);
    bus_seeds(evs, lens, types, 4);
    ingest_seeds();
    for (int i = 0; i < 4; i++)
        free(evs[i]);
    return 0;
}
