/*  policy_proposal: policy by committee in the policy service, as part of
    its consumer batch (policy_service.c calls it for every batch).
    policy.proposed: the proposal (read through ingest's view
    policy_proposal_input) is analyzed against the ACTIVE version (its diff,
    policy_diff.h, and a simulation over the last 30 days, policy_simulate.h)
    and goes in review (policy.proposal_updated "analyzed"); an emergency
    proposal is activated at once instead. policy.review_submitted: the
    review is checked again with the rule ingest used (policy_review.h) and
    counted, refused or, when every required role has approved, the
    proposal's source becomes the next active version (policy.activated with
    the proposal's id and why).
    A batch reads what its proposals need in one statement, decides event by
    event in memory (a batch may carry a proposal and its reviews), writes
    every changed policy_proposal_state row with one array statement, and
    inserts a version per activation. Outputs derive their ids from their
    cause. */
#ifndef POL_PROPOSAL_H
#define POL_PROPOSAL_H

#include "hd_batch.h"
#include "hd_db.h"

#include <stddef.h>

/* The period the analysis simulates (pol_parse_period's form). */
#define POL_PROPOSAL_SIMULATE_SINCE "30d"

/* 1 if ev is one of the events this file applies. */
int pol_proposal_wants(const hd_envelope_t *ev);

/* Applies the batch's policy.proposed and policy.review_submitted events
   (others are skipped) inside the open transaction. HD_APPLY_OK,
   HD_APPLY_RETRY on a database error, HD_APPLY_DEAD (hd_batch_dead) for an
   event that can never apply (no proposal id, an unknown proposal). */
int pol_proposal_apply(hd_db_t *db, const hd_envelope_t *const *evs, size_t n, hd_batch_out_t *out);

#endif
