/*  hd_batch: the emitted events and the dead mark of one consumer batch. */
#include "hd_batch.h"

#include "hd_id.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_outbox.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct hd_batch_out {
    const char *source;
    hd_outbox_queue_t *q;
    int dead;
    size_t dead_index;
    char why[512];
};

hd_batch_out_t *hd_batch_out_new(const char *source) {
    hd_batch_out_t *self = hd_calloc(1, sizeof *self);
    self->source = source;
    self->q = hd_outbox_queue_new();
    return self;
}

void hd_batch_out_destroy(hd_batch_out_t **self_p) {
    if (!self_p || !*self_p)
        return;
    hd_outbox_queue_destroy(&(*self_p)->q);
    free(*self_p);
    *self_p = NULL;
}

void hd_batch_out_clear(hd_batch_out_t *self) {
    hd_outbox_queue_clear(self->q);
    self->dead = 0;
    self->why[0] = 0;
}

static const char *str(const char *s) { return s ? s : ""; }

void hd_batch_emit(hd_batch_out_t *self, const hd_envelope_t *cause, hd_envelope_t *env,
                   const char *department, const char *label) {
    hd_envelope_t e = *env; /* the caller's header stays as it was */
    char id[HD_ID_LEN];
    e.department = (char *)str(department);
    if (!*str(e.correlation_id))
        e.correlation_id = (char *)str(cause->correlation_id);
    hd_envelope_stamp(&e, id, self->source, cause->id, label);
    hd_outbox_queue_add(self->q, &e);
    hd_log(HD_LOG_INFO, "emitted", id, e.correlation_id, "%s caused by %s", e.type, cause->id);
}

size_t hd_batch_emitted(const hd_batch_out_t *self) { return hd_outbox_queue_count(self->q); }

int hd_batch_dead(hd_batch_out_t *self, size_t index, const char *fmt, ...) {
    if (self->dead)
        return HD_APPLY_DEAD;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(self->why, sizeof self->why, fmt, ap);
    va_end(ap);
    self->dead = 1;
    self->dead_index = index;
    return HD_APPLY_DEAD;
}

int hd_batch_dead_mark(const hd_batch_out_t *self, size_t *index, const char **why) {
    if (!self->dead)
        return 0;
    *index = self->dead_index;
    *why = self->why;
    return 1;
}

int hd_batch_out_write(hd_batch_out_t *self, hd_db_t *db) {
    return hd_outbox_queue_write(self->q, db);
}
