/*  admin_config: the routes of the configuration's administration and the
    person lookup their handlers share (see admin_config.h; the rest they
    share is org.h's). */
#include "admin_config.h"

#include "api.h"
#include "hd_id.h"

const ing_route_t ing_config_routes[] = {
    {"GET", "/v1/admin/channels", ING_SCOPE_ADMIN, ing_cfg_channels_list, "channels"},
    {"POST", "/v1/admin/channels", ING_SCOPE_ADMIN, ing_cfg_channel_create, "add a channel"},
    {"GET", "/v1/admin/channels/{id}", ING_SCOPE_ADMIN, ing_cfg_channel_get, "a channel"},
    {"PATCH", "/v1/admin/channels/{id}", ING_SCOPE_ADMIN, ing_cfg_channel_update,
     "change a channel"},
    {"GET", "/v1/admin/channels/{id}/accounts", ING_SCOPE_ADMIN, ing_cfg_accounts_list,
     "the departments' accounts on a channel (never their credentials)"},
    {"PUT", "/v1/admin/channels/{id}/accounts/{department}", ING_SCOPE_ADMIN, ing_cfg_account_put,
     "set a department's account and credential (write-only)"},
    {"DELETE", "/v1/admin/channels/{id}/accounts/{department}", ING_SCOPE_ADMIN,
     ing_cfg_account_delete, "remove a department's account"},
    {"GET", "/v1/admin/routing-rules", ING_SCOPE_ADMIN, ing_cfg_rules_list, "routing rules"},
    {"POST", "/v1/admin/routing-rules", ING_SCOPE_ADMIN, ing_cfg_rule_create, "add a routing rule"},
    {"GET", "/v1/admin/routing-rules/{id}", ING_SCOPE_ADMIN, ing_cfg_rule_get, "a routing rule"},
    {"PATCH", "/v1/admin/routing-rules/{id}", ING_SCOPE_ADMIN, ing_cfg_rule_update,
     "change a routing rule"},
    {"DELETE", "/v1/admin/routing-rules/{id}", ING_SCOPE_ADMIN, ing_cfg_rule_delete,
     "remove a routing rule"},
    {"GET", "/v1/admin/approval-steps", ING_SCOPE_ADMIN, ing_cfg_steps_list,
     "approval chains' steps"},
    {"POST", "/v1/admin/approval-steps", ING_SCOPE_ADMIN, ing_cfg_step_create,
     "add an approval step"},
    {"DELETE", "/v1/admin/approval-steps/{id}", ING_SCOPE_ADMIN, ing_cfg_step_delete,
     "remove an approval step"},
    {"GET", "/v1/admin/review-roles", ING_SCOPE_ADMIN, ing_cfg_review_roles_list,
     "roles findings may pull into a review"},
    {"PUT", "/v1/admin/review-roles/{role}", ING_SCOPE_ADMIN, ing_cfg_review_role_put,
     "set a review role"},
    {"DELETE", "/v1/admin/review-roles/{role}", ING_SCOPE_ADMIN, ing_cfg_review_role_delete,
     "remove a review role"},
    {"GET", "/v1/admin/policy-reviewers", ING_SCOPE_ADMIN, ing_cfg_reviewers_list,
     "roles that must approve a policy proposal"},
    {"PUT", "/v1/admin/policy-reviewers/{role}", ING_SCOPE_ADMIN, ing_cfg_reviewer_put,
     "set a policy reviewer role"},
    {"DELETE", "/v1/admin/policy-reviewers/{role}", ING_SCOPE_ADMIN, ing_cfg_reviewer_delete,
     "remove a policy reviewer role"},
    {"GET", "/v1/admin/certifications", ING_SCOPE_ADMIN, ing_cfg_certs_list, "certifications"},
    {"POST", "/v1/admin/certifications", ING_SCOPE_ADMIN, ing_cfg_cert_create,
     "grant a certification"},
    {"PATCH", "/v1/admin/certifications/{id}", ING_SCOPE_ADMIN, ing_cfg_cert_update,
     "change a certification"},
    {"DELETE", "/v1/admin/certifications/{id}", ING_SCOPE_ADMIN, ing_cfg_cert_delete,
     "revoke a certification"},
    {"GET", "/v1/admin/delegations", ING_SCOPE_ADMIN, ing_cfg_delegations_list, "delegations"},
    {"POST", "/v1/admin/delegations", ING_SCOPE_ADMIN, ing_cfg_delegation_create,
     "create a delegation"},
    {"DELETE", "/v1/admin/delegations/{id}", ING_SCOPE_ADMIN, ing_cfg_delegation_delete,
     "remove a delegation"},
    {NULL, NULL, 0, NULL, NULL}};

int ing_cfg_person(ing_call_t *c, const char *who, char *id, char *dept, size_t dept_len) {
    const char *p[1] = {who};
    PGresult *r = hd_db_exec(c->db,
                             "SELECT id, department_id FROM person "
                             "WHERE id::text = lower($1) OR email = $1 LIMIT 1",
                             1, p);
    if (!r)
        return -1;
    int found = PQntuples(r) > 0;
    if (found) {
        hd_db_value_copy(r, 0, 0, id, HD_ID_LEN);
        hd_db_value_copy(r, 0, 1, dept, dept_len);
    }
    PQclear(r);
    return found;
}
