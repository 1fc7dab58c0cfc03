/*  The delivery worker pool (services/publisher/pool.c): every task runs
    exactly once, at most `threads` at a time and really at the same time,
    each worker with its own connection; a pool is reused across batches
    and stops cleanly. */
#include "hd_test.h"
#include "pool.h"

#include <curl/curl.h>
#include <pthread.h>
#include <unistd.h>

typedef struct {
    int runs;
    pub_conn_t *conn;
} task_t;

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static int s_active, s_max_active;

static void work(void *arg, pub_conn_t *conn) {
    task_t *t = arg;
    pthread_mutex_lock(&s_lock);
    t->runs++;
    t->conn = conn;
    if (++s_active > s_max_active)
        s_max_active = s_active;
    pthread_mutex_unlock(&s_lock);
    usleep(20 * 1000);
    pthread_mutex_lock(&s_lock);
    s_active--;
    pthread_mutex_unlock(&s_lock);
}

/* Runs n tasks on pool; 0 when each ran once with a connection. */
static int run_batch(pub_pool_t *pool, task_t *tasks, int n) {
    void *ptrs[64];
    for (int i = 0; i < n; i++) {
        tasks[i].runs = 0;
        tasks[i].conn = NULL;
        ptrs[i] = &tasks[i];
    }
    pub_pool_run(pool, work, ptrs, (size_t)n);
    for (int i = 0; i < n; i++)
        if (tasks[i].runs != 1 || !tasks[i].conn)
            return -1;
    return 0;
}

HD_TEST(tasks_run_once_and_in_parallel) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pub_pool_t *pool = pub_pool_new(4);
    ASSERT(pool != NULL);
    ASSERT_EQ(pub_pool_size(pool), 4);
    task_t tasks[40], again[7];
    s_max_active = 0;
    int rc = run_batch(pool, tasks, 40);
    int max1 = s_max_active;
    int conns = 0; /* distinct connections: one per worker */
    for (int i = 0; i < 40; i++) {
        int j = 0;
        while (j < i && tasks[j].conn != tasks[i].conn)
            j++;
        conns += j == i;
    }
    /* a second batch on the same workers, and an empty one */
    int rc2 = run_batch(pool, again, 7);
    pub_pool_run(pool, work, NULL, 0);
    pub_pool_destroy(&pool);
    pub_pool_destroy(&pool); /* safe twice */
    curl_global_cleanup();
    ASSERT_EQ(rc, 0);
    ASSERT_EQ(rc2, 0);
    ASSERT(pool == NULL);
    ASSERT(max1 > 1);  /* really concurrent */
    ASSERT(max1 <= 4); /* never more than the workers */
    ASSERT(conns >= 2 && conns <= 4);
    ASSERT_EQ(s_active, 0);
}

typedef struct {
    int calls;
    int running_seen; /* a task was running during some call */
} watch_seen_t;

static void watch(void *arg) {
    watch_seen_t *w = arg;
    w->calls++;
    pthread_mutex_lock(&s_lock);
    w->running_seen |= s_active > 0;
    pthread_mutex_unlock(&s_lock);
}

/* The watch runs on the caller's thread while tasks run, never after the
   batch returned. */
HD_TEST(the_watch_runs_while_the_batch_runs) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pub_pool_t *pool = pub_pool_new(2);
    ASSERT(pool != NULL);
    task_t tasks[8];
    void *ptrs[8];
    for (int i = 0; i < 8; i++) {
        tasks[i].runs = 0;
        ptrs[i] = &tasks[i];
    }
    watch_seen_t w = {0};
    /* 8 tasks of 20 ms on 2 workers: about 80 ms, watched every 5 ms */
    pub_pool_run_watched(pool, work, ptrs, 8, watch, &w, 5);
    int after = w.calls;
    pub_pool_run_watched(pool, work, ptrs, 0, watch, &w, 5);
    pub_pool_destroy(&pool);
    curl_global_cleanup();
    for (int i = 0; i < 8; i++)
        ASSERT_EQ(tasks[i].runs, 1);
    ASSERT(after >= 3);
    ASSERT(w.running_seen);
    ASSERT_EQ(w.calls, after); /* an empty batch is not watched */
}

HD_TEST(sizes_outside_the_range_are_refused) {
    ASSERT(pub_pool_new(0) == NULL);
    ASSERT(pub_pool_new(PUB_POOL_MAX + 1) == NULL);
}

HD_TEST_MAIN(HD_CASE(tasks_run_once_and_in_parallel), HD_CASE(the_watch_runs_while_the_batch_runs),
             HD_CASE(sizes_outside_the_range_are_refused))
