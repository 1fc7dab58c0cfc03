/*  batch: group commit for submissions (see batch.h). The queue is a plain
    list under one mutex; a writer takes all of it (up to max_batch) at once,
    which is what makes batches grow by themselves exactly when commits are
    the bottleneck, and stay at one item when the door is quiet. */
#include "batch.h"

#include "batch_sql.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "metrics.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ing_batch {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    ing_item_t *head, *tail;
    int stopping;
    int nwriters;
    int max_batch;
    pthread_t *threads;
    hd_db_t **dbs;
};

typedef struct {
    ing_batch_t *batch;
    hd_db_t *db;
} writer_t;

static char *dup_or_null(const char *s) { return s ? hd_strdup(s) : NULL; }

void ing_item_set(char **member, const char *s) {
    free(*member);
    *member = dup_or_null(s);
}

ing_item_t *ing_item_new(const ing_submission_t *in) {
    ing_item_t *it = hd_calloc(1, sizeof *it);
    if (in) {
        it->in.channel = dup_or_null(in->channel);
        it->in.text = dup_or_null(in->text);
        it->in.kind = dup_or_null(in->kind);
        it->in.idempotency_key = dup_or_null(in->idempotency_key);
        it->in.key_field = in->key_field;
        it->in.scheduled_at_ms = in->scheduled_at_ms;
        it->in.crisis_id = dup_or_null(in->crisis_id);
        it->in.reply_to_mention_id = dup_or_null(in->reply_to_mention_id);
        it->in.supersede = in->supersede;
    }
    return it;
}

void ing_item_free(ing_item_t **item_p) {
    if (!item_p || !*item_p)
        return;
    ing_item_t *it = *item_p;
    ing_dec_mention_clear(&it->mention);
    free(it->token);
    free(it->email);
    free(it->only_department);
    free((char *)it->in.channel);
    free((char *)it->in.text);
    free((char *)it->in.kind);
    free((char *)it->in.idempotency_key);
    free((char *)it->in.crisis_id);
    free((char *)it->in.reply_to_mention_id);
    free(it);
    *item_p = NULL;
}

/* Takes up to max_batch queued items; NULL once stopping and empty. */
static ing_item_t *take(ing_batch_t *b, size_t *n) {
    pthread_mutex_lock(&b->lock);
    while (!b->head && !b->stopping)
        pthread_cond_wait(&b->ready, &b->lock);
    ing_item_t *first = b->head, *last = NULL;
    size_t count = 0;
    for (ing_item_t *it = first; it && count < (size_t)b->max_batch; it = it->next) {
        last = it;
        count++;
    }
    if (last) {
        b->head = last->next;
        if (!b->head)
            b->tail = NULL;
        last->next = NULL;
    }
    pthread_mutex_unlock(&b->lock);
    *n = count;
    return first;
}

static double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *writer_run(void *arg) {
    writer_t *w = arg;
    ing_item_t *list;
    size_t n;
    ing_item_t **items = NULL;
    size_t cap = 0;
    while ((list = take(w->batch, &n))) {
        items = hd_grow(items, &cap, n, sizeof *items);
        size_t i = 0;
        for (ing_item_t *it = list; it; it = it->next)
            items[i++] = it;
        double t0 = mono_s();
        ing_batch_record(w->db, items, n);
        ing_metrics_batch(n, mono_s() - t0);
        for (i = 0; i < n; i++) {
            ing_metrics_item(items[i]->res.status);
            items[i]->next = NULL;
            items[i]->done(items[i], items[i]->done_arg);
        }
    }
    free(items);
    free(w);
    return NULL;
}

ing_batch_t *ing_batch_new(const char *db_url, int writers, int max_batch, int connect_ms) {
    ing_batch_t *b = hd_calloc(1, sizeof *b);
    b->nwriters = writers < 1 ? 1 : writers;
    b->max_batch = max_batch < 1 ? 1 : max_batch;
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->ready, NULL);
    b->threads = hd_calloc((size_t)b->nwriters, sizeof *b->threads);
    b->dbs = hd_calloc((size_t)b->nwriters, sizeof *b->dbs);
    for (int i = 0; i < b->nwriters; i++) {
        if (!(b->dbs[i] = hd_db_connect(db_url, connect_ms))) {
            b->nwriters = i; /* only these have threads to stop (none yet) */
            for (int k = 0; k < i; k++)
                hd_db_destroy(&b->dbs[k]);
            free(b->threads);
            free(b->dbs);
            free(b);
            return NULL;
        }
    }
    for (int i = 0; i < b->nwriters; i++) {
        writer_t *w = hd_calloc(1, sizeof *w);
        w->batch = b;
        w->db = b->dbs[i];
        if (pthread_create(&b->threads[i], NULL, writer_run, w) != 0)
            abort(); /* no thread is as fatal as no memory */
    }
    hd_info("batch_started", "%d writers, up to %d items per commit", b->nwriters, b->max_batch);
    return b;
}

void ing_batch_submit(ing_batch_t *self, ing_item_t *item) {
    item->next = NULL;
    pthread_mutex_lock(&self->lock);
    if (self->stopping) {
        pthread_mutex_unlock(&self->lock);
        ing_result_refuse(&item->res, 503, NULL, "ingest is stopping, retry");
        item->done(item, item->done_arg);
        return;
    }
    if (self->tail)
        self->tail->next = item;
    else
        self->head = item;
    self->tail = item;
    pthread_cond_signal(&self->ready);
    pthread_mutex_unlock(&self->lock);
}

void ing_batch_stop(ing_batch_t *self) {
    if (!self)
        return;
    pthread_mutex_lock(&self->lock);
    int joined = self->stopping;
    self->stopping = 1;
    pthread_cond_broadcast(&self->ready);
    pthread_mutex_unlock(&self->lock);
    if (joined)
        return;
    for (int i = 0; i < self->nwriters; i++) {
        pthread_join(self->threads[i], NULL);
        hd_db_destroy(&self->dbs[i]);
    }
}

void ing_batch_destroy(ing_batch_t **self_p) {
    if (!self_p || !*self_p)
        return;
    ing_batch_t *b = *self_p;
    *self_p = NULL;
    ing_batch_stop(b);
    pthread_mutex_destroy(&b->lock);
    pthread_cond_destroy(&b->ready);
    free(b->threads);
    free(b->dbs);
    free(b);
}
