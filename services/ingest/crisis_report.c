/*  crisis_report: response times from a crisis's moments (see the header). */
#include "crisis_report.h"

#include <stddef.h>

const char *ing_response_name(ing_response_t r) {
    return r == ING_RESPONSE_ACK         ? "acknowledged"
           : r == ING_RESPONSE_STATEMENT ? "statement"
                                         : NULL;
}

long long ing_report_span(long long from, long long to) {
    if (from <= 0 || to <= 0)
        return -1;
    return to > from ? to - from : 0;
}

/* The earlier of two times, 0 meaning "did not happen". */
static long long first_of(long long a, long long b) {
    if (a <= 0)
        return b > 0 ? b : 0;
    return b > 0 && b < a ? b : a;
}

void ing_report_compute(const ing_report_times_t *t, ing_report_t *out) {
    out->to_detect = ing_report_span(t->detected, first_of(t->proposed, t->declared));
    out->to_declare = ing_report_span(t->detected > 0 ? t->detected : t->proposed, t->declared);
    out->to_hold = ing_report_span(t->declared, t->held);
    out->first_response = first_of(t->first_ack, t->first_statement);
    out->response = out->first_response == 0              ? ING_RESPONSE_NONE
                    : out->first_response == t->first_ack ? ING_RESPONSE_ACK
                                                          : ING_RESPONSE_STATEMENT;
    out->to_first_response = ing_report_span(t->declared, out->first_response);
    out->to_resume = ing_report_span(t->declared, t->resumed);
}
