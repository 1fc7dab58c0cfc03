/*  inbox: events -> the inbox figures (inbox.h). */
#include "inbox.h"

#include "hd_inbox.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A first response is owed within minutes to hours of business time. */
static const double s_first_response[] = {30,   60,   120,   300,   600,   900,     1800,
                                          3600, 7200, 14400, 28800, 86400, INFINITY};
const mx_buckets_t mx_first_response_set = {s_first_response,
                                            sizeof s_first_response / sizeof *s_first_response};

static const char *str(const char *s) { return s ? s : ""; }

static const char *department(const char *d) { return d && *d ? d : "triage"; }

/* Adds series name{names=values} moved by n; 0, or -1 when the labels do
   not fit (never: the values are cut at 100 bytes). */
static int move(mx_inbox_op_t *op, const char *name, const char *const *names,
                const char *const *values, size_t count, long n) {
    if (op->nmoves >= MX_INBOX_MAX_MOVES)
        return -1;
    mx_inbox_move_t *m = &op->moves[op->nmoves];
    m->series.name = name;
    m->n = n;
    if (hd_prom_labels(m->series.labels, sizeof m->series.labels, names, values, count) < 0)
        return -1;
    op->nmoves++;
    return 0;
}

static void move1(mx_inbox_op_t *op, const char *name, const char *dept) {
    const char *names[1] = {"department"}, *values[1] = {department(dept)};
    move(op, name, names, values, 1, 1);
}

/* The gauge at (dept, state) moved by n; a state that does not parse
   moves nothing. */
static void items(mx_inbox_op_t *op, const char *dept, const char *state, long n) {
    int s = hd_inbox_state_parse(state);
    if (s < 0)
        return;
    const char *names[2] = {"department", "state"};
    const char *values[2] = {department(dept), hd_inbox_state_name((hd_inbox_state_t)s)};
    move(op, MX_INBOX_ITEMS, names, values, 2, n);
}

static void routed(const hd_envelope_t *ev, mx_inbox_op_t *op) {
    const Huddle__V1__MentionRouted *m = ev->mention_routed;
    const char *names[3] = {"channel", "feed", "department"};
    const char *values[3] = {str(m->channel), str(m->feed), department(ev->department)};
    move(op, "huddle_mentions_total", names, values, 3, 1);
    items(op, ev->department, hd_inbox_state_name(HD_INBOX_NEW), 1);
}

static void changed(const hd_envelope_t *ev, mx_inbox_op_t *op) {
    const Huddle__V1__InboxChanged *c = ev->inbox_changed;
    const char *what = str(c->what), *dept = str(ev->department);
    if (strcmp(what, "refused") == 0)
        return;
    const char *was = strcmp(what, "routed") == 0 ? str(c->from_department) : dept;
    int from = hd_inbox_state_parse(c->from_state), to = hd_inbox_state_parse(c->state);
    if (from >= 0 && to >= 0 && (from != to || strcmp(was, dept) != 0)) {
        items(op, was, c->from_state, -1);
        items(op, dept, c->state, 1);
    }
    if (strcmp(what, "sla_warning") == 0)
        move1(op, "huddle_inbox_sla_warnings_total", dept);
    else if (strcmp(what, "sla_breached") == 0)
        move1(op, "huddle_inbox_sla_breaches_total", dept);
    else if (strcmp(what, "replied") == 0) {
        move1(op, "huddle_inbox_replies_total", dept);
        const char *names[1] = {"department"}, *values[1] = {department(dept)};
        op->observe = c->first && c->response_ms >= 0 &&
                      hd_prom_labels(op->labels, sizeof op->labels, names, values, 1) == 0;
        op->seconds = (double)c->response_ms / 1000.0;
    }
}

int mx_inbox_op_of(const hd_envelope_t *ev, mx_inbox_op_t *op) {
    memset(op, 0, sizeof *op);
    if (ev->body_case == HUDDLE__V1__ENVELOPE__BODY_MENTION_ROUTED && ev->mention_routed)
        routed(ev, op);
    else if (ev->body_case == HUDDLE__V1__ENVELOPE__BODY_INBOX_CHANGED && ev->inbox_changed)
        changed(ev, op);
    return op->nmoves > 0 || op->observe;
}
