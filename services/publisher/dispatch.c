/*  dispatch: the publisher's consumer callbacks over its parts. */
#include "dispatch.h"

#include "crisis_apply.h"

const char *const pub_types[] = {"content.approved", "crisis.*", "content.released",
                                 "org.webhook.tested"};
const size_t pub_ntypes = sizeof pub_types / sizeof pub_types[0];

int pub_apply_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n, hd_batch_out_t *out,
                    void *arg) {
    pub_parts_t *p = arg;
    int rc = pub_jobs_apply_batch(db, evs, n, out, p->jobs);
    if (rc == HD_APPLY_OK)
        rc = pub_crisis_apply_batch(db, evs, n, out, p->jobs);
    if (rc == HD_APPLY_OK)
        rc = pub_notify_apply_batch(db, evs, n, out, p->notify);
    return rc;
}

int pub_idle(hd_db_t *db, void *arg) {
    pub_parts_t *p = arg;
    int a = pub_jobs_idle(db, p->jobs);
    int b = pub_notify_idle(db, p->notify);
    return a < b ? a : b;
}

void pub_metrics(FILE *out, void *arg) {
    pub_parts_t *p = arg;
    pub_jobs_metrics(out, p->jobs);
    pub_notify_metrics(out, p->notify);
}
