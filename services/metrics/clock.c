/*  clock: approval clocks decided in memory (see clock.h). */
#include "clock.h"

#include "hd_mem.h"
#include "hd_prom.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const char *s) { return s ? s : ""; }

/* id must be valid. */
static void lower(char out[HD_ID_LEN], const char *id) {
    for (size_t i = 0; i < HD_ID_LEN - 1; i++)
        out[i] = (char)tolower((unsigned char)id[i]);
    out[HD_ID_LEN - 1] = 0;
}

static int op(mx_clock_op_t *out, mx_clock_kind_t kind, const char *content_id,
              const char *department, int64_t at_ms) {
    if (!hd_id_valid(str(content_id)))
        return 0;
    out->kind = kind;
    lower(out->content_id, content_id);
    out->department = str(department);
    out->at_ms = at_ms;
    return 1;
}

int mx_clock_op_of(const hd_envelope_t *ev, int64_t now_ms, mx_clock_op_t *out) {
    int64_t at = ev->occurred_at_ms > 0 ? ev->occurred_at_ms : now_ms;
    switch (ev->body_case) {
    case HUDDLE__V1__ENVELOPE__BODY_APPROVAL_REQUESTED:
        return ev->approval_requested &&
               op(out, MX_CLOCK_START, ev->approval_requested->content_id, ev->department, at);
    case HUDDLE__V1__ENVELOPE__BODY_CONTENT_APPROVED:
        return ev->content_approved &&
               op(out, MX_CLOCK_STOP, ev->content_approved->content_id, NULL, at);
    case HUDDLE__V1__ENVELOPE__BODY_CONTENT_REJECTED:
        return ev->content_rejected &&
               op(out, MX_CLOCK_STOP, ev->content_rejected->content_id, NULL, at);
    default:
        return 0;
    }
}

/* A batch names a few hundred contents at most; searching them all costs
   less than one statement on the server. */
mx_clock_t *mx_clocks_find(const mx_clocks_t *self, const char *content_id) {
    for (size_t i = 0; i < self->n; i++)
        if (strcmp(self->v[i].content_id, content_id) == 0)
            return &self->v[i];
    return NULL;
}

mx_clock_t *mx_clocks_add(mx_clocks_t *self, const char *content_id) {
    mx_clock_t *c = mx_clocks_find(self, content_id);
    if (c)
        return c;
    self->v = hd_grow(self->v, &self->cap, self->n + 1, sizeof *self->v);
    c = &self->v[self->n++];
    memset(c, 0, sizeof *c);
    snprintf(c->content_id, sizeof c->content_id, "%s", content_id);
    return c;
}

static void set_row(mx_clock_t *c, const char *department, int64_t requested_at_ms) {
    free(c->department);
    c->department = hd_strdup(department);
    c->requested_at_ms = requested_at_ms;
    c->runs = 1;
}

void mx_clock_read(mx_clock_t *c, const char *department, int64_t requested_at_ms) {
    set_row(c, department, requested_at_ms);
    c->was = 1;
}

static void observe(mx_histogram_t *h, const char *department, int64_t ms) {
    const char *name = "department";
    char labels[HD_PROM_LABELS_LEN];
    if (hd_prom_labels(labels, sizeof labels, &name, &department, 1) < 0)
        return; /* cannot happen with capped values; never count garbage */
    mx_histogram_observe(h, MX_LATENCY_NAME, labels, ms < 0 ? 0 : (double)ms / 1000.0);
}

void mx_clocks_run(mx_clocks_t *self, const mx_clock_op_t *ops, size_t n, mx_histogram_t *h) {
    for (size_t i = 0; i < n; i++) {
        mx_clock_t *c = mx_clocks_find(self, ops[i].content_id);
        if (!c)
            continue; /* a broken caller: never count what was not read */
        if (ops[i].kind == MX_CLOCK_START) {
            set_row(c, ops[i].department, ops[i].at_ms);
            c->restarted = 1;
        } else if (c->runs) {
            observe(h, c->department, ops[i].at_ms - c->requested_at_ms);
            c->runs = 0;
        }
    }
}

void mx_clocks_free(mx_clocks_t *self) {
    for (size_t i = 0; i < self->n; i++)
        free(self->v[i].department);
    free(self->v);
    memset(self, 0, sizeof *self);
}
