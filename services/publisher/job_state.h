/*  job_state: the states of a publish job (table publish_job), one enum and
    one name table. Every statement that writes or tests a state takes its
    name from this table as a parameter; the only literals left in SQL are
    the predicates of the partial index publish_job_due
    (migrations/001_core.sql, "state IN ('pending', 'in_flight')"), which a
    prepared statement's generic plan can only use when the text names
    them (claim.c, jobs.c say where).

      pending    waiting for its time (not_before), or for a retry
      in_flight  claimed: an attempt is being made, leased until not_before
      done       delivered (post_id, url, published_at)
      failed     failed permanently, or out of attempts (final)
      held       a crisis in force holds it (held_by): never delivered while
                 held, never lost; its crisis's resume decides (docs/crisis-hold.md)
      returned   sent back to approval when its crisis resumed; a new
                 content.approved makes it pending again
      expired    dropped when its crisis resumed (final; the author is told)
      recalled   delivered, then deleted from its channel by a crisis's
                 recall (final) */
#ifndef PUB_JOB_STATE_H
#define PUB_JOB_STATE_H

typedef enum {
    PUB_JOB_PENDING = 0,
    PUB_JOB_IN_FLIGHT,
    PUB_JOB_DONE,
    PUB_JOB_FAILED,
    PUB_JOB_HELD,
    PUB_JOB_RETURNED,
    PUB_JOB_EXPIRED,
    PUB_JOB_RECALLED,
    PUB_JOB_STATE_COUNT
} pub_job_state_t;

/* The state's name as stored ("in_flight"); "unknown" for a value out of
   range. Static. */
const char *pub_job_state_name(pub_job_state_t s);

/* The state named `name`; -1 when no state has that name (or name is
   NULL). */
int pub_job_state_parse(const char *name);

#endif
