/*  notify: STUB until helper "notify" lands. */
#include "notify.h"

int pub_notify_apply_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n,
                           hd_batch_out_t *out, void *arg) {
    (void)db, (void)evs, (void)n, (void)out, (void)arg;
    return HD_APPLY_OK;
}

int pub_notify_idle(hd_db_t *db, pub_notify_t *self) {
    (void)db, (void)self;
    return 1000;
}
