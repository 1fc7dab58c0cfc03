/*  bench-loadgen: submits content through ingest, as fast as it can or at a
    fixed rate, over N keep-alive HTTP connections (POST /v1/content with a
    bearer token and a unique Idempotency-Key) or over the ZeroMQ door
    (DEALER + CURVE, IngestRequest.submit_content, a window of requests in
    flight). Every item's submit and acknowledgement times are written to
    --out, so that a later step can join them with the time each item was
    published; a one-line JSON summary goes to stdout.

      bench-loadgen --http 127.0.0.1:8080 --token T --conns 64 --duration 10
      bench-loadgen --zmq tcp://127.0.0.1:7610 --author maya@example.org \
                    --keys .huddle/keys --window 64 --count 5000
      bench-loadgen --http ... --rate 1000 --duration 15 --out items.tsv */
#include "lg.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t lg_now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t due_us(const lg_run_t *run, long i) {
    return run->rate > 0 ? run->t0_us + (int64_t)((double)i * 1e6 / run->rate) : run->t0_us;
}

static int exhausted(const lg_run_t *run, int64_t now_us) {
    if (run->count > 0 && run->next >= run->count)
        return 1;
    if (run->end_us && (now_us >= run->end_us || due_us(run, run->next) >= run->end_us))
        return 1;
    return 0;
}

static void grow(lg_run_t *run, size_t need) {
    if (need <= run->cap)
        return;
    size_t cap = run->cap ? run->cap * 2 : 65536;
    while (cap < need)
        cap *= 2;
    lg_record_t *r = realloc(run->recs, cap * sizeof *r);
    if (!r) {
        fprintf(stderr, "loadgen: out of memory for %zu records\n", cap);
        exit(1);
    }
    memset(r + run->cap, 0, (cap - run->cap) * sizeof *r);
    run->recs = r;
    run->cap = cap;
}

long lg_take(lg_run_t *run, int64_t now_us, int64_t *t_submit_us) {
    if (exhausted(run, now_us))
        return LG_DONE;
    int64_t due = due_us(run, run->next);
    if (due > now_us)
        return LG_NOT_DUE;
    long i = run->next++;
    grow(run, (size_t)run->next);
    *t_submit_us = run->rate > 0 ? due : now_us;
    run->recs[i].t_submit_us = *t_submit_us;
    return i;
}

int64_t lg_due_in_us(const lg_run_t *run, int64_t now_us) {
    if (exhausted(run, now_us))
        return -1;
    int64_t d = due_us(run, run->next) - now_us;
    return d > 0 ? d : 0;
}

lg_record_t *lg_record(lg_run_t *run, long i) { return &run->recs[i]; }

void lg_answer(lg_run_t *run, long i, int status, const char *id, int64_t now_us) {
    lg_record_t *r = &run->recs[i];
    r->status = status;
    r->t_ack_us = now_us;
    snprintf(r->id, sizeof r->id, "%s", id ? id : "");
}

void lg_item_key(const lg_run_t *run, long i, char *buf, size_t n) {
    snprintf(buf, n, "%s-%ld", run->key_prefix, i);
}

/* Text that passes the starter policy: no digits (nothing a PII detector
   could take for a phone or card number), no links, no listed terms. The
   item number is spelled in letters so that every text differs. */
void lg_item_text(const lg_run_t *run, long i, char *buf, size_t n) {
    static const char *filler = " Meet the team, try the new features and tell us what you think.";
    char tag[32];
    size_t t = 0;
    long v = i;
    do {
        tag[t++] = (char)('a' + v % 26);
        v /= 26;
    } while (v && t < sizeof tag - 1);
    tag[t] = 0;
    int len = snprintf(buf, n, "Spring launch %s: meet our new app!", tag);
    size_t want = (size_t)run->text_bytes < n ? (size_t)run->text_bytes : n - 1;
    size_t flen = strlen(filler), pos = len > 0 ? (size_t)len : 0;
    while (pos < want) {
        size_t k = want - pos < flen ? want - pos : flen;
        memcpy(buf + pos, filler, k);
        pos += k;
    }
    buf[pos < n ? pos : n - 1] = 0;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(const int64_t *v, size_t n, double p) {
    if (!n)
        return 0;
    size_t k = (size_t)(p * (double)(n - 1) + 0.5);
    return (double)v[k] / 1000.0;
}

/* Writes the per-item file and prints the summary line. */
static int report(lg_run_t *run, const char *out, const char *mode) {
    FILE *f = out ? fopen(out, "w") : NULL;
    if (out && !f) {
        perror(out);
        return -1;
    }
    long ok = 0, refused = 0, lost = 0;
    int64_t first = 0, last = 0;
    int64_t *lat = malloc(((size_t)run->next + 1) * sizeof *lat);
    if (!lat)
        abort();
    for (long i = 0; i < run->next; i++) {
        const lg_record_t *r = &run->recs[i];
        if (f)
            fprintf(f, "%ld\t%s\t%lld\t%lld\t%d\n", i, r->id[0] ? r->id : "-",
                    (long long)r->t_submit_us, (long long)r->t_ack_us, r->status);
        if (!first || r->t_submit_us < first)
            first = r->t_submit_us;
        if (r->status == 200 || r->status == 201) {
            lat[ok++] = r->t_ack_us - r->t_submit_us;
            last = r->t_ack_us > last ? r->t_ack_us : last;
        } else if (r->status)
            refused++;
        else
            lost++;
    }
    if (f)
        fclose(f);
    qsort(lat, (size_t)ok, sizeof *lat, cmp_i64);
    double secs = last > first ? (double)(last - first) / 1e6 : 0;
    printf("{\"mode\":\"%s\",\"submitted\":%ld,\"acked\":%ld,\"refused\":%ld,\"lost\":%ld,"
           "\"seconds\":%.3f,\"acks_per_s\":%.1f,\"ack_p50_ms\":%.2f,\"ack_p99_ms\":%.2f,"
           "\"first_submit_us\":%lld,\"last_ack_us\":%lld}\n",
           mode, run->next, ok, refused, lost, secs, secs > 0 ? (double)ok / secs : 0,
           pct(lat, (size_t)ok, 0.50), pct(lat, (size_t)ok, 0.99), (long long)first,
           (long long)last);
    free(lat);
    return 0;
}

static void usage(void) {
    fprintf(stderr,
            "usage: bench-loadgen (--http HOST:PORT --token T [--token T2...] [--conns N]\n"
            "                     | --zmq ENDPOINT --author EMAIL [--keys DIR] [--window W])\n"
            "                     [--duration S] [--count K] [--rate R] [--channel C]\n"
            "                     [--text-bytes N] [--key-prefix P] [--out FILE]\n"
            "  --duration and --count bound the run (at least one is required);\n"
            "  --rate R submits R items/s in total (default: as fast as possible).\n");
}

static int parse(lg_run_t *run, int argc, char **argv, const char **out) {
    static const struct option opts[] = {{"http", 1, 0, 'h'},
                                         {"zmq", 1, 0, 'z'},
                                         {"conns", 1, 0, 'c'},
                                         {"window", 1, 0, 'w'},
                                         {"duration", 1, 0, 'd'},
                                         {"count", 1, 0, 'n'},
                                         {"rate", 1, 0, 'r'},
                                         {"token", 1, 0, 't'},
                                         {"author", 1, 0, 'a'},
                                         {"keys", 1, 0, 'k'},
                                         {"channel", 1, 0, 'C'},
                                         {"text-bytes", 1, 0, 'b'},
                                         {"key-prefix", 1, 0, 'p'},
                                         {"out", 1, 0, 'o'},
                                         {"cert", 1, 0, 'E'},
                                         {"server", 1, 0, 'S'},
                                         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            run->http_addr = optarg;
            break;
        case 'z':
            run->zmq_endpoint = optarg;
            break;
        case 'c':
            run->conns = atoi(optarg);
            break;
        case 'w':
            run->window = atoi(optarg);
            break;
        case 'd':
            run->duration_s = atof(optarg);
            break;
        case 'n':
            run->count = atol(optarg);
            break;
        case 'r':
            run->rate = atof(optarg);
            break;
        case 't':
            run->tokens = realloc(run->tokens, (size_t)(run->ntokens + 1) * sizeof(char *));
            if (!run->tokens)
                abort();
            run->tokens[run->ntokens++] = optarg;
            break;
        case 'a':
            run->author = optarg;
            break;
        case 'k':
            run->keys_dir = optarg;
            break;
        case 'C':
            run->channel = optarg;
            break;
        case 'b':
            run->text_bytes = atoi(optarg);
            break;
        case 'p':
            run->key_prefix = optarg;
            break;
        case 'o':
            *out = optarg;
            break;
        case 'E':
            run->cert = optarg;
            break;
        case 'S':
            run->server = optarg;
            break;
        default:
            return -1;
        }
    }
    if (!run->http_addr == !run->zmq_endpoint) {
        fprintf(stderr, "loadgen: give exactly one of --http and --zmq\n");
        return -1;
    }
    if (run->duration_s <= 0 && run->count <= 0) {
        fprintf(stderr, "loadgen: give --duration or --count\n");
        return -1;
    }
    if (run->http_addr && run->ntokens == 0) {
        fprintf(stderr, "loadgen: --http needs at least one --token\n");
        return -1;
    }
    if (run->zmq_endpoint && (!run->author || !run->keys_dir)) {
        fprintf(stderr, "loadgen: --zmq needs --author and --keys (or HUDDLE_KEYS_DIR)\n");
        return -1;
    }
    if (run->conns < 1 || run->conns > 4096 || run->window < 1 || run->text_bytes < 1 ||
        run->text_bytes > 10000) {
        fprintf(stderr, "loadgen: --conns 1..4096, --window >= 1, --text-bytes 1..10000\n");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    static char prefix[64];
    snprintf(prefix, sizeof prefix, "bench-%lld", (long long)lg_now_us());
    lg_run_t run = {.conns = 64,
                    .window = 64,
                    .channel = "sandbox",
                    .text_bytes = 120,
                    .key_prefix = prefix,
                    .cert = "cli",
                    .server = "ingest",
                    .keys_dir = getenv("HUDDLE_KEYS_DIR")};
    const char *out = NULL;
    if (parse(&run, argc, argv, &out) < 0) {
        usage();
        return 2;
    }
    run.t0_us = lg_now_us();
    run.end_us = run.duration_s > 0 ? run.t0_us + (int64_t)(run.duration_s * 1e6) : 0;
    int rc = run.http_addr ? lg_http_run(&run) : lg_zmq_run(&run);
    if (report(&run, out, run.http_addr ? "http" : "zmq") < 0)
        rc = -1;
    free(run.recs);
    free(run.tokens);
    return rc < 0 ? 1 : 0;
}
