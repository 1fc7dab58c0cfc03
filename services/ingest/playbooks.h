/*  playbooks: the crisis playbooks of the HTTP API (docs/playbooks.md):
    validate, apply, list, show and their versions. A playbook is applied
    as a new version (the previous one inactive) only when its source
    changed, after the checks of hd_playbook.h and of what it names in the
    organization (departments, channels, roles, webhook endpoints), with
    its org.playbook.created / .updated event in the same transaction on
    ingest's own table playbook_version; reads go through the read side's
    view read_playbook. A playbook is sent as its YAML itself (a YAML
    Content-Type) or as JSON {"source": "..."}: the dispatcher leaves the
    Content-Type of these routes to them (ing_playbook_takes_yaml). */
#ifndef ING_PLAYBOOKS_H
#define ING_PLAYBOOKS_H

#include "route.h"

typedef enum {
    ING_PLAYBOOK_BODY_OTHER = 0, /* neither: 415 */
    ING_PLAYBOOK_BODY_JSON,      /* application/json: {"source": "..."} */
    ING_PLAYBOOK_BODY_YAML       /* application/yaml, application/x-yaml, text/yaml, text/plain */
} ing_playbook_body_t;

/* What a Content-Type value (NULL: none) says a playbook's body is. Media
   types are matched whatever their case; parameters are allowed, a
   charset must be utf-8. Pure. */
ing_playbook_body_t ing_playbook_body_type(const char *content_type);

/* 1 when route r takes a playbook as its body, whose Content-Type it
   checks itself (ing_playbook_body_type); 0 for every other route. */
int ing_playbook_takes_yaml(const ing_route_t *r);

#endif
