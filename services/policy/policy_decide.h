/*  policy_decide: what one content.submitted becomes, decided in memory.
    Given the event, the facts read for its batch (its channel's kind and
    max_length, author facts when the policy asks for them, the crises in
    force) and
    the compiled policy, it yields the verdict row the service writes to
    policy_verdict and the policy.evaluated event it emits. No database, no
    sockets: policy_service.c reads the facts and writes the results for a
    whole batch at once (policy_batch.h). */
#ifndef POL_DECIDE_H
#define POL_DECIDE_H

#include "hd_envelope.h"
#include "policy.h"
#include "policy_report.h"

#include <stddef.h>
#include <stdint.h>

#define POL_KIND_LEN 64

/* A channel's facts as read for a batch; kind "" and max_length 0 when the
   channel is unknown. */
typedef struct {
    char kind[POL_KIND_LEN];
    long max_length;
} pol_channel_t;

/* 0 when ev is a content.submitted that can be evaluated (a body, a valid
   content_id, a policy_version not negative); -1 with the reason in why
   (the event can never apply: a dead letter). */
int pol_decide_check(const hd_envelope_t *ev, char *why, size_t why_len);

/* The engine's view of ev's item on a channel with facts ch: ctx borrows
   from ev and ch. Facts are judged as of submission (ctx->now_ms is the
   event's occurred_at), so a replay reaches the same verdict; the crises
   are those in force when it is evaluated. Author facts and the crises are
   left unset: the caller adds them (author facts when the policy needs
   them, the crises always). ctx->crisis_id is the submission's (a holding
   statement's crisis). ev must have passed pol_decide_check. */
void pol_decide_ctx(const hd_envelope_t *ev, const pol_channel_t *ch, pol_ctx_t *ctx);

/* What an item's evaluation produced. */
typedef struct {
    const char *content_id; /* borrowed from the event */
    int64_t version;        /* the policy version it was evaluated under */
    const char *verdict;    /* "pass", "review", "block" (static) */
    char *findings;         /* JSON array text for policy_verdict.findings; owned */
    hd_envelope_t env;      /* policy.evaluated, body set, for hd_batch_emit */
    Huddle__V1__PolicyEvaluated body;
    pol_pb_t pb; /* storage the body points into */
} pol_decision_t;

/* Evaluates ev's text under pol (the compiled `version`; version 0 with an
   empty policy when none exists yet) with ctx into res, and fills d. d
   borrows from ev, res and pol until pol_decision_free and must not move
   in between (its env points into it). 0, or -1 when the scan failed (res
   and d hold nothing). Aborts on out-of-memory. */
int pol_decide(pol_t *pol, int64_t version, const hd_envelope_t *ev, const pol_ctx_t *ctx,
               pol_result_t *res, pol_decision_t *d);

/* Frees what d owns (findings, unless the caller took them and set it
   NULL) and the body's storage; safe on a zeroed d. */
void pol_decision_free(pol_decision_t *d);

#endif
