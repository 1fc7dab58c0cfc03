/*  hd_crisis: a crisis as every service sees it (docs/playbooks.md): its
    states, its scope, the resume rules, the fence that makes a hold
    leave no window, and declaring one. One home for each of these rules:
    ingest (people, through the API), workflow (spike detection), the
    publisher (holds, resumes) and policy (extra approvals) all call here.

    States (table crisis, column state), one enum and one name table:
      proposed   spike detection proposed it; a person confirms it
                 (declared) or dismisses it
      declared   in force: its playbook's actions apply (view crisis_in_force)
      drill      a rehearsal: notifications go out marked as a drill and
                 acknowledgements are timed; nothing is held, recalled,
                 rerouted or added to approvals
      resumed    ended by an allowed person (final; a drill ends so too)
      dismissed  a proposal nobody confirmed (final)

    The fence. The publisher takes the shared advisory lock
    HD_CRISIS_FENCE_KEY (hd_crisis_fence_shared) before it claims a batch of
    jobs, reads the crises in force in the claim's transaction, holds what
    they cover, and releases the lock only once every call of the batch
    has returned. A declaration takes the same lock exclusively in its
    transaction (hd_crisis_declare, hd_crisis_confirm) and commits holding
    it. So a declaration commits only when no call made without seeing it
    is still on the wire, and every claim that starts after it sees it:
    nothing in its scope leaves after declared_at (set once the lock is
    held). The price: a declaration waits for the calls already on the
    wire (at most HUDDLE_PUBLISH_TIMEOUT_MS). */
#ifndef HD_CRISIS_H
#define HD_CRISIS_H

#include "hd_db.h"

#include <stddef.h>
#include <stdint.h>

typedef enum {
    HD_CRISIS_PROPOSED = 0,
    HD_CRISIS_DECLARED,
    HD_CRISIS_DRILL,
    HD_CRISIS_RESUMED,
    HD_CRISIS_DISMISSED,
    HD_CRISIS_STATE_COUNT
} hd_crisis_state_t;

/* The state's name as stored ("declared"); "unknown" out of range. Static. */
const char *hd_crisis_state_name(hd_crisis_state_t s);

/* The state named `name`; -1 for none (or NULL). */
int hd_crisis_state_parse(const char *name);

/* 1 for resumed and dismissed. */
int hd_crisis_state_final(hd_crisis_state_t s);

/* What a crisis covers: its departments and channels (none given: every
   department / channel). Borrowed strings. */
typedef struct {
    const char *const *departments;
    size_t ndepartments;
    const char *const *channels;
    size_t nchannels;
} hd_crisis_scope_t;

/* 1 if an item of `department` on `channel` is in scope. Pure. */
int hd_crisis_covers(const hd_crisis_scope_t *scope, const char *department, const char *channel);

/* What happens to a held item when its crisis resumes (playbook exit). */
typedef enum {
    HD_RESUME_PUBLISH = 0, /* pending again: published at its slot, or now */
    HD_RESUME_REAPPROVE,   /* back to approval: every role decides again */
    HD_RESUME_EXPIRE,      /* final; the author is told */
    HD_RESUME_COUNT
} hd_resume_t;

/* "publish", "reapprove", "expire"; "unknown" out of range. Static. */
const char *hd_resume_name(hd_resume_t r);

/* The rule named `name`; -1 for none (or NULL). */
int hd_resume_parse(const char *name);

/* The outcome of a held item when its crisis resumes at now_ms: `late`
   when the item had a slot (scheduled_ms > 0) that passed before now_ms,
   else `on_time` (an item with no slot is never late). Pure. */
hd_resume_t hd_crisis_resume_outcome(hd_resume_t on_time, hd_resume_t late, int64_t scheduled_ms,
                                     int64_t now_ms);

/* The advisory lock's key ("hdcrisis"): the fence above. */
#define HD_CRISIS_FENCE_KEY "7234306443669217651"

/* Takes the fence shared for the session (waits while a declaration holds
   it). 0, or -1 on database error. */
int hd_crisis_fence_shared(hd_db_t *db);

/* Releases a shared hold taken by hd_crisis_fence_shared. 0 / -1. */
int hd_crisis_fence_release(hd_db_t *db);

/* A declaration (or a proposal, or a drill) from a playbook's active
   version. Strings borrowed; NULL scope arrays: the playbook's scope. */
typedef struct {
    const char *crisis_id;          /* the new crisis's id (hd_id) */
    const char *playbook;           /* its name */
    hd_crisis_state_t state;        /* PROPOSED, DECLARED or DRILL */
    const char *reason;             /* why (shown to all) */
    const char *actor_id;           /* the person; NULL or "": a service (spike detection) */
    const char *actor_email;        /* the person's email, or the service's name */
    const char *const *departments; /* a narrower scope; NULL or none: the playbook's */
    size_t ndepartments;
    const char *const *channels;
    size_t nchannels;
    const char *detail_json;  /* the spike's figures ({...}), or NULL */
    int64_t detected_at_ms;   /* spike detection: when it was seen; 0: not detected */
    const char *causation_id; /* the event that caused it, or NULL (input) */
    const char *token_id;     /* the API token of the request, or NULL */
} hd_crisis_declare_t;

typedef enum {
    HD_CRISIS_OK = 0,
    HD_CRISIS_DB = -1,          /* database error: the caller rolls back */
    HD_CRISIS_NO_PLAYBOOK = -2, /* no active version of that playbook */
    HD_CRISIS_CONFLICT = -3,    /* not in a state that allows it */
    HD_CRISIS_SCOPE = -4        /* the narrower scope names what the playbook does not cover */
} hd_crisis_rc_t;

/* Inside the caller's open transaction: for DECLARED takes the fence
   exclusively, inserts the crisis from the playbook's active version
   (table playbook_version, spec) and records crisis.<state> in the outbox
   (correlation: the crisis id). The caller commits. */
hd_crisis_rc_t hd_crisis_declare(hd_db_t *db, const hd_crisis_declare_t *d);

/* Inside the caller's open transaction: a proposed crisis becomes
   declared (the fence taken as above) by the person actor_id / email, and
   crisis.declared is recorded. CONFLICT when it is not proposed. */
hd_crisis_rc_t hd_crisis_confirm(hd_db_t *db, const char *crisis_id, const char *actor_id,
                                 const char *actor_email, const char *reason, const char *token_id);

#endif
