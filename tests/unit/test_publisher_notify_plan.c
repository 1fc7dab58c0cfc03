/*  The notifications' decisions, without a database or a network
    (services/publisher/notify_plan.c, notify_run.c): which events notify,
    one notification per endpoint of the crisis with an id derived from
    the event and the endpoint, unknown and removed endpoints failed with
    their reason, the payloads (a drill marked, the expired item's author
    named), and what an attempt's answer makes of a notification. */
#include "hd_test.h"
#include "notify_plan.h"
#include "notify_run.h"

#include <jansson.h>

#define CRISIS "6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"
#define EVENT "0b8a7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"

static json_t *crises(int drill) {
    json_t *c =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:[s], s:[], s:[s,s], s:[s,s,s,s]}", "id",
                  CRISIS, "name", "data-breach", "playbook", "data-breach", "severity", "critical",
                  "state", drill ? "drill" : "declared", "drill", drill, "reason", "leak reported",
                  "departments", "marketing", "channels", "team_roles", "crisis", "orchestrator",
                  "notify", "crisis-team", "booth", "gone", "crisis-team");
    return json_pack("{s:o}", CRISIS, c);
}

static json_t *endpoints(void) { return json_pack("{s:b, s:b}", "crisis-team", 1, "booth", 0); }

typedef struct {
    hd_envelope_t env;
    Huddle__V1__CrisisChanged crisis;
    Huddle__V1__ContentReleased released;
    Huddle__V1__OrgChanged org;
} ev_t;

static void crisis_event(ev_t *e, const char *what, int drill) {
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    Huddle__V1__CrisisChanged b = HUDDLE__V1__CRISIS_CHANGED__INIT;
    e->env = env;
    e->crisis = b;
    e->crisis.crisis_id = CRISIS;
    e->crisis.what = (char *)what;
    e->crisis.drill = drill;
    e->env.id = EVENT;
    e->env.actor = "olivia@example.org";
    e->env.occurred_at_ms = 1796677200123LL; /* 2026-12-07T21:00:00.123Z */
    e->env.body_case = HUDDLE__V1__ENVELOPE__BODY_CRISIS_CHANGED;
    e->env.crisis_changed = &e->crisis;
}

static void released_event(ev_t *e, const char *outcome) {
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    Huddle__V1__ContentReleased b = HUDDLE__V1__CONTENT_RELEASED__INIT;
    e->env = env;
    e->released = b;
    e->released.content_id = "11111111-2222-4333-8444-555555555555";
    e->released.crisis_id = CRISIS;
    e->released.outcome = (char *)outcome;
    e->released.author_email = "maya@example.org";
    e->released.channel = "mastodon-main";
    e->released.reason = "its slot passed during the hold";
    e->env.id = EVENT;
    e->env.department = "marketing";
    e->env.occurred_at_ms = 1796677200123LL;
    e->env.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_RELEASED;
    e->env.content_released = &e->released;
}

HD_TEST(which_events_notify) {
    ev_t e;
    const char *yes[][2] = {{"proposed", "crisis.proposed"},   {"declared", "crisis.declared"},
                            {"drill", "crisis.declared"},      {"resumed", "crisis.resumed"},
                            {"dismissed", "crisis.dismissed"}, {"statement", "crisis.statement"}};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        crisis_event(&e, yes[i][0], 0);
        ASSERT_STR(pub_notify_type(&e.env), yes[i][1]);
    }
    const char *no[] = {"held", "released", "recalled", "acknowledged", ""};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        crisis_event(&e, no[i], 0);
        ASSERT(pub_notify_type(&e.env) == NULL);
    }
    released_event(&e, "expire");
    ASSERT_STR(pub_notify_type(&e.env), "content.released");
    released_event(&e, "publish");
    ASSERT(pub_notify_type(&e.env) == NULL);
    released_event(&e, "reapprove");
    ASSERT(pub_notify_type(&e.env) == NULL);
}

HD_TEST(one_per_endpoint_unknown_and_removed_failed) {
    ev_t e;
    crisis_event(&e, "declared", 0);
    json_t *c = crises(0), *ep = endpoints();
    pub_notice_t *v;
    size_t n = pub_notify_plan(&e.env, c, ep, &v);
    ASSERT_EQ(n, 3); /* crisis-team listed twice: once */
    ASSERT_STR(v[0].endpoint, "crisis-team");
    ASSERT(v[0].failed == NULL);
    ASSERT_STR(v[1].endpoint, "booth");
    ASSERT_STR(v[1].failed, "the webhook endpoint was removed");
    ASSERT_STR(v[2].endpoint, "gone");
    ASSERT_STR(v[2].failed, "no webhook endpoint has this name");
    ASSERT_STR(v[0].crisis_id, CRISIS);
    ASSERT_STR(v[0].type, "crisis.declared");
    /* derived: the same event and endpoint give the same id, others not */
    char want[HD_ID_LEN];
    hd_id_derive(want, EVENT, "notify:crisis-team");
    ASSERT_STR(v[0].id, want);
    ASSERT(strcmp(v[0].id, v[1].id) != 0);
    pub_notice_t *again;
    ASSERT_EQ(pub_notify_plan(&e.env, c, ep, &again), 3);
    ASSERT_STR(again[0].id, v[0].id);
    ASSERT_STR(again[0].payload, v[0].payload);
    pub_notify_free(&again, 3);
    pub_notify_free(&v, n);
    ASSERT(v == NULL);
    json_decref(c);
    json_decref(ep);
}

HD_TEST(declared_payload) {
    ev_t e;
    crisis_event(&e, "declared", 0);
    json_t *c = crises(0), *ep = endpoints();
    pub_notice_t *v;
    size_t n = pub_notify_plan(&e.env, c, ep, &v);
    ASSERT_EQ(n, 3);
    json_t *p = json_loads(v[0].payload, 0, NULL);
    ASSERT(p);
    ASSERT_STR(json_string_value(json_object_get(p, "type")), "crisis.declared");
    ASSERT_STR(json_string_value(json_object_get(p, "timestamp")), "2026-12-07T21:00:00.123Z");
    json_t *d = json_object_get(p, "data");
    ASSERT_STR(json_string_value(json_object_get(d, "crisis_id")), CRISIS);
    ASSERT_STR(json_string_value(json_object_get(d, "playbook")), "data-breach");
    ASSERT_STR(json_string_value(json_object_get(d, "severity")), "critical");
    ASSERT_STR(json_string_value(json_object_get(d, "state")), "declared");
    ASSERT(json_is_false(json_object_get(d, "drill")));
    ASSERT_STR(json_string_value(json_object_get(d, "reason")), "leak reported");
    ASSERT_STR(json_string_value(json_object_get(d, "actor")), "olivia@example.org");
    ASSERT_EQ(json_array_size(json_object_get(d, "departments")), 1);
    ASSERT_EQ(json_array_size(json_object_get(d, "channels")), 0);
    ASSERT_EQ(json_array_size(json_object_get(d, "team_roles")), 2);
    ASSERT_STR(json_string_value(json_object_get(d, "ack")), "huddle crisis ack " CRISIS);
    /* compact, the order of the spec's example */
    ASSERT(strncmp(v[0].payload, "{\"type\":\"crisis.declared\",\"timestamp\":", 38) == 0);
    ASSERT(v[0].drill == 0);
    json_decref(p);
    pub_notify_free(&v, n);
    json_decref(c);
    json_decref(ep);
}

HD_TEST(a_drill_is_marked) {
    ev_t e;
    crisis_event(&e, "drill", 1);
    json_t *c = crises(1), *ep = endpoints();
    pub_notice_t *v;
    size_t n = pub_notify_plan(&e.env, c, ep, &v);
    ASSERT_EQ(n, 3);
    ASSERT(v[0].drill == 1);
    json_t *p = json_loads(v[0].payload, 0, NULL);
    json_t *d = json_object_get(p, "data");
    ASSERT_STR(json_string_value(json_object_get(p, "type")), "crisis.declared");
    ASSERT(json_is_true(json_object_get(d, "drill")));
    ASSERT_STR(json_string_value(json_object_get(d, "state")), "drill");
    json_decref(p);
    pub_notify_free(&v, n);
    /* a drill announced as crisis.declared with drill set: the same message */
    crisis_event(&e, "declared", 1);
    n = pub_notify_plan(&e.env, c, ep, &v);
    p = json_loads(v[0].payload, 0, NULL);
    d = json_object_get(p, "data");
    ASSERT_STR(json_string_value(json_object_get(p, "type")), "crisis.declared");
    ASSERT(json_is_true(json_object_get(d, "drill")));
    ASSERT_STR(json_string_value(json_object_get(d, "state")), "drill");
    json_decref(p);
    pub_notify_free(&v, n);
    /* a drill's end: resumed, still marked (the crisis says drill) */
    crisis_event(&e, "resumed", 0);
    e.crisis.reason = "drill over";
    n = pub_notify_plan(&e.env, c, ep, &v);
    p = json_loads(v[0].payload, 0, NULL);
    d = json_object_get(p, "data");
    ASSERT(json_is_true(json_object_get(d, "drill")));
    ASSERT_STR(json_string_value(json_object_get(d, "state")), "resumed");
    ASSERT_STR(json_string_value(json_object_get(d, "reason")), "drill over");
    json_decref(p);
    pub_notify_free(&v, n);
    json_decref(c);
    json_decref(ep);
}

HD_TEST(an_expired_item_names_its_author) {
    ev_t e;
    released_event(&e, "expire");
    json_t *c = crises(0), *ep = endpoints();
    pub_notice_t *v;
    size_t n = pub_notify_plan(&e.env, c, ep, &v);
    ASSERT_EQ(n, 3);
    json_t *p = json_loads(v[0].payload, 0, NULL);
    json_t *d = json_object_get(p, "data");
    ASSERT_STR(json_string_value(json_object_get(p, "type")), "content.released");
    ASSERT_STR(json_string_value(json_object_get(d, "outcome")), "expire");
    ASSERT_STR(json_string_value(json_object_get(d, "author_email")), "maya@example.org");
    ASSERT_STR(json_string_value(json_object_get(d, "content_id")),
               "11111111-2222-4333-8444-555555555555");
    ASSERT_STR(json_string_value(json_object_get(d, "department")), "marketing");
    ASSERT_STR(json_string_value(json_object_get(d, "crisis_id")), CRISIS);
    json_decref(p);
    pub_notify_free(&v, n);
    json_decref(c);
    json_decref(ep);
}

HD_TEST(no_crisis_no_notification) {
    ev_t e;
    crisis_event(&e, "declared", 0);
    json_t *none = json_object(), *ep = endpoints();
    pub_notice_t *v = (pub_notice_t *)1;
    ASSERT_EQ(pub_notify_plan(&e.env, none, ep, &v), 0);
    ASSERT(v == NULL);
    e.crisis.crisis_id = "not-a-uuid";
    json_t *c = crises(0);
    ASSERT_EQ(pub_notify_plan(&e.env, c, ep, &v), 0);
    char cid[HD_ID_LEN];
    pub_notify_crisis_of(&e.env, cid);
    ASSERT_STR(cid, "");
    /* an upper-case id finds its crisis (PostgreSQL writes lower case) */
    e.crisis.crisis_id = "6F1C2D3E-4B5A-4C6D-8E7F-0A1B2C3D4E5F";
    ASSERT_EQ(pub_notify_plan(&e.env, c, ep, &v), 3);
    pub_notify_free(&v, 3);
    json_decref(none);
    json_decref(c);
    json_decref(ep);
}

HD_TEST(a_test_notification) {
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    Huddle__V1__OrgChanged b = HUDDLE__V1__ORG_CHANGED__INIT;
    b.object = "webhook";
    b.object_id = "crisis-team";
    b.action = "tested";
    env.id = EVENT;
    env.actor = "olivia@example.org";
    env.occurred_at_ms = 1796677200123LL;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_ORG_CHANGED;
    env.org_changed = &b;
    ASSERT_STR(pub_notify_type(&env), "webhook.test");
    json_t *none = json_object(), *ep = endpoints();
    pub_notice_t *v;
    ASSERT_EQ(pub_notify_plan(&env, none, ep, &v), 1);
    ASSERT_STR(v[0].crisis_id, "");
    ASSERT(v[0].failed == NULL);
    json_t *p = json_loads(v[0].payload, 0, NULL);
    ASSERT_STR(json_string_value(json_object_get(json_object_get(p, "data"), "endpoint")),
               "crisis-team");
    json_decref(p);
    pub_notify_free(&v, 1);
    b.object_id = "booth"; /* removed */
    ASSERT_EQ(pub_notify_plan(&env, none, ep, &v), 1);
    ASSERT_STR(v[0].failed, "the webhook endpoint was removed");
    pub_notify_free(&v, 1);
    b.action = "updated";
    ASSERT(pub_notify_type(&env) == NULL);
    json_decref(none);
    json_decref(ep);
}

HD_TEST(attempt_outcomes) {
    pub_notify_outcome_t o = pub_notify_outcome(200, 1, 8, 0.5);
    ASSERT_EQ(o.state, PUB_NOTICE_DELIVERED);
    ASSERT_EQ(pub_notify_outcome(204, 8, 8, 0.5).state, PUB_NOTICE_DELIVERED);
    /* transient: again, later each time, until the last attempt */
    long prev = 0;
    for (int a = 1; a < 8; a++) {
        o = pub_notify_outcome(500, a, 8, 0.0);
        ASSERT_EQ(o.state, PUB_NOTICE_PENDING);
        ASSERT(o.delay_ms > prev);
        prev = o.delay_ms;
    }
    ASSERT_EQ(pub_notify_outcome(500, 8, 8, 0.0).state, PUB_NOTICE_FAILED);
    ASSERT_EQ(pub_notify_outcome(0, 1, 8, 0.0).state, PUB_NOTICE_PENDING);
    ASSERT_EQ(pub_notify_outcome(408, 1, 8, 0.0).state, PUB_NOTICE_PENDING);
    ASSERT_EQ(pub_notify_outcome(429, 1, 8, 0.0).state, PUB_NOTICE_PENDING);
    ASSERT_EQ(pub_notify_outcome(503, 3, 8, 0.0).state, PUB_NOTICE_PENDING);
    /* jitter spreads the wait within [d/2, d) */
    ASSERT_EQ(pub_notify_outcome(500, 1, 8, 0.0).delay_ms, 250);
    ASSERT(pub_notify_outcome(500, 1, 8, 0.99).delay_ms > 490);
    /* refused for good at once */
    const long permanent[] = {301, 302, 400, 401, 403, 404, 410, 422, 100};
    for (size_t i = 0; i < sizeof permanent / sizeof permanent[0]; i++)
        ASSERT_EQ(pub_notify_outcome(permanent[i], 1, 8, 0.0).state, PUB_NOTICE_FAILED);
    ASSERT_EQ(pub_notify_outcome(500, 1, 1, 0.0).state, PUB_NOTICE_FAILED);
}

HD_TEST(state_names) {
    ASSERT_STR(pub_notice_state_name(PUB_NOTICE_PENDING), "pending");
    ASSERT_STR(pub_notice_state_name(PUB_NOTICE_IN_FLIGHT), "in_flight");
    ASSERT_STR(pub_notice_state_name(PUB_NOTICE_DELIVERED), "delivered");
    ASSERT_STR(pub_notice_state_name(PUB_NOTICE_FAILED), "failed");
    ASSERT_STR(pub_notice_state_name(PUB_NOTICE_STATE_COUNT), "unknown");
    char ts[40];
    pub_notify_rfc3339(0, ts, sizeof ts);
    ASSERT_STR(ts, "1970-01-01T00:00:00.000Z");
    pub_notify_rfc3339(1796677200123LL, ts, sizeof ts);
    ASSERT_STR(ts, "2026-12-07T21:00:00.123Z");
}

HD_TEST_MAIN({"which_events_notify", which_events_notify},
             {"one_per_endpoint_unknown_and_removed_failed",
              one_per_endpoint_unknown_and_removed_failed},
             {"declared_payload", declared_payload}, {"a_drill_is_marked", a_drill_is_marked},
             {"an_expired_item_names_its_author", an_expired_item_names_its_author},
             {"no_crisis_no_notification", no_crisis_no_notification},
             {"a_test_notification", a_test_notification}, {"attempt_outcomes", attempt_outcomes},
             {"state_names", state_names})
