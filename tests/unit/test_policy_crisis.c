/*  Policy engine and crises in force: every item in scope of a crisis with
    approval roles gets one review finding per role, whatever the policy
    set (even the empty one), and a crisis's own holding statement gets
    none; scope is hd_crisis_covers's; the crisis rule kind follows the
    same scope. */
#include "hd_test.h"
#include "policy.h"

#include <stdint.h>

#define BREACH_ID "aaaaaaaa-3333-4333-8333-333333333333"
#define OUTAGE_ID "44444444-4444-4444-8444-444444444444"

static pol_t *s_pol;
static pol_result_t *s_res;

static int load(const char *yaml) {
    char err[4096];
    pol_destroy(&s_pol);
    s_pol = pol_new(yaml, strlen(yaml), err, sizeof err);
    if (!s_pol)
        fprintf(stderr, "policy did not load:\n%s", err);
    if (!s_res)
        s_res = pol_result_new();
    return s_pol ? 0 : -1;
}

static const char *const s_care[] = {"customer-care"};
static const char *const s_sandbox[] = {"sandbox"};
static const char *const s_roles[] = {"orchestrator", "legal"};
static const char *const s_legal[] = {"legal"};

/* data-breach: customer-care on sandbox, legal and orchestrator;
   outage: everywhere, legal. */
static pol_crisis_t s_crises[2];

static void reset(void) {
    s_crises[0] = (pol_crisis_t){
        .id = BREACH_ID,
        .name = "Data breach",
        .playbook = "data-breach",
        .scope = {.departments = s_care, .ndepartments = 1, .channels = s_sandbox, .nchannels = 1},
        .approval_roles = s_roles,
        .napproval_roles = 2};
    s_crises[1] = (pol_crisis_t){.id = OUTAGE_ID,
                                 .name = "Outage",
                                 .playbook = "service-outage",
                                 .approval_roles = s_legal,
                                 .napproval_roles = 1};
}

/* An item of department on channel, kind and crisis_id as given, under
   the first ncrises crises. */
static int eval_item(const char *department, const char *channel, const char *kind,
                     const char *crisis_id, size_t ncrises) {
    pol_ctx_t c = {.department = department,
                   .channel = channel,
                   .kind = kind,
                   .crisis_id = crisis_id,
                   .crisis_facts = 1,
                   .crises = s_crises,
                   .ncrises = ncrises};
    return pol_eval(s_pol, "All systems nominal.", 20, &c, s_res);
}

/* Findings whose rule id is `id`. */
static int count_rule(const char *id) {
    int n = 0;
    for (size_t i = 0; i < pol_result_count(s_res); i++)
        n += strcmp(pol_result_finding(s_res, i)->rule_id, id) == 0;
    return n;
}

/* The finding of rule `id` asking for `role`, or NULL. */
static const pol_finding_t *finding(const char *id, const char *role) {
    for (size_t i = 0; i < pol_result_count(s_res); i++) {
        const pol_finding_t *f = pol_result_finding(s_res, i);
        if (strcmp(f->rule_id, id) == 0 && strcmp(f->role, role) == 0)
            return f;
    }
    return NULL;
}

HD_TEST(every_item_in_scope_needs_the_roles_whatever_the_policy) {
    reset();
    ASSERT(load("rules: []\n") == 0);
    ASSERT(eval_item("customer-care", "sandbox", "post", NULL, 1) == 0);
    ASSERT_EQ(pol_result_count(s_res), 2);
    ASSERT_STR(pol_verdict_name(pol_result_verdict(s_res)), "review");
    ASSERT_EQ(pol_result_nroles(s_res), 2);
    ASSERT_STR(pol_result_role(s_res, 0), "legal");
    ASSERT_STR(pol_result_role(s_res, 1), "orchestrator");
    const pol_finding_t *f = finding("crisis:data-breach", "legal");
    ASSERT(f != NULL);
    ASSERT_STR(f->kind, "crisis");
    ASSERT_STR(f->action, "review");
    ASSERT_STR(f->severity, "high");
    ASSERT_STR(f->message, "crisis \"Data breach\" (data-breach) is in force: legal must approve");
    ASSERT_EQ(f->start, 0);
    ASSERT_EQ(f->end, 0);
    f = finding("crisis:data-breach", "orchestrator");
    ASSERT(f != NULL);
    ASSERT_STR(f->message,
               "crisis \"Data breach\" (data-breach) is in force: orchestrator must approve");
}

HD_TEST(out_of_scope_items_need_nothing) {
    reset();
    ASSERT(load("rules: []\n") == 0);
    ASSERT(eval_item("marketing", "sandbox", "post", NULL, 1) == 0); /* other department */
    ASSERT_EQ(pol_result_count(s_res), 0);
    ASSERT_STR(pol_verdict_name(pol_result_verdict(s_res)), "pass");
    ASSERT(eval_item("customer-care", "x-main", "post", NULL, 1) == 0); /* other channel */
    ASSERT_EQ(pol_result_count(s_res), 0);
    ASSERT(eval_item(NULL, NULL, "post", NULL, 1) == 0); /* nothing known: not in a list */
    ASSERT_EQ(pol_result_count(s_res), 0);
    ASSERT(eval_item(NULL, NULL, "post", NULL, 2) == 0); /* but in an org-wide crisis */
    ASSERT_EQ(count_rule("crisis:service-outage"), 1);
}

HD_TEST(a_crisis_without_roles_or_unknown_crises_add_nothing) {
    reset();
    ASSERT(load("rules: []\n") == 0);
    s_crises[0].napproval_roles = 0;
    ASSERT(eval_item("customer-care", "sandbox", "post", NULL, 1) == 0);
    ASSERT_EQ(pol_result_count(s_res), 0);
    reset();
    pol_ctx_t offline = {.department = "customer-care",
                         .channel = "sandbox",
                         .crises = s_crises,
                         .ncrises = 2}; /* crisis_facts unset: nobody looked */
    ASSERT(pol_eval(s_pol, "hi", 2, &offline, s_res) == 0);
    ASSERT_EQ(pol_result_count(s_res), 0);
}

HD_TEST(the_holding_statement_of_that_crisis_is_exempt) {
    reset();
    ASSERT(load("rules: []\n") == 0);
    ASSERT(eval_item("customer-care", "sandbox", "statement", BREACH_ID, 2) == 0);
    ASSERT_EQ(count_rule("crisis:data-breach"), 0);
    ASSERT_EQ(count_rule("crisis:service-outage"), 1); /* another crisis still applies */
    /* ids compare as uuids do, without regard to case */
    ASSERT(eval_item("customer-care", "sandbox", "statement",
                     "AAAAAAAA-3333-4333-8333-333333333333", 1) == 0);
    ASSERT_EQ(pol_result_count(s_res), 0);
    ASSERT(eval_item("customer-care", "sandbox", "statement", OUTAGE_ID, 1) == 0);
    ASSERT_EQ(count_rule("crisis:data-breach"), 2); /* another crisis's statement */
    ASSERT(eval_item("customer-care", "sandbox", "post", BREACH_ID, 1) == 0);
    ASSERT_EQ(count_rule("crisis:data-breach"), 2); /* not a statement */
    ASSERT(eval_item("customer-care", "sandbox", "statement", NULL, 1) == 0);
    ASSERT_EQ(count_rule("crisis:data-breach"), 2); /* a statement of no crisis */
}

HD_TEST(on_top_of_the_policy_and_its_crisis_rule) {
    reset();
    ASSERT(load("rules:\n"
                "  - id: banned\n    kind: lexicon\n    action: block\n    terms: [nominal]\n"
                "  - id: crisis-hold\n    kind: crisis\n") == 0);
    ASSERT(eval_item("customer-care", "sandbox", "post", NULL, 2) == 0);
    ASSERT_STR(pol_verdict_name(pol_result_verdict(s_res)), "block");
    ASSERT_EQ(count_rule("banned"), 1);
    ASSERT_EQ(count_rule("crisis-hold"), 1); /* the rule fires once, for the first crisis */
    ASSERT_EQ(count_rule("crisis:data-breach"), 2);
    ASSERT_EQ(count_rule("crisis:service-outage"), 1);
    /* roles once each, sorted: the rule's crisis, and the crises' */
    ASSERT_EQ(pol_result_nroles(s_res), 3);
    ASSERT_STR(pol_result_role(s_res, 0), "crisis");
    ASSERT_STR(pol_result_role(s_res, 1), "legal");
    ASSERT_STR(pol_result_role(s_res, 2), "orchestrator");
    /* the rule follows the same scope, statement exemption included */
    ASSERT(eval_item("marketing", "sandbox", "post", NULL, 1) == 0);
    ASSERT_EQ(count_rule("crisis-hold"), 0);
    ASSERT(eval_item("customer-care", "sandbox", "statement", BREACH_ID, 1) == 0);
    ASSERT_EQ(count_rule("crisis-hold"), 0);
    ASSERT_EQ(count_rule("crisis:data-breach"), 0);
}

HD_TEST(rule_ids_survive_a_growing_result) {
    reset();
    ASSERT(load("rules:\n"
                "  - id: w\n    kind: lexicon\n    action: warn\n    terms: [a]\n") == 0);
    /* many findings, each with a message of its own in the result, before
       and after the crises' */
    char text[4001];
    for (int i = 0; i < 2000; i++)
        memcpy(text + 2 * i, "a ", 2);
    text[4000] = 0;
    pol_ctx_t c = {.department = "customer-care",
                   .channel = "sandbox",
                   .kind = "post",
                   .crisis_facts = 1,
                   .crises = s_crises,
                   .ncrises = 2};
    for (int round = 0; round < 2; round++) {
        ASSERT(pol_eval(s_pol, text, 4000, &c, s_res) == 0);
        ASSERT_EQ(count_rule("w"), 2000);
        ASSERT_EQ(count_rule("crisis:data-breach"), 2);
        ASSERT_EQ(count_rule("crisis:service-outage"), 1);
    }
}

HD_TEST(zz_cleanup) {
    pol_destroy(&s_pol);
    pol_result_destroy(&s_res);
}

HD_TEST_MAIN(HD_CASE(every_item_in_scope_needs_the_roles_whatever_the_policy),
             HD_CASE(out_of_scope_items_need_nothing),
             HD_CASE(a_crisis_without_roles_or_unknown_crises_add_nothing),
             HD_CASE(the_holding_statement_of_that_crisis_is_exempt),
             HD_CASE(on_top_of_the_policy_and_its_crisis_rule),
             HD_CASE(rule_ids_survive_a_growing_result), HD_CASE(zz_cleanup))
