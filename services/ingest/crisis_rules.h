/*  crisis_rules: what the crisis routes decide (docs/crisis.md), in pure
    functions: which state allows which action, who may act (a role of a
    list, or orchestrator), whether a narrower scope lies inside the
    playbook's, and on which channel a holding statement goes out. The
    handlers (crisis_api.c, crisis_team.c) read the rows, ask here, and
    answer. */
#ifndef ING_CRISIS_RULES_H
#define ING_CRISIS_RULES_H

#include "auth.h"
#include "hd_crisis.h"

#include <stddef.h>

/* What a person does to an existing crisis. One name table. */
typedef enum {
    ING_CRISIS_CONFIRM = 0, /* proposed -> declared */
    ING_CRISIS_DISMISS,     /* proposed -> dismissed */
    ING_CRISIS_RESUME,      /* declared or drill -> resumed */
    ING_CRISIS_ACK,         /* proposed, declared or drill: acknowledged */
    ING_CRISIS_STATEMENT,   /* declared: the holding statement submitted */
    ING_CRISIS_ACTION_COUNT
} ing_crisis_action_t;

/* "confirm", "dismiss", ...; "unknown" out of range. Static. */
const char *ing_crisis_action_name(ing_crisis_action_t a);

/* 1 when a crisis in state s allows action a. */
int ing_crisis_action_allowed(ing_crisis_action_t a, hd_crisis_state_t s);

/* The states that allow a, as a phrase for a refusal ("proposed",
   "declared or drill"). Static. */
const char *ing_crisis_action_states(ing_crisis_action_t a);

/* 1 when `who` holds one of roles[0..n) or is an orchestrator (who may
   always act for the organization). */
int ing_crisis_may(const ing_person_t *who, const char *const *roles, size_t n);

/* The roles of `who` among roles[0..n) and orchestrator, into out (at most
   max; borrowed from who). Returns their count. */
size_t ing_crisis_roles_held(const ing_person_t *who, const char *const *roles, size_t n,
                             const char **out, size_t max);

/* Joins list[0..n) with ", " into buf (len bytes; "" for none); returns
   buf. For refusals naming roles, departments, channels. */
const char *ing_crisis_join(const char *const *list, size_t n, char *buf, size_t len);

/* The first of asked[0..nasked) not in allowed[0..nallowed) (an empty
   allowed list allows everything), or NULL when every one is inside:
   a narrower scope must lie inside the playbook's. Borrowed. */
const char *ing_crisis_outside(const char *const *asked, size_t nasked, const char *const *allowed,
                               size_t nallowed);

/* The channel of a holding statement: `asked` when given; else the first
   of the crisis's channels the caller's department has an account on
   (accounts: its channels); else, when the crisis covers every channel
   (nchannels 0) and the department has exactly one account, that one.
   NULL when none can be chosen (the caller asks for "channel"). Borrowed. */
const char *ing_crisis_statement_channel(const char *asked, const char *const *channels,
                                         size_t nchannels, const char *const *accounts,
                                         size_t naccounts);

#endif
