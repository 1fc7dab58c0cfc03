/*  policy_decide: one content.submitted, its channel facts and a compiled
    policy in; the verdict row and the policy.evaluated event out. No
    database, no sockets: what the policy consumer decides for each item of
    a batch between its one read and its one write. */
#include "hd_mem.h"
#include "hd_test.h"
#include "policy_decide.h"

#include <stdint.h>

#define CID "00000000-0000-4000-8000-0000000000c1"

static const char *POLICY =
    "rules:\n"
    "  - id: banned\n    kind: lexicon\n    action: review\n    role: legal\n"
    "    terms: [lawsuit]\n"
    "  - id: length\n    kind: limits\n    action: block\n";

static pol_result_t *s_res;

/* A content.submitted as ingest builds it; strings borrowed. */
typedef struct {
    Huddle__V1__ContentSubmitted cs;
    hd_envelope_t env;
} sub_t;

static void sub_init(sub_t *s, const char *cid, const char *text) {
    s->cs = (Huddle__V1__ContentSubmitted)HUDDLE__V1__CONTENT_SUBMITTED__INIT;
    s->cs.content_id = (char *)cid;
    s->cs.channel = (char *)"short";
    s->cs.text = (char *)text;
    s->cs.policy_version = 3;
    s->env = (hd_envelope_t)HUDDLE__V1__ENVELOPE__INIT;
    s->env.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_SUBMITTED;
    s->env.content_submitted = &s->cs;
    s->env.department = (char *)"marketing";
    s->env.correlation_id = (char *)cid;
    s->env.actor = (char *)"carl@example.org";
    s->env.occurred_at_ms = 1700000000000;
}

static pol_t *compile(const char *src) {
    char err[2048];
    pol_t *p = pol_new(src, strlen(src), err, sizeof err);
    if (!p)
        fprintf(stderr, "policy did not load:\n%s", err);
    return p;
}

HD_TEST(check_refuses_what_can_never_apply) {
    char why[256];
    sub_t s;
    sub_init(&s, CID, "hello");
    ASSERT_EQ(pol_decide_check(&s.env, why, sizeof why), 0);
    sub_init(&s, "not-a-uuid", "hello");
    ASSERT_EQ(pol_decide_check(&s.env, why, sizeof why), -1);
    ASSERT(strstr(why, "valid content_id"));
    sub_init(&s, CID, "hello");
    s.env.content_submitted = NULL;
    ASSERT_EQ(pol_decide_check(&s.env, why, sizeof why), -1);
    sub_init(&s, CID, "hello");
    s.cs.policy_version = -2;
    ASSERT_EQ(pol_decide_check(&s.env, why, sizeof why), -1);
    ASSERT(strstr(why, "policy_version -2 is negative"));
}

HD_TEST(ctx_from_event_and_channel) {
    sub_t s;
    sub_init(&s, CID, "hello");
    pol_channel_t ch = {"plain", 10};
    pol_ctx_t ctx;
    pol_decide_ctx(&s.env, &ch, &ctx);
    ASSERT_STR(ctx.channel, "short");
    ASSERT_STR(ctx.channel_kind, "plain");
    ASSERT_EQ(ctx.channel_max_length, 10);
    ASSERT_STR(ctx.kind, "post"); /* none given */
    ASSERT_STR(ctx.submitter_email, "carl@example.org");
    ASSERT_EQ(ctx.now_ms, 1700000000000); /* as of submission: replays agree */
    ASSERT_EQ(ctx.author_facts, 0);
    s.env.actor = (char *)"ingest";
    s.cs.kind = (char *)"reply";
    pol_decide_ctx(&s.env, &ch, &ctx);
    ASSERT(ctx.submitter_email == NULL);
    ASSERT_STR(ctx.kind, "reply");
}

/* Decides text on channel 'short' (plain, 10 characters). */
static int decide(pol_t *pol, sub_t *s, const char *text, pol_decision_t *d) {
    sub_init(s, CID, text);
    pol_channel_t ch = {"plain", 10};
    pol_ctx_t ctx;
    pol_decide_ctx(&s->env, &ch, &ctx);
    return pol_decide(pol, 3, &s->env, &ctx, s_res, d);
}

HD_TEST(decide_row_and_event) {
    pol_t *pol = compile(POLICY);
    ASSERT(pol);
    sub_t s;
    pol_decision_t d;
    ASSERT_EQ(decide(pol, &s, "a lawsuit", &d), 0);
    ASSERT_STR(d.content_id, CID);
    ASSERT_EQ(d.version, 3);
    ASSERT_STR(d.verdict, "review");
    ASSERT(strstr(d.findings, "\"rule_id\":\"banned\""));
    ASSERT(strstr(d.findings, "\"matched\":\"lawsuit\""));
    ASSERT_EQ(d.env.body_case, HUDDLE__V1__ENVELOPE__BODY_POLICY_EVALUATED);
    ASSERT(d.env.policy_evaluated == &d.body);
    ASSERT_STR(d.body.content_id, CID);
    ASSERT_STR(d.body.verdict, "review");
    ASSERT_EQ(d.body.policy_version, 3);
    ASSERT_EQ(d.body.n_findings, 1);
    ASSERT_EQ(d.body.n_roles, 1);
    ASSERT_STR(d.body.roles[0], "legal");
    ASSERT_STR(d.env.correlation_id, CID);
    ASSERT_STR(d.env.actor, "policy");
    pol_decision_free(&d);
    /* Over the channel's limit: blocked, by the facts passed in. */
    ASSERT_EQ(decide(pol, &s, "a lawsuit, and longer", &d), 0);
    ASSERT_STR(d.verdict, "block");
    ASSERT_EQ(d.body.n_findings, 2);
    /* No correlation id on the cause: the content's. */
    pol_decision_free(&d);
    sub_init(&s, CID, "hi");
    s.env.correlation_id = (char *)"";
    pol_channel_t ch = {"", 0};
    pol_ctx_t ctx;
    pol_decide_ctx(&s.env, &ch, &ctx);
    ASSERT_EQ(pol_decide(pol, 3, &s.env, &ctx, s_res, &d), 0);
    ASSERT_STR(d.verdict, "pass");
    ASSERT_STR(d.findings, "[]");
    ASSERT_STR(d.env.correlation_id, CID);
    pol_decision_free(&d);
    pol_decision_free(&d); /* safe twice */
    pol_destroy(&pol);
}

/* Same event, facts and policy: the same row and body (a replay). */
HD_TEST(decide_is_deterministic) {
    pol_t *pol = compile(POLICY);
    ASSERT(pol);
    sub_t s;
    pol_decision_t a, b;
    ASSERT_EQ(decide(pol, &s, "lawsuit lawsuit, too long", &a), 0);
    char *first = hd_strdup(a.findings);
    pol_decision_free(&a);
    ASSERT_EQ(decide(pol, &s, "lawsuit lawsuit, too long", &b), 0);
    ASSERT_STR(b.findings, first);
    free(first);
    pol_decision_free(&b);
    pol_destroy(&pol);
}

/* Before any version exists the service decides under the empty policy. */
HD_TEST(decide_under_no_policy) {
    pol_t *none = compile("rules: []\n");
    ASSERT(none);
    sub_t s;
    sub_init(&s, CID, "a lawsuit");
    s.cs.policy_version = 0;
    pol_channel_t ch = {"plain", 1};
    pol_ctx_t ctx;
    pol_decide_ctx(&s.env, &ch, &ctx);
    pol_decision_t d;
    ASSERT_EQ(pol_decide(none, 0, &s.env, &ctx, s_res, &d), 0);
    ASSERT_STR(d.verdict, "pass");
    ASSERT_EQ(d.version, 0);
    ASSERT_EQ(d.body.n_findings, 0);
    pol_decision_free(&d);
    pol_destroy(&none);
}

HD_TEST(setup) { s_res = pol_result_new(); }
HD_TEST(teardown) { pol_result_destroy(&s_res); }

HD_TEST_MAIN(HD_CASE(setup), HD_CASE(check_refuses_what_can_never_apply),
             HD_CASE(ctx_from_event_and_channel), HD_CASE(decide_row_and_event),
             HD_CASE(decide_is_deterministic), HD_CASE(decide_under_no_policy), HD_CASE(teardown))
