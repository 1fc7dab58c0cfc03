/*  The terms matcher (services/workflow/terms.c): it agrees with the
    routing keywords' rule (wf_routing_word_match) case by case, maps each
    hit back to its set, is rebuilt only when the sets change, and scans
    from several threads at once (each with its own scratch). */
#include "hd_test.h"
#include "routing.h"
#include "terms.h"

#include <pthread.h>

typedef struct {
    const char *text, *term;
    int match;
} word_case_t;

static const word_case_t CASES[] = {
    {"I want a refund now", "refund", 1},
    {"refund", "refund", 1},
    {"refund!", "refund", 1},
    {"(refund)", "refund", 1},
    {"refunded already", "refund", 0},
    {"prerefund", "refund", 0},
    {"my_refund", "refund", 0},
    {"refund_", "refund", 0},
    {"refund2", "refund", 0},
    {"2refund", "refund", 0},
    {"refunds? refund.", "refund", 1},
    {"refund\nnext line", "refund", 1},
    {"last line\nrefund\n", "refund", 1},
    {"tab\trefund", "refund", 1},
    {"caf\xc3\xa9", "caf", 0},
    {"\xc3\xa9"
     "caf",
     "caf", 0},
    {"caf\xc3\xa9 au lait", "caf\xc3\xa9", 1},
    {"CAF\xc3\x89", "caf\xc3\xa9", 0}, /* non-ASCII letters match byte for byte only */
    {"\xe9t\xe9", "\xc9T\xc9", 0},
    {"sue", "sue", 1},
    {"pursue", "sue", 0},
    {"We will SUE you", "sue", 1},
    {"GDPR request", "gdpr", 1},
    {"gdpr request", "GDPR", 1},
    {"please issue a Refund Request", "refund request", 1},
    {"a refund  request", "refund request", 0},
    {"data exposure reported", "data exposure", 1},
    {"bigdata exposure", "data exposure", 0},
    {"love #acme!", "#acme", 1},
    {"love#acme", "#acme", 1},
    {"love #acmes", "#acme", 0},
    {"LOVE #ACME", "#acme", 1},
    {"i write c++ daily", "c++", 1},
    {"i write c++daily", "c++", 1},
    {"abc++", "c++", 0},
    {"x.*y", ".*", 1}, /* regex syntax is just bytes */
    {"anything", ".*", 0},
    {"a (b) c", "(b)", 1},
    {"50% off", "50%", 1},
    {"150% off", "50%", 0},
    {"$100", "$100", 1},
    {"[x]", "[x]", 1},
    {"back\\slash", "\\", 1},
    {"anything", "*", 1},
    {"", "*", 1},
    {"text", "", 0},
    {"", "refund", 0},
    {"hacked", "hacked", 1},
    {"we got HACKED.", "hacked", 1},
    {"unhacked", "hacked", 0},
    {"leak leaked", "leaked", 1},
    {"_leak", "leak", 0},
    {"leak_", "leak", 0},
    {"-leak-", "leak", 1},
    {"@leak", "leak", 1},
};

#define NCASES (sizeof CASES / sizeof CASES[0])

/* Every case's term is a set of one in one database; each case's text is
   scanned and its own set's hit compared (the others' are not asked). */
HD_TEST(agrees_with_routing_keywords) {
    wf_terms_set_t sets[NCASES];
    for (size_t i = 0; i < NCASES; i++)
        sets[i] = (wf_terms_set_t){&CASES[i].term, 1};
    char why[256] = "";
    wf_terms_t *t = wf_terms_new(sets, NCASES, why, sizeof why);
    if (!t)
        fprintf(stderr, "compile: %s\n", why);
    ASSERT(t);
    unsigned char hits[NCASES];
    for (size_t i = 0; i < NCASES; i++) {
        const word_case_t *c = &CASES[i];
        int want = wf_routing_word_match(c->text, c->term);
        int got = wf_terms_match(t, c->text, hits) < 0 ? -1 : hits[i];
        if (want != c->match || got != want)
            fprintf(stderr, "case %zu: \"%s\" / \"%s\": routing %d, terms %d, table %d\n", i,
                    c->text, c->term, want, got, c->match);
        ASSERT_EQ(want, c->match);
        ASSERT_EQ(got, want);
    }
    wf_terms_destroy(&t);
    wf_terms_thread_done();
}

static const char *const BREACH[] = {"breach", "leak", "leaked", "hacked", "data exposure"};
static const char *const RECALL[] = {"recall", "contaminated", "#recall"};
static const char *const EVERY[] = {"*"};
static const char *const NONE[] = {""};

HD_TEST(hits_map_back_to_their_sets) {
    wf_terms_set_t sets[] = {{BREACH, 5}, {RECALL, 3}, {NULL, 0}, {BREACH + 3, 1}};
    char why[256];
    wf_terms_t *t = wf_terms_new(sets, 4, why, sizeof why);
    ASSERT(t);
    ASSERT_EQ(wf_terms_nsets(t), 4);
    unsigned char hits[4];
    ASSERT_EQ(wf_terms_match(t, "Were you HACKED? a #recall too", hits), 0);
    ASSERT(hits[0] == 1 && hits[1] == 1 && hits[2] == 0 && hits[3] == 1);
    ASSERT_EQ(wf_terms_match(t, "a data exposure", hits), 0);
    ASSERT(hits[0] == 1 && hits[1] == 0 && hits[2] == 0 && hits[3] == 0);
    ASSERT_EQ(wf_terms_match(t, "nothing to see", hits), 0);
    ASSERT(!hits[0] && !hits[1] && !hits[2] && !hits[3]);
    ASSERT_EQ(wf_terms_match(t, NULL, hits), 0);
    ASSERT(!hits[0] && !hits[1] && !hits[2] && !hits[3]);
    wf_terms_destroy(&t);
    ASSERT(t == NULL);
    wf_terms_destroy(&t); /* safe twice */
}

HD_TEST(catch_all_and_empty_sets) {
    wf_terms_set_t sets[] = {{EVERY, 1}, {NONE, 1}};
    char why[256];
    wf_terms_t *t = wf_terms_new(sets, 2, why, sizeof why);
    ASSERT(t);
    unsigned char hits[2];
    ASSERT_EQ(wf_terms_match(t, "", hits), 0);
    ASSERT(hits[0] == 1 && hits[1] == 0);
    ASSERT_EQ(wf_terms_match(t, "breach", hits), 0);
    ASSERT(hits[0] == 1 && hits[1] == 0);
    wf_terms_destroy(&t);
    t = wf_terms_new(NULL, 0, why, sizeof why); /* no set at all */
    ASSERT(t);
    ASSERT_EQ(wf_terms_match(t, "breach", hits), 0);
    wf_terms_destroy(&t);
}

HD_TEST(cache_rebuilds_only_when_the_sets_change) {
    wf_terms_cache_t c = {0};
    char why[256];
    wf_terms_set_t a[] = {{BREACH, 5}, {RECALL, 3}};
    const wf_terms_t *t1 = wf_terms_cache_get(&c, a, 2, why, sizeof why);
    ASSERT(t1);
    wf_terms_set_t same[] = {{BREACH, 5}, {RECALL, 3}};
    ASSERT(wf_terms_cache_get(&c, same, 2, why, sizeof why) == t1);
    /* the same terms split differently, reordered, or one more: rebuilt */
    wf_terms_set_t moved[] = {{BREACH, 4}, {BREACH + 4, 1}};
    wf_terms_set_t fewer[] = {{BREACH, 4}, {RECALL, 3}};
    wf_terms_set_t swapped[] = {{RECALL, 3}, {BREACH, 5}};
    ASSERT(wf_terms_hash(a, 2) != wf_terms_hash(moved, 2));
    ASSERT(wf_terms_hash(a, 2) != wf_terms_hash(fewer, 2));
    ASSERT(wf_terms_hash(a, 2) != wf_terms_hash(swapped, 2));
    ASSERT(wf_terms_hash(a, 2) != wf_terms_hash(a, 1));
    const wf_terms_t *t2 = wf_terms_cache_get(&c, swapped, 2, why, sizeof why);
    ASSERT(t2);
    unsigned char hits[2];
    ASSERT_EQ(wf_terms_match(t2, "product recall", hits), 0);
    ASSERT(hits[0] == 1 && hits[1] == 0); /* set 0 is now the recall set */
    wf_terms_cache_free(&c);
    ASSERT(c.terms == NULL);
}

/* Two threads scanning one matcher at once, and a second matcher on the
   same thread (its scratch grown for both). */
static void *scan_many(void *arg) {
    const wf_terms_t *t = arg;
    unsigned char hits[2];
    for (int i = 0; i < 2000; i++) {
        if (wf_terms_match(t, i % 2 ? "a leak" : "a recall", hits) < 0 || hits[0] != (i % 2) ||
            hits[1] != !(i % 2))
            return (void *)1;
    }
    wf_terms_thread_done();
    return NULL;
}

HD_TEST(scratch_per_thread) {
    wf_terms_set_t sets[] = {{BREACH, 5}, {RECALL, 3}};
    char why[256];
    wf_terms_t *t = wf_terms_new(sets, 2, why, sizeof why);
    ASSERT(t);
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        ASSERT_EQ(pthread_create(&th[i], NULL, scan_many, t), 0);
    void *rc[2];
    for (int i = 0; i < 2; i++)
        ASSERT_EQ(pthread_join(th[i], &rc[i]), 0);
    ASSERT(rc[0] == NULL && rc[1] == NULL);
    unsigned char hits[2];
    wf_terms_set_t other[] = {{BREACH, 1}};
    wf_terms_t *u = wf_terms_new(other, 1, why, sizeof why);
    ASSERT(u);
    ASSERT_EQ(wf_terms_match(t, "breach", hits), 0);
    ASSERT_EQ(wf_terms_match(u, "breach", hits), 0);
    ASSERT_EQ(hits[0], 1);
    ASSERT_EQ(wf_terms_match(t, "recall", hits), 0);
    ASSERT(hits[0] == 0 && hits[1] == 1);
    wf_terms_destroy(&u);
    wf_terms_destroy(&t);
    wf_terms_thread_done();
}

HD_TEST_MAIN({"agrees_with_routing_keywords", agrees_with_routing_keywords},
             {"hits_map_back_to_their_sets", hits_map_back_to_their_sets},
             {"catch_all_and_empty_sets", catch_all_and_empty_sets},
             {"cache_rebuilds_only_when_the_sets_change", cache_rebuilds_only_when_the_sets_change},
             {"scratch_per_thread", scratch_per_thread})
