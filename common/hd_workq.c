/*  hd_workq: worker pool and return queue (see hd_workq.h). */
#include "hd_workq.h"

#include "hd_log.h"
#include "hd_mem.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct job {
    hd_workq_fn *work, *done;
    void *arg;
    struct job *next;
} job_t;

typedef struct {
    job_t *head, *tail;
} fifo_t;

typedef struct {
    hd_workq_t *q;
    void *state;
    pthread_t thread;
} worker_t;

struct hd_workq {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    fifo_t todo, finished;
    int stopping; /* destroy has begun: workers leave once todo is empty */
    int joined;   /* workers gone: submit runs work itself */
    hd_workq_pool_t pool;
    hd_workq_wake_fn *wake;
    void *wake_arg;
    worker_t *workers;
    int nworkers; /* started */
};

static _Thread_local void *s_state;

static void fifo_push(fifo_t *f, job_t *j) {
    j->next = NULL;
    if (f->tail)
        f->tail->next = j;
    else
        f->head = j;
    f->tail = j;
}

static job_t *fifo_take_all(fifo_t *f) {
    job_t *j = f->head;
    f->head = f->tail = NULL;
    return j;
}

/* Queues a finished job's done for the owner; wakes it on the first. */
static void finish(hd_workq_t *q, job_t *j) {
    if (!j->done) {
        free(j);
        return;
    }
    pthread_mutex_lock(&q->lock);
    int was_empty = q->finished.head == NULL;
    fifo_push(&q->finished, j);
    pthread_mutex_unlock(&q->lock);
    if (was_empty && q->wake)
        q->wake(q->wake_arg);
}

static void *worker_main(void *arg) {
    worker_t *w = arg;
    hd_workq_t *q = w->q;
    s_state = w->state;
    for (;;) {
        pthread_mutex_lock(&q->lock);
        while (!q->todo.head && !q->stopping)
            pthread_cond_wait(&q->ready, &q->lock);
        job_t *j = q->todo.head;
        if (j && !(q->todo.head = j->next))
            q->todo.tail = NULL;
        pthread_mutex_unlock(&q->lock);
        if (!j)
            return NULL; /* stopping, and nothing left to do */
        j->work(j->arg);
        finish(q, j);
    }
}

static void states_free(hd_workq_t *q) {
    for (int i = 0; i < q->pool.workers; i++)
        if (q->workers[i].state && q->pool.fini)
            q->pool.fini(q->workers[i].state, q->pool.arg);
}

static int start_workers(hd_workq_t *q) {
    for (int i = 0; i < q->pool.workers; i++) {
        worker_t *w = &q->workers[i];
        w->q = q;
        if (q->pool.init && !(w->state = q->pool.init(i, q->pool.arg))) {
            hd_error("workq_init_failed", "worker %d of %d has no state", i, q->pool.workers);
            return -1;
        }
    }
    for (int i = 0; i < q->pool.workers; i++) {
        if (pthread_create(&q->workers[i].thread, NULL, worker_main, &q->workers[i]) != 0) {
            hd_error("workq_thread_failed", "cannot start worker %d", i);
            return -1;
        }
        q->nworkers++;
    }
    return 0;
}

hd_workq_t *hd_workq_new(const hd_workq_pool_t *pool, hd_workq_wake_fn *wake, void *wake_arg) {
    hd_workq_t *q = hd_calloc(1, sizeof *q);
    if (pool)
        q->pool = *pool;
    if (q->pool.workers < 1)
        q->pool.workers = 1;
    q->wake = wake;
    q->wake_arg = wake_arg;
    q->workers = hd_calloc((size_t)q->pool.workers, sizeof *q->workers);
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->ready, NULL);
    if (start_workers(q) < 0)
        hd_workq_destroy(&q);
    return q;
}

void hd_workq_submit(hd_workq_t *self, hd_workq_fn *work, hd_workq_fn *done, void *arg) {
    job_t *j = hd_calloc(1, sizeof *j);
    j->work = work;
    j->done = done;
    j->arg = arg;
    pthread_mutex_lock(&self->lock);
    int inline_run = self->joined;
    if (work && !inline_run) {
        fifo_push(&self->todo, j);
        pthread_cond_signal(&self->ready);
    }
    pthread_mutex_unlock(&self->lock);
    if (work && !inline_run)
        return;
    if (work)
        work(arg);
    finish(self, j);
}

size_t hd_workq_drain(hd_workq_t *self) {
    pthread_mutex_lock(&self->lock);
    job_t *j = fifo_take_all(&self->finished);
    pthread_mutex_unlock(&self->lock);
    size_t n = 0;
    while (j) {
        job_t *next = j->next;
        j->done(j->arg);
        free(j);
        j = next;
        n++;
    }
    return n;
}

void *hd_workq_state(void) { return s_state; }

void hd_workq_destroy(hd_workq_t **self_p) {
    if (!self_p || !*self_p)
        return;
    /* The caller's pointer stays valid until the end: jobs still running,
       and done callbacks drained below, may submit through it (a deferred
       answer handed back while its server is being destroyed). */
    hd_workq_t *q = *self_p;
    pthread_mutex_lock(&q->lock);
    q->stopping = 1;
    pthread_cond_broadcast(&q->ready);
    pthread_mutex_unlock(&q->lock);
    for (int i = 0; i < q->nworkers; i++)
        pthread_join(q->workers[i].thread, NULL);
    pthread_mutex_lock(&q->lock);
    q->joined = 1;
    job_t *left = fifo_take_all(&q->todo); /* only if no worker ever started */
    pthread_mutex_unlock(&q->lock);
    for (job_t *next; left; left = next) {
        next = left->next;
        left->work(left->arg);
        finish(q, left);
    }
    q->wake = NULL;
    while (hd_workq_drain(q) > 0) {
    }
    states_free(q);
    pthread_cond_destroy(&q->ready);
    pthread_mutex_destroy(&q->lock);
    free(q->workers);
    free(q);
    *self_p = NULL;
}
