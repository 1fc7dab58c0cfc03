/*  bench-zmqraw: what ZeroMQ alone allows for the hub's fetch traffic, on
    this machine: a DEALER asks, a ROUTER answers, one request in flight,
    over tcp://127.0.0.1 with CURVE, with the request and reply sizes that
    bench-fetch measured on the real hub. The server only copies a prepared
    reply: no database, no protobuf. events/s = replies/s x events per reply.

      bench-zmqraw --reply-bytes 60000 --events-per-reply 200 \
                   [--request-bytes 20] [--duration 5] [--no-curve] */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

typedef struct {
    void *sock;
    size_t reply_bytes;
} server_t;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Answers every request with the reply until an empty request comes. */
static void *serve(void *arg) {
    server_t *s = arg;
    uint8_t *reply = malloc(s->reply_bytes ? s->reply_bytes : 1);
    if (!reply)
        abort();
    memset(reply, 0xA5, s->reply_bytes);
    for (;;) {
        zmq_msg_t id, req;
        zmq_msg_init(&id);
        zmq_msg_init(&req);
        if (zmq_msg_recv(&id, s->sock, 0) < 0 || zmq_msg_recv(&req, s->sock, 0) < 0)
            break;
        size_t n = zmq_msg_size(&req);
        zmq_msg_close(&req);
        if (n == 0) {
            zmq_msg_close(&id);
            break;
        }
        zmq_msg_send(&id, s->sock, ZMQ_SNDMORE);
        zmq_send(s->sock, reply, s->reply_bytes, 0);
    }
    free(reply);
    return NULL;
}

static int curve_pair(void *server, void *client, int curve) {
    if (!curve)
        return 0;
    char spub[41], ssec[41], cpub[41], csec[41];
    int one = 1;
    if (zmq_curve_keypair(spub, ssec) || zmq_curve_keypair(cpub, csec))
        return -1;
    return zmq_setsockopt(server, ZMQ_CURVE_SERVER, &one, sizeof one) ||
                   zmq_setsockopt(server, ZMQ_CURVE_SECRETKEY, ssec, 40) ||
                   zmq_setsockopt(client, ZMQ_CURVE_SERVERKEY, spub, 40) ||
                   zmq_setsockopt(client, ZMQ_CURVE_PUBLICKEY, cpub, 40) ||
                   zmq_setsockopt(client, ZMQ_CURVE_SECRETKEY, csec, 40)
               ? -1
               : 0;
}

/* Request/reply rounds for `duration` seconds; returns how many. */
static long rounds(void *client, size_t request_bytes, double duration, double *secs) {
    uint8_t *req = calloc(1, request_bytes ? request_bytes : 1);
    zmq_msg_t rep;
    long n = 0;
    /* One round first: the handshake is not part of the measure. */
    zmq_send(client, req, request_bytes, 0);
    zmq_msg_init(&rep);
    zmq_msg_recv(&rep, client, 0);
    zmq_msg_close(&rep);
    double t0 = now_s(), t = t0;
    while (t - t0 < duration) {
        zmq_send(client, req, request_bytes, 0);
        zmq_msg_init(&rep);
        if (zmq_msg_recv(&rep, client, 0) < 0)
            break;
        zmq_msg_close(&rep);
        n++;
        if ((n & 15) == 0)
            t = now_s();
    }
    *secs = now_s() - t0;
    free(req);
    return n;
}

int main(int argc, char **argv) {
    size_t reply_bytes = 0, request_bytes = 20;
    double per_reply = 0, duration = 5;
    int curve = 1;
    static const struct option opts[] = {
        {"reply-bytes", 1, 0, 'b'}, {"events-per-reply", 1, 0, 'e'}, {"request-bytes", 1, 0, 'q'},
        {"duration", 1, 0, 'd'},    {"no-curve", 0, 0, 'n'},         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            reply_bytes = strtoul(optarg, NULL, 10);
            break;
        case 'e':
            per_reply = atof(optarg);
            break;
        case 'q':
            request_bytes = strtoul(optarg, NULL, 10);
            break;
        case 'd':
            duration = atof(optarg);
            break;
        case 'n':
            curve = 0;
            break;
        default:
            reply_bytes = 0;
            per_reply = -1;
        }
    }
    if (!reply_bytes || per_reply <= 0 || request_bytes == 0 || duration <= 0) {
        fprintf(stderr, "usage: bench-zmqraw --reply-bytes B --events-per-reply E "
                        "[--request-bytes Q] [--duration S] [--no-curve]\n");
        return 2;
    }
    /* Two contexts, as two processes would have: nothing shared but TCP. */
    void *sctx = zmq_ctx_new(), *cctx = zmq_ctx_new();
    server_t s = {zmq_socket(sctx, ZMQ_ROUTER), reply_bytes};
    void *client = zmq_socket(cctx, ZMQ_DEALER);
    char endpoint[256];
    size_t elen = sizeof endpoint;
    int zero = 0;
    zmq_setsockopt(client, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(s.sock, ZMQ_LINGER, &zero, sizeof zero);
    if (curve_pair(s.sock, client, curve) || zmq_bind(s.sock, "tcp://127.0.0.1:*") ||
        zmq_getsockopt(s.sock, ZMQ_LAST_ENDPOINT, endpoint, &elen) ||
        zmq_connect(client, endpoint)) {
        fprintf(stderr, "bench-zmqraw: setup failed: %s\n", zmq_strerror(zmq_errno()));
        return 1;
    }
    pthread_t th;
    pthread_create(&th, NULL, serve, &s);
    double secs;
    long n = rounds(client, request_bytes, duration, &secs);
    zmq_send(client, "", 0, 0); /* tells the server to stop */
    pthread_join(th, NULL);
    zmq_close(client);
    zmq_close(s.sock);
    zmq_ctx_term(cctx);
    zmq_ctx_term(sctx);
    double rps = secs > 0 ? (double)n / secs : 0;
    printf("{\"replies\":%ld,\"seconds\":%.3f,\"replies_per_s\":%.1f,\"events_per_s\":%.1f,"
           "\"reply_bytes\":%zu,\"events_per_reply\":%.1f,\"mb_per_s\":%.1f,\"curve\":%s}\n",
           n, secs, rps, rps * per_reply, reply_bytes, per_reply, rps * (double)reply_bytes / 1e6,
           curve ? "true" : "false");
    return n > 0 ? 0 : 1;
}
