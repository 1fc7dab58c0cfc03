/*  bench-hol: head-of-line blocking in ingest's HTTP server. One client
    pipelines --count requests (GET --pipe-path, default /v1/me: each an
    authenticated database read) on one connection, writing them all
    without waiting; meanwhile a second client on its own connection sends
    GET --probe-path one at a time and times each answer. The figure is
    the probe's p99 while the pipeline is in flight:

      bench-hol --http 127.0.0.1:8080 --token T [--count 20000]
      -> hol get_p99_ms=X get_p50_ms=Y pipelined=20000 probes=N

    With handlers on the server's I/O thread the probe waits behind the
    pipeline; with handlers on workers it waits only for a free worker. */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    char host[64];
    int port;
    const char *token, *pipe_path, *probe_path;
    long count;
    atomic_int done; /* the pipeline has every answer */
} hol_t;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int dial(const hol_t *h) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)h->port)};
    int one = 1;
    if (fd < 0 || inet_pton(AF_INET, h->host, &a.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        perror("bench-hol: connect");
        exit(1);
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static int request(const hol_t *h, const char *path, char *out, size_t cap) {
    return snprintf(out, cap, "GET %s HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer %s\r\n\r\n",
                    path, h->token);
}

static void send_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) {
            perror("bench-hol: send");
            exit(1);
        }
        p += w;
        n -= (size_t)w;
    }
}

/* Reads from fd into buf (len bytes held) until `want` more complete
   answers are counted; keeps what follows them. Returns answers counted. */
typedef struct {
    char data[1 << 16];
    size_t len;
} inbuf_t;

static long take_answers(inbuf_t *b) {
    long n = 0;
    size_t off = 0;
    for (;;) {
        char *hend = memmem(b->data + off, b->len - off, "\r\n\r\n", 4);
        if (!hend)
            break;
        char *cl = memmem(b->data + off, (size_t)(hend - b->data - off), "Content-Length: ", 16);
        size_t blen = cl ? strtoul(cl + 16, NULL, 10) : 0;
        size_t end = (size_t)(hend + 4 - b->data) + blen;
        if (end > b->len)
            break;
        off = end;
        n++;
    }
    memmove(b->data, b->data + off, b->len - off);
    b->len -= off;
    return n;
}

static void read_answers(int fd, inbuf_t *b, long want) {
    while (want > 0) {
        ssize_t r = recv(fd, b->data + b->len, sizeof b->data - b->len, 0);
        if (r <= 0) {
            fprintf(stderr, "bench-hol: connection closed with %ld answers due\n", want);
            exit(1);
        }
        b->len += (size_t)r;
        want -= take_answers(b);
    }
}

typedef struct {
    hol_t *h;
    int fd;
} writer_t;

static void *pipe_writer(void *arg) {
    writer_t *w = arg;
    char one[1024];
    int n = request(w->h, w->h->pipe_path, one, sizeof one);
    char *all = malloc((size_t)n * 256);
    for (long i = 0; i < w->h->count; i += 256) {
        long k = w->h->count - i < 256 ? w->h->count - i : 256;
        for (long j = 0; j < k; j++)
            memcpy(all + j * n, one, (size_t)n);
        send_all(w->fd, all, (size_t)(k * n));
    }
    free(all);
    return NULL;
}

static void *pipeline(void *arg) {
    hol_t *h = arg;
    writer_t w = {h, dial(h)};
    pthread_t t;
    pthread_create(&t, NULL, pipe_writer, &w);
    static inbuf_t b;
    read_answers(w.fd, &b, h->count);
    atomic_store(&h->done, 1);
    pthread_join(t, NULL);
    close(w.fd);
    return NULL;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    hol_t h = {.port = 8080, .count = 20000, .pipe_path = "/v1/me", .probe_path = "/v1/me"};
    snprintf(h.host, sizeof h.host, "127.0.0.1");
    static const struct option opts[] = {{"http", 1, 0, 'h'},       {"token", 1, 0, 't'},
                                         {"count", 1, 0, 'n'},      {"pipe-path", 1, 0, 'p'},
                                         {"probe-path", 1, 0, 'g'}, {0, 0, 0, 0}};
    for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
        if (c == 'h') {
            const char *colon = strrchr(optarg, ':');
            snprintf(h.host, sizeof h.host, "%.*s", colon ? (int)(colon - optarg) : 0, optarg);
            h.port = colon ? atoi(colon + 1) : 8080;
        } else if (c == 't')
            h.token = optarg;
        else if (c == 'n')
            h.count = atol(optarg);
        else if (c == 'p')
            h.pipe_path = optarg;
        else if (c == 'g')
            h.probe_path = optarg;
        else
            return 2;
    }
    if (!h.token || h.count < 1) {
        fprintf(stderr, "usage: bench-hol --http HOST:PORT --token T [--count N] "
                        "[--pipe-path P] [--probe-path P]\n");
        return 2;
    }
    int probe = dial(&h);
    char req[1024];
    int n = request(&h, h.probe_path, req, sizeof req);
    static inbuf_t b;
    size_t cap = 1 << 20, np = 0;
    double *lat = malloc(cap * sizeof *lat), t0 = now_ms();
    pthread_t t;
    pthread_create(&t, NULL, pipeline, &h);
    while (!atomic_load(&h.done) && np < cap) {
        double s = now_ms();
        send_all(probe, req, (size_t)n);
        read_answers(probe, &b, 1);
        lat[np++] = now_ms() - s;
    }
    pthread_join(t, NULL);
    double total = now_ms() - t0;
    close(probe);
    if (np == 0) {
        fprintf(stderr, "bench-hol: no probe finished while the pipeline ran\n");
        return 1;
    }
    qsort(lat, np, sizeof *lat, cmp);
    fprintf(stderr, "bench-hol: %ld pipelined in %.0f ms, %zu probes, max %.1f ms\n", h.count,
            total, np, lat[np - 1]);
    printf("hol get_p99_ms=%.2f get_p50_ms=%.2f pipelined=%ld probes=%zu\n",
           lat[(size_t)((double)(np - 1) * 0.99)], lat[np / 2], h.count, np);
    free(lat);
    return 0;
}
