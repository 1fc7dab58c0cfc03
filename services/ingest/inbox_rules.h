/*  inbox_rules: what ingest decides about the inbox at its door
    (docs/inbox.md), in pure functions: who sees an item, the early check
    of a person's action on it (hd_inbox's rules, and what the door can
    tell from the item alone), who may answer it, the text a reply goes out
    with, which replies are still pending, and the collision verdict of a
    reply (hd_inbox_reply_check, plus: an approved reply cannot be
    superseded). No database, no clock: the callers read the facts (the
    read side, ingest's own tables) and hand them in. */
#ifndef ING_INBOX_RULES_H
#define ING_INBOX_RULES_H

#include "auth.h"
#include "hd_inbox.h"

#include <stddef.h>
#include <stdint.h>

/* An inbox item as the door's rules need it (read_inbox's columns;
   strings borrowed, "" for none). */
typedef struct {
    const char *department; /* department_id: "" in triage */
    const char *state;      /* as stored: new, assigned, waiting, resolved (open reads as new) */
    const char *assignee_id, *assignee_email;
} ing_inbox_item_t;

/* 1 when the item is in the triage queue: routed to no department ("";
   inbox_item.triage says the same, docs/inbox.md). Pure. */
int ing_inbox_in_triage(const ing_inbox_item_t *item);

/* Whether viewer may see the item: organization-wide readers
   (ing_read_sees_all: orchestrator, legal, crisis) see every item;
   information gatherers see the triage queue; everyone sees their own
   department's items. Anyone else is answered as for an unknown id. 1 or
   0. Pure. */
int ing_inbox_visible(const ing_person_t *viewer, const ing_inbox_item_t *item);

/* The caller as hd_inbox's rules take a person (active: a live token
   belongs to an active person). */
void ing_inbox_actor(const ing_person_t *who, hd_actor_t *out);

/* The early check of action `a` by actor on item: hd_inbox_may (403 for
   the actor, 422 for an assign's target), then what the item alone
   refuses (409): assigning the person it is assigned to already,
   escalating a triage item (triage has no coach: route it first), routing
   it to the department it is in (route_to: the department asked; 422),
   and hd_inbox_next (the action does not apply in the item's state).
   target: the person an assign names (NULL: the actor); its
   who->id is compared with the assignee. 0 when the door lets it through
   (workflow decides), else the HTTP status with a sentence in why. Pure. */
int ing_inbox_action_check(const hd_actor_t *actor, const ing_inbox_item_t *item,
                           hd_inbox_action_t a, const hd_inbox_target_t *target,
                           const char *route_to, char *why, size_t why_len);

/* Whether who may answer item: the orchestrator; in triage, information
   gatherers; else the department's responders and coaches. 0, or 403
   with why. Pure. */
int ing_inbox_may_reply(const ing_person_t *who, const ing_inbox_item_t *item, char *why,
                        size_t why_len);

/* The text a reply goes out with: "@handle " (the mention's author, one
   '@' whatever the handle holds; left out when text already starts with
   that mention), the person's text, then the signature with {name},
   {first_name} (name's first word) and {department} filled (a placeholder
   it does not know is kept as written). A new string the caller frees. */
char *ing_inbox_reply_text(const char *handle, const char *text, const char *signature,
                           const char *name, const char *department);

/* 1 for the states of a pending reply (read_inbox_reply.state): submitted,
   or a content state from which it may still go out (evaluating,
   awaiting_approval, approved, held); 0 for published and the final
   refusals. Pure. */
int ing_inbox_reply_pending(const char *state);

/* 1 for a pending reply that is already approved (approved, held): too late
   to supersede. Pure. */
int ing_inbox_reply_approved(const char *state);

/* The collision verdict of a reply. */
typedef struct {
    int status;             /* 0 go ahead; 409 refused */
    const char *code;       /* the refusal's: reply_pending, assigned_elsewhere, reply_approved */
    const char *by;         /* who holds it: the pending reply's author, the owner */
    int64_t since_ms;       /* since when (Unix ms) */
    const char *supersedes; /* going ahead: the pending reply withdrawn ("" none) */
    char why[300];          /* the refusal for a person */
} ing_reply_verdict_t;

/* Judges a reply by caller_id (supersede: explicitly) to mention_id in
   state st (its newest pending reply, of state pending_state, "" none):
   hd_inbox_reply_check, and a pending reply already approved is never
   superseded (409 reply_approved). Strings borrowed from st. Pure. */
void ing_inbox_reply_judge(const hd_inbox_reply_state_t *st, const char *pending_state,
                           const char *mention_id, const char *caller_id, int supersede,
                           ing_reply_verdict_t *v);

#endif
