/*  facts: the batch's organization facts and the rules over them. */
#include "facts.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Adds `name` to out unless present (then the stricter flag stays).
   -1 when the list is full or the name too long. */
static int add_role(hd_role_t *out, int *count, const char *name, int same) {
    for (int i = 0; i < *count; i++)
        if (strcmp(out[i].name, name) == 0) {
            out[i].same_department |= same;
            return 0;
        }
    if (*count >= HD_MAX_ROLES || strlen(name) >= HD_ROLE_LEN)
        return -1;
    memset(&out[*count], 0, sizeof out[*count]);
    snprintf(out[*count].name, HD_ROLE_LEN, "%s", name);
    out[*count].same_department = same;
    (*count)++;
    return 0;
}

static int has_own_chain(const wf_facts_t *f, const char *department) {
    for (size_t i = 0; i < f->nsteps; i++)
        if (!f->steps[i].any_department && strcmp(f->steps[i].department, department) == 0)
            return 1;
    return 0;
}

static int review_same(const wf_facts_t *f, const char *role) {
    for (size_t i = 0; i < f->nreviews; i++)
        if (strcmp(f->reviews[i].role, role) == 0)
            return f->reviews[i].same_department;
    return 0;
}

int wf_facts_chain(const wf_facts_t *f, const char *department, const char *const *extra,
                   size_t nextra, hd_role_t *out, int *auto_pass, char *why, size_t n) {
    int count = 0, own = has_own_chain(f, department);
    *auto_pass = 0;
    for (size_t i = 0; i < f->nsteps; i++) {
        const wf_step_row_t *s = &f->steps[i];
        if (own ? s->any_department || strcmp(s->department, department) != 0 : !s->any_department)
            continue;
        if (strcmp(s->role, WF_ROLE_AUTO) == 0) {
            *auto_pass = 1;
        } else if (add_role(out, &count, s->role, s->same_department) < 0) {
            snprintf(why, n, "the approval chain of '%s' has too many roles", department);
            return -1;
        }
    }
    for (size_t i = 0; i < nextra; i++)
        if (add_role(out, &count, extra[i], review_same(f, extra[i])) < 0) {
            snprintf(why, n, "too many roles (or role '%s' too long) for department '%s'", extra[i],
                     department);
            return -1;
        }
    return count;
}

const hd_actor_t *wf_facts_actor(const wf_facts_t *f, const char *id) {
    for (size_t i = 0; i < f->nactors; i++)
        if (strcasecmp(f->actors[i].id, id) == 0)
            return &f->actors[i];
    return NULL;
}

int wf_facts_certified(const wf_facts_t *f, const char *person_id, const char *channel,
                       const char *name) {
    for (size_t i = 0; i < f->ncerts; i++) {
        const wf_cert_t *c = &f->certs[i];
        if (strcasecmp(c->person_id, person_id) == 0 && strcmp(c->name, name) == 0 &&
            (!*c->channel || strcmp(c->channel, channel) == 0))
            return 1;
    }
    return 0;
}

int wf_facts_applied(const wf_facts_t *f, const char *event_id) {
    for (size_t i = 0; i < f->napplied; i++)
        if (strcasecmp(f->applied[i], event_id) == 0)
            return 1;
    return 0;
}

void wf_facts_clear(wf_facts_t *f) {
    f->nsteps = f->nreviews = f->nactors = f->napplied = f->ncerts = 0;
    f->calendars = NULL;
    PQclear(f->rules_mem);
    free(f->rules);
    free(f->words);
    f->rules_mem = NULL;
    f->rules = NULL;
    f->words = NULL;
    f->nrules = 0;
}

void wf_facts_free(wf_facts_t *f) {
    wf_facts_clear(f);
    free(f->steps);
    free(f->reviews);
    free(f->actors);
    free(f->applied);
    free(f->certs);
    const char *fallback = f->fallback_role;
    memset(f, 0, sizeof *f);
    f->fallback_role = fallback;
}
