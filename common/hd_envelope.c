/*  hd_envelope: type names and (de)serialization of events. */
#include "hd_envelope.h"

#include "hd_id.h"
#include "hd_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    Huddle__V1__Envelope__BodyCase body;
    const char *name;
} s_types[] = {
    {HUDDLE__V1__ENVELOPE__BODY_CONTENT_SUBMITTED, "content.submitted"},
    {HUDDLE__V1__ENVELOPE__BODY_POLICY_EVALUATED, "policy.evaluated"},
    {HUDDLE__V1__ENVELOPE__BODY_CONTENT_BLOCKED, "content.blocked"},
    {HUDDLE__V1__ENVELOPE__BODY_APPROVAL_REQUESTED, "approval.requested"},
    {HUDDLE__V1__ENVELOPE__BODY_DECISION_RECORDED, "decision.recorded"},
    {HUDDLE__V1__ENVELOPE__BODY_APPROVAL_RECORDED, "approval.recorded"},
    {HUDDLE__V1__ENVELOPE__BODY_DECISION_REFUSED, "decision.refused"},
    {HUDDLE__V1__ENVELOPE__BODY_CONTENT_APPROVED, "content.approved"},
    {HUDDLE__V1__ENVELOPE__BODY_CONTENT_REJECTED, "content.rejected"},
    {HUDDLE__V1__ENVELOPE__BODY_PUBLISH_SUCCEEDED, "publish.succeeded"},
    {HUDDLE__V1__ENVELOPE__BODY_PUBLISH_FAILED, "publish.failed"},
    {HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED, "mention.received"},
    {HUDDLE__V1__ENVELOPE__BODY_MENTION_ROUTED, "mention.routed"},
    {HUDDLE__V1__ENVELOPE__BODY_POLICY_ACTIVATED, "policy.activated"},
    {HUDDLE__V1__ENVELOPE__BODY_POLICY_PROPOSED, "policy.proposed"},
    {HUDDLE__V1__ENVELOPE__BODY_POLICY_REVIEW_SUBMITTED, "policy.review_submitted"},
    {HUDDLE__V1__ENVELOPE__BODY_POLICY_PROPOSAL_UPDATED, "policy.proposal_updated"},
    {HUDDLE__V1__ENVELOPE__BODY_CONTENT_HELD, "content.held"},
    {HUDDLE__V1__ENVELOPE__BODY_CONTENT_RELEASED, "content.released"},
    {HUDDLE__V1__ENVELOPE__BODY_CONTENT_RECALLED, "content.recalled"},
    {HUDDLE__V1__ENVELOPE__BODY_NOTIFICATION_RECORDED, "notification.recorded"},
    {HUDDLE__V1__ENVELOPE__BODY_INBOX_REQUESTED, "inbox.requested"},
    /* families: the type is "org.<object>.<action>" (hd_envelope_org_type),
       "crisis.<what>" (hd_envelope_crisis_type), "inbox.<what>"
       (hd_envelope_inbox_type; inbox.requested above is matched first) */
    {HUDDLE__V1__ENVELOPE__BODY_ORG_CHANGED, "org."},
    {HUDDLE__V1__ENVELOPE__BODY_CRISIS_CHANGED, "crisis."},
    {HUDDLE__V1__ENVELOPE__BODY_INBOX_CHANGED, "inbox."},
};
#define NTYPES (sizeof s_types / sizeof s_types[0])

const char *hd_envelope_type_name(Huddle__V1__Envelope__BodyCase body) {
    for (size_t i = 0; i < NTYPES; i++)
        if (s_types[i].body == body)
            return s_types[i].name;
    return NULL;
}

/* 1 if the body's type is a family ("org."): a prefix, completed by the
   body's own fields. */
static int is_family(const char *name) { return name[strlen(name) - 1] == '.'; }

Huddle__V1__Envelope__BodyCase hd_envelope_type_case(const char *type) {
    for (size_t i = 0; type && i < NTYPES; i++) {
        const char *n = s_types[i].name;
        if (is_family(n) ? strncmp(n, type, strlen(n)) == 0 && type[strlen(n)]
                         : strcmp(n, type) == 0)
            return s_types[i].body;
    }
    return HUDDLE__V1__ENVELOPE__BODY__NOT_SET;
}

const char *hd_envelope_org_type(const Huddle__V1__OrgChanged *b, char *buf, size_t n) {
    snprintf(buf, n, "org.%s.%s", b && b->object ? b->object : "", b && b->action ? b->action : "");
    return buf;
}

const char *hd_envelope_crisis_type(const Huddle__V1__CrisisChanged *b, char *buf, size_t n) {
    snprintf(buf, n, "crisis.%s", b && b->what ? b->what : "");
    return buf;
}

const char *hd_envelope_inbox_type(const Huddle__V1__InboxChanged *b, char *buf, size_t n) {
    snprintf(buf, n, "inbox.%s", b && b->what ? b->what : "");
    return buf;
}

/* The type env must carry: its body's name, or for a family the name its
   body's fields complete (into buf). NULL if the body is unknown. */
static const char *expected_type(const hd_envelope_t *env, char *buf, size_t n) {
    const char *name = hd_envelope_type_name(env->body_case);
    if (name && env->body_case == HUDDLE__V1__ENVELOPE__BODY_ORG_CHANGED)
        return hd_envelope_org_type(env->org_changed, buf, n);
    if (name && env->body_case == HUDDLE__V1__ENVELOPE__BODY_CRISIS_CHANGED)
        return hd_envelope_crisis_type(env->crisis_changed, buf, n);
    if (name && env->body_case == HUDDLE__V1__ENVELOPE__BODY_INBOX_CHANGED)
        return hd_envelope_inbox_type(env->inbox_changed, buf, n);
    return name;
}

void hd_envelope_stamp(hd_envelope_t *env, char *id_buf, const char *source,
                       const char *causation_id, const char *label) {
    char buf[HD_TYPE_LEN];
    const char *type = expected_type(env, buf, sizeof buf);
    if (type == buf) /* a family's: the caller set it (hd_envelope_*_type) */
        type = env->type && strcmp(env->type, buf) == 0 ? env->type : NULL;
    if (causation_id && *causation_id)
        hd_id_derive(id_buf, causation_id, label ? label : type);
    else
        hd_id_random(id_buf);
    env->id = id_buf;
    env->type = (char *)(type ? type : "");
    env->occurred_at_ms = hd_now_ms();
    env->source = (char *)source;
    if (causation_id)
        env->causation_id = (char *)causation_id;
}

uint8_t *hd_envelope_pack(const hd_envelope_t *env, size_t *len) {
    *len = huddle__v1__envelope__get_packed_size(env);
    uint8_t *buf = hd_malloc(*len);
    huddle__v1__envelope__pack(env, buf);
    return buf;
}

hd_envelope_t *hd_envelope_unpack(const uint8_t *data, size_t len) {
    hd_envelope_t *env = huddle__v1__envelope__unpack(NULL, len, data);
    if (!env)
        return NULL;
    char buf[HD_TYPE_LEN];
    const char *want = expected_type(env, buf, sizeof buf);
    if (!want || strcmp(want, env->type) != 0) {
        huddle__v1__envelope__free_unpacked(env, NULL);
        return NULL;
    }
    return env;
}

void hd_envelope_free(hd_envelope_t *env) {
    if (env)
        huddle__v1__envelope__free_unpacked(env, NULL);
}
