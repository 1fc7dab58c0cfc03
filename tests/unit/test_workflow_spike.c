/*  The spike detector (services/workflow/spike.c) on synthetic series:
    steady traffic and slow growth never fire at any minute; a burst does,
    but not during the cool-down nor under min_count; the baseline by weeks
    follows the weekly rhythm that the baseline by hours does not; the
    figures are exact on a worked example (docs/crisis-detection.md). */
#include "hd_test.h"
#include "spike.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define T0 29000000 /* a Unix minute (2025-02-19): the series' first */
#define MS(minute) ((int64_t)(minute)*60000 + 12345)

/* A dense series of minutes T0 .. T0 + len - 1, count f(i) at minute T0+i. */
typedef struct {
    wf_spike_count_t *v;
    size_t n;
} series_t;

static series_t make(size_t len, int64_t (*f)(size_t i, void *arg), void *arg) {
    series_t s = {calloc(len, sizeof(wf_spike_count_t)), len};
    for (size_t i = 0; i < len; i++)
        s.v[i] = (wf_spike_count_t){T0 + (int64_t)i, f(i, arg)};
    return s;
}

/* 4 to 8 a minute, in a pattern of period 7 (no two windows alike). */
static int64_t steady(size_t i, void *arg) {
    (void)arg;
    return 4 + (int64_t)((i * 3) % 7 % 5);
}

static const wf_spike_cfg_t HOURS = {
    .window_minutes = 10, .min_count = 50, .sigma = 3, .baseline_hours = 4, .cooldown_minutes = 60};

static wf_spike_verdict_t at(const wf_spike_cfg_t *c, series_t s, int64_t minute, int64_t fired,
                             wf_spike_result_t *r) {
    wf_spike_detect(c, s.v, s.n, MS(minute), fired, r);
    return r->verdict;
}

HD_TEST(steady_traffic_never_fires) {
    series_t s = make(12 * 60, steady, NULL);
    wf_spike_result_t r;
    for (int64_t m = T0 + 4 * 60 + 10; m < T0 + 12 * 60; m++) {
        ASSERT(at(&HOURS, s, m, 0, &r) != WF_SPIKE_FIRE);
        ASSERT(r.count >= 50); /* enough mentions: it is the baseline that holds it */
    }
    free(s.v);
}

/* From 5 a minute to 25 over eight hours. */
static int64_t growing(size_t i, void *arg) {
    (void)arg;
    return 5 + (int64_t)(i / 24);
}

HD_TEST(slow_growth_never_fires) {
    series_t s = make(8 * 60, growing, NULL);
    wf_spike_result_t r;
    for (int64_t m = T0 + 4 * 60 + 10; m < T0 + 8 * 60; m++)
        ASSERT(at(&HOURS, s, m, 0, &r) != WF_SPIKE_FIRE);
    /* it did grow: the window at the end holds far more than at the start */
    at(&HOURS, s, T0 + 8 * 60 - 1, 0, &r);
    ASSERT(r.count > 2 * 10 * 10);
    free(s.v);
}

/* Steady, then 30 a minute over the last 10 minutes of 6 hours. */
static int64_t burst(size_t i, void *arg) {
    size_t start = arg ? *(size_t *)arg : 6 * 60 - 10;
    return i >= start && i < start + 10 ? 30 : steady(i, NULL);
}

HD_TEST(a_burst_fires) {
    series_t s = make(6 * 60, burst, NULL);
    wf_spike_result_t r;
    ASSERT_EQ(at(&HOURS, s, T0 + 6 * 60 - 1, 0, &r), WF_SPIKE_FIRE);
    ASSERT_EQ(r.count, 300);
    ASSERT_EQ(r.samples, 24);
    ASSERT(r.mean > 50 && r.mean < 70);
    ASSERT(r.threshold < 100);
    /* its first minutes already: 3 minutes of 30 over 7 steady ones */
    ASSERT_EQ(at(&HOURS, s, T0 + 6 * 60 - 8, 0, &r), WF_SPIKE_FIRE);
    /* the minute before it: nothing */
    ASSERT_EQ(at(&HOURS, s, T0 + 6 * 60 - 11, 0, &r), WF_SPIKE_USUAL);
    free(s.v);
}

HD_TEST(a_burst_in_the_cooldown_does_not_fire) {
    series_t s = make(6 * 60, burst, NULL);
    wf_spike_result_t r;
    int64_t now = T0 + 6 * 60 - 1;
    /* fired 30 minutes ago, cool-down 60: cooling */
    ASSERT_EQ(at(&HOURS, s, now, MS(now) - 30 * 60000, &r), WF_SPIKE_COOLING);
    ASSERT_EQ(r.count, 300); /* the figures are there all the same */
    /* a millisecond short of the cool-down: still cooling; at it: fires */
    ASSERT_EQ(at(&HOURS, s, now, MS(now) - 60 * 60000 + 1, &r), WF_SPIKE_COOLING);
    ASSERT_EQ(at(&HOURS, s, now, MS(now) - 60 * 60000, &r), WF_SPIKE_FIRE);
    wf_spike_cfg_t none = HOURS;
    none.cooldown_minutes = 0;
    ASSERT_EQ(at(&none, s, now, MS(now) - 1, &r), WF_SPIKE_FIRE);
    free(s.v);
}

/* A quiet stream (0 or 1 a minute), then 4 a minute for 10 minutes. */
static int64_t quiet_burst(size_t i, void *arg) {
    (void)arg;
    return i >= 6 * 60 - 10 ? 4 : (int64_t)(i % 3 == 0);
}

HD_TEST(a_burst_under_min_count_does_not_fire) {
    series_t s = make(6 * 60, quiet_burst, NULL);
    wf_spike_result_t r;
    ASSERT_EQ(at(&HOURS, s, T0 + 6 * 60 - 1, 0, &r), WF_SPIKE_FEW);
    ASSERT_EQ(r.count, 40);
    ASSERT((double)r.count > r.threshold); /* far above the baseline, too few to matter */
    wf_spike_cfg_t low = HOURS;
    low.min_count = 40;
    ASSERT_EQ(at(&low, s, T0 + 6 * 60 - 1, 0, &r), WF_SPIKE_FIRE);
    free(s.v);
}

/* Four weeks and a day: quiet (1 a minute), but every week at the same
   hour (the weekly newsletter, minute 60 .. 119 of each week) 20 a
   minute, and in week 5 a burst of 20 a minute at another hour. */
static int64_t weekly(size_t i, void *arg) {
    (void)arg;
    size_t in_week = i % WF_SPIKE_WEEK_MINUTES;
    if (in_week >= 60 && in_week < 120)
        return 20;
    if (i >= 4 * WF_SPIKE_WEEK_MINUTES + 600 && i < 4 * WF_SPIKE_WEEK_MINUTES + 610)
        return 20;
    return 1;
}

HD_TEST(baseline_by_weeks_follows_the_weekly_rhythm) {
    series_t s = make(4 * WF_SPIKE_WEEK_MINUTES + 24 * 60, weekly, NULL);
    wf_spike_cfg_t weeks = HOURS;
    weeks.baseline_hours = 0;
    weeks.baseline_weeks = 4;
    wf_spike_result_t r;
    /* the weekly hour's first 10 minutes, week 5 */
    int64_t peak = T0 + 4 * WF_SPIKE_WEEK_MINUTES + 69;
    /* the same minute of each of the 4 weeks before held as many: usual */
    ASSERT_EQ(at(&weeks, s, peak, 0, &r), WF_SPIKE_USUAL);
    ASSERT_EQ(r.samples, 4);
    ASSERT_EQ(r.count, 200);
    ASSERT(fabs(r.mean - 200) < 1e-9);
    ASSERT(fabs(r.stddev) < 1e-9);
    /* by the previous hours, the same minute looks like a spike */
    ASSERT_EQ(at(&HOURS, s, peak, 0, &r), WF_SPIKE_FIRE);
    /* the burst at an hour the weeks before were quiet: a spike by weeks */
    int64_t odd = T0 + 4 * WF_SPIKE_WEEK_MINUTES + 609;
    ASSERT_EQ(at(&weeks, s, odd, 0, &r), WF_SPIKE_FIRE);
    ASSERT_EQ(r.count, 200);
    ASSERT(fabs(r.mean - 10) < 1e-9);
    free(s.v);
}

/* The worked example of docs/crisis-detection.md: window 10 minutes,
   baseline 1 hour (6 slices of 10 minutes holding, oldest first, 8, 12,
   10, 9, 11, 10), sigma 3, min_count 20; the window holds 25. */
static const int64_t EXAMPLE_SLICES[6] = {10, 11, 9, 10, 12, 8}; /* newest slice first */

static int64_t example(size_t i, void *arg) {
    (void)arg;
    size_t slice = i / 10; /* 0 .. 6; slice 6 is the window */
    if (slice == 6)
        return i % 10 < 5 ? 5 : 0;
    int64_t total = EXAMPLE_SLICES[5 - slice];
    return i % 10 == 0 ? total : 0;
}

HD_TEST(worked_example_figures) {
    series_t s = make(70, example, NULL);
    wf_spike_cfg_t c = {.window_minutes = 10,
                        .min_count = 20,
                        .sigma = 3,
                        .baseline_hours = 1,
                        .cooldown_minutes = 60};
    wf_spike_result_t r;
    ASSERT_EQ(at(&c, s, T0 + 69, 0, &r), WF_SPIKE_FIRE);
    ASSERT_EQ(r.count, 25);
    ASSERT_EQ(r.samples, 6);
    ASSERT(fabs(r.mean - 10) < 1e-9);
    ASSERT(fabs(r.stddev - sqrt(10.0 / 6)) < 1e-9); /* 1.291 */
    ASSERT(fabs(r.threshold - (10 + 3 * sqrt(10.0 / 6))) < 1e-9);
    char buf[512];
    wf_spike_reason(&c, &r, buf, sizeof buf);
    ASSERT_STR(buf, "spike: 25 mentions in 10 minutes (baseline mean 10.0, sd 1.3)");
    wf_spike_figures_json(&c, &r, buf, sizeof buf);
    ASSERT_STR(buf, "{\"window_minutes\":10,\"min_count\":20,\"sigma\":3,\"baseline\":\"hours\","
                    "\"baseline_n\":1,\"count\":25,\"samples\":6,\"mean\":10.000,"
                    "\"stddev\":1.291,\"threshold\":13.873,"
                    "\"window_end\":\"2025-02-19T22:30:00Z\"}");
    /* the window counted 25 exactly: with min_count 26 it is too few */
    c.min_count = 26;
    ASSERT_EQ(at(&c, s, T0 + 69, 0, &r), WF_SPIKE_FEW);
    free(s.v);
}

HD_TEST(missing_minutes_count_zero) {
    /* one count 30 at now; nothing before: mean 0, sd 0, 30 > 0 */
    wf_spike_count_t one[] = {{T0 + 500, 30}};
    wf_spike_result_t r;
    wf_spike_cfg_t c = HOURS;
    c.min_count = 30;
    wf_spike_detect(&c, one, 1, MS(T0 + 500), 0, &r);
    ASSERT_EQ(r.verdict, WF_SPIKE_FIRE);
    ASSERT_EQ(r.count, 30);
    ASSERT(r.mean == 0 && r.stddev == 0);
    /* a count just outside the window (11 minutes back) is baseline */
    wf_spike_detect(&c, one, 1, MS(T0 + 510), 0, &r);
    ASSERT_EQ(r.verdict, WF_SPIKE_FEW);
    ASSERT_EQ(r.count, 0);
    ASSERT(fabs(r.mean - 30.0 / 24) < 1e-9);
}

HD_TEST(ranges_cover_what_is_read) {
    wf_spike_range_t rg[WF_SPIKE_MAX_RANGES];
    ASSERT_EQ(wf_spike_ranges(&HOURS, MS(T0 + 1000), rg), 2);
    ASSERT_EQ(rg[0].from, T0 + 991);
    ASSERT_EQ(rg[0].to, T0 + 1000);
    ASSERT_EQ(rg[1].from, T0 + 1000 - 250 + 1); /* 24 slices of 10 before the window */
    ASSERT_EQ(rg[1].to, T0 + 990);
    wf_spike_cfg_t weeks = HOURS;
    weeks.baseline_hours = 0;
    weeks.baseline_weeks = 12;
    ASSERT_EQ(wf_spike_ranges(&weeks, MS(T0 + 1000), rg), 13);
    ASSERT_EQ(rg[12].to, T0 + 1000 - 12 * WF_SPIKE_WEEK_MINUTES);
    ASSERT_EQ(rg[12].from, T0 + 991 - 12 * WF_SPIKE_WEEK_MINUTES);
    ASSERT(T0 + 1000 - rg[12].from < WF_SPIKE_HORIZON_MINUTES);
}

HD_TEST(invalid_settings_never_fire) {
    wf_spike_count_t big[] = {{T0, 1000000}};
    wf_spike_result_t r;
    char why[80];
    wf_spike_cfg_t c = HOURS;
    c.baseline_weeks = 2; /* both baselines */
    ASSERT_EQ(wf_spike_cfg_valid(&c, why, sizeof why), 0);
    ASSERT_STR(why, "exactly one of baseline_weeks and baseline_hours must be set");
    wf_spike_detect(&c, big, 1, MS(T0), 0, &r);
    ASSERT_EQ(r.verdict, WF_SPIKE_INVALID);
    c = HOURS;
    c.window_minutes = 61;
    ASSERT_EQ(wf_spike_cfg_valid(&c, why, sizeof why), 0);
    c = HOURS;
    c.baseline_hours = 169;
    ASSERT_EQ(wf_spike_cfg_valid(&c, why, sizeof why), 0);
    c = HOURS;
    c.sigma = NAN;
    ASSERT_EQ(wf_spike_cfg_valid(&c, why, sizeof why), 0);
    c = HOURS;
    c.min_count = 0;
    ASSERT_EQ(wf_spike_cfg_valid(&c, why, sizeof why), 0);
    ASSERT_EQ(wf_spike_cfg_valid(&HOURS, why, sizeof why), 1);
    ASSERT_STR(wf_spike_verdict_name(WF_SPIKE_COOLING), "cooling");
    ASSERT_STR(wf_spike_verdict_name(WF_SPIKE_VERDICT_COUNT), "unknown");
}

HD_TEST_MAIN({"steady_traffic_never_fires", steady_traffic_never_fires},
             {"slow_growth_never_fires", slow_growth_never_fires}, {"a_burst_fires", a_burst_fires},
             {"a_burst_in_the_cooldown_does_not_fire", a_burst_in_the_cooldown_does_not_fire},
             {"a_burst_under_min_count_does_not_fire", a_burst_under_min_count_does_not_fire},
             {"baseline_by_weeks_follows_the_weekly_rhythm",
              baseline_by_weeks_follows_the_weekly_rhythm},
             {"worked_example_figures", worked_example_figures},
             {"missing_minutes_count_zero", missing_minutes_count_zero},
             {"ranges_cover_what_is_read", ranges_cover_what_is_read},
             {"invalid_settings_never_fire", invalid_settings_never_fire})
