/*  hd_prom: the Prometheus text writer every /metrics uses (escaping,
    values, families, the labelled counter and the histogram), without a
    server. Whole expositions are also checked by `promtool check metrics`
    in tests/hostile/test_metrics.py. */
#include "hd_prom.h"
#include "hd_test.h"

#include <math.h>
#include <pthread.h>

static char *render(void (*fn)(FILE *)) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fn(f);
    fclose(f);
    return buf;
}

HD_TEST(label_values_are_escaped) {
    char out[256];
    ASSERT_EQ(hd_prom_escape("plain", out, sizeof out), 0);
    ASSERT_STR(out, "plain");
    ASSERT_EQ(hd_prom_escape("a\"b\\c\nd", out, sizeof out), 0);
    ASSERT_STR(out, "a\\\"b\\\\c\\nd");
    ASSERT_EQ(hd_prom_escape(NULL, out, sizeof out), 0);
    ASSERT_STR(out, "");
    ASSERT_EQ(hd_prom_escape("toolong", out, 4), -1);
    ASSERT_EQ(hd_prom_escape("\"\"", out, 4), -1);
    ASSERT_EQ(hd_prom_escape("\"", out, 3), 0);
}

HD_TEST(long_values_are_cut_at_a_character_boundary) {
    char v[HD_PROM_LABEL_VALUE_MAX + 20], out[512];
    memset(v, 'a', sizeof v);
    v[sizeof v - 1] = 0;
    /* a 2-byte character straddling the limit is dropped whole */
    v[HD_PROM_LABEL_VALUE_MAX - 1] = (char)0xc3;
    v[HD_PROM_LABEL_VALUE_MAX] = (char)0xa9;
    ASSERT_EQ(hd_prom_escape(v, out, sizeof out), 0);
    ASSERT_EQ(strlen(out), HD_PROM_LABEL_VALUE_MAX - 1);
}

HD_TEST(label_sets) {
    char out[256];
    const char *names[] = {"type", "department"}, *values[] = {"content.submitted", "mar\"k"};
    ASSERT_EQ(hd_prom_labels(out, sizeof out, names, values, 2), 0);
    ASSERT_STR(out, "type=\"content.submitted\",department=\"mar\\\"k\"");
    ASSERT_EQ(hd_prom_labels(out, sizeof out, names, values, 0), 0);
    ASSERT_STR(out, "");
    ASSERT_EQ(hd_prom_labels(out, 10, names, values, 2), -1);
}

HD_TEST(values) {
    char v[64];
    hd_prom_value(v, sizeof v, 3);
    ASSERT_STR(v, "3");
    hd_prom_value(v, sizeof v, 0.25);
    ASSERT_STR(v, "0.25");
    hd_prom_value(v, sizeof v, INFINITY);
    ASSERT_STR(v, "+Inf");
    hd_prom_value(v, sizeof v, -INFINITY);
    ASSERT_STR(v, "-Inf");
    hd_prom_value(v, sizeof v, NAN);
    ASSERT_STR(v, "NaN");
    hd_prom_value(v, sizeof v, 0.006);
    ASSERT_STR(v, "0.006");
    hd_prom_value(v, sizeof v, 0.1 + 0.2); /* not 0.3: all digits kept */
    ASSERT_STR(v, "0.30000000000000004");
    hd_prom_value(v, sizeof v, 1e20);
    ASSERT_STR(v, "1e+20");
}

static void write_family(FILE *f) {
    hd_prom_family(f, "huddle_events_total", "counter", "Events.");
    hd_prom_sample(f, "huddle_events_total", NULL, "type=\"a\"", 2);
    hd_prom_sample(f, "huddle_up", NULL, "", 1);
    hd_prom_bucket_line(f, "lat", "department=\"m\"", 5, 1);
    hd_prom_bucket_line(f, "lat", "", INFINITY, 4);
    hd_prom_sample(f, "lat", "_sum", "department=\"m\"", 12.5);
}

HD_TEST(rendering) {
    char *text = render(write_family);
    ASSERT_STR(text, "# HELP huddle_events_total Events.\n"
                     "# TYPE huddle_events_total counter\n"
                     "huddle_events_total{type=\"a\"} 2\n"
                     "huddle_up 1\n"
                     "lat_bucket{department=\"m\",le=\"5\"} 1\n"
                     "lat_bucket{le=\"+Inf\"} 4\n"
                     "lat_sum{department=\"m\"} 12.5\n");
    free(text);
}

static void write_one_sample(FILE *f) {
    hd_prom_counter(f, "huddle_x_total", "Xs.", 3);
    hd_prom_gauge(f, "huddle_y", "Y now.", 0.5);
}

HD_TEST(one_sample_families_carry_help_and_type) {
    char *text = render(write_one_sample);
    ASSERT_STR(text, "# HELP huddle_x_total Xs.\n"
                     "# TYPE huddle_x_total counter\n"
                     "huddle_x_total 3\n"
                     "# HELP huddle_y Y now.\n"
                     "# TYPE huddle_y gauge\n"
                     "huddle_y 0.5\n");
    free(text);
}

static hd_prom_vec_t s_vec;

static void write_vec(FILE *f) {
    const char *names[] = {"status", "code"};
    hd_prom_vec_write(f, &s_vec, "huddle_refusals_total", "Refusals.", names, 2);
}

HD_TEST(labelled_counter) {
    memset(&s_vec, 0, sizeof s_vec);
    char *text = render(write_vec);
    ASSERT_STR(text, "# HELP huddle_refusals_total Refusals.\n"
                     "# TYPE huddle_refusals_total counter\n");
    free(text);
    const char *a[] = {"401", "unauthenticated"}, *b[] = {"422", "in\"valid\n"};
    hd_prom_vec_add(&s_vec, a, 2, 1);
    hd_prom_vec_add(&s_vec, a, 2, 2);
    hd_prom_vec_add(&s_vec, b, 2, 1);
    ASSERT_EQ(hd_prom_vec_get(&s_vec, a, 2), 3);
    ASSERT_EQ(hd_prom_vec_get(&s_vec, b, 2), 1);
    const char *c[] = {"401", "other"};
    ASSERT_EQ(hd_prom_vec_get(&s_vec, c, 2), 0);
    text = render(write_vec);
    ASSERT(strstr(text, "huddle_refusals_total{status=\"401\",code=\"unauthenticated\"} 3\n"));
    ASSERT(strstr(text, "huddle_refusals_total{status=\"422\",code=\"in\\\"valid\\n\"} 1\n"));
    free(text);
}

HD_TEST(labelled_counter_cardinality_is_bounded) {
    memset(&s_vec, 0, sizeof s_vec);
    char v[32];
    for (int i = 0; i < 3 * HD_PROM_VEC_SLOTS; i++) {
        snprintf(v, sizeof v, "v%d", i);
        const char *vals[] = {v};
        hd_prom_vec_add(&s_vec, vals, 1, 1);
    }
    size_t lines = 0;
    unsigned long long total = 0;
    for (size_t i = 0; i < HD_PROM_VEC_SLOTS; i++)
        if (atomic_load(&s_vec.slots[i].state) == 2) {
            lines++;
            total += atomic_load(&s_vec.slots[i].count);
        }
    ASSERT_EQ(lines, HD_PROM_VEC_SLOTS);
    ASSERT_EQ(total, 3 * HD_PROM_VEC_SLOTS);
    const char *other[] = {"other", "other", "other"};
    ASSERT_EQ(hd_prom_vec_get(&s_vec, other, 3), 2 * HD_PROM_VEC_SLOTS + 1);
}

static void *add_many(void *arg) {
    const char *vals[] = {(const char *)arg, "x"};
    for (int i = 0; i < 10000; i++)
        hd_prom_vec_add(&s_vec, vals, 2, 1);
    return NULL;
}

HD_TEST(labelled_counter_across_threads) {
    memset(&s_vec, 0, sizeof s_vec);
    pthread_t t[4];
    const char *who[] = {"a", "b", "a", "b"};
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, add_many, (void *)who[i]);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    const char *a[] = {"a", "x"}, *b[] = {"b", "x"};
    ASSERT_EQ(hd_prom_vec_get(&s_vec, a, 2), 20000);
    ASSERT_EQ(hd_prom_vec_get(&s_vec, b, 2), 20000);
}

static const double s_bounds[] = {1, 10};
static hd_prom_hist_t s_hist = HD_PROM_HIST(s_bounds);

static void write_hist(FILE *f) { hd_prom_hist_write(f, &s_hist, "huddle_batch_items", "Items."); }

HD_TEST(histogram) {
    hd_prom_hist_observe(&s_hist, 1); /* le is inclusive */
    hd_prom_hist_observe(&s_hist, 5);
    hd_prom_hist_observe(&s_hist, 5);
    hd_prom_hist_observe(&s_hist, 100);
    char *text = render(write_hist);
    ASSERT_STR(text, "# HELP huddle_batch_items Items.\n"
                     "# TYPE huddle_batch_items histogram\n"
                     "huddle_batch_items_bucket{le=\"1\"} 1\n"
                     "huddle_batch_items_bucket{le=\"10\"} 3\n"
                     "huddle_batch_items_bucket{le=\"+Inf\"} 4\n"
                     "huddle_batch_items_sum 111\n"
                     "huddle_batch_items_count 4\n");
    free(text);
}

static const double s_inf_bounds[] = {0.5, INFINITY};

HD_TEST(histogram_bounds_ending_in_inf) {
    hd_prom_hist_t h = HD_PROM_HIST(s_inf_bounds);
    hd_prom_hist_observe(&h, 2);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    hd_prom_hist_write(f, &h, "h_seconds", "H.");
    fclose(f);
    ASSERT(strstr(buf, "h_seconds_bucket{le=\"0.5\"} 0\nh_seconds_bucket{le=\"+Inf\"} 1\n"));
    ASSERT(!strstr(buf, "le=\"+Inf\"} 1\nh_seconds_bucket{le=\"+Inf\"}"));
    free(buf);
}

HD_TEST_MAIN(HD_CASE(label_values_are_escaped),
             HD_CASE(long_values_are_cut_at_a_character_boundary), HD_CASE(label_sets),
             HD_CASE(values), HD_CASE(rendering), HD_CASE(one_sample_families_carry_help_and_type),
             HD_CASE(labelled_counter), HD_CASE(labelled_counter_cardinality_is_bounded),
             HD_CASE(labelled_counter_across_threads), HD_CASE(histogram),
             HD_CASE(histogram_bounds_ending_in_inf))
