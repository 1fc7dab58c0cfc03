/*  chain: who may decide on an item, and which roles an item needs.

    The approval chain is data (DESIGN.md): table approval_step gives the
    roles every item of a department needs (rows of that department, else the
    rows with department_id NULL), and a policy verdict may add roles (table
    review_role says whether such a role must be held by someone of the
    item's own department; default: no, a booth role such as legal).

    The decision rule itself is a pure function, hd_approval_may_decide, used
    twice with the same answer: by ingest, to refuse a decision synchronously
    (HTTP 403), and by workflow, to re-check it when decision.recorded
    arrives (the chain may have moved on in between).

    Auto-approval: an approval_step row with role 'auto' (WF_ROLE_AUTO) for a
    department means "a PASS verdict needs no human": such an item is
    approved as soon as policy passes it. A REVIEW verdict of that department
    still needs the verdict's roles and every other chain role; 'auto' itself
    is never a role a person must hold. Nothing is auto-approved unless an
    organization adds that row. */
#ifndef WF_CHAIN_H
#define WF_CHAIN_H

#include "hd_db.h"
#include "hd_approval.h"
#include "hd_id.h"

#include <stddef.h>

#define WF_ROLE_AUTO "auto"

/* The columns of an item and its required roles, one row per role in
   chain order (one row with NULL role columns when it requires none):
   author_id, department_id, state, role, same_department, approved. Written
   as "SELECT " WF_ITEM_COLS " FROM " WF_ITEM_FROM " WHERE ...". */
#define WF_ITEM_COLS                                                                               \
    "w.author_id, w.department_id, w.state, r.role, r.role = ANY(w.same_department_roles), "     \
    "EXISTS (SELECT 1 FROM workflow_approval a WHERE a.content_id = w.content_id "                \
    "        AND a.role = r.role)"
#define WF_ITEM_FROM                                                                               \
    "workflow_item w LEFT JOIN LATERAL unnest(w.required_roles) WITH ORDINALITY AS r(role, i) "   \
    "ON true"

/* Fills item (content_id as given) from rows [row, row + nrows) of r, whose
   columns col .. col + 5 are WF_ITEM_COLS of that one item. r stays the
   caller's. 0, or -1 for a malformed row (reason in why). */
int wf_chain_rows(PGresult *r, int row, int nrows, int col, const char *content_id,
                  hd_approval_item_t *item, char *why, size_t n);

/* Loads item `content_id` from workflow_item and workflow_approval (one
   consistent read; call it inside the transaction that acts on it).
   Returns 0 loaded, 1 no such item, -1 database error or a malformed row
   (logged, reason in why). */
int wf_chain_load(hd_db_t *db, const char *content_id, hd_approval_item_t *item, char *why, size_t n);

/* Loads person `actor_id` and their roles. 0 loaded, 1 no such person,
   -1 database error (reason in why). */
int wf_chain_load_actor(hd_db_t *db, const char *actor_id, hd_actor_t *actor, char *why, size_t n);

#define WF_CHAIN_MEMO 16 /* departments remembered per batch */

/* Departments' chains as read during one consumer batch: each is read once
   per batch instead of once per item (a chain changed meanwhile applies
   from the next batch, as if it had been changed a moment later). */
typedef struct {
    struct {
        char department[HD_DEPT_LEN];
        hd_role_t roles[HD_MAX_ROLES];
        int nroles, auto_pass;
    } e[WF_CHAIN_MEMO];
    int n;
} wf_chain_memo_t;

/* Forgets every chain (a new batch). */
void wf_chain_memo_clear(wf_chain_memo_t *memo);

/* The roles an item of `department` needs after a verdict: the department's
   chain (or the default chain) united with the verdict's `extra` roles,
   each with its same_department flag. *auto_pass is set when the chain
   holds WF_ROLE_AUTO (which is not put in `out`). `out` has room for
   HD_MAX_ROLES. memo (may be NULL) remembers chains for the batch.
   Returns the number of roles; -1 on database error, -2 when the roles do
   not fit (more than HD_MAX_ROLES or an overlong name); why says which. */
int wf_chain_required(hd_db_t *db, wf_chain_memo_t *memo, const char *department,
                      const char *const *extra, size_t nextra, hd_role_t *out, int *auto_pass,
                      char *why, size_t n);

#endif
