/*  Policy engine: every rule kind, positive and negative, and the tricky
    cases (word boundaries, case and accent folding, overlapping matches,
    Luhn failures, URLs with ports, paths and internationalized domains). */
#include "hd_test.h"
#include "policy.h"

#include <stdint.h>

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

static int eval_ctx(const char *text, const pol_ctx_t *ctx) {
    return pol_eval(s_pol, text, strlen(text), ctx, s_res);
}

static int eval(const char *text) {
    pol_ctx_t ctx = {.channel = "sandbox", .department = "marketing", .kind = "post"};
    return eval_ctx(text, &ctx);
}

/* Number of findings of rule `id` (non-info); the span of the first. */
static int count_rule(const char *id, uint32_t *s, uint32_t *e) {
    int n = 0;
    for (size_t i = 0; i < pol_result_count(s_res); i++) {
        const pol_finding_t *f = pol_result_finding(s_res, i);
        if (strcmp(f->rule_id, id) || !strcmp(f->action, "info"))
            continue;
        if (n++ == 0 && s) {
            *s = f->start;
            *e = f->end;
        }
    }
    return n;
}

static const char *LEX =
    "rules:\n"
    "  - id: banned\n    kind: lexicon\n    action: block\n"
    "    terms: [guaranteed returns, crypto, \"FDA approved\", {term: invest, match: prefix},"
    " {term: Acme, match: exact}, {term: \"#ad\"}, {term: straße}]\n";

HD_TEST(lexicon_whole_word_and_case) {
    ASSERT(load(LEX) == 0);
    uint32_t s, e;
    ASSERT(eval("Our GUARANTEED Returns are here") == 0);
    ASSERT_EQ(count_rule("banned", &s, &e), 1);
    ASSERT_EQ(s, 4);
    ASSERT_EQ(e, 22);
    ASSERT_STR(pol_verdict_name(pol_result_verdict(s_res)), "block");
    ASSERT(eval("cryptography and cryptocurrency are fine") == 0);
    ASSERT_EQ(count_rule("banned", NULL, NULL), 0);
    ASSERT_STR(pol_verdict_name(pol_result_verdict(s_res)), "pass");
    const char *t = "crypto_ and crypto2 are words; (crypto) is not";
    ASSERT(eval(t) == 0);
    ASSERT_EQ(count_rule("banned", &s, &e), 1);
    ASSERT_EQ(s, strstr(t, "(crypto)") - t + 1);
}

HD_TEST(lexicon_accents_and_evasion) {
    ASSERT(load(LEX) == 0);
    uint32_t s, e;
    const char *t = "This is guarantéed retúrns!";
    ASSERT(eval(t) == 0);
    ASSERT_EQ(count_rule("banned", &s, &e), 1);
    ASSERT_EQ(s, 8);
    ASSERT_EQ(e, strlen(t) - 1); /* span covers the accented bytes */
    /* decomposed accents and a zero-width space inside the phrase */
    ASSERT(eval("guarante\xcc\x81"
                "ed re\xe2\x80\x8bturns") == 0);
    ASSERT_EQ(count_rule("banned", NULL, NULL), 1);
    /* "ß" folds to "ss": the term straße matches STRASSE and strasse */
    ASSERT(eval("die Strasse ist lang") == 0);
    ASSERT_EQ(count_rule("banned", NULL, NULL), 1);
}

HD_TEST(lexicon_prefix_exact_overlap) {
    ASSERT(load(LEX) == 0);
    ASSERT(eval("investors and investments") == 0);
    ASSERT_EQ(count_rule("banned", NULL, NULL), 2);
    ASSERT(eval("reinvest") == 0); /* prefix still needs a word start */
    ASSERT_EQ(count_rule("banned", NULL, NULL), 0);
    ASSERT(eval("ACME and acme") == 0); /* exact: case must match */
    ASSERT_EQ(count_rule("banned", NULL, NULL), 0);
    ASSERT(eval("Acme rocks") == 0);
    ASSERT_EQ(count_rule("banned", NULL, NULL), 1);
    ASSERT(eval("#ad and #adventure") == 0);
    ASSERT_EQ(count_rule("banned", NULL, NULL), 1);
    ASSERT(eval("FDA approved FDA approved") == 0); /* every occurrence */
    ASSERT_EQ(count_rule("banned", NULL, NULL), 2);
}

HD_TEST(pattern_spans_and_case) {
    ASSERT(load("rules:\n"
                "  - id: codename\n    kind: pattern\n    action: review(legal)\n"
                "    patterns: ['project\\s+falcon', 'v\\d+\\.\\d+']\n"
                "  - id: caps\n    kind: pattern\n    action: warn\n    case_sensitive: true\n"
                "    patterns: ['[A-Z]{6,}']\n") == 0);
    uint32_t s, e;
    ASSERT(eval("News on Project   Falcon soon") == 0);
    ASSERT_EQ(count_rule("codename", &s, &e), 1);
    ASSERT_EQ(s, 8);
    ASSERT_EQ(e, 24);
    ASSERT_STR(pol_verdict_name(pol_result_verdict(s_res)), "review");
    ASSERT_EQ(pol_result_nroles(s_res), 1);
    ASSERT_STR(pol_result_role(s_res, 0), "legal");
    ASSERT(eval("release v12.345 and v2.0") == 0);
    ASSERT_EQ(count_rule("codename", &s, &e), 2);
    ASSERT_EQ(e - s, 7); /* leftmost-longest: v12.345, not v12.3 */
    ASSERT(eval("SHOUTING is rude, shouting less so") == 0);
    ASSERT_EQ(count_rule("caps", NULL, NULL), 1);
    ASSERT(eval("nothing here") == 0);
    ASSERT_EQ(pol_result_count(s_res), 0);
}

static const char *PII =
    "rules:\n"
    "  - id: pii\n    kind: pii\n    action: block\n"
    "    allow: {email: {departments: [customer-care]}, phone: {channels: [support]}}\n";

HD_TEST(pii_detectors) {
    ASSERT(load(PII) == 0);
    uint32_t s, e;
    ASSERT(eval("write to jane.doe@example.co.uk today") == 0);
    ASSERT_EQ(count_rule("pii", &s, &e), 1);
    ASSERT_EQ(s, 9);
    ASSERT_EQ(e, 31);
    ASSERT(eval("follow @jane@mastodon.social") == 0); /* a handle, not an address */
    ASSERT_EQ(count_rule("pii", NULL, NULL), 0);
    ASSERT(eval("call +1 (415) 555-2671 now") == 0);
    ASSERT_EQ(count_rule("pii", &s, &e), 1);
    ASSERT_EQ(s, 5);
    ASSERT(eval("card 4111-1111-1111-1111 ok") == 0);
    ASSERT_EQ(count_rule("pii", &s, &e), 1);
    ASSERT_EQ(e - s, 19);
    ASSERT(eval("card 4111 1111 1111 1112 fails Luhn") == 0);
    ASSERT_EQ(count_rule("pii", NULL, NULL), 0);
    ASSERT(eval("IBAN DE89 3704 0044 0532 0130 00 please") == 0);
    ASSERT_EQ(count_rule("pii", &s, &e), 1);
    ASSERT_EQ(s, 5);
    ASSERT_EQ(e, 32);
    ASSERT(eval("IBAN DE89 3704 0044 0532 0130 01 is wrong") == 0);
    ASSERT_EQ(count_rule("pii", NULL, NULL), 0);
    ASSERT(eval("SSN 123-45-6789 and 666-45-6789 and 123-00-6789") == 0);
    ASSERT_EQ(count_rule("pii", &s, &e), 1);
    ASSERT_EQ(s, 4);
    ASSERT(eval("in 2019-2024 we grew 12.5%, order 12345") == 0);
    ASSERT_EQ(count_rule("pii", NULL, NULL), 0);
}

HD_TEST(pii_allowed_per_department_and_channel) {
    ASSERT(load(PII) == 0);
    pol_ctx_t cc = {.channel = "sandbox", .department = "customer-care"};
    ASSERT(eval_ctx("mail help@example.com", &cc) == 0);
    ASSERT_EQ(count_rule("pii", NULL, NULL), 0);
    ASSERT(eval_ctx("mail help@example.com or 4111111111111111", &cc) == 0);
    ASSERT_EQ(count_rule("pii", NULL, NULL), 1); /* the card is still refused */
    pol_ctx_t sup = {.channel = "support", .department = "marketing"};
    ASSERT(eval_ctx("call 415-555-2671", &sup) == 0);
    ASSERT_EQ(count_rule("pii", NULL, NULL), 0);
    ASSERT(eval("call 415-555-2671") == 0);
    ASSERT_EQ(count_rule("pii", NULL, NULL), 1);
}

static const char *LINKS =
    "rules:\n"
    "  - id: links\n    kind: links\n    action: block\n"
    "    deny: [evil.example, bücher.example]\n"
    "  - id: only\n    kind: links\n    action: review(coach)\n    report: false\n"
    "    allow: [example.com]\n    scope: {channels: [x-main]}\n";

/* The i-th finding of rule id (info included). */
static const pol_finding_t *nth(const char *id, int k) {
    for (size_t i = 0; i < pol_result_count(s_res); i++) {
        const pol_finding_t *f = pol_result_finding(s_res, i);
        if (!strcmp(f->rule_id, id) && k-- == 0)
            return f;
    }
    return NULL;
}

HD_TEST(links_extracted_and_judged) {
    ASSERT(load(LINKS) == 0);
    const char *t = "See https://www.example.com:8443/a/b?c=1#x, (https://en.wikipedia.org/wiki/"
                    "Foo_(bar)) and bit.ly/2abc or sub.evil.example/path.";
    ASSERT(eval(t) == 0);
    const pol_finding_t *f = nth("links", 0);
    ASSERT(f);
    ASSERT_STR(f->action, "info");
    ASSERT_EQ(f->start, 4);
    ASSERT_EQ(f->end, 42); /* the comma is the sentence's */
    f = nth("links", 1);
    ASSERT(f);
    ASSERT_EQ(t[f->end - 1], ')'); /* balanced parenthesis kept, the outer one not */
    ASSERT_EQ(t[f->end], ')');
    f = nth("links", 2);
    ASSERT(f);
    ASSERT_STR(f->action, "block"); /* shortener */
    f = nth("links", 3);
    ASSERT(f);
    ASSERT_STR(f->action, "block"); /* denied domain, subdomain included */
    ASSERT_EQ(t[f->end - 1], 'h');
    ASSERT(nth("links", 4) == NULL);
    /* bare domains: a path's balanced parenthesis at the very end stays;
       "example.com." ends a sentence */
    t = "docs at example.com/Foo_(bar)";
    ASSERT(eval(t) == 0);
    f = nth("links", 0);
    ASSERT(f);
    ASSERT_EQ(f->end, strlen(t));
    ASSERT(eval("Visit example.com. Or example.org, or (example.net)") == 0);
    ASSERT_EQ(nth("links", 0)->end - nth("links", 0)->start, 11);
    ASSERT_EQ(nth("links", 1)->end - nth("links", 1)->start, 11);
    ASSERT_EQ(nth("links", 2)->end - nth("links", 2)->start, 11);
}

HD_TEST(links_idn_allow_list_and_email_not_a_link) {
    ASSERT(load(LINKS) == 0);
    ASSERT(eval("Buy at https://BÜCHER.example/x today") == 0);
    const pol_finding_t *f = nth("links", 0);
    ASSERT(f);
    ASSERT_STR(f->action, "block");
    ASSERT(strstr(f->message, "xn--bcher-kva.example"));
    ASSERT(eval("Buy at https://xn--bcher-kva.example/x") == 0); /* same host, punycode */
    ASSERT_STR(nth("links", 0)->action, "block");
    ASSERT(eval("mail bob@example.com or see example.community") == 0);
    ASSERT(nth("links", 0) == NULL);
    pol_ctx_t x = {.channel = "x-main"};
    ASSERT(eval_ctx("https://example.com/ok and https://other.org/no", &x) == 0);
    ASSERT_EQ(count_rule("only", NULL, NULL), 1);
    ASSERT(strstr(nth("only", 0)->message, "other.org"));
}

static const char *LIMITS =
    "channels:\n  x-main: {counting: x, max_length: 280}\n"
    "rules:\n"
    "  - id: len\n    kind: limits\n    action: block\n    max_hashtags: 2\n    max_mentions: 1\n";

static char *repeat(char c, size_t n, const char *tail) {
    static char buf[2048];
    memset(buf, c, n);
    strcpy(buf + n, tail);
    return buf;
}

HD_TEST(limits_channel_counting) {
    ASSERT(load(LIMITS) == 0);
    pol_ctx_t m = {.channel = "sandbox", .channel_kind = "mastodon", .channel_max_length = 500};
    /* 480 characters + a 60-byte URL counting 23 = 504 > 500 */
    char text[4096];
    snprintf(text, sizeof text, "%s https://example.com/%s", repeat('a', 480, ""),
             "0123456789012345678901234567890123456789");
    ASSERT(eval_ctx(text, &m) == 0);
    ASSERT_EQ(count_rule("len", NULL, NULL), 1);
    snprintf(text, sizeof text, "%s https://example.com/%s", repeat('a', 470, ""),
             "0123456789012345678901234567890123456789");
    ASSERT(eval_ctx(text, &m) == 0); /* 470 + 1 + 23 = 494 */
    ASSERT_EQ(count_rule("len", NULL, NULL), 0);
    /* 500 accented letters are 1000 bytes but 500 characters */
    char acc[1100] = "";
    for (int i = 0; i < 500; i++)
        strcat(acc, "\xc3\xa9");
    ASSERT(eval_ctx(acc, &m) == 0);
    ASSERT_EQ(count_rule("len", NULL, NULL), 0);
    /* x counts CJK as 2: 141 ideographs = 282 > 280 */
    pol_ctx_t x = {.channel = "x-main"};
    char cjk[1024] = "";
    for (int i = 0; i < 141; i++)
        strcat(cjk, "\xe6\x97\xa5");
    uint32_t s, e;
    ASSERT(eval_ctx(cjk, &x) == 0);
    ASSERT_EQ(count_rule("len", &s, &e), 1);
    ASSERT_EQ(s, 140 * 3); /* the excess starts at the 141st */
    ASSERT(eval_ctx("#one #two #three and @a @b and mail a@b.com", &x) == 0);
    ASSERT_EQ(count_rule("len", NULL, NULL), 2); /* hashtags and mentions */
    ASSERT(eval_ctx("#one #two, see https://example.com/#three @a", &x) == 0);
    ASSERT_EQ(count_rule("len", NULL, NULL), 0);
}

static const char *DISCLOSE =
    "rules:\n"
    "  - id: ad\n    kind: disclosure\n    action: block\n"
    "    when: {sponsored: true, partners: [Acme Corp, Globex], campaigns: [summer-launch]}\n"
    "    require: [\"#ad\", \"#sponsored\", Sponsored]\n";

HD_TEST(disclosure_conditions) {
    ASSERT(load(DISCLOSE) == 0);
    uint32_t s, e;
    ASSERT(eval("Loving my new ACME corp blender") == 0);
    ASSERT_EQ(count_rule("ad", &s, &e), 1);
    ASSERT_EQ(s, 14);
    ASSERT(eval("Loving my new Acme Corp blender #ad") == 0);
    ASSERT_EQ(count_rule("ad", NULL, NULL), 0);
    ASSERT(eval("Loving my new Acme Corp blender #adventure") == 0);
    ASSERT_EQ(count_rule("ad", NULL, NULL), 1);
    ASSERT(eval("Big news #summer-launch") == 0);
    ASSERT_EQ(count_rule("ad", NULL, NULL), 1);
    pol_ctx_t sp = {.sponsored = 1};
    ASSERT(eval_ctx("Try this", &sp) == 0);
    ASSERT_EQ(count_rule("ad", NULL, NULL), 1);
    ASSERT(eval_ctx("Sponsored: try this", &sp) == 0);
    ASSERT_EQ(count_rule("ad", NULL, NULL), 0);
    ASSERT(eval("Just a post") == 0);
    ASSERT_EQ(count_rule("ad", NULL, NULL), 0);
}

static const char *FACTS =
    "timezone: Europe/Paris\n"
    "rules:\n"
    "  - id: author\n    kind: author\n    action: block\n"
    "  - id: quiet\n    kind: timing\n    action: review(coach)\n"
    "    windows: [{days: [sat, sun]}, {from: \"22:00\", to: \"07:00\"},"
    " {from: 2026-03-25, to: 2026-03-27}]\n    scope: {departments: [finance]}\n"
    "  - id: crisis\n    kind: crisis\n";

HD_TEST(author_certification_delegation) {
    ASSERT(load(FACTS) == 0);
    int64_t now = 1767258000000; /* 2026-01-01 09:00 UTC, a Thursday */
    pol_ctx_t c = {.channel = "sandbox",
                   .author_email = "a@x.org",
                   .now_ms = now,
                   .author_facts = 1,
                   .author_known = 1,
                   .author_active = 1,
                   .author_certified = 1};
    ASSERT(eval_ctx("hi", &c) == 0);
    ASSERT_EQ(count_rule("author", NULL, NULL), 0);
    c.cert_expires_ms = now - 1;
    ASSERT(eval_ctx("hi", &c) == 0);
    ASSERT_EQ(count_rule("author", NULL, NULL), 1);
    ASSERT(strstr(nth("author", 0)->message, "expired"));
    c.cert_expires_ms = now + 1;
    c.submitter_email = "b@x.org";
    ASSERT(eval_ctx("hi", &c) == 0);
    ASSERT_EQ(count_rule("author", NULL, NULL), 1);
    c.delegated = 1;
    ASSERT(eval_ctx("hi", &c) == 0);
    ASSERT_EQ(count_rule("author", NULL, NULL), 0);
    c.author_known = 0;
    ASSERT(eval_ctx("hi", &c) == 0);
    ASSERT_EQ(count_rule("author", NULL, NULL), 1);
    c.author_facts = 0; /* offline: nobody looked */
    ASSERT(eval_ctx("hi", &c) == 0);
    ASSERT_EQ(count_rule("author", NULL, NULL), 0);
}

HD_TEST(timing_windows_in_zone) {
    ASSERT(load(FACTS) == 0);
    pol_ctx_t c = {.department = "finance"};
    c.submitted_ms = 1767258000000; /* Thu 2026-01-01 10:00 Paris */
    ASSERT(eval_ctx("hi", &c) == 0);
    ASSERT_EQ(count_rule("quiet", NULL, NULL), 0);
    c.submitted_ms = 1767301200000; /* Thu 22:00 Paris = 21:00 UTC */
    ASSERT(eval_ctx("hi", &c) == 0);
    ASSERT_EQ(count_rule("quiet", NULL, NULL), 1);
    c.submitted_ms = 1767297600000; /* Thu 21:00 Paris */
    ASSERT(eval_ctx("hi", &c) == 0);
    ASSERT_EQ(count_rule("quiet", NULL, NULL), 0);
    c.submitted_ms = 1767427200000; /* Sat 2026-01-03 09:00 Paris */
    ASSERT(eval_ctx("hi", &c) == 0);
    ASSERT_EQ(count_rule("quiet", NULL, NULL), 1);
    c.scheduled_ms = 1774519200000; /* Thu 2026-03-26 11:00 Paris: dated window */
    ASSERT(eval_ctx("hi", &c) == 0);
    ASSERT_EQ(count_rule("quiet", NULL, NULL), 1);
    c.department = "marketing"; /* out of scope */
    ASSERT(eval_ctx("hi", &c) == 0);
    ASSERT_EQ(count_rule("quiet", NULL, NULL), 0);
}

HD_TEST(crisis_in_scope) {
    ASSERT(load(FACTS) == 0);
    static const char *const care[] = {"customer-care"};
    pol_crisis_t cr[1] = {{.id = "33333333-3333-4333-8333-333333333333",
                           .name = "outage",
                           .playbook = "service-outage",
                           .scope = {.departments = care, .ndepartments = 1}}};
    pol_ctx_t c = {.department = "marketing", .crisis_facts = 1, .crises = cr, .ncrises = 1};
    ASSERT(eval_ctx("hi", &c) == 0);
    ASSERT_EQ(count_rule("crisis", NULL, NULL), 0);
    c.department = "customer-care";
    ASSERT(eval_ctx("hi", &c) == 0);
    ASSERT_EQ(count_rule("crisis", NULL, NULL), 1);
    ASSERT_STR(pol_verdict_name(pol_result_verdict(s_res)), "review");
    ASSERT_STR(pol_result_role(s_res, 0), "crisis");
    cr[0].scope.ndepartments = 0; /* organization-wide */
    c.department = "marketing";
    ASSERT(eval_ctx("hi", &c) == 0);
    ASSERT_EQ(count_rule("crisis", NULL, NULL), 1);
}

HD_TEST(deterministic_and_hostile_input) {
    ASSERT(load(LEX) == 0);
    const char *t = "crypto \xff\xfe crypto \xe2\x82 guaranteed returns";
    ASSERT(eval(t) == 0);
    size_t n = pol_result_count(s_res);
    ASSERT_EQ(n, 3);
    uint32_t first = pol_result_finding(s_res, 2)->start;
    ASSERT(eval(t) == 0);
    ASSERT_EQ(pol_result_count(s_res), n);
    ASSERT_EQ(pol_result_finding(s_res, 2)->start, first);
    ASSERT(memcmp(t + first, "guaranteed", 10) == 0);
    ASSERT(eval("") == 0);
    ASSERT_EQ(pol_result_count(s_res), 0);
}

static void cleanup(void) {
    pol_destroy(&s_pol);
    pol_result_destroy(&s_res);
}

HD_TEST(zz_cleanup) { cleanup(); }

HD_TEST_MAIN(HD_CASE(lexicon_whole_word_and_case), HD_CASE(lexicon_accents_and_evasion),
             HD_CASE(lexicon_prefix_exact_overlap), HD_CASE(pattern_spans_and_case),
             HD_CASE(pii_detectors), HD_CASE(pii_allowed_per_department_and_channel),
             HD_CASE(links_extracted_and_judged),
             HD_CASE(links_idn_allow_list_and_email_not_a_link), HD_CASE(limits_channel_counting),
             HD_CASE(disclosure_conditions), HD_CASE(author_certification_delegation),
             HD_CASE(timing_windows_in_zone), HD_CASE(crisis_in_scope),
             HD_CASE(deterministic_and_hostile_input), HD_CASE(zz_cleanup))
