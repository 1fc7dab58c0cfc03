/*  Policy loader: schema errors are reported with the rule id and the YAML
    line, all of them, and nothing compiles; the shipped examples load. */
#include "hd_test.h"
#include "policy.h"
#include "policy_detect.h"
#include "policy_fold.h"

#include <stdlib.h>

static char s_err[8192];

static int loads(const char *yaml) {
    pol_t *p = pol_new(yaml, strlen(yaml), s_err, sizeof s_err);
    int ok = p != NULL;
    pol_destroy(&p);
    return ok;
}

HD_TEST(errors_name_rule_and_line) {
    const char *y = "name: t\n"                           /* 1 */
                    "rules:\n"                            /* 2 */
                    "  - id: good\n"                      /* 3 */
                    "    kind: lexicon\n"                 /* 4 */
                    "    action: block\n"                 /* 5 */
                    "    terms: [a]\n"                    /* 6 */
                    "  - id: bad-kind\n"                  /* 7 */
                    "    kind: lexcon\n"                  /* 8 */
                    "  - id: bad-action\n"                /* 9 */
                    "    kind: lexicon\n"                 /* 10 */
                    "    action: review\n"                /* 11 */
                    "    terms: [b]\n"                    /* 12 */
                    "  - id: bad-regex\n"                 /* 13 */
                    "    kind: pattern\n"                 /* 14 */
                    "    action: warn\n"                  /* 15 */
                    "    patterns: ['ok', 'fo(o']\n"      /* 16 */
                    "  - id: good\n"                      /* 17 */
                    "    kind: pii\n"                     /* 18 */
                    "    action: block\n"                 /* 19 */
                    "    detectors: [email, passport]\n"; /* 20 */
    ASSERT(!loads(y));
    ASSERT(strstr(s_err, "line 8: rule bad-kind: unknown kind 'lexcon'"));
    ASSERT(strstr(s_err, "line 11: rule bad-action: review needs a role"));
    ASSERT(strstr(s_err, "line 17: rule id 'good' is already used on line 3"));
    /* the regex is checked once the schema is clean: fix the rest first */
    const char *y2 = "rules:\n"
                     "  - id: bad-regex\n"
                     "    kind: pattern\n"
                     "    action: warn\n"
                     "    patterns:\n"
                     "      - ok\n"
                     "      - 'fo(o'\n"
                     "      - 'x*'\n";
    ASSERT(!loads(y2));
    ASSERT(strstr(s_err, "line 7: rule bad-regex: pattern 'fo(o'"));
    ASSERT(strstr(s_err, "line 8: rule bad-regex: pattern 'x*': it can match empty text"));
}

HD_TEST(unknown_keys_and_bad_values) {
    ASSERT(!loads("rules:\n  - id: r\n    kind: lexicon\n    action: block\n    terms: [a]\n"
                  "    mtach: prefix\n"));
    ASSERT(strstr(s_err, "line 6: rule r: rule: unknown key 'mtach'"));
    ASSERT(!loads("timezone: Mars/Olympus\nrules: []\n"));
    ASSERT(strstr(s_err, "line 1: timezone 'Mars/Olympus'"));
    ASSERT(!loads("rules:\n  - id: t\n    kind: timing\n    action: block\n"
                  "    windows: [{from: '25:00', to: '07:00'}]\n"));
    ASSERT(strstr(s_err, "line 5: rule t: window"));
    ASSERT(!loads("rules:\n  - id: l\n    kind: links\n    action: block\n"
                  "    deny: ['not a domain/']\n"));
    ASSERT(strstr(s_err, "rule l: deny"));
    ASSERT(!loads("rules: [\n"));
    ASSERT(strstr(s_err, "YAML syntax"));
    ASSERT(!loads(""));
    ASSERT(!loads(
        "rules:\n  - id: x\n    kind: lexicon\n    action: block\n    terms: [\"\\u200b\"]\n"));
    ASSERT(strstr(s_err, "blank once folded"));
    ASSERT(!loads("a: &a [*a]\n"));
}

HD_TEST(every_rule_kind_loads) {
    ASSERT(loads("timezone: America/New_York\n"
                 "channels: {x-main: {counting: x, max_length: 280}}\n"
                 "rules:\n"
                 "  - {id: a, kind: lexicon, action: block, terms: [x]}\n"
                 "  - {id: b, kind: pattern, action: 'review(legal)', pattern: 'x+y'}\n"
                 "  - {id: c, kind: pii, action: block}\n"
                 "  - {id: d, kind: disclosure, action: block, when: {sponsored: true},"
                 " require: ['#ad']}\n"
                 "  - {id: e, kind: links, action: warn, deny: ['*.evil.example']}\n"
                 "  - {id: f, kind: limits, action: block, max_hashtags: 3}\n"
                 "  - {id: g, kind: author, action: block}\n"
                 "  - {id: h, kind: timing, action: block, windows: [{days: [sat]}]}\n"
                 "  - {id: i, kind: crisis}\n"));
}

static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 20);
    *n = fread(buf, 1, (1 << 20) - 1, f);
    buf[*n] = 0;
    fclose(f);
    return buf;
}

HD_TEST(examples_load) {
    const char *src = getenv("HUDDLE_SOURCE_DIR");
    ASSERT(src);
    const char *files[] = {"starter.yaml", "company.yaml"};
    for (int i = 0; i < 2; i++) {
        char path[1024];
        size_t n;
        snprintf(path, sizeof path, "%s/examples/policy/%s", src, files[i]);
        char *y = slurp(path, &n);
        ASSERT(y);
        pol_t *p = pol_new(y, n, s_err, sizeof s_err);
        free(y);
        if (!p)
            fprintf(stderr, "%s:\n%s", path, s_err);
        ASSERT(p);
        pol_destroy(&p);
    }
}

HD_TEST(detectors_and_folding) {
    ASSERT(pol_detect_card("4111111111111111", 16));
    ASSERT(!pol_detect_card("4111111111111112", 16));
    ASSERT(pol_detect_card("3782 822463 10005", 17)); /* Amex, 15 digits */
    ASSERT(pol_detect_iban("GB82 WEST 1234 5698 7654 32", 27));
    ASSERT(!pol_detect_iban("GB82 WEST 1234 5698 7654 33", 27));
    ASSERT(!pol_detect_iban("DE89370400440532013000X", 23)); /* wrong length for DE */
    ASSERT(pol_detect_ssn("078-05-1121", 11));
    ASSERT(!pol_detect_ssn("900-05-1121", 11));
    ASSERT(!pol_detect_ssn("078-05 1121", 11));
    char h[300];
    ASSERT(pol_detect_url_host("https://user:pw@Bücher.Example.:8080/x", 39, h, sizeof h) == 0);
    ASSERT_STR(h, "xn--bcher-kva.example");
    ASSERT(pol_detect_url_host("http://[::1]:80/", 16, h, sizeof h) == 0);
    ASSERT_STR(h, "[::1]");
    ASSERT(pol_detect_host_normalize("münchen.de", strlen("münchen.de"), h, sizeof h) == 0);
    ASSERT_STR(h, "xn--mnchen-3ya.de");
    ASSERT(pol_detect_domain_match("a.b.example.com", "example.com"));
    ASSERT(!pol_detect_domain_match("badexample.com", "example.com"));
    ASSERT(pol_detect_shortener("bit.ly"));
    char *f = pol_fold_string("Ça coûte “cher” — Æsir straße");
    ASSERT_STR(f, "Ca coute \"cher\" - AEsir strasse");
    free(f);
}

HD_TEST_MAIN(HD_CASE(errors_name_rule_and_line), HD_CASE(unknown_keys_and_bad_values),
             HD_CASE(every_rule_kind_loads), HD_CASE(examples_load), HD_CASE(detectors_and_folding))
