/*  prefetch: one read of a batch's items (see prefetch.h). */
#include "prefetch.h"

#include "hd_log.h"
#include "hd_mem.h"
#include "hd_pgarray.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct wf_prefetch {
    wf_known_t *e;
    size_t n, cap;
};

wf_prefetch_t *wf_prefetch_new(void) { return hd_calloc(1, sizeof(wf_prefetch_t)); }

void wf_prefetch_clear(wf_prefetch_t *self) {
    for (size_t i = 0; i < self->n; i++)
        free(self->e[i].text);
    self->n = 0;
}

void wf_prefetch_destroy(wf_prefetch_t **self_p) {
    if (!self_p || !*self_p)
        return;
    wf_prefetch_clear(*self_p);
    free((*self_p)->e);
    free(*self_p);
    *self_p = NULL;
}

/* Columns: content_id, WF_ITEM_COLS (1..6), then what content.approved
   carries besides (7..10). */
static const char *PREFETCH_SQL =
    "SELECT w.content_id, " WF_ITEM_COLS ", w.channel_id, w.text, w.author_email, "
    "       coalesce((extract(epoch FROM w.scheduled_at) * 1000)::bigint, 0) "
    "FROM " WF_ITEM_FROM " WHERE w.content_id = ANY($1::uuid[]) ORDER BY w.content_id, r.i";

/* Appends the entry of rows [row, row + nrows) (one item); a row that does
   not fit is skipped with a log line: its event will read it itself. */
static void add_entry(wf_prefetch_t *self, PGresult *r, int row, int nrows) {
    self->e = hd_grow(self->e, &self->cap, self->n + 1, sizeof *self->e);
    wf_known_t *k = &self->e[self->n];
    memset(k, 0, sizeof *k);
    const char *cid = PQgetvalue(r, row, 0);
    char why[256] = "a column is too long";
    const char *channel = PQgetvalue(r, row, 7), *email = PQgetvalue(r, row, 9);
    if (wf_chain_rows(r, row, nrows, 1, cid, &k->item, why, sizeof why) < 0 ||
        strlen(channel) >= sizeof k->channel || strlen(email) >= sizeof k->author_email) {
        hd_debug("prefetch_skipped", "item %s not prefetched: %s", cid, why);
        return;
    }
    snprintf(k->channel, sizeof k->channel, "%s", channel);
    snprintf(k->author_email, sizeof k->author_email, "%s", email);
    k->text = hd_strdup(PQgetvalue(r, row, 8));
    k->scheduled_ms = strtoll(PQgetvalue(r, row, 10), NULL, 10);
    self->n++;
}

int wf_prefetch_load(wf_prefetch_t *self, hd_db_t *db, const char *const *ids, size_t n) {
    wf_prefetch_clear(self);
    if (n == 0)
        return 0;
    hd_pgarray_t arr = {0};
    for (size_t i = 0; i < n; i++)
        hd_pgarray_add(&arr, ids[i]);
    PGresult *r = hd_db_exec_arrays(db, PREFETCH_SQL, &arr, 1);
    if (!r)
        return -1;
    int rows = PQntuples(r);
    for (int i = 0; i < rows;) {
        int j = i + 1;
        while (j < rows && strcmp(PQgetvalue(r, j, 0), PQgetvalue(r, i, 0)) == 0)
            j++;
        add_entry(self, r, i, j - i);
        i = j;
    }
    PQclear(r);
    return 0;
}

/* The untaken entry of content_id (a UUID in either case), or NULL. */
static wf_known_t *find(wf_prefetch_t *self, const char *content_id) {
    for (size_t i = 0; i < self->n; i++)
        if (!self->e[i].taken && strcasecmp(self->e[i].item.content_id, content_id) == 0)
            return &self->e[i];
    return NULL;
}

const wf_known_t *wf_prefetch_take(wf_prefetch_t *self, const char *content_id) {
    wf_known_t *k = find(self, content_id);
    if (k)
        k->taken = 1;
    return k;
}

void wf_prefetch_drop(wf_prefetch_t *self, const char *content_id) {
    wf_known_t *k = find(self, content_id);
    if (k)
        k->taken = 1;
}
