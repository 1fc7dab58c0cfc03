/*  The inbox figures' pure deciding function (services/metrics/inbox.h):
    what mention.routed and each inbox.* event move (mentions by channel,
    feed and department; the items gauge from one state to the next and
    from one department to another; warnings, breaches, replies; the first
    response observed in business seconds), triage shown as "triage", and
    what moves nothing (refusals, timers, unknown states, other events). */
#include "hd_test.h"
#include "inbox.h"

static hd_envelope_t routed_ev(Huddle__V1__MentionRouted *m, const char *dept, const char *feed) {
    Huddle__V1__MentionRouted init = HUDDLE__V1__MENTION_ROUTED__INIT;
    *m = init;
    m->channel = "sandbox";
    m->feed = (char *)feed;
    m->triage = !*dept;
    hd_envelope_t ev = HUDDLE__V1__ENVELOPE__INIT;
    ev.body_case = HUDDLE__V1__ENVELOPE__BODY_MENTION_ROUTED;
    ev.mention_routed = m;
    ev.department = (char *)dept;
    return ev;
}

static hd_envelope_t inbox_ev(Huddle__V1__InboxChanged *c, const char *what, const char *dept,
                              const char *from, const char *to) {
    Huddle__V1__InboxChanged init = HUDDLE__V1__INBOX_CHANGED__INIT;
    *c = init;
    c->what = (char *)what;
    c->from_state = (char *)from;
    c->state = (char *)to;
    hd_envelope_t ev = HUDDLE__V1__ENVELOPE__INIT;
    ev.body_case = HUDDLE__V1__ENVELOPE__BODY_INBOX_CHANGED;
    ev.inbox_changed = c;
    ev.department = (char *)dept;
    return ev;
}

#define ASSERT_MOVE(op, i, name_, labels_, n_)            \
    do {                                                  \
        ASSERT((op).nmoves > (i));                        \
        ASSERT_STR((op).moves[i].series.name, name_);     \
        ASSERT_STR((op).moves[i].series.labels, labels_); \
        ASSERT_EQ((op).moves[i].n, n_);                   \
    } while (0)

HD_TEST(a_routed_mention_is_counted_and_opens_an_item) {
    Huddle__V1__MentionRouted m;
    mx_inbox_op_t op;
    hd_envelope_t ev = routed_ev(&m, "customer-care", "care-mentions");
    ASSERT_EQ(mx_inbox_op_of(&ev, &op), 1);
    ASSERT_EQ(op.nmoves, 2);
    ASSERT_MOVE(op, 0, "huddle_mentions_total",
                "channel=\"sandbox\",feed=\"care-mentions\",department=\"customer-care\"", 1);
    ASSERT_MOVE(op, 1, MX_INBOX_ITEMS, "department=\"customer-care\",state=\"new\"", 1);
    ASSERT(!op.observe);
    /* pushed (no feed), no rule took it */
    ev = routed_ev(&m, "", "");
    ASSERT_EQ(mx_inbox_op_of(&ev, &op), 1);
    ASSERT_MOVE(op, 0, "huddle_mentions_total",
                "channel=\"sandbox\",feed=\"\",department=\"triage\"", 1);
    ASSERT_MOVE(op, 1, MX_INBOX_ITEMS, "department=\"triage\",state=\"new\"", 1);
    ev.department = NULL;
    ASSERT_EQ(mx_inbox_op_of(&ev, &op), 1);
    ASSERT_MOVE(op, 1, MX_INBOX_ITEMS, "department=\"triage\",state=\"new\"", 1);
}

HD_TEST(a_state_change_moves_the_gauge) {
    Huddle__V1__InboxChanged c;
    mx_inbox_op_t op;
    hd_envelope_t ev = inbox_ev(&c, "assigned", "customer-care", "new", "assigned");
    ASSERT_EQ(mx_inbox_op_of(&ev, &op), 1);
    ASSERT_EQ(op.nmoves, 2);
    ASSERT_MOVE(op, 0, MX_INBOX_ITEMS, "department=\"customer-care\",state=\"new\"", -1);
    ASSERT_MOVE(op, 1, MX_INBOX_ITEMS, "department=\"customer-care\",state=\"assigned\"", 1);
    ev = inbox_ev(&c, "resolved", "", "waiting", "resolved");
    ASSERT_EQ(mx_inbox_op_of(&ev, &op), 1);
    ASSERT_MOVE(op, 0, MX_INBOX_ITEMS, "department=\"triage\",state=\"waiting\"", -1);
    ASSERT_MOVE(op, 1, MX_INBOX_ITEMS, "department=\"triage\",state=\"resolved\"", 1);
    /* the name of before issue 16 reads as new */
    ev = inbox_ev(&c, "assigned", "hr", "open", "assigned");
    ASSERT_EQ(mx_inbox_op_of(&ev, &op), 1);
    ASSERT_MOVE(op, 0, MX_INBOX_ITEMS, "department=\"hr\",state=\"new\"", -1);
}

HD_TEST(routing_moves_the_item_between_departments) {
    Huddle__V1__InboxChanged c;
    mx_inbox_op_t op;
    hd_envelope_t ev = inbox_ev(&c, "routed", "customer-care", "new", "new");
    c.from_department = ""; /* out of triage */
    ASSERT_EQ(mx_inbox_op_of(&ev, &op), 1);
    ASSERT_EQ(op.nmoves, 2);
    ASSERT_MOVE(op, 0, MX_INBOX_ITEMS, "department=\"triage\",state=\"new\"", -1);
    ASSERT_MOVE(op, 1, MX_INBOX_ITEMS, "department=\"customer-care\",state=\"new\"", 1);
    c.from_department = "marketing";
    c.from_state = "assigned";
    ASSERT_EQ(mx_inbox_op_of(&ev, &op), 1);
    ASSERT_MOVE(op, 0, MX_INBOX_ITEMS, "department=\"marketing\",state=\"assigned\"", -1);
    ASSERT_MOVE(op, 1, MX_INBOX_ITEMS, "department=\"customer-care\",state=\"new\"", 1);
    /* from_department is read for routed only: elsewhere "" is no move */
    ev = inbox_ev(&c, "escalated", "customer-care", "assigned", "assigned");
    c.from_department = "";
    ASSERT_EQ(mx_inbox_op_of(&ev, &op), 0);
}

HD_TEST(timers_count_without_moving_the_gauge) {
    Huddle__V1__InboxChanged c;
    mx_inbox_op_t op;
    hd_envelope_t ev = inbox_ev(&c, "sla_warning", "customer-care", "assigned", "assigned");
    ASSERT_EQ(mx_inbox_op_of(&ev, &op), 1);
    ASSERT_EQ(op.nmoves, 1);
    ASSERT_MOVE(op, 0, "huddle_inbox_sla_warnings_total", "department=\"customer-care\"", 1);
    ev = inbox_ev(&c, "sla_breached", "", "new", "new");
    ASSERT_EQ(mx_inbox_op_of(&ev, &op), 1);
    ASSERT_EQ(op.nmoves, 1);
    ASSERT_MOVE(op, 0, "huddle_inbox_sla_breaches_total", "department=\"triage\"", 1);
}

HD_TEST(the_first_reply_is_observed_in_business_seconds) {
    Huddle__V1__InboxChanged c;
    mx_inbox_op_t op;
    hd_envelope_t ev = inbox_ev(&c, "replied", "customer-care", "assigned", "waiting");
    c.first = 1;
    c.response_ms = 90500;
    c.wall_ms = 3 * 86400000LL; /* a weekend in between: not what is observed */
    ASSERT_EQ(mx_inbox_op_of(&ev, &op), 1);
    ASSERT_EQ(op.nmoves, 3);
    ASSERT_MOVE(op, 0, MX_INBOX_ITEMS, "department=\"customer-care\",state=\"assigned\"", -1);
    ASSERT_MOVE(op, 1, MX_INBOX_ITEMS, "department=\"customer-care\",state=\"waiting\"", 1);
    ASSERT_MOVE(op, 2, "huddle_inbox_replies_total", "department=\"customer-care\"", 1);
    ASSERT(op.observe);
    ASSERT_STR(op.labels, "department=\"customer-care\"");
    ASSERT(op.seconds == 90.5);
    /* a later reply: counted, not observed */
    c.first = 0;
    ev = inbox_ev(&c, "replied", "customer-care", "waiting", "waiting");
    ASSERT_EQ(mx_inbox_op_of(&ev, &op), 1);
    ASSERT_EQ(op.nmoves, 1);
    ASSERT(!op.observe);
    /* no business calendar (negative): counted, not observed */
    c.first = 1;
    c.response_ms = -1;
    ASSERT_EQ(mx_inbox_op_of(&ev, &op), 1);
    ASSERT(!op.observe);
}

HD_TEST(refusals_unknown_states_and_other_events_move_nothing) {
    Huddle__V1__InboxChanged c;
    mx_inbox_op_t op;
    hd_envelope_t ev = inbox_ev(&c, "refused", "customer-care", "new", "assigned");
    ASSERT_EQ(mx_inbox_op_of(&ev, &op), 0);
    ev = inbox_ev(&c, "assigned", "customer-care", "limbo", "assigned");
    ASSERT_EQ(mx_inbox_op_of(&ev, &op), 0);
    ev = inbox_ev(&c, "assigned", "customer-care", "new", "");
    ASSERT_EQ(mx_inbox_op_of(&ev, &op), 0);
    ev.inbox_changed = NULL;
    ASSERT_EQ(mx_inbox_op_of(&ev, &op), 0);
    hd_envelope_t other = HUDDLE__V1__ENVELOPE__INIT;
    other.body_case = HUDDLE__V1__ENVELOPE__BODY_PUBLISH_SUCCEEDED;
    ASSERT_EQ(mx_inbox_op_of(&other, &op), 0);
}

HD_TEST(label_values_are_escaped) {
    Huddle__V1__MentionRouted m;
    mx_inbox_op_t op;
    hd_envelope_t ev = routed_ev(&m, "care\"\n", "f\\");
    ASSERT_EQ(mx_inbox_op_of(&ev, &op), 1);
    ASSERT_MOVE(op, 0, "huddle_mentions_total",
                "channel=\"sandbox\",feed=\"f\\\\\",department=\"care\\\"\\n\"", 1);
}

HD_TEST(the_buckets_run_from_half_a_minute_to_a_day) {
    ASSERT_EQ(mx_first_response_set.n, 13);
    ASSERT(mx_first_response_set.le[0] == 30);
    ASSERT(mx_first_response_set.le[11] == 86400);
    for (size_t i = 1; i < mx_first_response_set.n; i++)
        ASSERT(mx_first_response_set.le[i] > mx_first_response_set.le[i - 1]);
}

HD_TEST_MAIN(HD_CASE(a_routed_mention_is_counted_and_opens_an_item),
             HD_CASE(a_state_change_moves_the_gauge),
             HD_CASE(routing_moves_the_item_between_departments),
             HD_CASE(timers_count_without_moving_the_gauge),
             HD_CASE(the_first_reply_is_observed_in_business_seconds),
             HD_CASE(refusals_unknown_states_and_other_events_move_nothing),
             HD_CASE(label_values_are_escaped),
             HD_CASE(the_buckets_run_from_half_a_minute_to_a_day))
