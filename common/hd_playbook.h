/*  hd_playbook: a crisis playbook's YAML (docs/playbooks.md) loaded into
    its spec, the validated and normalized form every service reads
    (playbook_version.spec): every key present, defaults filled in, `name`
    for `playbook`. Every problem is reported, not just the first, each
    with its line and column, so that a file is fixed in one pass; unknown
    keys are errors, for a misspelt action must not silently do nothing.
    What a playbook names in the organization (departments, channels,
    roles, webhook endpoints) is listed with where it is written, for the
    one who applies it to check against the database. Pure: no database,
    no I/O. */
#ifndef HD_PLAYBOOK_H
#define HD_PLAYBOOK_H

#include <jansson.h>
#include <stddef.h>

#define HD_PLAYBOOK_MAX_SOURCE 65536 /* bytes of YAML */
#define HD_PLAYBOOK_MAX_ERRORS 100   /* errors reported; past it one more says so */
#define HD_PLAYBOOK_NAME_MAX 63      /* a name, department, role, endpoint, channel */
#define HD_PLAYBOOK_DESCRIPTION_MAX 1000
#define HD_PLAYBOOK_STATEMENT_MAX 500 /* bytes of the holding statement */
#define HD_PLAYBOOK_TERMS_MAX 64
#define HD_PLAYBOOK_TERM_MAX 100 /* bytes of one term */

typedef enum {
    HD_SEVERITY_LOW = 0,
    HD_SEVERITY_MEDIUM,
    HD_SEVERITY_HIGH,
    HD_SEVERITY_CRITICAL,
    HD_SEVERITY_COUNT
} hd_severity_t;

/* "low", ...; "unknown" out of range. Static. */
const char *hd_severity_name(hd_severity_t s);

/* The severity named `name`; -1 for none (or NULL). */
int hd_severity_parse(const char *name);

/* What a spike does (triggers.spike.then). */
typedef enum { HD_SPIKE_PROPOSE = 0, HD_SPIKE_DECLARE, HD_SPIKE_COUNT } hd_spike_then_t;

/* "propose", "declare"; "unknown" out of range. Static. */
const char *hd_spike_then_name(hd_spike_then_t t);

/* The rule named `name`; -1 for none (or NULL). */
int hd_spike_then_parse(const char *name);

/* What a reference names: the table it must exist in. */
typedef enum {
    HD_PLAYBOOK_REF_DEPARTMENT = 0, /* department */
    HD_PLAYBOOK_REF_CHANNEL,        /* channel */
    HD_PLAYBOOK_REF_ROLE,           /* role (the role catalog) */
    HD_PLAYBOOK_REF_ENDPOINT,       /* webhook_endpoint (active) */
    HD_PLAYBOOK_REF_COUNT
} hd_playbook_ref_t;

/* "department", "channel", "role", "endpoint"; "unknown" out of range. */
const char *hd_playbook_ref_name(hd_playbook_ref_t k);

/* A loaded playbook. Every member is the holder's (hd_playbook_clear). */
typedef struct {
    json_t *spec;   /* the normalized playbook; NULL when it does not validate */
    json_t *errors; /* [{"line": N, "column": N, "message": "..."}] in file order;
                       [] when valid */
    json_t *refs;   /* [{"kind": "role", "name": "legal", "key": "actions.add_approvals",
                       "line": N, "column": N}]: every name the spec gives of the
                       organization, in file order (duplicates across keys kept) */
} hd_playbook_t;

/* Loads the YAML src (len bytes, any bytes) into *out, which is
   overwritten (clear a used one first). Lines and columns count from 1,
   columns in characters. 0 when valid (out->spec set), -1 when not
   (out->errors says why; out->spec NULL). Either way the caller clears
   *out. */
int hd_playbook_load(const char *src, size_t len, hd_playbook_t *out);

/* Frees what *pb holds and zeroes it. Safe twice. */
void hd_playbook_clear(hd_playbook_t *pb);

/* One line saying when a spec's playbook starts a crisis ("manual; spike:
   >= 50 mentions in 10 min above mean + 3 sd of the last 4 weeks, cool-down
   60 min, then propose"). Caller frees. */
char *hd_playbook_triggers_text(const json_t *spec);

/* A few lines saying what the spec does, for people (`huddle playbook
   show`, `validate`): name and severity, description, triggers, terms,
   scope, actions, team, exit; each line ends with '\n'. Caller frees. */
char *hd_playbook_summary(const json_t *spec);

#endif
