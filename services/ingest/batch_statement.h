/*  batch_statement: what a group commit (batch_sql.c) does for a crisis's
    holding statement (an item whose submission carries crisis_id, kind
    statement: POST /v1/crises/{id}/statement). In the batch's transaction,
    before the items are inserted, each statement's crisis is read FOR
    SHARE, so that a resume or a dismissal waits for the commit and a
    statement commits only while its crisis is declared; and after the
    items, each new statement records crisis.statement (count 1, its
    content id) next to its content.submitted. A batch without a statement
    costs nothing more. */
#ifndef ING_BATCH_STATEMENT_H
#define ING_BATCH_STATEMENT_H

#include "batch.h"
#include "crisis_event.h"

/* Per item of the batch: what its crisis.statement needs. */
typedef struct {
    char playbook[64];
    long long playbook_version;
    ing_crisis_event_t ev;
    char *content_ids[1];
} ing_statement_t;

/* In the open transaction: for every item with in.crisis_id and no outcome
   yet, locks its crisis (FOR SHARE) and refuses it (res 409, naming
   crisis_id or channel) when the crisis is not declared or already has a
   holding statement on that channel under another item; a retry of the
   same request (same id) goes on, to be answered 200 by the insert. st
   (n entries, zeroed by the caller) receives the playbook. 0, or -1 on a
   database error. */
int ing_statement_check(hd_db_t *db, ing_item_t **it, size_t n, ing_statement_t *st);

/* The crisis.statement event of item `it` (recorded new, 201) built into
   st, caused by its content.submitted event `submitted_id` (the id derives
   from it). Returns the envelope (borrowing it, st and submitted_id). */
const hd_envelope_t *ing_statement_event(ing_statement_t *st, const ing_item_t *it,
                                         const char *submitted_id);

#endif
