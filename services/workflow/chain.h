/*  chain: who may decide on an item, and which roles an item needs.

    The approval chain is data (DESIGN.md): table approval_step gives the
    roles every item of a department needs (rows of that department, else the
    rows with department_id NULL), and a policy verdict may add roles (table
    review_role says whether such a role must be held by someone of the
    item's own department; default: no, a booth role such as legal).

    The decision rule itself is a pure function, wf_chain_may_decide, used
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
#include "hd_id.h"

#include <stddef.h>

#define WF_MAX_ROLES 16
#define WF_NAME_LEN 64  /* role names */
#define WF_DEPT_LEN 128 /* department slugs */
#define WF_ROLE_AUTO "auto"

typedef struct {
    char name[WF_NAME_LEN];
    int same_department; /* the approver must belong to the item's department */
    int approved;        /* somebody already approved as this role */
} wf_role_t;

/* What the chain needs to know about one item (workflow_item + approvals). */
typedef struct {
    char content_id[HD_ID_LEN];
    char author_id[HD_ID_LEN];
    char department[WF_DEPT_LEN];
    char state[32]; /* evaluating, awaiting_approval, approved, rejected, ... */
    wf_role_t roles[WF_MAX_ROLES];
    size_t nroles;
} wf_item_t;

/* A person who wants to decide (person + person_role). */
typedef struct {
    char id[HD_ID_LEN];
    char department[WF_DEPT_LEN];
    int active;
    char roles[WF_MAX_ROLES][WF_NAME_LEN];
    size_t nroles;
} wf_actor_t;

/* Whether `actor` may approve or reject `item` as `role`. The rules, in the
   order they are checked: the item awaits approval; the actor is active and
   is not the author (four-eyes); the actor holds `role`; the item requires
   `role` and nobody approved as it yet; for a same-department role, the
   actor belongs to the item's department. Returns 1 when allowed, else 0
   with a reason for a person written into why (n bytes, always terminated).
   All arguments are borrowed; why may be NULL. */
int wf_chain_may_decide(const wf_item_t *item, const wf_actor_t *actor, const char *role, char *why,
                        size_t n);

/* The role an actor decides as when the request names none: the first
   required, not yet approved role the actor holds and may decide as; failing
   that, the first such role the actor holds at all (so that may_decide then
   explains why not). Copies it into out (n bytes). 0 found, -1 none. */
int wf_chain_pick_role(const wf_item_t *item, const wf_actor_t *actor, char *out, size_t n);

/* Names of the required roles nobody approved yet, into out (up to max
   pointers borrowed from item). Returns their number. */
size_t wf_chain_remaining(const wf_item_t *item, const char **out, size_t max);

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
                  wf_item_t *item, char *why, size_t n);

/* Loads item `content_id` from workflow_item and workflow_approval (one
   consistent read; call it inside the transaction that acts on it).
   Returns 0 loaded, 1 no such item, -1 database error or a malformed row
   (logged, reason in why). */
int wf_chain_load(hd_db_t *db, const char *content_id, wf_item_t *item, char *why, size_t n);

/* Loads person `actor_id` and their roles. 0 loaded, 1 no such person,
   -1 database error (reason in why). */
int wf_chain_load_actor(hd_db_t *db, const char *actor_id, wf_actor_t *actor, char *why, size_t n);

#define WF_CHAIN_MEMO 16 /* departments remembered per batch */

/* Departments' chains as read during one consumer batch: each is read once
   per batch instead of once per item (a chain changed meanwhile applies
   from the next batch, as if it had been changed a moment later). */
typedef struct {
    struct {
        char department[WF_DEPT_LEN];
        wf_role_t roles[WF_MAX_ROLES];
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
   WF_MAX_ROLES. memo (may be NULL) remembers chains for the batch.
   Returns the number of roles; -1 on database error, -2 when the roles do
   not fit (more than WF_MAX_ROLES or an overlong name); why says which. */
int wf_chain_required(hd_db_t *db, wf_chain_memo_t *memo, const char *department,
                      const char *const *extra, size_t nextra, wf_role_t *out, int *auto_pass,
                      char *why, size_t n);

#endif
