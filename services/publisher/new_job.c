/*  new_job: content.approved -> a publish job row, a batch per INSERT
    (see new_job.h). */
#include "new_job.h"

#include "hd_id.h"
#include "hd_log.h"
#include "hd_pgarray.h"
#include "job_state.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *str(const char *s) { return s ? s : ""; }

/* An id the channel can be sent: it fits the job, and a header or a URL
   cannot be smuggled through it. */
static int reply_id_ok(const char *id) {
    if (strlen(id) > PUB_IN_REPLY_TO_MAX)
        return 0;
    for (; *id; id++)
        if ((unsigned char)*id < 0x20 || *id == 0x7f)
            return 0;
    return 1;
}

pub_new_job_verdict_t pub_new_job_of(const hd_envelope_t *ev, pub_new_job_t *job,
                                     const char **why) {
    if (ev->body_case != HUDDLE__V1__ENVELOPE__BODY_CONTENT_APPROVED)
        return PUB_NEW_JOB_NONE;
    const Huddle__V1__ContentApproved *b = ev->content_approved;
    if (!b || !hd_id_valid(str(b->content_id)) || !hd_id_valid(str(ev->id))) {
        *why = "content.approved: content_id and event id must be UUIDs";
        return PUB_NEW_JOB_DEAD;
    }
    if (!*str(b->channel) || !*str(ev->department)) {
        *why = "content.approved: channel and department are required";
        return PUB_NEW_JOB_DEAD;
    }
    if (!reply_id_ok(str(b->reply_to_external_id))) {
        *why = "content.approved: reply_to_external_id is longer than 127 bytes or holds a "
               "control character";
        return PUB_NEW_JOB_DEAD;
    }
    pub_new_job_t j = {.content_id = b->content_id,
                       .channel = b->channel,
                       .department = ev->department,
                       .text = str(b->text),
                       .scheduled_ms = b->scheduled_at_ms,
                       .event_id = ev->id,
                       .author_email = str(b->author_email),
                       .statement_of = NULL,
                       .in_reply_to_id =
                           *str(b->reply_to_external_id) ? b->reply_to_external_id : NULL};
    if (strcmp(str(b->kind), "statement") == 0 && hd_id_valid(str(b->crisis_id)))
        j.statement_of = b->crisis_id;
    *job = j;
    return PUB_NEW_JOB_ROW;
}

/* 1 when a job before jobs[i] is for the same content (ids compared
   without regard to case, as uuids). */
static int repeated(const pub_new_job_t *jobs, size_t i) {
    for (size_t k = 0; k < i; k++)
        if (strcasecmp(jobs[k].content_id, jobs[i].content_id) == 0)
            return 1;
    return 0;
}

/* How the INSERT treated content id: 'c' created, 'r' a returned job
   made pending again, 0 not at all (`made`: content_id, inserted). */
static char fate(PGresult *made, const char *id) {
    for (int i = 0; i < PQntuples(made); i++)
        if (strcasecmp(PQgetvalue(made, i, 0), id) == 0)
            return PQgetvalue(made, i, 1)[0] == 't' ? 'c' : 'r';
    return 0;
}

/* Logs each job as created, reapproved or already there. */
static void log_jobs(const pub_new_job_t *jobs, size_t n, PGresult *made) {
    for (size_t i = 0; i < n; i++) {
        const pub_new_job_t *j = &jobs[i];
        char f = repeated(jobs, i) ? 0 : fate(made, j->content_id);
        const char *what = f == 'c' ? "job_created" : f == 'r' ? "job_reapproved" : "job_exists";
        hd_log(HD_LOG_INFO, what, j->event_id, j->content_id,
               "channel=%s department=%s scheduled_at_ms=%" PRId64, j->channel, j->department,
               j->scheduled_ms);
    }
}

/* content, channel, department, text, event, scheduled, state, author,
   statement_of, in_reply_to_id, and the one-element array of the state a
   job must be in to be approved again. */
enum { COLS = 11 };

/* Of two jobs for one content in a batch the first is taken (DISTINCT ON
   the batch's order), as one INSERT per event did; the conflict update
   may then touch each row once. xmax = 0 tells an inserted row from an
   updated one. */
static const char *INSERT_SQL =
    "INSERT INTO publish_job AS p (content_id, channel_id, department_id, text, state, "
    "  not_before, cause_event_id, scheduled_at, author_email, statement_of, in_reply_to_id) "
    "SELECT x.c, x.ch, x.d, x.t, x.st, "
    "  CASE WHEN x.s > 0 THEN to_timestamp(x.s / 1000.0) ELSE now() END, x.e, "
    "  CASE WHEN x.s > 0 THEN to_timestamp(x.s / 1000.0) END, x.a, x.so, x.r "
    "FROM (SELECT DISTINCT ON (u.c) u.* "
    "  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::bigint[], "
    "    $7::text[], $8::text[], $9::uuid[], $10::text[]) "
    "    WITH ORDINALITY AS u(c, ch, d, t, e, s, st, a, so, r, i) "
    "  ORDER BY u.c, u.i) x "
    "ORDER BY x.i "
    "ON CONFLICT (content_id) DO UPDATE SET state = excluded.state, "
    "  not_before = greatest(excluded.not_before, now()), attempts = 0, held_by = NULL, "
    "  last_error = NULL, text = excluded.text, cause_event_id = excluded.cause_event_id, "
    "  scheduled_at = excluded.scheduled_at, author_email = excluded.author_email, "
    "  statement_of = excluded.statement_of, in_reply_to_id = excluded.in_reply_to_id, "
    "  updated_at = now() "
    "  WHERE p.state = ($11::text[])[1] "
    "RETURNING content_id, xmax = 0";

int pub_new_job_insert(hd_db_t *db, const pub_new_job_t *jobs, size_t n) {
    if (n == 0)
        return 0;
    hd_pgarray_t col[COLS] = {{0}};
    for (size_t i = 0; i < n; i++) {
        const pub_new_job_t *j = &jobs[i];
        char s[32];
        snprintf(s, sizeof s, "%" PRId64, j->scheduled_ms);
        const char *v[COLS - 1] = {j->content_id,
                                   j->channel,
                                   j->department,
                                   j->text,
                                   j->event_id,
                                   s,
                                   pub_job_state_name(PUB_JOB_PENDING),
                                   j->author_email ? j->author_email : "",
                                   j->statement_of,
                                   j->in_reply_to_id};
        for (int c = 0; c < COLS - 1; c++)
            hd_pgarray_add(&col[c], v[c]);
    }
    hd_pgarray_add(&col[COLS - 1], pub_job_state_name(PUB_JOB_RETURNED));
    PGresult *r = hd_db_exec_arrays(db, INSERT_SQL, col, COLS);
    if (!r)
        return -1;
    log_jobs(jobs, n, r);
    PQclear(r);
    return 0;
}
