/*  notify_plan: which notifications an event makes and what they say
    (docs/webhooks.md, "Payload"), decided in memory from values the
    batch read once (notify.c): pure functions, unit-tested without a
    database. */
#ifndef PUB_NOTIFY_PLAN_H
#define PUB_NOTIFY_PLAN_H

#include "hd_envelope.h"
#include "hd_id.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* One notification an event makes. */
typedef struct {
    char id[HD_ID_LEN];        /* the webhook-id: derived from the event and the endpoint */
    char crisis_id[HD_ID_LEN]; /* "" for a webhook.test */
    char *endpoint;            /* owned */
    char type[HD_TYPE_LEN];    /* the payload's type */
    char *payload;             /* owned: the JSON body sent */
    int drill;
    const char *failed; /* NULL: to be sent; else why it never can be (static) */
} pub_notice_t;

/* The label a notification's id derives from (with its event's id), and
   that of its notification.recorded: "notify:<endpoint>" and
   "notification.recorded:<endpoint>", into buf (n bytes). Returns buf. */
const char *pub_notify_label(const char *what, const char *endpoint, char *buf, size_t n);

/* The type a notified event's payload carries ("crisis.declared" for
   crisis.drill too, "content.released", "webhook.test"), or NULL when ev
   notifies nothing (docs/webhooks.md, "Events"). */
const char *pub_notify_type(const hd_envelope_t *ev);

/* The crisis ev is about ("" for none; a crisis id that is not a UUID is
   none), into out. */
void pub_notify_crisis_of(const hd_envelope_t *ev, char out[HD_ID_LEN]);

/* The notifications of ev into *out (an array of the count returned, the
   caller's to free with pub_notify_free; NULL when 0). crises: a JSON
   object from crisis id to the crisis ({"id","name","playbook",
   "severity","state","drill","reason","departments","channels",
   "team_roles","notify"}); a crisis event whose crisis is absent makes
   nothing. endpoints: a JSON object from endpoint name to true (active)
   or false (removed); a name absent is no endpoint. Both borrowed. */
size_t pub_notify_plan(const hd_envelope_t *ev, json_t *crises, json_t *endpoints,
                       pub_notice_t **out);

/* Frees n notices of pub_notify_plan; safe on NULL, nulls *notices. */
void pub_notify_free(pub_notice_t **notices, size_t n);

/* A Unix time in ms as RFC 3339 UTC with milliseconds
   ("2026-12-07T21:00:00.000Z") into buf (at least 25 bytes). */
void pub_notify_rfc3339(int64_t ms, char *buf, size_t len);

/* Fills b, a notification.recorded body, with the notification's final
   outcome. Strings borrowed ("" for none); crisis_id "" for a test. */
void pub_notify_recorded_of(Huddle__V1__NotificationRecorded *b, const char *id,
                            const char *crisis_id, const char *endpoint, const char *type,
                            int delivered, unsigned attempts, int status, const char *reason,
                            int drill);

#endif
