/*  hd_test: the smallest test harness that says what was expected.
    A test file defines cases with HD_TEST(name) and lists them in
    HD_TEST_MAIN(...); each ASSERT prints file:line, the expression and the
    values, and fails the case. */
#ifndef HD_TEST_H
#define HD_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int hd_test_failed;

#define ASSERT(cond)                                                                  \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: ASSERT(%s) failed\n", __FILE__, __LINE__, #cond); \
            hd_test_failed = 1;                                                       \
            return;                                                                   \
        }                                                                             \
    } while (0)

#define ASSERT_EQ(a, b)                                                                          \
    do {                                                                                         \
        long long a_ = (long long)(a), b_ = (long long)(b);                                      \
        if (a_ != b_) {                                                                          \
            fprintf(stderr, "%s:%d: expected %s == %s, got %lld and %lld\n", __FILE__, __LINE__, \
                    #a, #b, a_, b_);                                                             \
            hd_test_failed = 1;                                                                  \
            return;                                                                              \
        }                                                                                        \
    } while (0)

#define ASSERT_STR(a, b)                                                                   \
    do {                                                                                   \
        const char *a_ = (a), *b_ = (b);                                                   \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                           \
            fprintf(stderr, "%s:%d: expected %s == %s, got \"%s\" and \"%s\"\n", __FILE__, \
                    __LINE__, #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");             \
            hd_test_failed = 1;                                                            \
            return;                                                                        \
        }                                                                                  \
    } while (0)

#define HD_TEST(name) static void name(void)

typedef struct {
    const char *name;
    void (*fn)(void);
} hd_test_case_t;

#define HD_TEST_MAIN(...)                                                       \
    int hd_test_failed = 0;                                                     \
    int main(int argc, char **argv) {                                           \
        hd_test_case_t cases[] = {__VA_ARGS__};                                 \
        int failures = 0;                                                       \
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {           \
            if (argc > 1 && strcmp(argv[1], cases[i].name) != 0)                \
                continue;                                                       \
            hd_test_failed = 0;                                                 \
            cases[i].fn();                                                      \
            printf("%s %s\n", hd_test_failed ? "FAIL" : "ok  ", cases[i].name); \
            failures += hd_test_failed;                                         \
        }                                                                       \
        return failures ? 1 : 0;                                                \
    }
#define HD_CASE(fn) \
    { #fn, fn }

#endif
