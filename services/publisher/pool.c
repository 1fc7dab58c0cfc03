/*  pool: worker threads around one shared batch (see pool.h).

    One mutex guards the batch being run: its tasks, the index of the next
    task to hand out and the number still running. Workers wait on `work`
    for a batch; the runner waits on `done` until the last task returned.
    A worker takes one task at a time, so a slow channel holds one worker,
    not a share of the batch fixed in advance. */
#include "pool.h"

#include "hd_log.h"
#include "hd_mem.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    pub_pool_t *pool;
    pthread_t thread;
    pub_conn_t *conn;
    int started;
} worker_t;

struct pub_pool {
    pthread_mutex_t lock;
    pthread_cond_t work, done;
    pub_pool_fn *fn;
    void *const *tasks;
    size_t n, next, running;
    int stop;
    int nworkers;
    worker_t *workers;
};

/* The next task for a worker, or NULL when the pool stops. Waits. */
static void *take(pub_pool_t *self, pub_pool_fn **fn) {
    pthread_mutex_lock(&self->lock);
    while (!self->stop && self->next >= self->n)
        pthread_cond_wait(&self->work, &self->lock);
    void *task = NULL;
    if (!self->stop) {
        task = self->tasks[self->next++];
        *fn = self->fn;
    }
    pthread_mutex_unlock(&self->lock);
    return task;
}

static void finished(pub_pool_t *self) {
    pthread_mutex_lock(&self->lock);
    if (--self->running == 0)
        pthread_cond_signal(&self->done);
    pthread_mutex_unlock(&self->lock);
}

static void *worker_main(void *arg) {
    worker_t *w = arg;
    pub_pool_fn *fn = NULL;
    void *task;
    while ((task = take(w->pool, &fn)) != NULL) {
        fn(task, w->conn);
        finished(w->pool);
    }
    return NULL;
}

/* Starts the workers with SIGINT/SIGTERM blocked (they inherit the mask).
   0, or -1 when one could not start (those started are marked). */
static int start_workers(pub_pool_t *self) {
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int rc = 0;
    for (int i = 0; i < self->nworkers && rc == 0; i++) {
        worker_t *w = &self->workers[i];
        w->pool = self;
        w->conn = pub_conn_new();
        if (!w->conn || pthread_create(&w->thread, NULL, worker_main, w) != 0)
            rc = -1;
        else
            w->started = 1;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

pub_pool_t *pub_pool_new(int threads) {
    if (threads < 1 || threads > PUB_POOL_MAX) {
        hd_error("pool_size", "worker count %d is outside 1..%d", threads, PUB_POOL_MAX);
        return NULL;
    }
    pub_pool_t *self = hd_calloc(1, sizeof *self);
    worker_t *workers = hd_calloc((size_t)threads, sizeof *workers);
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->work, NULL);
    pthread_cond_init(&self->done, NULL);
    self->nworkers = threads;
    self->workers = workers;
    if (start_workers(self) < 0) {
        hd_error("pool_start", "cannot start %d delivery workers", threads);
        pub_pool_destroy(&self);
        return NULL;
    }
    return self;
}

void pub_pool_destroy(pub_pool_t **self_p) {
    if (!self_p || !*self_p)
        return;
    pub_pool_t *self = *self_p;
    pthread_mutex_lock(&self->lock);
    self->stop = 1;
    pthread_cond_broadcast(&self->work);
    pthread_mutex_unlock(&self->lock);
    for (int i = 0; i < self->nworkers; i++) {
        if (self->workers[i].started)
            pthread_join(self->workers[i].thread, NULL);
        pub_conn_destroy(&self->workers[i].conn);
    }
    pthread_cond_destroy(&self->done);
    pthread_cond_destroy(&self->work);
    pthread_mutex_destroy(&self->lock);
    free(self->workers);
    free(self);
    *self_p = NULL;
}

/* The absolute time every_ms from now (CLOCK_REALTIME, as the condition
   variables wait by). */
static struct timespec after_ms(int every_ms) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += every_ms / 1000;
    t.tv_nsec += (long)(every_ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

void pub_pool_run(pub_pool_t *self, pub_pool_fn *fn, void *const *tasks, size_t n) {
    pub_pool_run_watched(self, fn, tasks, n, NULL, NULL, 0);
}

void pub_pool_run_watched(pub_pool_t *self, pub_pool_fn *fn, void *const *tasks, size_t n,
                          pub_pool_watch_fn *watch, void *arg, int every_ms) {
    if (n == 0)
        return;
    pthread_mutex_lock(&self->lock);
    self->fn = fn;
    self->tasks = tasks;
    self->n = n;
    self->next = 0;
    self->running = n;
    pthread_cond_broadcast(&self->work);
    while (self->running > 0) {
        if (!watch) {
            pthread_cond_wait(&self->done, &self->lock);
            continue;
        }
        struct timespec until = after_ms(every_ms > 0 ? every_ms : 1);
        if (pthread_cond_timedwait(&self->done, &self->lock, &until) == ETIMEDOUT &&
            self->running > 0) {
            pthread_mutex_unlock(&self->lock);
            watch(arg);
            pthread_mutex_lock(&self->lock);
        }
    }
    /* The caller may free tasks now: no worker may look at them again. */
    self->tasks = NULL;
    self->n = self->next = 0;
    pthread_mutex_unlock(&self->lock);
}

int pub_pool_size(const pub_pool_t *self) { return self->nworkers; }
