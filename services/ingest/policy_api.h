/*  policy_api: the policy routes of the HTTP API (docs/policy.md, "Proposals
    and reviews"): versions, diff, validate and simulate (policy_api.c);
    proposals and their reviews (policy_proposals.c). Ingest records
    proposals and reviews as they are submitted (its tables policy_proposal
    and policy_review, each with its event in the same transaction); the
    policy service decides what they do (policy_proposal_state,
    policy_version), read back through the views of
    migrations/013_policy_proposals.sql on the read side. */
#ifndef ING_POLICY_API_H
#define ING_POLICY_API_H

#include "route.h"

#include <jansson.h>
#include <stddef.h>

/* ---- shared by the policy handlers (policy_api.c) ---- */

/* The body's "source": a string of 1..POL_MAX_SOURCE bytes without NUL,
   borrowed from body into *src / *len. 0, or -1 after answering 422. */
int ing_policy_source(ing_call_t *c, json_t *body, const char **src, size_t *len);

/* Compiles src with the policy library; its rule count into *rules. 0, or
   -1 after answering 422 (field "source") with the loader's line-numbered
   errors in the message. */
int ing_policy_compile(ing_call_t *c, const char *src, size_t len, size_t *rules);

/* ---- proposals and reviews (policy_proposals.c) ---- */
void ing_policy_propose(ing_call_t *c);       /* POST /v1/policy/proposals */
void ing_policy_proposals(ing_call_t *c);     /* GET  /v1/policy/proposals */
void ing_policy_proposal(ing_call_t *c);      /* GET  /v1/policy/proposals/{id} */
void ing_policy_review_submit(ing_call_t *c); /* POST /v1/policy/proposals/{id}/reviews */

#endif
