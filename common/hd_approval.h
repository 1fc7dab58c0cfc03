/*  hd_approval: who may decide on an item: the one home of the rule.

    Pure functions over values: ingest uses them to answer a person at once
    (403 with the reason, from what the read side shows it), and workflow
    to decide when decision.recorded arrives (the chain may have moved on
    in between: workflow's answer is the one that counts). Neither reads
    the other's tables to use them.

    An item needs roles (its department's approval chain united with the
    roles a policy verdict adds); each role says whether its approver must
    belong to the item's own department (a coach) or not (a booth role
    such as legal), and whether somebody already approved as it. */
#ifndef HD_APPROVAL_H
#define HD_APPROVAL_H

#include "hd_id.h"
#include "hd_item_state.h"

#include <libpq-fe.h>

#include <stddef.h>

#define HD_MAX_ROLES 16
#define HD_ROLE_LEN 64  /* role names */
#define HD_DEPT_LEN 128 /* department slugs */

typedef struct {
    char name[HD_ROLE_LEN];
    int same_department; /* the approver must belong to the item's department */
    int approved;        /* somebody already approved as this role */
} hd_role_t;

/* What the rule needs to know about one item. */
typedef struct {
    char content_id[HD_ID_LEN];
    char author_id[HD_ID_LEN];
    char department[HD_DEPT_LEN];
    hd_item_state_t state;
    hd_role_t roles[HD_MAX_ROLES];
    size_t nroles;
} hd_approval_item_t;

/* A person who wants to decide. */
typedef struct {
    char id[HD_ID_LEN];
    char department[HD_DEPT_LEN];
    int active;
    char roles[HD_MAX_ROLES][HD_ROLE_LEN];
    size_t nroles;
} hd_actor_t;

/* Whether `actor` may approve or reject `item` as `role`. The rules, in the
   order they are checked: the item awaits approval; the actor is active and
   is not the author (four-eyes); the actor holds `role`; the item requires
   `role` and nobody approved as it yet; for a same-department role, the
   actor belongs to the item's department. Returns 1 when allowed, else 0
   with a reason for a person written into why (n bytes, always terminated).
   All arguments are borrowed; why may be NULL. */
int hd_approval_may_decide(const hd_approval_item_t *item, const hd_actor_t *actor,
                           const char *role, char *why, size_t n);

/* 1 when `actor` has a part in `item`: its author, of its department, or
   holding a role the item requires (approved already or not); else 0. A
   caller with no part (and no organization-wide reading role) is answered
   about the item exactly as about an unknown id. Pure. */
int hd_approval_involved(const hd_approval_item_t *item, const hd_actor_t *actor);

/* The role an actor decides as when the request names none: the first
   required, not yet approved role the actor holds and may decide as; failing
   that, the first such role the actor holds at all (so that may_decide then
   explains why not). Copies it into out (n bytes). 0 found, -1 none. */
int hd_approval_pick_role(const hd_approval_item_t *item, const hd_actor_t *actor, char *out,
                          size_t n);

/* Names of the required roles nobody approved yet, into out (up to max
   pointers borrowed from item). Returns their number. */
size_t hd_approval_remaining(const hd_approval_item_t *item, const char **out, size_t max);

/* Marks `role` approved on item; 1 if the item required it, else 0. */
int hd_approval_mark(hd_approval_item_t *item, const char *role);

/* The columns an item's rows carry for the rule, in this order: author
   id, department, state, role (NULL for an item that requires none),
   same_department, approved. An item is one row per required role, in
   chain order. Both workflow's own read and the read side's view
   (read_item_approval) hand back rows of this shape. */
#define HD_APPROVAL_COLS 6

/* Fills item (content_id as given) from rows [row, row + nrows) of r,
   whose columns col .. col + HD_APPROVAL_COLS - 1 are the columns above.
   A value that does not fit is refused, never truncated into another
   name. r stays the caller's. 0, or -1 for a malformed row (why says
   which, n bytes). */
int hd_approval_rows(const PGresult *r, int row, int nrows, int col, const char *content_id,
                     hd_approval_item_t *item, char *why, size_t n);

/* A role name from the network: printable, no separator (',', '"', '\\',
   '{', '}'), shorter than HD_ROLE_LEN. 1 valid, 0 not. */
int hd_approval_role_ok(const char *s);

#endif
