/*  batch: the metrics consumer's begin / flush pair (see batch.h). */
#include "batch.h"

void mx_batch_begin(void *arg) {
    mx_batch_t *self = arg;
    mx_gather_begin(&self->counters);
    mx_latency_begin(&self->latency);
}

/* The two write different tables, so their order does not matter. */
int mx_batch_flush(hd_db_t *db, void *arg) {
    mx_batch_t *self = arg;
    if (mx_gather_flush(db, &self->counters) < 0)
        return -1;
    return mx_latency_flush(&self->latency, db);
}

void mx_batch_free(mx_batch_t *self) {
    mx_gather_free(&self->counters);
    mx_latency_free(&self->latency);
}
