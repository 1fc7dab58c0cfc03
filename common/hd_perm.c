/*  hd_perm: the administration permission rule (see hd_perm.h). */
#include "hd_perm.h"

#include <stdio.h>
#include <string.h>

static int holds(const char *const *roles, size_t nroles, const char *role) {
    for (size_t i = 0; i < nroles; i++)
        if (roles[i] && strcmp(roles[i], role) == 0)
            return 1;
    return 0;
}

hd_perm_t hd_perm_check(const hd_grant_t *grants, size_t n, const char *const *roles, size_t nroles,
                        const char *own_dept, const char *permission, const char *object_dept,
                        char *why, size_t why_len) {
    int dept_grant = 0;
    int org_object = !object_dept || !*object_dept;
    for (size_t i = 0; i < n; i++) {
        const hd_grant_t *g = &grants[i];
        if (!holds(roles, nroles, g->role))
            continue;
        if (strcmp(g->permission, "*") != 0 && strcmp(g->permission, permission) != 0)
            continue;
        if (g->organization)
            return HD_PERM_ALLOWED;
        dept_grant = 1;
        if (!org_object && own_dept && strcmp(own_dept, object_dept) == 0)
            return HD_PERM_ALLOWED;
    }
    if (!dept_grant) {
        snprintf(why, why_len, "missing permission '%s' (no role of yours is granted it)",
                 permission);
        return HD_PERM_MISSING;
    }
    if (org_object) {
        snprintf(why, why_len,
                 "missing permission '%s' for the whole organization (yours covers department "
                 "'%s' only)",
                 permission, own_dept ? own_dept : "");
        return HD_PERM_ORGANIZATION;
    }
    snprintf(why, why_len, "not found");
    return HD_PERM_OTHER_DEPARTMENT;
}

int hd_perm_status(hd_perm_t p) {
    switch (p) {
    case HD_PERM_ALLOWED:
        return 200;
    case HD_PERM_OTHER_DEPARTMENT:
        return 404;
    default:
        return 403;
    }
}
