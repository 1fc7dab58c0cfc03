/*  new_job: content.approved -> a publish job row, a batch per INSERT
    (see new_job.h). */
#include "new_job.h"

#include "hd_id.h"
#include "hd_log.h"
#include "hd_pgarray.h"
#include "job_state.h"

#include <inttypes.h>
#include <stdio.h>
#include <strings.h>

static const char *str(const char *s) { return s ? s : ""; }

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
    pub_new_job_t j = {b->content_id, b->channel,         ev->department,
                       str(b->text),  b->scheduled_at_ms, ev->id};
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

/* Logs each job as created or as already there; `made` holds the content
   ids the INSERT returned. */
static void log_jobs(const pub_new_job_t *jobs, size_t n, PGresult *made) {
    for (size_t i = 0; i < n; i++) {
        const pub_new_job_t *j = &jobs[i];
        int made_now = hd_db_returned_id(made, 0, j->content_id) && !repeated(jobs, i);
        const char *what = made_now ? "job_created" : "job_exists";
        hd_log(HD_LOG_INFO, what, j->event_id, j->content_id,
               "channel=%s department=%s scheduled_at_ms=%" PRId64, j->channel, j->department,
               j->scheduled_ms);
    }
}

enum { COLS = 7 }; /* content, channel, department, text, event, scheduled, state */

int pub_new_job_insert(hd_db_t *db, const pub_new_job_t *jobs, size_t n) {
    if (n == 0)
        return 0;
    hd_pgarray_t col[COLS] = {{0}};
    for (size_t i = 0; i < n; i++) {
        const pub_new_job_t *j = &jobs[i];
        char s[32];
        snprintf(s, sizeof s, "%" PRId64, j->scheduled_ms);
        const char *v[COLS] = {j->content_id,
                               j->channel,
                               j->department,
                               j->text,
                               j->event_id,
                               s,
                               pub_job_state_name(PUB_JOB_PENDING)};
        for (int c = 0; c < COLS; c++)
            hd_pgarray_add(&col[c], v[c]);
    }
    /* ORDER BY the batch's order: of two jobs for one content the first is
       inserted and the second skipped, as one INSERT per event did. */
    PGresult *r = hd_db_exec_arrays(
        db,
        "INSERT INTO publish_job (content_id, channel_id, department_id, text, state, "
        "  not_before, cause_event_id) "
        "SELECT x.c, x.ch, x.d, x.t, x.st, "
        "  CASE WHEN x.s > 0 THEN to_timestamp(x.s / 1000.0) ELSE now() END, x.e "
        "FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::bigint[], "
        "  $7::text[]) WITH ORDINALITY AS x(c, ch, d, t, e, s, st, i) "
        "ORDER BY x.i ON CONFLICT (content_id) DO NOTHING RETURNING content_id",
        col, COLS);
    if (!r)
        return -1;
    log_jobs(jobs, n, r);
    PQclear(r);
    return 0;
}
