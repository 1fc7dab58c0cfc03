/*  crisis_apply: STUB until helper "publisher-hold" lands. */
#include "crisis_apply.h"

int pub_crisis_apply_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n,
                           hd_batch_out_t *out, void *arg) {
    (void)db, (void)evs, (void)n, (void)out, (void)arg;
    return HD_APPLY_OK;
}
