/*  decision: a coach, legal or another required role approving or rejecting
    an item. Who may decide is the workflow's rule (services/workflow/chain.h),
    checked here so the person gets 403 with the reason at once; workflow
    checks it again when it applies the decision.recorded event. */
#ifndef ING_DECISION_H
#define ING_DECISION_H

#include "content.h"

typedef struct {
    const char *content_id;
    const char *decision; /* approve, reject */
    const char *role;     /* NULL: the first required role the actor holds */
    const char *reason;   /* required to reject */
} ing_decision_t;

/* Validates and records the decision and its decision.recorded event in one
   transaction. res->status: 202 accepted (res->id = decision id), 200 the
   same decision was already recorded, 403 not allowed, 404 no such item,
   409 not awaiting approval, 422 bad input, 503 retry. */
void ing_decision_submit(hd_db_t *db, const ing_person_t *actor, const ing_decision_t *in,
                         ing_result_t *res);

#endif
