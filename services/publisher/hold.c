/*  hold: which crisis holds a job, and a held job's fate at resume (see
    hold.h). */
#include "hold.h"

#include <stdio.h>
#include <strings.h>

/* Ids compare without regard to case: PostgreSQL writes uuids in lower
   case, an event may carry upper case. */
static int same_id(const char *a, const char *b) { return a && b && *a && strcasecmp(a, b) == 0; }

int pub_hold_cover(const pub_hold_crisis_t *crises, size_t nc, const pub_hold_item_t *item) {
    for (size_t i = 0; i < nc; i++) {
        if (same_id(item->statement_of, crises[i].id))
            continue;
        if (hd_crisis_covers(&crises[i].scope, item->department, item->channel))
            return (int)i;
    }
    return -1;
}

size_t pub_hold_partition(const pub_hold_crisis_t *crises, size_t nc, const pub_hold_item_t *items,
                          size_t n, int *held_by) {
    size_t held = 0;
    for (size_t i = 0; i < n; i++) {
        held_by[i] = pub_hold_cover(crises, nc, &items[i]);
        held += held_by[i] >= 0;
    }
    return held;
}

static pub_job_state_t state_of(hd_resume_t outcome) {
    switch (outcome) {
    case HD_RESUME_PUBLISH:
        return PUB_JOB_PENDING;
    case HD_RESUME_REAPPROVE:
        return PUB_JOB_RETURNED;
    case HD_RESUME_EXPIRE:
    case HD_RESUME_COUNT:
        break;
    }
    return PUB_JOB_EXPIRED;
}

pub_release_t pub_hold_release(const pub_hold_crisis_t *others, size_t nothers,
                               const pub_hold_item_t *item, hd_resume_t on_time, hd_resume_t late,
                               int64_t scheduled_ms, int64_t now_ms) {
    pub_release_t r = {.moved_to = pub_hold_cover(others, nothers, item)};
    if (r.moved_to >= 0) {
        r.state = PUB_JOB_HELD;
        return r;
    }
    r.outcome = hd_crisis_resume_outcome(on_time, late, scheduled_ms, now_ms);
    r.state = state_of(r.outcome);
    r.not_before_ms = scheduled_ms > now_ms ? scheduled_ms : now_ms;
    return r;
}

const char *pub_hold_reason(char *buf, size_t n, const char *crisis_name, hd_resume_t outcome,
                            int64_t scheduled_ms, int64_t now_ms) {
    const char *slot = scheduled_ms <= 0       ? "it had no slot"
                       : scheduled_ms < now_ms ? "its slot passed during the hold"
                                               : "its slot is still ahead";
    snprintf(buf, n, "crisis \"%s\" resumed; %s, so the playbook's rule is %s", crisis_name, slot,
             hd_resume_name(outcome));
    return buf;
}
