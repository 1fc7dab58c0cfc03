/*  decision: a coach, legal or another required role approving or rejecting
    an item. Who may decide is one rule (common/hd_approval.h), checked here
    from what the read side shows (read_side.h: the item's state, roles and
    approvals, the actor's roles) so that the person gets 403 / 409 with the
    reason at once. That answer is an early courtesy: ingest neither locks
    nor reads workflow's tables, and workflow checks the rule again when it
    applies the decision.recorded event; its answer is the one that counts
    (two deciders racing may both get 202; workflow takes the first). */
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
   409 not awaiting approval, 422 bad input, 503 retry. db (ingest's own
   tables: decision, content, outbox) and read_db (the read side, role
   huddle_read) are borrowed, as are actor and in. */
void ing_decision_submit(hd_db_t *db, hd_db_t *read_db, const ing_person_t *actor,
                         const ing_decision_t *in, ing_result_t *res);

#endif
