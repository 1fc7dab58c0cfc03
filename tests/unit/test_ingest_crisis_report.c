/*  A crisis's response times (services/ingest/crisis_report.c): each span
    from its moments, null (-1) where it does not apply, never negative. */
#include "crisis_report.h"
#include "hd_test.h"

#define T0 1796684400000LL /* 2026-12-07T21:00:00Z */

HD_TEST(span) {
    ASSERT_EQ(ing_report_span(T0, T0 + 1500), 1500);
    ASSERT_EQ(ing_report_span(T0, T0), 0);
    ASSERT_EQ(ing_report_span(T0 + 5, T0), 0); /* another service's clock a little behind */
    ASSERT_EQ(ing_report_span(0, T0), -1);
    ASSERT_EQ(ing_report_span(T0, 0), -1);
}

HD_TEST(declared_by_hand) {
    ing_report_times_t t = {
        .declared = T0, .held = T0 + 40, .first_ack = T0 + 60000, .resumed = T0 + 3600000};
    ing_report_t r;
    ing_report_compute(&t, &r);
    ASSERT_EQ(r.to_detect, -1);
    ASSERT_EQ(r.to_declare, -1);
    ASSERT_EQ(r.to_hold, 40);
    ASSERT_EQ(r.to_first_response, 60000);
    ASSERT_EQ(r.response, ING_RESPONSE_ACK);
    ASSERT_STR(ing_response_name(r.response), "acknowledged");
    ASSERT_EQ(r.to_resume, 3600000);
}

HD_TEST(detected_proposed_confirmed) {
    ing_report_times_t t = {.detected = T0,
                            .proposed = T0 + 800,
                            .declared = T0 + 120000,
                            .first_statement = T0 + 125000,
                            .first_ack = T0 + 130000};
    ing_report_t r;
    ing_report_compute(&t, &r);
    ASSERT_EQ(r.to_detect, 800);     /* detected -> proposed */
    ASSERT_EQ(r.to_declare, 120000); /* detected -> confirmed */
    ASSERT_EQ(r.to_hold, -1);        /* not held (yet) */
    ASSERT_EQ(r.to_first_response, 5000);
    ASSERT_EQ(r.response, ING_RESPONSE_STATEMENT); /* the statement came before any ack */
    ASSERT_EQ(r.first_response, T0 + 125000);
    ASSERT_EQ(r.to_resume, -1); /* still in force */
}

HD_TEST(detected_and_declared_at_once) {
    ing_report_times_t t = {.detected = T0, .declared = T0 + 250};
    ing_report_t r;
    ing_report_compute(&t, &r);
    ASSERT_EQ(r.to_detect, 250); /* spike detection declared it: no proposal */
    ASSERT_EQ(r.to_declare, 250);
    ASSERT_EQ(r.to_first_response, -1);
    ASSERT_EQ(r.response, ING_RESPONSE_NONE);
    ASSERT(ing_response_name(r.response) == NULL);
}

HD_TEST(proposal_acknowledged_before_declared) {
    /* a proposal without a detection time, acknowledged before it was confirmed */
    ing_report_times_t t = {.proposed = T0, .first_ack = T0 + 1000, .declared = T0 + 9000};
    ing_report_t r;
    ing_report_compute(&t, &r);
    ASSERT_EQ(r.to_detect, -1);
    ASSERT_EQ(r.to_declare, 9000); /* proposed -> declared */
    ASSERT_EQ(r.to_first_response, 0);
    ASSERT_EQ(r.response, ING_RESPONSE_ACK);
}

HD_TEST(proposed_never_declared) {
    ing_report_times_t t = {.detected = T0, .proposed = T0 + 10, .first_ack = T0 + 500};
    ing_report_t r;
    ing_report_compute(&t, &r);
    ASSERT_EQ(r.to_detect, 10);
    ASSERT_EQ(r.to_declare, -1);
    ASSERT_EQ(r.to_hold, -1);
    ASSERT_EQ(r.to_first_response, -1); /* measured from a declaration there never was */
    ASSERT_EQ(r.to_resume, -1);
}

HD_TEST(tie_goes_to_the_ack) {
    ing_report_times_t t = {.declared = T0, .first_ack = T0 + 7, .first_statement = T0 + 7};
    ing_report_t r;
    ing_report_compute(&t, &r);
    ASSERT_EQ(r.response, ING_RESPONSE_ACK);
    ASSERT_EQ(r.to_first_response, 7);
}

HD_TEST_MAIN(HD_CASE(span), HD_CASE(declared_by_hand), HD_CASE(detected_proposed_confirmed),
             HD_CASE(detected_and_declared_at_once), HD_CASE(proposal_acknowledged_before_declared),
             HD_CASE(proposed_never_declared), HD_CASE(tie_goes_to_the_ack))
