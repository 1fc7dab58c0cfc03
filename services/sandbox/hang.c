/*  hang: a thread per hung request (see hang.h). Hangs are a fault
    injected into a few percent of posts, so a thread each is cheap; they
    are kept in a list so that shutdown can wait for them. */
#include "hang.h"

#include "hd_log.h"
#include "hd_mem.h"
#include "hd_signal.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct hang {
    pthread_t thread;
    hd_http_server_t *server;
    hd_http_later_t *later;
    long ms;
    sb_hang_resume_fn *resume;
    void *arg;
    int joined; /* by sb_hang_join_all, at shutdown */
    struct hang *next;
} hang_t;

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static hang_t *s_hangs;

/* Server thread: the request goes on, then the hang is forgotten. The
   thread has posted this as its last act, so joining it is short. */
static void on_resume(void *arg) {
    hang_t *h = arg;
    h->resume(h->later, h->arg);
    pthread_mutex_lock(&s_lock);
    for (hang_t **p = &s_hangs; *p; p = &(*p)->next)
        if (*p == h) {
            *p = h->next;
            break;
        }
    int joined = h->joined;
    pthread_mutex_unlock(&s_lock);
    if (!joined)
        pthread_join(h->thread, NULL);
    free(h);
}

static void *hang_main(void *arg) {
    hang_t *h = arg;
    for (long left = h->ms; left > 0 && !hd_stop; left -= 10)
        hd_sleep_ms(left < 10 ? (int)left : 10);
    hd_http_server_post(h->server, on_resume, h);
    return NULL;
}

int sb_hang_start(hd_http_req_t *req, long ms, sb_hang_resume_fn *resume, void *arg) {
    hang_t *h = hd_calloc(1, sizeof *h);
    h->server = hd_http_req_server(req);
    h->ms = ms;
    h->resume = resume;
    h->arg = arg;
    if (!(h->later = hd_http_defer(req))) {
        free(h);
        return -1;
    }
    /* Listed before the thread starts: its resume may run at once. */
    pthread_mutex_lock(&s_lock);
    h->next = s_hangs;
    s_hangs = h;
    if (pthread_create(&h->thread, NULL, hang_main, h) != 0) {
        s_hangs = h->next;
        pthread_mutex_unlock(&s_lock);
        hd_warn("hang_failed", "cannot start a thread for the hang: the post fails");
        hd_http_later_done(&h->later); /* answers 500 */
        free(h);
        return 0;
    }
    pthread_mutex_unlock(&s_lock);
    return 0;
}

/* The threads never take the lock, so they can be joined under it; their
   hangs are freed by the resumes they posted, which the server's destroy
   runs. */
void sb_hang_join_all(void) {
    pthread_mutex_lock(&s_lock);
    for (hang_t *h = s_hangs; h; h = h->next)
        if (!h->joined) {
            pthread_join(h->thread, NULL);
            h->joined = 1;
        }
    pthread_mutex_unlock(&s_lock);
}
