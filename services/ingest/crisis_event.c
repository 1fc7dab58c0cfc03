/*  crisis_event: building ingest's crisis.<what> events (crisis_event.h). */
#include "crisis_event.h"

#include <string.h>

void ing_crisis_event_init(ing_crisis_event_t *ev, const char *crisis_id, const char *what,
                           const ing_person_t *who) {
    Huddle__V1__CrisisChanged body = HUDDLE__V1__CRISIS_CHANGED__INIT;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    memset(ev, 0, sizeof *ev);
    ev->body = body;
    ev->env = env;
    ev->body.crisis_id = (char *)crisis_id;
    ev->body.what = (char *)what;
    ev->body.actor_id = (char *)who->id;
    ev->body.actor_email = (char *)who->email;
    ev->env.token_id = (char *)who->token_id;
}

const hd_envelope_t *ing_crisis_event_stamp(ing_crisis_event_t *ev, const char *causation_id,
                                            const char *label) {
    ev->env.body_case = HUDDLE__V1__ENVELOPE__BODY_CRISIS_CHANGED;
    ev->env.crisis_changed = &ev->body;
    ev->env.type = (char *)hd_envelope_crisis_type(&ev->body, ev->type, sizeof ev->type);
    ev->env.department = "";
    ev->env.correlation_id = ev->body.crisis_id;
    ev->env.actor = ev->body.actor_email;
    hd_envelope_stamp(&ev->env, ev->id, "ingest", causation_id, label);
    return &ev->env;
}
