/*  libFuzzer target: evaluation. One policy with every rule kind; the
    input's first byte picks context facts, the rest is the text. Checks
    that every finding's span lies inside the text. */
#include "policy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char s_policy[] =
    "timezone: Europe/Paris\n"
    "channels: {x-main: {counting: x, max_length: 280}}\n"
    "rules:\n"
    "  - {id: lex, kind: lexicon, action: block, terms: [guaranteed returns, café, straße,"
    " {term: invest, match: prefix}, {term: Acme, match: exact}, '#ad', {term: ab, match: "
    "substring}]}\n"
    "  - {id: pat, kind: pattern, action: 'review(legal)', patterns: ['project\\s+\\w+', 'é+x', "
    "'[A-Z]{3,}\\d*']}\n"
    "  - {id: pii, kind: pii, action: block, allow: {email: {departments: [care]}}}\n"
    "  - {id: dis, kind: disclosure, action: block, when: {sponsored: true, partners: [Globex],"
    " campaigns: [spring]}, require: ['#ad', Sponsored]}\n"
    "  - {id: links, kind: links, action: warn, deny: [evil.example, bücher.example]}\n"
    "  - {id: lim, kind: limits, action: block, max_length: 100, max_hashtags: 2, max_mentions: "
    "2}\n"
    "  - {id: auth, kind: author, action: block}\n"
    "  - {id: time, kind: timing, action: warn, windows: [{days: [sat]}, {from: '22:00', to: "
    "'07:00'}]}\n"
    "  - {id: cr, kind: crisis}\n";

static pol_t *s_pol;
static pol_result_t *s_res;

static void cleanup(void) {
    pol_destroy(&s_pol);
    pol_result_destroy(&s_res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!s_pol) {
        char err[2048];
        s_pol = pol_new(s_policy, sizeof s_policy - 1, err, sizeof err);
        s_res = pol_result_new();
        if (!s_pol || !s_res)
            abort();
        atexit(cleanup);
    }
    if (size == 0)
        return 0;
    uint8_t f = data[0];
    static const char *const chans[4] = {"sandbox", "x-main", NULL, "linkedin"};
    static const char *const kinds[4] = {"mastodon", "x", "plain", "bytes"};
    static const char *const care[] = {"care"}, *const roles[] = {"legal", "orchestrator"};
    pol_crisis_t cr = {.id = "33333333-3333-4333-8333-333333333333",
                       .name = "fuzz",
                       .playbook = "fuzz",
                       .scope = {.departments = care, .ndepartments = (f & 64) ? 1 : 0},
                       .approval_roles = roles,
                       .napproval_roles = (f & 8) ? 2 : 0};
    pol_ctx_t ctx = {.channel = chans[f & 3],
                     .channel_kind = kinds[(f >> 2) & 3],
                     .department = (f & 16) ? "care" : "marketing",
                     .kind = (f & 4) ? "statement" : "post",
                     .crisis_id = cr.id,
                     .sponsored = f & 32,
                     .author_facts = 1,
                     .author_known = f & 1,
                     .author_active = 1,
                     .author_certified = (f >> 1) & 1,
                     .crisis_facts = 1,
                     .crises = &cr,
                     .ncrises = (f >> 7) & 1,
                     .submitted_ms = (int64_t)f * 86400000LL};
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    if (pol_eval(s_pol, text, len, &ctx, s_res) < 0)
        abort();
    for (size_t i = 0; i < pol_result_count(s_res); i++) {
        const pol_finding_t *x = pol_result_finding(s_res, i);
        if (x->start > x->end || x->end > len || !x->message || !x->rule_id)
            abort();
    }
    return 0;
}
