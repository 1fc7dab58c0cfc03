/*  hd_perm: who may administer what. The grants are data (table
    admin_grant: role, permission, scope); this is the one rule that reads
    them, a pure function, so the API, the CLI's messages and the tests all
    agree. A grant of permission '*' covers every permission. Scope
    'organization' covers every object; 'department' only the objects of the
    grantee's own department (a person, a routing rule of that department).
    An organization-wide object (a channel, a role, the grants themselves)
    needs an organization-scoped grant. */
#ifndef HD_PERM_H
#define HD_PERM_H

#include <stddef.h>

#define HD_PERM_NAME_LEN 64

typedef struct {
    char role[HD_PERM_NAME_LEN];
    char permission[HD_PERM_NAME_LEN];
    int organization; /* 1: scope organization, 0: scope department */
} hd_grant_t;

typedef enum {
    HD_PERM_ALLOWED = 0,
    HD_PERM_MISSING,          /* 403: no grant of the permission at all */
    HD_PERM_OTHER_DEPARTMENT, /* 404: a department grant, an object of another department */
    HD_PERM_ORGANIZATION,     /* 403: a department grant, an organization-wide object */
} hd_perm_t;

/* May a person holding roles[0..nroles) in department own_dept exercise
   `permission` on an object of department object_dept (NULL or "": an
   organization-wide object)? grants[0..n) are the admin_grant rows (any
   role: those of roles the person lacks are ignored). On a refusal, why
   receives a sentence naming the missing permission. Pure. */
hd_perm_t hd_perm_check(const hd_grant_t *grants, size_t n, const char *const *roles, size_t nroles,
                        const char *own_dept, const char *permission, const char *object_dept,
                        char *why, size_t why_len);

/* The HTTP status of a refusal: 403, or 404 for another department's object
   (its existence is not revealed). 200 when allowed. */
int hd_perm_status(hd_perm_t p);

#endif
