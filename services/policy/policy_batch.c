/*  policy_batch: channel facts remembered and verdicts gathered over one
    consumer batch (see header). */
#include "policy_batch.h"

#include "hd_mem.h"
#include "hd_pgarray.h"
#include "policy_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char id[POL_CHANNEL_LEN];
    char kind[POL_KIND_LEN];
    long max_length;
} channel_t;

typedef struct {
    char *content_id, *verdict, *findings; /* owned */
    int64_t version;
} verdict_t;

struct pol_batch {
    channel_t channels[POL_BATCH_CHANNELS];
    size_t nchannels;
    verdict_t *verdicts;
    size_t n, cap;
};

pol_batch_t *pol_batch_new(void) { return hd_calloc(1, sizeof(pol_batch_t)); }

static void forget_verdicts(pol_batch_t *self) {
    for (size_t i = 0; i < self->n; i++) {
        free(self->verdicts[i].content_id);
        free(self->verdicts[i].verdict);
        free(self->verdicts[i].findings);
    }
    self->n = 0;
}

void pol_batch_destroy(pol_batch_t **self_p) {
    if (!self_p || !*self_p)
        return;
    forget_verdicts(*self_p);
    free((*self_p)->verdicts);
    free(*self_p);
    *self_p = NULL;
}

void pol_batch_clear(pol_batch_t *self) {
    if (!self)
        return;
    self->nchannels = 0;
    forget_verdicts(self);
}

/* A batch touches a handful of channels, so a linear search beats hashing. */
int pol_batch_channel(pol_batch_t *self, hd_db_t *db, const char *channel,
                            char *kind, size_t kind_len, long *max_length) {
    const char *id = channel ? channel : "";
    for (size_t i = 0; self && i < self->nchannels; i++)
        if (strcmp(self->channels[i].id, id) == 0) {
            snprintf(kind, kind_len, "%s", self->channels[i].kind);
            *max_length = self->channels[i].max_length;
            return 0;
        }
    char read[POL_KIND_LEN];
    if (pol_store_channel(db, id, read, sizeof read, max_length) < 0)
        return -1;
    snprintf(kind, kind_len, "%s", read);
    /* Full, or an id too long to keep whole: read it every time instead. */
    if (self && self->nchannels < POL_BATCH_CHANNELS && strlen(id) < POL_CHANNEL_LEN) {
        channel_t *c = &self->channels[self->nchannels++];
        snprintf(c->id, sizeof c->id, "%s", id);
        snprintf(c->kind, sizeof c->kind, "%s", read);
        c->max_length = *max_length;
    }
    return 0;
}

void pol_batch_add_verdict(pol_batch_t *self, const char *content_id,
                                 int64_t version, const char *verdict,
                                 const char *findings_json) {
    self->verdicts = hd_grow(self->verdicts, &self->cap, self->n + 1, sizeof *self->verdicts);
    verdict_t *v = &self->verdicts[self->n++];
    v->content_id = hd_strdup(content_id);
    v->verdict = hd_strdup(verdict);
    v->findings = hd_strdup(findings_json);
    v->version = version;
}

int pol_batch_flush(pol_batch_t *self, hd_db_t *db) {
    if (!self || self->n == 0)
        return 0;
    hd_pgarray_t col[4] = {{0}};
    for (size_t i = 0; i < self->n; i++) {
        char version[24];
        snprintf(version, sizeof version, "%" PRId64, self->verdicts[i].version);
        hd_pgarray_add(&col[0], self->verdicts[i].content_id);
        hd_pgarray_add(&col[1], version);
        hd_pgarray_add(&col[2], self->verdicts[i].verdict);
        hd_pgarray_add(&col[3], self->verdicts[i].findings);
    }
    /* DISTINCT ON keeps the first kept verdict of an item (a replay within
       the batch), as one INSERT per event would; sorted by the key, so two
       writers of the same rows always lock them in one order. */
    int rc =
        hd_db_cmd_arrays(db,
                         "INSERT INTO policy_verdict (content_id, policy_version, verdict, "
                         "  findings) "
                         "SELECT DISTINCT ON (x.content_id) x.content_id, x.policy_version, "
                         "  x.verdict, x.findings "
                         "FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::jsonb[]) "
                         "  WITH ORDINALITY AS x(content_id, policy_version, verdict, findings, i) "
                         "ORDER BY x.content_id, x.i "
                         "ON CONFLICT (content_id) DO NOTHING",
                         col, 4);
    if (rc < 0)
        return -1;
    forget_verdicts(self);
    return 0;
}
