/*  crisis_event: the crisis.<what> events ingest records (docs/crisis.md):
    dismissed, resumed, acknowledged and statement (declared and its
    confirmation are hd_crisis's). One builder, so that every one of them
    has the shape CRISIS.md gives: correlation the crisis id, department ""
    (organization-wide), actor the person's email, the token recorded. Pure:
    the event is built on the caller's stack and written by hd_outbox. */
#ifndef ING_CRISIS_EVENT_H
#define ING_CRISIS_EVENT_H

#include "auth.h"
#include "hd_envelope.h"

/* An event under construction; every string borrowed from the caller. */
typedef struct {
    Huddle__V1__CrisisChanged body;
    hd_envelope_t env;
    char id[HD_ID_LEN];
    char type[HD_TYPE_LEN];
} ing_crisis_event_t;

/* Starts crisis.<what> of crisis_id by `who` (borrowed: both must outlive
   ev): the body's crisis_id, what, actor; the caller then fills the rest of
   ev->body (playbook, reason, drill, count...). */
void ing_crisis_event_init(ing_crisis_event_t *ev, const char *crisis_id, const char *what,
                           const ing_person_t *who);

/* Stamps the envelope once the body is complete. With causation_id (the
   event that caused it) the id derives from it and `label`, so that a
   replay cannot record it twice; NULL: a person's request, a random id.
   Returns &ev->env, for hd_outbox_put. */
const hd_envelope_t *ing_crisis_event_stamp(ing_crisis_event_t *ev, const char *causation_id,
                                            const char *label);

#endif
