/*  hd_perm: who may administer what, decided from admin_grant rows alone
    (no database): the orchestrator's '*', a coach's department-scoped
    grants, organization-wide objects, the sentence naming what is missing,
    and grants of roles the person does not hold. */
#include "hd_perm.h"
#include "hd_test.h"

#include <string.h>

/* The seeded grants of 009_org.sql, plus a legal grant for one test. */
static const hd_grant_t GRANTS[] = {
    {"orchestrator", "*", 1},       {"coach", "people", 0},      {"coach", "routing", 0},
    {"coach", "certifications", 0}, {"coach", "delegations", 0}, {"coach", "tokens", 0},
    {"coach", "history", 0},        {"legal", "channels", 1},
};
#define NGRANTS (sizeof GRANTS / sizeof GRANTS[0])

static hd_perm_t check(const char *role, const char *own, const char *perm, const char *dept,
                       char *why) {
    const char *roles[1] = {role};
    return hd_perm_check(GRANTS, NGRANTS, roles, 1, own, perm, dept, why, 256);
}

HD_TEST(orchestrator_may_do_everything) {
    char why[256];
    const char *perms[] = {"departments", "people",  "roles",
                           "grants",      "history", "policy-emergency"};
    for (size_t i = 0; i < sizeof perms / sizeof perms[0]; i++) {
        ASSERT_EQ(check("orchestrator", "hub", perms[i], NULL, why), HD_PERM_ALLOWED);
        ASSERT_EQ(check("orchestrator", "hub", perms[i], "marketing", why), HD_PERM_ALLOWED);
        ASSERT_EQ(check("orchestrator", "hub", perms[i], "", why), HD_PERM_ALLOWED);
    }
}

HD_TEST(coach_in_own_department_only) {
    char why[256];
    ASSERT_EQ(check("coach", "marketing", "people", "marketing", why), HD_PERM_ALLOWED);
    ASSERT_EQ(check("coach", "marketing", "history", "marketing", why), HD_PERM_ALLOWED);
    ASSERT_EQ(check("coach", "marketing", "people", "customer-care", why),
              HD_PERM_OTHER_DEPARTMENT);
    ASSERT_EQ(hd_perm_status(HD_PERM_OTHER_DEPARTMENT), 404); /* not revealed */
    ASSERT_EQ(check("coach", "marketing", "people", "customer-care", why),
              HD_PERM_OTHER_DEPARTMENT);
}

HD_TEST(organization_wide_objects_need_an_organization_grant) {
    char why[256];
    ASSERT_EQ(check("coach", "marketing", "people", NULL, why), HD_PERM_ORGANIZATION);
    ASSERT(strstr(why, "'people'") && strstr(why, "whole organization") &&
           strstr(why, "'marketing'"));
    ASSERT_EQ(check("coach", "marketing", "history", "", why), HD_PERM_ORGANIZATION);
    ASSERT_EQ(hd_perm_status(HD_PERM_ORGANIZATION), 403);
    ASSERT_EQ(check("legal", "legal", "channels", NULL, why), HD_PERM_ALLOWED);
    ASSERT_EQ(check("legal", "legal", "channels", "marketing", why), HD_PERM_ALLOWED);
}

HD_TEST(missing_permission_is_named) {
    char why[256];
    ASSERT_EQ(check("coach", "marketing", "departments", NULL, why), HD_PERM_MISSING);
    ASSERT(strstr(why, "missing permission 'departments'"));
    ASSERT_EQ(check("coach", "marketing", "grants", "marketing", why), HD_PERM_MISSING);
    ASSERT(strstr(why, "'grants'"));
    ASSERT_EQ(check("player", "marketing", "people", "marketing", why), HD_PERM_MISSING);
    ASSERT(strstr(why, "'people'"));
    ASSERT_EQ(hd_perm_status(HD_PERM_MISSING), 403);
    ASSERT_EQ(hd_perm_status(HD_PERM_ALLOWED), 200);
}

HD_TEST(unknown_and_unheld_roles_are_ignored) {
    char why[256];
    /* A role nobody granted anything, and grants of roles not held. */
    ASSERT_EQ(check("wizard", "marketing", "people", "marketing", why), HD_PERM_MISSING);
    const char *roles[3] = {"wizard", NULL, "player"};
    ASSERT_EQ(hd_perm_check(GRANTS, NGRANTS, roles, 3, "hub", "people", NULL, why, sizeof why),
              HD_PERM_MISSING);
    /* No grants at all: nothing is allowed, not even to an orchestrator. */
    const char *orch[1] = {"orchestrator"};
    ASSERT_EQ(hd_perm_check(NULL, 0, orch, 1, "hub", "people", NULL, why, sizeof why),
              HD_PERM_MISSING);
}

HD_TEST(roles_combine) {
    char why[256];
    /* A coach who is also an orchestrator: the organization grant wins. */
    const char *roles[2] = {"coach", "orchestrator"};
    ASSERT_EQ(hd_perm_check(GRANTS, NGRANTS, roles, 2, "marketing", "people", "customer-care", why,
                            sizeof why),
              HD_PERM_ALLOWED);
    /* A department grant and an organization grant of another permission. */
    const char *two[2] = {"coach", "legal"};
    ASSERT_EQ(
        hd_perm_check(GRANTS, NGRANTS, two, 2, "marketing", "channels", NULL, why, sizeof why),
        HD_PERM_ALLOWED);
    ASSERT_EQ(
        hd_perm_check(GRANTS, NGRANTS, two, 2, "marketing", "routing", "legal", why, sizeof why),
        HD_PERM_OTHER_DEPARTMENT);
}

HD_TEST(department_grant_without_own_department) {
    char why[256];
    /* A person with no department never matches a department's object. */
    const char *roles[1] = {"coach"};
    ASSERT_EQ(
        hd_perm_check(GRANTS, NGRANTS, roles, 1, NULL, "people", "marketing", why, sizeof why),
        HD_PERM_OTHER_DEPARTMENT);
    /* A short buffer is still terminated. */
    char tiny[8];
    ASSERT_EQ(hd_perm_check(GRANTS, NGRANTS, roles, 1, "x", "grants", NULL, tiny, sizeof tiny),
              HD_PERM_MISSING);
    ASSERT_EQ(strlen(tiny), 7);
}

HD_TEST_MAIN(HD_CASE(orchestrator_may_do_everything), HD_CASE(coach_in_own_department_only),
             HD_CASE(organization_wide_objects_need_an_organization_grant),
             HD_CASE(missing_permission_is_named), HD_CASE(unknown_and_unheld_roles_are_ignored),
             HD_CASE(roles_combine), HD_CASE(department_grant_without_own_department))
