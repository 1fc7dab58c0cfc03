/*  pending: held-back workflow_item writes, one statement per kind. */
#include "pending.h"

#include "hd_log.h"
#include "hd_mem.h"
#include "hd_pgarray.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { NEW_COLS = 6 }; /* content, department, author, email, channel, text */

typedef struct {
    char *col[NEW_COLS];
    int64_t scheduled_ms, submitted_ms;
    char *event_id;
} new_row_t;

typedef struct {
    char *content_id, *state, *event_id, *event_type;
} final_row_t;

typedef struct {
    char *content_id;
    int64_t at_ms;
} approved_row_t;

struct wf_pending {
    new_row_t *news;
    size_t nnew, capnew;
    final_row_t *finals;
    size_t nfinal, capfinal;
    approved_row_t *approved;
    size_t napproved, capapproved;
};

wf_pending_t *wf_pending_new(void) { return hd_calloc(1, sizeof(wf_pending_t)); }

void wf_pending_clear(wf_pending_t *self) {
    for (size_t i = 0; i < self->nnew; i++) {
        for (int c = 0; c < NEW_COLS; c++)
            free(self->news[i].col[c]);
        free(self->news[i].event_id);
    }
    for (size_t i = 0; i < self->nfinal; i++) {
        final_row_t *f = &self->finals[i];
        free(f->content_id);
        free(f->state);
        free(f->event_id);
        free(f->event_type);
    }
    for (size_t i = 0; i < self->napproved; i++)
        free(self->approved[i].content_id);
    self->nnew = self->nfinal = self->napproved = 0;
}

void wf_pending_destroy(wf_pending_t **self_p) {
    if (!self_p || !*self_p)
        return;
    wf_pending_clear(*self_p);
    free((*self_p)->news);
    free((*self_p)->finals);
    free((*self_p)->approved);
    free(*self_p);
    *self_p = NULL;
}

/* Ids are UUIDs, which PostgreSQL reads in either case. */
int wf_pending_has(const wf_pending_t *self, const char *content_id) {
    for (size_t i = 0; i < self->nnew; i++)
        if (strcasecmp(self->news[i].col[0], content_id) == 0)
            return 1;
    for (size_t i = 0; i < self->nfinal; i++)
        if (strcasecmp(self->finals[i].content_id, content_id) == 0)
            return 1;
    for (size_t i = 0; i < self->napproved; i++)
        if (strcasecmp(self->approved[i].content_id, content_id) == 0)
            return 1;
    return 0;
}

void wf_pending_item(wf_pending_t *self, const wf_new_item_t *item) {
    self->news = hd_grow(self->news, &self->capnew, self->nnew + 1, sizeof *self->news);
    new_row_t *r = &self->news[self->nnew++];
    const char *cols[NEW_COLS] = {item->content_id, item->department, item->author_id,
                                  item->author_email, item->channel,   item->text};
    for (int c = 0; c < NEW_COLS; c++)
        r->col[c] = hd_strdup(cols[c]);
    r->scheduled_ms = item->scheduled_ms;
    r->submitted_ms = item->submitted_ms;
    r->event_id = hd_strdup(item->event_id);
}

void wf_pending_final(wf_pending_t *self, const char *content_id, const char *state,
                      const char *event_id, const char *event_type) {
    self->finals = hd_grow(self->finals, &self->capfinal, self->nfinal + 1, sizeof *self->finals);
    final_row_t *f = &self->finals[self->nfinal++];
    f->content_id = hd_strdup(content_id);
    f->state = hd_strdup(state);
    f->event_id = hd_strdup(event_id);
    f->event_type = hd_strdup(event_type);
}

void wf_pending_approved(wf_pending_t *self, const char *content_id, int64_t at_ms) {
    self->approved =
        hd_grow(self->approved, &self->capapproved, self->napproved + 1, sizeof *self->approved);
    approved_row_t *a = &self->approved[self->napproved++];
    a->content_id = hd_strdup(content_id);
    a->at_ms = at_ms;
}

static void add_ms(hd_pgarray_t *a, int64_t ms) {
    char s[32];
    snprintf(s, sizeof s, "%" PRId64, ms);
    hd_pgarray_add(a, s);
}

/* The held new items in one INSERT; the rows returned are the ones that did
   not exist yet (a replayed content.submitted finds its item). 0 or -1. */
static int write_news(wf_pending_t *self, hd_db_t *db) {
    if (self->nnew == 0)
        return 0;
    hd_pgarray_t col[NEW_COLS + 2] = {{0}};
    for (size_t i = 0; i < self->nnew; i++) {
        for (int c = 0; c < NEW_COLS; c++)
            hd_pgarray_add(&col[c], self->news[i].col[c]);
        add_ms(&col[NEW_COLS], self->news[i].scheduled_ms);
        add_ms(&col[NEW_COLS + 1], self->news[i].submitted_ms);
    }
    PGresult *r = hd_db_exec_arrays(
        db,
        "INSERT INTO workflow_item (content_id, department_id, author_id, author_email, "
        "  channel_id, text, state, scheduled_at, submitted_at) "
        "SELECT x.c, x.d, x.a, x.e, x.ch, x.t, 'evaluating', "
        "  CASE WHEN x.s > 0 THEN to_timestamp(x.s / 1000.0) END, to_timestamp(x.sub / 1000.0) "
        "FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], "
        "            $7::bigint[], $8::bigint[]) "
        "  WITH ORDINALITY AS x(c, d, a, e, ch, t, s, sub, i) "
        "ORDER BY x.i ON CONFLICT (content_id) DO NOTHING RETURNING content_id",
        col, NEW_COLS + 2);
    if (!r)
        return -1;
    for (size_t i = 0; i < self->nnew; i++) {
        const new_row_t *n = &self->news[i];
        hd_log(HD_LOG_INFO, hd_db_returned_id(r, 0, n->col[0]) ? "item_evaluating" : "item_exists",
               n->event_id, n->col[0], "department=%s channel=%s", n->col[1], n->col[4]);
    }
    PQclear(r);
    return 0;
}

/* The held final states in one UPDATE, joined to the rows by primary key.
   0 or -1. */
static int write_finals(wf_pending_t *self, hd_db_t *db) {
    if (self->nfinal == 0)
        return 0;
    hd_pgarray_t col[2] = {{0}};
    for (size_t i = 0; i < self->nfinal; i++) {
        hd_pgarray_add(&col[0], self->finals[i].content_id);
        hd_pgarray_add(&col[1], self->finals[i].state);
    }
    PGresult *r = hd_db_exec_arrays(db,
                                    "UPDATE workflow_item w SET state = x.s, updated_at = now() "
                                    "FROM unnest($1::uuid[], $2::text[]) AS x(c, s) "
                                    "WHERE w.content_id = x.c "
                                    "  AND w.state IN ('approved', 'failed') "
                                    "RETURNING w.content_id",
                                    col, 2);
    if (!r)
        return -1;
    for (size_t i = 0; i < self->nfinal; i++) {
        const final_row_t *f = &self->finals[i];
        int ok = strcmp(f->state, "published") == 0;
        hd_log(HD_LOG_INFO,
               hd_db_returned_id(r, 0, f->content_id) ? (ok ? "item_published" : "item_failed")
                                          : "publish_result_ignored",
               f->event_id, f->content_id, "%s", f->event_type);
    }
    PQclear(r);
    return 0;
}

/* The held automatic approvals in one UPDATE. Each item was read ahead in
   this transaction and untouched since (prefetch.h), so every row is there:
   fewer rows updated is a broken promise, and the batch is retried. */
static int write_approved(wf_pending_t *self, hd_db_t *db) {
    if (self->napproved == 0)
        return 0;
    hd_pgarray_t col[2] = {{0}};
    for (size_t i = 0; i < self->napproved; i++) {
        hd_pgarray_add(&col[0], self->approved[i].content_id);
        add_ms(&col[1], self->approved[i].at_ms);
    }
    PGresult *r =
        hd_db_exec_arrays(db,
                          "UPDATE workflow_item w SET state = 'approved', required_roles = '{}', "
                          "  same_department_roles = '{}', updated_at = now(), "
                          "  requested_at = to_timestamp(x.at / 1000.0), "
                          "  decided_at = to_timestamp(x.at / 1000.0) "
                          "FROM unnest($1::uuid[], $2::bigint[]) AS x(c, at) "
                          "WHERE w.content_id = x.c",
                          col, 2);
    long c = r ? atol(PQcmdTuples(r)) : -1;
    PQclear(r);
    if (c >= 0 && c != (long)self->napproved) {
        hd_error("approvals_lost", "%zu automatic approvals held, %ld items updated",
                 self->napproved, c);
        return -1;
    }
    return c < 0 ? -1 : 0;
}

/* Every item has at most one held write (whatever touches an item flushes
   first), so the kinds may go in any order. Approvals go before the new
   items: in `make bench`, after the batch's INSERT into workflow_item the
   approvals' UPDATE took about 10 ms a call however few its rows (5.2 of
   9.7 s of executor time at a quarter of the rate), and before it 0.04 ms
   a row. Why is not known: alone, with pgbench, both orders take 1 ms. */
int wf_pending_flush(wf_pending_t *self, hd_db_t *db) {
    if (write_approved(self, db) < 0 || write_news(self, db) < 0 || write_finals(self, db) < 0)
        return -1;
    wf_pending_clear(self);
    return 0;
}
