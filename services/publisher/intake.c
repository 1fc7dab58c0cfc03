/*  intake: gathered publish jobs, one INSERT per batch. */
#include "intake.h"

#include "hd_log.h"
#include "hd_mem.h"
#include "hd_pgarray.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { COLS = 5 }; /* content, channel, department, text, event */

typedef struct {
    char *col[COLS];
    int64_t scheduled_ms;
} job_row_t;

struct pub_intake {
    job_row_t *rows;
    size_t n, cap;
};

pub_intake_t *pub_intake_new(void) { return hd_calloc(1, sizeof(pub_intake_t)); }

void pub_intake_clear(pub_intake_t *self) {
    for (size_t i = 0; i < self->n; i++)
        for (int c = 0; c < COLS; c++)
            free(self->rows[i].col[c]);
    self->n = 0;
}

void pub_intake_destroy(pub_intake_t **self_p) {
    if (!self_p || !*self_p)
        return;
    pub_intake_clear(*self_p);
    free((*self_p)->rows);
    free(*self_p);
    *self_p = NULL;
}

void pub_intake_add(pub_intake_t *self, const pub_new_job_t *job) {
    self->rows = hd_grow(self->rows, &self->cap, self->n + 1, sizeof *self->rows);
    job_row_t *r = &self->rows[self->n++];
    const char *cols[COLS] = {job->content_id, job->channel, job->department, job->text,
                              job->event_id};
    for (int c = 0; c < COLS; c++)
        r->col[c] = hd_strdup(cols[c]);
    r->scheduled_ms = job->scheduled_ms;
}

/* Logs each gathered job as created or as already there; `made` holds the
   content ids the INSERT returned. */
static void log_jobs(const pub_intake_t *self, PGresult *made) {
    for (size_t i = 0; i < self->n; i++) {
        const job_row_t *r = &self->rows[i];
        const char *what = hd_db_returned_id(made, 0, r->col[0]) ? "job_created" : "job_exists";
        hd_log(HD_LOG_INFO, what, r->col[4], r->col[0],
               "channel=%s department=%s scheduled_at_ms=%" PRId64, r->col[1], r->col[2],
               r->scheduled_ms);
    }
}

int pub_intake_flush(pub_intake_t *self, hd_db_t *db) {
    if (self->n == 0)
        return 0;
    hd_pgarray_t col[COLS + 1] = {{0}};
    for (size_t i = 0; i < self->n; i++) {
        char s[32];
        for (int c = 0; c < COLS; c++)
            hd_pgarray_add(&col[c], self->rows[i].col[c]);
        snprintf(s, sizeof s, "%" PRId64, self->rows[i].scheduled_ms);
        hd_pgarray_add(&col[COLS], s);
    }
    /* ORDER BY the gathering order: of two jobs for one content the first
       is inserted and the second skipped, as two INSERTs did. */
    PGresult *r = hd_db_exec_arrays(
        db,
        "INSERT INTO publish_job (content_id, channel_id, department_id, text, state, "
        "  not_before, cause_event_id) "
        "SELECT x.c, x.ch, x.d, x.t, 'pending', "
        "  CASE WHEN x.s > 0 THEN to_timestamp(x.s / 1000.0) ELSE now() END, x.e "
        "FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::bigint[]) "
        "  WITH ORDINALITY AS x(c, ch, d, t, e, s, i) "
        "ORDER BY x.i ON CONFLICT (content_id) DO NOTHING RETURNING content_id",
        col, COLS + 1);
    if (!r)
        return -1;
    log_jobs(self, r);
    PQclear(r);
    pub_intake_clear(self);
    return 0;
}
