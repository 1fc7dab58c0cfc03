/*  crisis: the crisis figures decided in memory (see crisis.h). */
#include "crisis.h"

#include "hd_crisis.h"
#include "hd_mem.h"
#include "hd_prom.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const char *s) { return s ? s : ""; }

/* id into out in lower case; 0, or -1 when it is not a valid id. */
static int lower_id(char out[HD_ID_LEN], const char *id) {
    if (!hd_id_valid(str(id)))
        return -1;
    for (size_t i = 0; i < HD_ID_LEN - 1; i++)
        out[i] = (char)tolower((unsigned char)id[i]);
    out[HD_ID_LEN - 1] = 0;
    return 0;
}

int64_t mx_crisis_hold_ms(const char *detail_json) {
    json_t *o = detail_json && *detail_json ? json_loads(detail_json, 0, NULL) : NULL;
    json_t *v = json_object_get(o, "hold_ms");
    double ms = json_is_number(v) ? json_number_value(v) : -1;
    json_decref(o);
    return ms >= 0 && ms < 9e15 ? (int64_t)ms : -1;
}

/* The state a crisis.<what> event names; -1 for the events that move no
   state (acknowledged, statement, held, released, recalled). A drill is
   recorded as crisis.drill (hd_crisis_declare); a crisis.declared with
   drill set is taken as one too. */
static int state_named(const char *what, int drill) {
    int s = hd_crisis_state_parse(what);
    return s == HD_CRISIS_DECLARED && drill ? HD_CRISIS_DRILL : s;
}

static int crisis_op(const hd_envelope_t *ev, int64_t at, mx_crisis_op_t *op) {
    const Huddle__V1__CrisisChanged *b = ev->crisis_changed;
    if (!b || lower_id(op->crisis_id, b->crisis_id) < 0)
        return 0;
    op->playbook = str(b->playbook);
    op->at_ms = at;
    if (strcmp(str(b->what), "held") == 0) {
        op->kind = MX_CRISIS_HOLD;
        op->hold_ms = mx_crisis_hold_ms(b->detail_json);
        return op->hold_ms >= 0;
    }
    op->kind = MX_CRISIS_CHANGE;
    op->to = state_named(str(b->what), b->drill);
    op->by_service = !*str(b->actor_id);
    return op->to >= 0;
}

/* A released item's outcome as a label: the known ones, else "other". */
static const char *released_outcome(const char *o) {
    static const char *const known[] = {"publish", "reapprove", "expire", "moved"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(str(o), known[i]) == 0)
            return known[i];
    return "other";
}

static int count_op(mx_crisis_op_t *op, const char *crisis_id, const char *figure,
                    const char *outcome) {
    if (lower_id(op->crisis_id, crisis_id) < 0)
        return 0;
    op->kind = MX_CRISIS_COUNT;
    op->figure = figure;
    op->outcome = outcome;
    return 1;
}

int mx_crisis_op_of(const hd_envelope_t *ev, int64_t now_ms, mx_crisis_op_t *op) {
    memset(op, 0, sizeof *op);
    op->playbook = "";
    int64_t at = ev->occurred_at_ms > 0 ? ev->occurred_at_ms : now_ms;
    switch (ev->body_case) {
    case HUDDLE__V1__ENVELOPE__BODY_CRISIS_CHANGED:
        return crisis_op(ev, at, op);
    case HUDDLE__V1__ENVELOPE__BODY_CONTENT_HELD:
        return ev->content_held && count_op(op, ev->content_held->crisis_id, "held", "");
    case HUDDLE__V1__ENVELOPE__BODY_CONTENT_RELEASED:
        return ev->content_released && count_op(op, ev->content_released->crisis_id, "released",
                                                released_outcome(ev->content_released->outcome));
    case HUDDLE__V1__ENVELOPE__BODY_CONTENT_RECALLED:
        return ev->content_recalled &&
               count_op(op, ev->content_recalled->crisis_id, "recalled",
                        ev->content_recalled->deleted ? "deleted" : "failed");
    default:
        return 0;
    }
}

/* How far along a crisis is: none, proposed, decided (declared, drill,
   dismissed), resumed. */
static int rank(int s) {
    switch (s) {
    case HD_CRISIS_PROPOSED:
        return 1;
    case HD_CRISIS_DECLARED:
    case HD_CRISIS_DRILL:
    case HD_CRISIS_DISMISSED:
        return 2;
    case HD_CRISIS_RESUMED:
        return 3;
    default:
        return 0;
    }
}

int mx_crisis_next_state(int from, int to) {
    if (to < 0 || to >= HD_CRISIS_STATE_COUNT)
        return from;
    if (from >= 0 && hd_crisis_state_final((hd_crisis_state_t)from))
        return from;
    return rank(to) > rank(from) ? to : from;
}

mx_crisis_t *mx_crises_find(const mx_crises_t *self, const char *crisis_id) {
    for (size_t i = 0; i < self->n; i++)
        if (strcmp(self->v[i].crisis_id, crisis_id) == 0)
            return &self->v[i];
    return NULL;
}

mx_crisis_t *mx_crises_add(mx_crises_t *self, const char *crisis_id) {
    mx_crisis_t *c = mx_crises_find(self, crisis_id);
    if (c)
        return c;
    self->v = hd_grow(self->v, &self->cap, self->n + 1, sizeof *self->v);
    c = &self->v[self->n++];
    memset(c, 0, sizeof *c);
    snprintf(c->crisis_id, sizeof c->crisis_id, "%s", crisis_id);
    c->playbook = hd_strdup("");
    c->state = -1;
    return c;
}

void mx_crisis_read(mx_crisis_t *c, const char *playbook, const char *state,
                    int64_t proposed_at_ms) {
    free(c->playbook);
    c->playbook = hd_strdup(str(playbook));
    c->state = hd_crisis_state_parse(state);
    c->proposed_at_ms = proposed_at_ms;
}

static void observe(mx_histogram_t *h, const char *name, const mx_buckets_t *buckets,
                    const char *playbook, int64_t ms) {
    const char *label = "playbook";
    char labels[HD_PROM_LABELS_LEN];
    if (hd_prom_labels(labels, sizeof labels, &label, &playbook, 1) < 0)
        return; /* cannot happen with capped values; never count garbage */
    mx_histogram_observe_in(h, name, buckets, labels, ms < 0 ? 0 : (double)ms / 1000.0);
}

/* A transition of c; a declaration after detection observes its latency. */
static void change(mx_crisis_t *c, const mx_crisis_op_t *op, mx_histogram_t *h) {
    int to = mx_crisis_next_state(c->state, op->to);
    if (to == c->state)
        return;
    if (to == HD_CRISIS_PROPOSED && c->proposed_at_ms == 0)
        c->proposed_at_ms = op->at_ms;
    if (to == HD_CRISIS_DECLARED && c->proposed_at_ms > 0)
        observe(h, MX_DETECT_NAME, &mx_latency_set, c->playbook, op->at_ms - c->proposed_at_ms);
    else if (to == HD_CRISIS_DECLARED && op->by_service)
        observe(h, MX_DETECT_NAME, &mx_latency_set, c->playbook, 0);
    c->state = to;
    c->changed = 1;
}

static void count(mx_crises_t *self, const mx_crisis_op_t *op) {
    for (size_t i = 0; i < self->ncounts; i++) {
        mx_crisis_count_t *k = &self->counts[i];
        if (strcmp(k->crisis_id, op->crisis_id) == 0 && strcmp(k->figure, op->figure) == 0 &&
            strcmp(k->outcome, op->outcome) == 0) {
            k->n++;
            return;
        }
    }
    self->counts =
        hd_grow(self->counts, &self->counts_cap, self->ncounts + 1, sizeof *self->counts);
    mx_crisis_count_t *k = &self->counts[self->ncounts++];
    memcpy(k->crisis_id, op->crisis_id, sizeof k->crisis_id);
    k->figure = op->figure;
    k->outcome = op->outcome;
    k->n = 1;
}

void mx_crises_run(mx_crises_t *self, const mx_crisis_op_t *ops, size_t n, mx_histogram_t *h) {
    for (size_t i = 0; i < n; i++) {
        if (ops[i].kind == MX_CRISIS_COUNT) {
            count(self, &ops[i]);
            continue;
        }
        mx_crisis_t *c = mx_crises_find(self, ops[i].crisis_id);
        if (!c)
            continue; /* a broken caller: never count what was not read */
        if (!*c->playbook && *ops[i].playbook) {
            free(c->playbook);
            c->playbook = hd_strdup(ops[i].playbook);
            c->changed = 1;
        }
        if (ops[i].kind == MX_CRISIS_CHANGE)
            change(c, &ops[i], h);
        else
            observe(h, MX_HOLD_NAME, &mx_hold_set, *ops[i].playbook ? ops[i].playbook : c->playbook,
                    ops[i].hold_ms);
    }
}

void mx_crises_free(mx_crises_t *self) {
    for (size_t i = 0; i < self->n; i++)
        free(self->v[i].playbook);
    free(self->v);
    free(self->counts);
    memset(self, 0, sizeof *self);
}
