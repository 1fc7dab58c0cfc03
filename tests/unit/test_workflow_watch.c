/*  The mention side of crises without a database (services/workflow/
    watch.c and decide.c): which crisis in force takes a mention (terms,
    scope against the channel and the routed department, the oldest
    first), the mention.routed step it gives, and how mentions are
    counted per playbook and minute. */
#include "calendar.h"
#include "decide.h"
#include "hd_id.h"
#include "hd_test.h"
#include "watch.h"

#define BREACH_ID "aaaaaaaa-0000-4000-8000-000000000001"
#define LEGAL_ID "aaaaaaaa-0000-4000-8000-000000000002"
#define OTHER_ID "aaaaaaaa-0000-4000-8000-000000000003"
#define MINUTE 29000000LL /* a Unix minute */

static const char *const BREACH[] = {"breach", "leak", "hacked"};
static const char *const LAWSUIT[] = {"lawsuit"};
static const char *const OUTAGE[] = {"outage", "down"};
static const char *const LEGAL[] = {"legal"};
static const char *const OTHER[] = {"other"};

static const wf_spike_cfg_t CFG = {
    .window_minutes = 10, .min_count = 20, .sigma = 3, .baseline_hours = 1, .cooldown_minutes = 60};

/* Playbooks data-breach and outage watched; crises in force, oldest
   first: data-breach (every department and channel, to hub), a lawsuit
   crisis of legal's (to hub), and another breach crisis on channel
   "other" only (to legal). */
static void setup(wf_watch_t *w) {
    wf_watch_clear(w);
    wf_watch_add_playbook(w, "data-breach", &CFG, HD_CRISIS_PROPOSED, 0, 0, BREACH, 3);
    wf_watch_add_playbook(w, "outage", &CFG, HD_CRISIS_DECLARED, 0, 0, OUTAGE, 2);
    wf_watch_add_crisis(w, BREACH_ID, "data-breach", "hub", BREACH, 3, NULL, 0, NULL, 0);
    wf_watch_add_crisis(w, LEGAL_ID, "lawsuits", "hub", LAWSUIT, 1, LEGAL, 1, NULL, 0);
    wf_watch_add_crisis(w, OTHER_ID, "other-breach", "legal", BREACH + 1, 1, NULL, 0, OTHER, 1);
}

typedef struct {
    char id[HD_ID_LEN], mid[HD_ID_LEN];
    Huddle__V1__MentionReceived b;
    hd_envelope_t env;
} mev_t;

static void mev(mev_t *m, const char *channel, const char *text, int64_t at_ms) {
    Huddle__V1__MentionReceived b = HUDDLE__V1__MENTION_RECEIVED__INIT;
    hd_envelope_t e = HUDDLE__V1__ENVELOPE__INIT;
    hd_id_random(m->id);
    hd_id_random(m->mid);
    m->b = b;
    m->b.mention_id = m->mid;
    m->b.channel = (char *)channel;
    m->b.text = (char *)text;
    m->env = e;
    m->env.id = m->id;
    m->env.body_case = HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED;
    m->env.mention_received = &m->b;
    m->env.occurred_at_ms = at_ms;
}

/* The crisis id mention (channel, text) routed to dept goes to, or "". */
static const char *rerouted(wf_watch_t *w, const char *channel, const char *text,
                            const char *dept) {
    mev_t m;
    mev(&m, channel, text, MINUTE * 60000);
    if (wf_watch_scan(w, &m.env) < 0)
        return "scan failed";
    const wf_watch_crisis_t *c = wf_watch_reroute(w, &m.env, channel, dept);
    return c ? (strcmp(c->id, BREACH_ID) == 0  ? "breach"
                : strcmp(c->id, LEGAL_ID) == 0 ? "legal"
                : strcmp(c->id, OTHER_ID) == 0 ? "other"
                                               : "?")
             : "";
}

HD_TEST(the_first_crisis_whose_terms_and_scope_match_takes_it) {
    wf_watch_t w = {0};
    setup(&w);
    char why[256];
    ASSERT_EQ(wf_watch_build(&w, why, sizeof why), 0);
    ASSERT_STR(rerouted(&w, "sandbox", "Was there a BREACH?", "customer-care"), "breach");
    ASSERT_STR(rerouted(&w, "sandbox", "breaching the wall", "customer-care"), "");
    /* the lawsuit crisis covers legal only: what routing gave legal */
    ASSERT_STR(rerouted(&w, "sandbox", "a lawsuit, I will sue", "legal"), "legal");
    ASSERT_STR(rerouted(&w, "sandbox", "a lawsuit about my refund", "customer-care"), "");
    ASSERT_STR(rerouted(&w, "sandbox", "a lawsuit", ""), ""); /* triage */
    /* "leak" on channel other: both breach crises match, the older wins */
    ASSERT_STR(rerouted(&w, "other", "a leak", "customer-care"), "breach");
    ASSERT_STR(rerouted(&w, "other", "nothing", "customer-care"), "");
    /* the spike playbooks' terms reroute nothing */
    ASSERT_STR(rerouted(&w, "sandbox", "site is down", "customer-care"), "");
    wf_watch_free(&w);
}

HD_TEST(only_the_scanned_event_is_rerouted) {
    wf_watch_t w = {0};
    setup(&w);
    char why[256];
    ASSERT_EQ(wf_watch_build(&w, why, sizeof why), 0);
    mev_t a, b;
    mev(&a, "sandbox", "breach", MINUTE * 60000);
    mev(&b, "sandbox", "breach", MINUTE * 60000);
    ASSERT_EQ(wf_watch_scan(&w, &a.env), 0);
    ASSERT(wf_watch_reroute(&w, &a.env, "sandbox", "hub") != NULL);
    ASSERT(wf_watch_reroute(&w, &b.env, "sandbox", "hub") == NULL);
    ASSERT(wf_watch_reroute(NULL, &a.env, "sandbox", "hub") == NULL);
    wf_watch_free(&w);
}

HD_TEST(decide_reroutes_to_the_crisis_team) {
    wf_watch_t w = {0};
    setup(&w);
    char why[256];
    ASSERT_EQ(wf_watch_build(&w, why, sizeof why), 0);
    static const char *care_kw[] = {"refund", "lawsuit"};
    wf_rule_t rule = {"support", NULL, "customer-care", care_kw, 2};
    wf_calendars_t *cals = wf_calendars_new();
    wf_facts_t f = {.rules = &rule, .nrules = 1, .watch = &w, .calendars = cals};
    wf_items_t items = {0};
    wf_inbox_t inbox = {0};
    wf_step_t st;
    mev_t m;
    mev(&m, "sandbox", "refund after the data leak?", MINUTE * 60000);
    ASSERT_EQ(wf_watch_scan(&w, &m.env), 0);
    wf_decide(&items, &inbox, &f, &m.env, &st);
    ASSERT_EQ(st.dead, 0);
    ASSERT_EQ(st.nout, 1);
    ASSERT_EQ(st.out[0], WF_OUT_ROUTED);
    ASSERT_STR(st.inbox->rule_id, "crisis:data-breach");
    ASSERT_STR(st.inbox->department, "hub");
    ASSERT_STR(st.department, "hub");
    ASSERT_STR(st.inbox->crisis_id, BREACH_ID);
    ASSERT_STR(st.log, "mention_rerouted");
    /* not matching: the rule's, no crisis */
    mev(&m, "sandbox", "a refund please", MINUTE * 60000);
    ASSERT_EQ(wf_watch_scan(&w, &m.env), 0);
    wf_decide(&items, &inbox, &f, &m.env, &st);
    ASSERT_STR(st.inbox->rule_id, "support");
    ASSERT_STR(st.department, "customer-care");
    ASSERT_STR(st.inbox->crisis_id, "");
    /* without a watch (no crisis read): routing alone */
    f.watch = NULL;
    mev(&m, "sandbox", "refund after the data leak?", MINUTE * 60000);
    wf_decide(&items, &inbox, &f, &m.env, &st);
    ASSERT_STR(st.inbox->rule_id, "support");
    /* no rule: triage, which an organization-wide crisis still takes */
    f.watch = &w;
    mev(&m, "sandbox", "the data leak again", MINUTE * 60000);
    ASSERT_EQ(wf_watch_scan(&w, &m.env), 0);
    wf_decide(&items, &inbox, &f, &m.env, &st);
    ASSERT_STR(st.inbox->department, "hub");
    ASSERT_EQ(st.inbox->triage, 0);
    wf_items_free(&items);
    wf_inbox_free(&inbox);
    wf_calendars_destroy(&cals);
    wf_watch_free(&w);
}

HD_TEST(mentions_are_counted_per_playbook_and_minute) {
    wf_watch_t w = {0};
    setup(&w);
    char why[256];
    ASSERT_EQ(wf_watch_build(&w, why, sizeof why), 0);
    mev_t m[6];
    int64_t t = MINUTE * 60000;
    mev(&m[0], "sandbox", "a breach", t + 1000);
    mev(&m[1], "sandbox", "HACKED and down", t + 59999);
    mev(&m[2], "sandbox", "leak", t + 60000); /* the next minute */
    mev(&m[3], "sandbox", "leaky roof", t + 61000);
    mev(&m[4], "sandbox", "outage", t + 30000);
    mev(&m[5], "other", "leak", t + 5000); /* earlier than the newest */
    for (int i = 0; i < 6; i++) {
        ASSERT_EQ(wf_watch_scan(&w, &m[i].env), 0);
        wf_watch_count(&w, &m[i].env);
    }
    /* data-breach: 3 in MINUTE (m0, m1, m5), 1 in MINUTE+1; outage: 2 in MINUTE */
    ASSERT_EQ(w.ncounts, 3);
    int64_t got[2][2] = {{0}};
    for (size_t i = 0; i < w.ncounts; i++) {
        ASSERT(w.counts[i].minute == MINUTE || w.counts[i].minute == MINUTE + 1);
        got[w.counts[i].playbook][w.counts[i].minute - MINUTE] = w.counts[i].n;
    }
    ASSERT_EQ(got[0][0], 3);
    ASSERT_EQ(got[0][1], 1);
    ASSERT_EQ(got[1][0], 2);
    ASSERT_EQ(got[1][1], 0);
    ASSERT_EQ(w.playbooks[0].newest_ms, t + 60000);
    ASSERT_STR(w.playbooks[0].newest_event, m[2].id);
    ASSERT_EQ(w.playbooks[1].newest_ms, t + 59999);
    ASSERT_STR(w.playbooks[1].newest_event, m[1].id);
    /* an event not scanned last is not counted */
    wf_watch_count(&w, &m[0].env);
    int64_t total = 0;
    for (size_t i = 0; i < w.ncounts; i++)
        total += w.counts[i].n;
    ASSERT_EQ(total, 6);
    wf_watch_clear(&w);
    ASSERT_EQ(w.ncounts, 0);
    ASSERT_EQ(w.nplaybooks, 0);
    wf_watch_free(&w);
}

HD_TEST(nothing_watched_means_no_hits) {
    wf_watch_t w = {0};
    mev_t m;
    mev(&m, "sandbox", "breach", MINUTE * 60000);
    ASSERT_EQ(wf_watch_scan(&w, &m.env), 0); /* never built: nothing read */
    ASSERT(wf_watch_reroute(&w, &m.env, "sandbox", "hub") == NULL);
    wf_watch_count(&w, &m.env);
    ASSERT_EQ(w.ncounts, 0);
    char why[256];
    ASSERT_EQ(wf_watch_build(&w, why, sizeof why), 0); /* built from nothing */
    ASSERT_EQ(wf_watch_scan(&w, &m.env), 0);
    ASSERT(wf_watch_reroute(&w, &m.env, "sandbox", "hub") == NULL);
    wf_watch_free(&w);
}

HD_TEST_MAIN(HD_CASE(the_first_crisis_whose_terms_and_scope_match_takes_it),
             HD_CASE(only_the_scanned_event_is_rerouted),
             HD_CASE(decide_reroutes_to_the_crisis_team),
             HD_CASE(mentions_are_counted_per_playbook_and_minute),
             HD_CASE(nothing_watched_means_no_hits))
