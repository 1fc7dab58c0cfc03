/*  The choice of an inbox item's assignee (services/workflow/assign.c),
    with values only: the fewest assigned items wins, people away or
    inactive or of another department or without the role are passed
    over, the cap is kept, ties go to the least recently assigned and then
    to the smaller email, and the counts follow every move. */
#include "assign.h"
#include "hd_test.h"

static wf_person_t s_people[6];

static void person(int i, const char *email, const char *dept, const char *role, int assigned,
                   int64_t last) {
    wf_person_t *p = &s_people[i];
    memset(p, 0, sizeof *p);
    snprintf(p->a.id, HD_ID_LEN, "00000000-0000-4000-8000-00000000000%d", i);
    snprintf(p->a.department, HD_DEPT_LEN, "%s", dept);
    p->a.active = 1;
    snprintf(p->a.roles[0], HD_ROLE_LEN, "%s", role);
    p->a.nroles = 1;
    snprintf(p->email, sizeof p->email, "%s", email);
    p->assigned = assigned;
    p->last_assigned_ms = last;
}

/* rita (care, 3), rob (care, 1), ruth (care, 1, assigned earlier than rob),
   cora (care coach, 0), gil (hub gatherer, 0), mark (marketing, 0). */
static void reset(void) {
    person(0, "rita@example.org", "customer-care", "responder", 3, 100);
    person(1, "rob@example.org", "customer-care", "responder", 1, 500);
    person(2, "ruth@example.org", "customer-care", "responder", 1, 200);
    person(3, "cora@example.org", "customer-care", "coach", 0, 0);
    person(4, "gil@example.org", "hub", "information-gatherer", 0, 0);
    person(5, "mark@example.org", "marketing", "responder", 0, 0);
}

static const wf_assign_want_t CARE = {"customer-care", "responder", 20};

HD_TEST(the_fewest_assigned_wins_ties_to_the_least_recently_assigned) {
    reset();
    ASSERT_EQ(wf_assign_pick(s_people, 6, &CARE), 2); /* ruth: 1 item, assigned at 200 */
    s_people[2].last_assigned_ms = 500;               /* same time as rob: by email */
    ASSERT_EQ(wf_assign_pick(s_people, 6, &CARE), 1);
    s_people[1].assigned = 0;
    ASSERT_EQ(wf_assign_pick(s_people, 6, &CARE), 1);
    s_people[0].assigned = 0;
    s_people[0].last_assigned_ms = 0; /* never assigned: before anyone assigned */
    s_people[1].last_assigned_ms = 1;
    ASSERT_EQ(wf_assign_pick(s_people, 6, &CARE), 0);
}

HD_TEST(away_inactive_other_departments_and_roles_are_passed_over) {
    reset();
    s_people[2].away = 1;
    ASSERT_EQ(wf_assign_pick(s_people, 6, &CARE), 1);
    s_people[1].a.active = 0;
    ASSERT_EQ(wf_assign_pick(s_people, 6, &CARE), 0); /* rita, though she has the most */
    s_people[0].away = 1;
    ASSERT_EQ(wf_assign_pick(s_people, 6, &CARE), -1); /* cora is a coach, mark in marketing */
    wf_assign_want_t coach = {"customer-care", "coach", 0};
    ASSERT_EQ(wf_assign_pick(s_people, 6, &coach), 3);
    s_people[3].away = 1;
    ASSERT_EQ(wf_assign_pick(s_people, 6, &coach), -1);
}

HD_TEST(triage_takes_information_gatherers_of_any_department) {
    reset();
    wf_assign_want_t triage = {"", "information-gatherer", 20};
    ASSERT_EQ(wf_assign_pick(s_people, 6, &triage), 4);
    s_people[4].away = 1;
    ASSERT_EQ(wf_assign_pick(s_people, 6, &triage), -1);
}

HD_TEST(the_cap_is_kept_unless_none_is_given) {
    reset();
    wf_assign_want_t capped = {"customer-care", "responder", 1};
    ASSERT_EQ(wf_assign_pick(s_people, 6, &capped), -1); /* 3, 1, 1: all at the cap */
    capped.cap = 2;
    ASSERT_EQ(wf_assign_pick(s_people, 6, &capped), 2);
    ASSERT(!wf_assign_eligible(&s_people[0], &capped));
    capped.cap = 0;
    ASSERT(wf_assign_eligible(&s_people[0], &capped));
}

HD_TEST(counts_follow_every_move) {
    reset();
    const char *rob = s_people[1].a.id, *ruth = s_people[2].a.id;
    wf_assign_moved(s_people, 6, "", HD_INBOX_NEW, rob, HD_INBOX_ASSIGNED, 900);
    ASSERT_EQ(s_people[1].assigned, 2);
    ASSERT_EQ(s_people[1].last_assigned_ms, 900);
    /* waiting does not count against the cap */
    wf_assign_moved(s_people, 6, rob, HD_INBOX_ASSIGNED, rob, HD_INBOX_WAITING, 950);
    ASSERT_EQ(s_people[1].assigned, 1);
    ASSERT_EQ(s_people[1].last_assigned_ms, 900); /* the same owner: not a new assignment */
    /* reassigned while waiting: counts nowhere, ruth was assigned just now */
    wf_assign_moved(s_people, 6, rob, HD_INBOX_WAITING, ruth, HD_INBOX_WAITING, 990);
    ASSERT_EQ(s_people[1].assigned, 1);
    ASSERT_EQ(s_people[2].assigned, 1);
    ASSERT_EQ(s_people[2].last_assigned_ms, 990);
    wf_assign_moved(s_people, 6, ruth, HD_INBOX_WAITING, ruth, HD_INBOX_ASSIGNED, 999);
    ASSERT_EQ(s_people[2].assigned, 2);
    wf_assign_moved(s_people, 6, ruth, HD_INBOX_ASSIGNED, "", HD_INBOX_NEW, 1000);
    ASSERT_EQ(s_people[2].assigned, 1);
    /* someone the batch did not read is passed over */
    wf_assign_moved(s_people, 6, "00000000-0000-4000-8000-0000000000ff", HD_INBOX_ASSIGNED,
                    "00000000-0000-4000-8000-0000000000fe", HD_INBOX_ASSIGNED, 1000);
    ASSERT(wf_assign_find(s_people, 6, "00000000-0000-4000-8000-0000000000FF") == NULL);
    ASSERT(wf_assign_find(s_people, 6, "00000000-0000-4000-8000-00000000000A") == NULL);
    ASSERT(wf_assign_find(s_people, 6, "00000000-0000-4000-8000-000000000001") == &s_people[1]);
}

HD_TEST_MAIN(HD_CASE(the_fewest_assigned_wins_ties_to_the_least_recently_assigned),
             HD_CASE(away_inactive_other_departments_and_roles_are_passed_over),
             HD_CASE(triage_takes_information_gatherers_of_any_department),
             HD_CASE(the_cap_is_kept_unless_none_is_given), HD_CASE(counts_follow_every_move))
