/*  admin_config: administering the organization's configuration through
    the API (docs/admin-channels.md): channels and the departments'
    accounts on them (admin_channels.c), routing rules, approval steps,
    review roles and policy reviewers (admin_chains.c), certifications and
    delegations (admin_facts.c). The route table, ing_config_routes,
    lives in admin_config.c; what the handlers share is org.h's.
    Objects are read as JSON built by PostgreSQL (json_build_object), so
    that a read and the event of a change show the same object; a
    credential is never part of one. */
#ifndef ING_ADMIN_CONFIG_H
#define ING_ADMIN_CONFIG_H

#include "org.h"
#include "route.h"

#include <jansson.h>

/* The key sealing channel credentials (hd_secret.h), copied; NULL: none
   (setting an account's credential then answers 503). Set once by main
   before requests arrive. */
void ing_config_set_key(const unsigned char *key);

/* ---- handlers (admin_channels.c, admin_chains.c, admin_facts.c) ---- */
void ing_cfg_channels_list(ing_call_t *c);
void ing_cfg_channel_create(ing_call_t *c);
void ing_cfg_channel_get(ing_call_t *c);
void ing_cfg_channel_update(ing_call_t *c);
void ing_cfg_accounts_list(ing_call_t *c);
void ing_cfg_account_put(ing_call_t *c);
void ing_cfg_account_delete(ing_call_t *c);
void ing_cfg_rules_list(ing_call_t *c);
void ing_cfg_rule_create(ing_call_t *c);
void ing_cfg_rule_get(ing_call_t *c);
void ing_cfg_rule_update(ing_call_t *c);
void ing_cfg_rule_delete(ing_call_t *c);
void ing_cfg_steps_list(ing_call_t *c);
void ing_cfg_step_create(ing_call_t *c);
void ing_cfg_step_delete(ing_call_t *c);
void ing_cfg_review_roles_list(ing_call_t *c);
void ing_cfg_review_role_put(ing_call_t *c);
void ing_cfg_review_role_delete(ing_call_t *c);
void ing_cfg_reviewers_list(ing_call_t *c);
void ing_cfg_reviewer_put(ing_call_t *c);
void ing_cfg_reviewer_delete(ing_call_t *c);
void ing_cfg_certs_list(ing_call_t *c);
void ing_cfg_cert_create(ing_call_t *c);
void ing_cfg_cert_update(ing_call_t *c);
void ing_cfg_cert_delete(ing_call_t *c);
void ing_cfg_delegations_list(ing_call_t *c);
void ing_cfg_delegation_create(ing_call_t *c);
void ing_cfg_delegation_delete(ing_call_t *c);

/* ---- shared by the handlers (admin_config.c) ---- */

/* A person named by uuid or email, in an open transaction or not: its id
   and department into id / dept. 1 found, 0 not, -1 database error. */
int ing_cfg_person(ing_call_t *c, const char *who, char *id, char *dept, size_t dept_len);

#endif
