/*  A crisis's timeline (services/ingest/crisis_timeline.c): the summary of
    each crisis.* event, which events show, and the merge by time, bounded. */
#include "crisis_timeline.h"
#include "hd_test.h"

static hd_envelope_t crisis_event(Huddle__V1__CrisisChanged *b, const char *what) {
    Huddle__V1__CrisisChanged init = HUDDLE__V1__CRISIS_CHANGED__INIT;
    *b = init;
    b->what = (char *)what;
    b->crisis_id = "k";
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_CRISIS_CHANGED;
    env.crisis_changed = b;
    env.type = "crisis.x";
    env.actor = "svc";
    env.source = "publisher";
    return env;
}

HD_TEST(summaries) {
    Huddle__V1__CrisisChanged b;
    hd_envelope_t env = crisis_event(&b, "declared");
    char *deps[] = {"marketing", "hub"}, *ids[] = {"item-1"}, buf[512];
    b.actor_email = "cora@example.org";
    b.reason = "breach";
    b.departments = deps;
    b.n_departments = 2;
    ing_timeline_summary(&env, buf, sizeof buf);
    ASSERT_STR(buf, "declared by cora@example.org: breach; scope: departments marketing, hub, "
                    "every channel");
    b.drill = 1;
    b.what = "drill";
    b.n_departments = 0;
    ing_timeline_summary(&env, buf, sizeof buf);
    ASSERT_STR(buf, "drill started by cora@example.org: breach; scope: every department, every "
                    "channel");
    b.what = "resumed"; /* the drill's end */
    ing_timeline_summary(&env, buf, sizeof buf);
    ASSERT_STR(buf, "resumed by cora@example.org (drill): breach");
    env = crisis_event(&b, "held");
    b.count = 3;
    b.detail_json = "{\"hold_ms\":12}";
    ing_timeline_summary(&env, buf, sizeof buf);
    ASSERT_STR(buf, "publishing held: 3 item(s) held {\"hold_ms\":12}");
    env = crisis_event(&b, "statement");
    b.content_ids = ids;
    b.n_content_ids = 1;
    ing_timeline_summary(&env, buf, sizeof buf);
    ASSERT_STR(buf, "holding statement submitted by svc as item item-1"); /* the envelope's actor */
    env = crisis_event(&b, "resumed");
    b.reason = "over";
    env.actor = "";
    ing_timeline_summary(&env, buf, sizeof buf);
    ASSERT_STR(buf, "resumed by publisher: over"); /* nobody named: the service */
    env = crisis_event(&b, "proposed");
    b.detail_json = "{\"count\":142}";
    b.actor_email = "workflow";
    b.reason = "";
    ing_timeline_summary(&env, buf, sizeof buf);
    ASSERT_STR(buf, "proposed by workflow; scope: every department, every channel; detected "
                    "{\"count\":142}");
    char small[16];
    ing_timeline_summary(&env, small, sizeof small);
    ASSERT_STR(small, "proposed by wor"); /* cut, terminated */
}

HD_TEST(shows) {
    Huddle__V1__CrisisChanged b;
    hd_envelope_t env = crisis_event(&b, "declared");
    ASSERT(ing_timeline_shows(&env));
    env = crisis_event(&b, "acknowledged"); /* shown from crisis_ack instead */
    ASSERT(!ing_timeline_shows(&env));
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_HELD;
    ASSERT(!ing_timeline_shows(&env));
}

HD_TEST(merge_by_time_bounded) {
    ing_tl_entry_t e[5];
    long long at[5] = {300, 100, 200, 100, 50};
    for (size_t i = 0; i < 5; i++)
        e[i] = (ing_tl_entry_t){at[i], i, json_integer((json_int_t)i)};
    int truncated = 0;
    json_t *a = ing_timeline_take(e, 5, 3, &truncated);
    ASSERT(truncated);
    ASSERT_EQ(json_array_size(a), 3);
    ASSERT_EQ(json_integer_value(json_array_get(a, 0)), 4); /* 50 */
    ASSERT_EQ(json_integer_value(json_array_get(a, 1)), 1); /* 100, came first */
    ASSERT_EQ(json_integer_value(json_array_get(a, 2)), 3); /* 100, came second */
    json_decref(a);
    for (size_t i = 0; i < 2; i++)
        e[i] = (ing_tl_entry_t){at[i], i, json_integer((json_int_t)i)};
    a = ing_timeline_take(e, 2, 2, &truncated);
    ASSERT(!truncated);
    ASSERT_EQ(json_array_size(a), 2);
    json_decref(a);
    a = ing_timeline_take(NULL, 0, 10, &truncated);
    ASSERT(!truncated && json_array_size(a) == 0);
    json_decref(a);
}

HD_TEST_MAIN(HD_CASE(summaries), HD_CASE(shows), HD_CASE(merge_by_time_bounded))
