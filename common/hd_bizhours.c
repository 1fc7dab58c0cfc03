/*  hd_bizhours: business-time arithmetic over ICU's calendar (hd_bizhours.h).
    STUB: the contract only; the SLA helper implements it. */
#include "hd_bizhours.h"

int hd_biz_zone_valid(const char *zone) { return zone && 0; }

int hd_biz_add(const hd_biz_t *cal, int64_t start_ms, int64_t ms, int64_t *out) {
    (void)cal;
    (void)start_ms;
    (void)ms;
    (void)out;
    return -1;
}

int hd_biz_between(const hd_biz_t *cal, int64_t from_ms, int64_t to_ms, int64_t *out) {
    (void)cal;
    (void)from_ms;
    (void)to_ms;
    (void)out;
    return -1;
}
