/*  hd_envelope: the typed event envelope (proto huddle.v1.Envelope).
    Producers build an Envelope on the stack with its body set, call
    hd_envelope_stamp, then hd_outbox_put. The `type` string is derived from
    the body, never typed by hand, so the two cannot disagree. */
#ifndef HD_ENVELOPE_H
#define HD_ENVELOPE_H

#include "huddle/v1/event.pb-c.h"

#include <stddef.h>
#include <stdint.h>

typedef Huddle__V1__Envelope hd_envelope_t;

/* The type name for a body case ("content.submitted"); NULL if unknown. */
const char *hd_envelope_type_name(Huddle__V1__Envelope__BodyCase body);

/* The longest event type name, with its NUL. */
#define HD_TYPE_LEN 96

/* The type of an org.* event, "org.<object>.<action>" from its body, into
   buf (HD_TYPE_LEN bytes); returns buf. An OrgChanged envelope's type is
   set with this before hd_envelope_stamp, into a buffer that outlives env
   (stamp checks it: a type that disagrees with the body becomes ""). */
const char *hd_envelope_org_type(const Huddle__V1__OrgChanged *b, char *buf, size_t n);

/* The type of a crisis.* event, "crisis.<what>", into buf, as for
   hd_envelope_org_type. */
const char *hd_envelope_crisis_type(const Huddle__V1__CrisisChanged *b, char *buf, size_t n);

/* The type of an inbox.* event, "inbox.<what>", into buf, as for
   hd_envelope_crisis_type. */
const char *hd_envelope_inbox_type(const Huddle__V1__InboxChanged *b, char *buf, size_t n);

/* The body case for a type name ("org.person.created" is ORG_CHANGED);
   HUDDLE__V1__ENVELOPE__BODY__NOT_SET if none. */
Huddle__V1__Envelope__BodyCase hd_envelope_type_case(const char *type);

/* Fills the header of `env`, whose body is already set: id (copied into
   id_buf, HD_ID_LEN bytes that must outlive env), type, occurred_at now,
   source. When causation_id is given the id is derived from it and `label`
   (a replay yields the same id); else it is random. Strings are borrowed. */
void hd_envelope_stamp(hd_envelope_t *env, char *id_buf, const char *source,
                       const char *causation_id, const char *label);

/* Serializes env. Returns a malloc'd buffer (caller frees) and its length. */
uint8_t *hd_envelope_pack(const hd_envelope_t *env, size_t *len);

/* Parses bytes into an envelope; NULL if undecodable or the type is unknown.
   Free with hd_envelope_free. */
hd_envelope_t *hd_envelope_unpack(const uint8_t *data, size_t len);
void hd_envelope_free(hd_envelope_t *env);

#endif
