/*  new_job: the publish job a content.approved asks for, decided in memory
    (pub_new_job_of, pure), and the one statement that inserts a consumer
    batch's jobs (pub_new_job_insert). Nothing in the publisher's consumer
    reads publish_job, so a batch's jobs are decided first and written
    together; the runner only sees them after the batch commits anyway.
    A content approved twice keeps its first job, within a batch as across
    batches, with one exception: a job `returned` to approval when its
    crisis resumed (job_state.h) is pending again when its content is
    approved anew (attempts counted afresh, the new approval its cause). */
#ifndef PUB_NEW_JOB_H
#define PUB_NEW_JOB_H

#include "hd_db.h"
#include "hd_envelope.h"

#include <stddef.h>
#include <stdint.h>

/* A job as content.approved asks for it. Strings borrowed from the event. */
typedef struct {
    const char *content_id, *channel, *department, *text;
    int64_t scheduled_ms;       /* 0: due now (scheduled_at NULL) */
    const char *event_id;       /* the content.approved: cause_event_id */
    const char *author_email;   /* "" when the event has none */
    const char *statement_of;   /* a holding statement's crisis (kind "statement"), else NULL */
    const char *in_reply_to_id; /* a reply's reply_to_external_id: the channel's id of the post
                                   it answers; NULL for a post that answers none */
} pub_new_job_t;

/* The longest id of a post a reply may answer (publish_job.in_reply_to_id,
   carried to the channel in pub_job_t). */
#define PUB_IN_REPLY_TO_MAX 127

typedef enum {
    PUB_NEW_JOB_NONE = 0, /* not a content.approved: nothing to do */
    PUB_NEW_JOB_ROW,      /* *job filled */
    PUB_NEW_JOB_DEAD      /* never applicable: *why set (static) */
} pub_new_job_verdict_t;

/* What event ev asks of the publisher (pure). On PUB_NEW_JOB_ROW *job
   borrows ev's strings (a missing text or author is ""; statement_of
   is the crisis_id of a kind "statement" approval when it is a UUID,
   else NULL: a statement naming no crisis is held like any post;
   in_reply_to_id is reply_to_external_id when the event has one, else
   NULL); on PUB_NEW_JOB_DEAD *why says what is wrong (content_id or event
   id not a UUID, channel or department missing, reply_to_external_id
   longer than PUB_IN_REPLY_TO_MAX bytes or holding a control character).
   ev is borrowed. */
pub_new_job_verdict_t pub_new_job_of(const hd_envelope_t *ev, pub_new_job_t *job, const char **why);

/* Inserts the n jobs (state pending, not_before the scheduled time or now,
   in_reply_to_id as decided)
   in one statement inside the caller's open transaction: a job whose
   content has an earlier one in jobs is skipped; one whose content
   already has a job leaves it as it is, unless that job is `returned`:
   then it becomes pending again (not_before the later of now and its
   slot, attempts 0, held_by cleared, this approval its cause). Logs each
   as job_created, job_reapproved or job_exists. 0, or -1 on a database error
   (the caller rolls back). jobs is borrowed. */
int pub_new_job_insert(hd_db_t *db, const pub_new_job_t *jobs, size_t n);

#endif
