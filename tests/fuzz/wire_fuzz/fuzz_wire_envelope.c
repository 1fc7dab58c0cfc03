/*  libFuzzer target: an event, huddle.v1.Envelope, from bytes: the
    generated protobuf-c unpack, and hd_envelope_unpack (common/hd_envelope.c:
    the type must agree with the body, "org.<object>.<action>" built from an
    OrgChanged body), as ingest's read side and admin history decode the
    payloads they read back (services/ingest/read_side.c, admin.c), then
    hd_pbjson, which shows any event's body as JSON to people. Checks: an
    envelope hd_envelope_unpack accepts has the type its body says, packs
    and decodes again to the same type, and its JSON dumps. Plus
    wire_check.h on the raw decode. */
#include "hd_envelope.h"
#include "hd_pbjson.h"
#include "wire_check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void show(const ProtobufCMessage *msg) {
    json_t *j = hd_pbjson(msg);
    if (!j)
        FUZZ_FAIL("hd_pbjson: no JSON for a decoded message");
    char *s = json_dumps(j, JSON_COMPACT);
    free(s); /* NULL is fine: a string that is not UTF-8 cannot be dumped */
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Huddle__V1__Envelope *raw = huddle__v1__envelope__unpack(NULL, size, data);
    FUZZ_WIRE_CHECK(huddle__v1__envelope, Huddle__V1__Envelope, raw, data, size);
    if (raw) {
        show(&raw->base);
        /* The names both ways must agree for any body case but a family's
           ("org.", "crisis."), whose name is only a prefix. */
        const char *name = hd_envelope_type_name(raw->body_case);
        if (name && name[strlen(name) - 1] != '.' && hd_envelope_type_case(name) != raw->body_case)
            FUZZ_FAIL("hd_envelope: type name %s does not map back", name);
        huddle__v1__envelope__free_unpacked(raw, NULL);
    }
    hd_envelope_t *env = hd_envelope_unpack(data, size);
    if (!env)
        return 0;
    if (env->body_case == HUDDLE__V1__ENVELOPE__BODY__NOT_SET)
        FUZZ_FAIL("hd_envelope_unpack: accepted an envelope without a body");
    if (hd_envelope_type_case(env->type) != env->body_case)
        FUZZ_FAIL("hd_envelope_unpack: type %s is not its body's", env->type);
    if (env->body_case == HUDDLE__V1__ENVELOPE__BODY_ORG_CHANGED) {
        char buf[HD_TYPE_LEN];
        if (strcmp(hd_envelope_org_type(env->org_changed, buf, sizeof buf), env->type) != 0)
            FUZZ_FAIL("hd_envelope_unpack: org type %s is not its body's", env->type);
    }
    size_t len;
    uint8_t *p = hd_envelope_pack(env, &len);
    hd_envelope_t *again = hd_envelope_unpack(p, len);
    free(p);
    if (!again && fuzz_unknowns(&env->base) > 0) { /* protobuf-c's quirk: wire_check.h */
        hd_envelope_free(env);
        return 0;
    }
    if (!again || strcmp(again->type, env->type) != 0)
        FUZZ_FAIL("hd_envelope: a packed envelope does not decode with its type");
    show(&again->base);
    hd_envelope_free(again);
    hd_envelope_free(env);
    return 0;
}
