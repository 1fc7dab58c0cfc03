/*  bench-loadgen: submits content through ingest, as fast as it can or at a
    fixed rate, over N keep-alive HTTP connections (POST /v1/content with a
    bearer token and a unique Idempotency-Key) or over the ZeroMQ door
    (DEALER + CURVE, IngestRequest.submit_content, a window of requests in
    flight). Every item's submit and acknowledgement times are written to
    --out, so that a later step can join them with the time each item was
    published; a one-line JSON summary goes to stdout.

    With --inbound it posts mentions instead (POST /v1/inbound, an
    integration token; each mention's external_id is its key), and with
    --probe DB_URL it also watches each acknowledged mention until the
    inbox shows it (lg_probe.h): the file then has a sixth column, the
    time it became visible (0: never), and the summary the inbox latency
    (acknowledged -> visible).

      bench-loadgen --http 127.0.0.1:8080 --token T --conns 64 --duration 10
      bench-loadgen --zmq tcp://127.0.0.1:7610 --author maya@example.org \
                    --keys .huddle/keys --window 64 --count 5000
      bench-loadgen --http ... --rate 1000 --duration 15 --out items.tsv
      bench-loadgen --http ... --inbound --token INTEGRATION_TOKEN --rate 1000 \
                    --duration 15 --probe postgresql://.../huddle --out mentions.tsv */
#include "lg.h"
#include "lg_probe.h"

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
    if (run->probe && (status == 200 || status == 201) && r->id[0])
        lg_probe_watch(run->probe, i, r->id);
}

void lg_item_key(const lg_run_t *run, long i, char *buf, size_t n) {
    snprintf(buf, n, "%s-%ld", run->key_prefix, i);
}

/* Item i's number spelled in letters (so that every text differs without
   digits). */
static void item_tag(long i, char *tag, size_t n) {
    size_t t = 0;
    do {
        tag[t++] = (char)('a' + i % 26);
        i /= 26;
    } while (i && t < n - 1);
    tag[t] = 0;
}

/* A content item's text passes the starter policy: no digits (nothing a
   PII detector could take for a phone or card number), no links, no listed
   terms. A mention's reads as a customer's: the sample's `support` rule
   routes it to customer-care, and it holds none of the sample playbooks'
   terms, so that a flood of them is not taken for a crisis. */
void lg_item_text(const lg_run_t *run, long i, char *buf, size_t n) {
    const char *filler = run->kind == LG_MENTION
                             ? " Thanks for looking into it, we have been waiting all week."
                             : " Meet the team, try the new features and tell us what you think.";
    char tag[32];
    item_tag(i, tag, sizeof tag);
    int len =
        run->kind == LG_MENTION
            ? snprintf(buf, n, "Where is my order %s? The delivery is late, please help.", tag)
            : snprintf(buf, n, "Spring launch %s: meet our new app!", tag);
    size_t want = (size_t)run->text_bytes < n ? (size_t)run->text_bytes : n - 1;
    size_t flen = strlen(filler), pos = len > 0 ? (size_t)len : 0;
    while (pos < want) {
        size_t k = want - pos < flen ? want - pos : flen;
        memcpy(buf + pos, filler, k);
        pos += k;
    }
    buf[pos < n ? pos : n - 1] = 0;
}

/* The texts, keys and handles are ours: letters, digits, spaces and
   punctuation that need no JSON escape. Every mention has an author of its
   own (its external id), so that none continues another's conversation. */
int lg_item_body(const lg_run_t *run, long i, char *buf, size_t n) {
    char text[10240], key[128];
    lg_item_text(run, i, text, sizeof text);
    int len;
    if (run->kind == LG_MENTION) {
        lg_item_key(run, i, key, sizeof key);
        len = snprintf(buf, n,
                       "{\"channel\":\"%s\",\"external_id\":\"%s\",\"author\":\"@fan-%s\","
                       "\"text\":\"%s\"}",
                       run->channel, key, key, text);
    } else
        len = snprintf(buf, n, "{\"channel\":\"%s\",\"text\":\"%s\"}", run->channel, text);
    return len < 0 || (size_t)len >= n ? -1 : len;
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

/* Sorted latencies in microseconds; their count. */
typedef struct {
    int64_t *v;
    size_t n;
} lat_t;

static void lat_sort(lat_t *l) { qsort(l->v, l->n, sizeof *l->v, cmp_i64); }

/* What the inbox probe saw, as more members of the summary line. */
static void report_inbox(lg_run_t *run, const lg_probe_stats_t *ps) {
    lat_t vis = {malloc(((size_t)run->next + 1) * sizeof(int64_t)), 0};
    lat_t lag = {malloc(((size_t)run->next + 1) * sizeof(int64_t)), 0};
    if (!vis.v || !lag.v)
        abort();
    int64_t last = 0;
    for (long i = 0; i < run->next; i++) {
        const lg_record_t *r = &run->recs[i];
        if (!r->t_visible_us)
            continue;
        /* A poll can start before the client has read the answer. */
        vis.v[vis.n++] = r->t_visible_us > r->t_ack_us ? r->t_visible_us - r->t_ack_us : 0;
        lag.v[lag.n++] = r->t_visible_us - r->t_submit_us;
        last = r->t_visible_us > last ? r->t_visible_us : last;
    }
    lat_sort(&vis);
    lat_sort(&lag);
    printf(",\"visible\":%zu,\"unseen\":%ld,\"inbox_p50_ms\":%.2f,\"inbox_p99_ms\":%.2f,"
           "\"inbox_max_ms\":%.2f,\"submit_visible_p99_ms\":%.2f,\"last_visible_us\":%lld,"
           "\"probe_polls\":%ld,\"probe_interval_ms\":%.2f,\"probe_errors\":%ld",
           vis.n, ps->unseen, pct(vis.v, vis.n, 0.50), pct(vis.v, vis.n, 0.99),
           vis.n ? (double)vis.v[vis.n - 1] / 1000.0 : 0, pct(lag.v, lag.n, 0.99), (long long)last,
           ps->polls, ps->mean_interval_ms, ps->errors);
    free(vis.v);
    free(lag.v);
}

/* Writes the per-item file and prints the summary line; ps is the probe's
   figures, NULL without a probe. */
static int report(lg_run_t *run, const char *out, const char *mode, const lg_probe_stats_t *ps) {
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
        if (f) {
            fprintf(f, "%ld\t%s\t%lld\t%lld\t%d", i, r->id[0] ? r->id : "-",
                    (long long)r->t_submit_us, (long long)r->t_ack_us, r->status);
            fprintf(f, ps ? "\t%lld\n" : "\n", (long long)r->t_visible_us);
        }
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
           "\"first_submit_us\":%lld,\"last_ack_us\":%lld",
           mode, run->next, ok, refused, lost, secs, secs > 0 ? (double)ok / secs : 0,
           pct(lat, (size_t)ok, 0.50), pct(lat, (size_t)ok, 0.99), (long long)first,
           (long long)last);
    if (ps)
        report_inbox(run, ps);
    printf("}\n");
    free(lat);
    return 0;
}

static void usage(void) {
    fprintf(stderr,
            "usage: bench-loadgen (--http HOST:PORT --token T [--token T2...] [--conns N]\n"
            "                      [--inbound [--probe DB_URL [--probe-ms MS] [--probe-stall S]]]\n"
            "                     | --zmq ENDPOINT --author EMAIL [--keys DIR] [--window W])\n"
            "                     [--duration S] [--count K] [--rate R] [--channel C]\n"
            "                     [--text-bytes N] [--key-prefix P] [--out FILE]\n"
            "  --duration and --count bound the run (at least one is required);\n"
            "  --rate R submits R items/s in total (default: as fast as possible);\n"
            "  --inbound posts mentions (an integration token) instead of content;\n"
            "  --probe watches each acknowledged mention until read_inbox shows it,\n"
            "  polling at least every --probe-ms (5) and giving up once none has\n"
            "  appeared for --probe-stall seconds (30) after the last answer.\n");
}

/* What main needs besides the run. */
typedef struct {
    const char *out;
    const char *probe_url;
    int probe_ms;
    double probe_stall_s;
} cli_t;

static int set_option(lg_run_t *run, cli_t *cli, int c) {
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
        cli->out = optarg;
        break;
    case 'E':
        run->cert = optarg;
        break;
    case 'S':
        run->server = optarg;
        break;
    case 'I':
        run->kind = LG_MENTION;
        break;
    case 'P':
        cli->probe_url = optarg;
        break;
    case 'M':
        cli->probe_ms = atoi(optarg);
        break;
    case 'T':
        cli->probe_stall_s = atof(optarg);
        break;
    default:
        return -1;
    }
    return 0;
}

/* Why the settings cannot run, or NULL. */
static const char *invalid(const lg_run_t *run, const cli_t *cli) {
    if (!run->http_addr == !run->zmq_endpoint)
        return "give exactly one of --http and --zmq";
    if (run->duration_s <= 0 && run->count <= 0)
        return "give --duration or --count";
    if (run->http_addr && run->ntokens == 0)
        return "--http needs at least one --token";
    if (run->zmq_endpoint && (!run->author || !run->keys_dir))
        return "--zmq needs --author and --keys (or HUDDLE_KEYS_DIR)";
    if (run->zmq_endpoint && run->kind == LG_MENTION)
        return "--inbound is for --http (POST /v1/inbound)";
    if (cli->probe_url && run->kind != LG_MENTION)
        return "--probe watches mentions: it needs --inbound";
    if (cli->probe_ms < 1 || cli->probe_stall_s <= 0)
        return "--probe-ms >= 1, --probe-stall > 0";
    if (run->conns < 1 || run->conns > 4096 || run->window < 1 || run->text_bytes < 1 ||
        run->text_bytes > 10000)
        return "--conns 1..4096, --window >= 1, --text-bytes 1..10000";
    return NULL;
}

static int parse(lg_run_t *run, int argc, char **argv, cli_t *cli) {
    static const struct option opts[] = {
        {"http", 1, 0, 'h'},       {"zmq", 1, 0, 'z'},         {"conns", 1, 0, 'c'},
        {"window", 1, 0, 'w'},     {"duration", 1, 0, 'd'},    {"count", 1, 0, 'n'},
        {"rate", 1, 0, 'r'},       {"token", 1, 0, 't'},       {"author", 1, 0, 'a'},
        {"keys", 1, 0, 'k'},       {"channel", 1, 0, 'C'},     {"text-bytes", 1, 0, 'b'},
        {"key-prefix", 1, 0, 'p'}, {"out", 1, 0, 'o'},         {"cert", 1, 0, 'E'},
        {"server", 1, 0, 'S'},     {"inbound", 0, 0, 'I'},     {"probe", 1, 0, 'P'},
        {"probe-ms", 1, 0, 'M'},   {"probe-stall", 1, 0, 'T'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
        if (set_option(run, cli, c) < 0)
            return -1;
    const char *why = invalid(run, cli);
    if (why) {
        fprintf(stderr, "loadgen: %s\n", why);
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
    cli_t cli = {.probe_ms = 5, .probe_stall_s = 30};
    if (parse(&run, argc, argv, &cli) < 0) {
        usage();
        return 2;
    }
    if (cli.probe_url && !(run.probe = lg_probe_start(cli.probe_url, cli.probe_ms)))
        return 1;
    run.t0_us = lg_now_us();
    run.end_us = run.duration_s > 0 ? run.t0_us + (int64_t)(run.duration_s * 1e6) : 0;
    int rc = run.http_addr ? lg_http_run(&run) : lg_zmq_run(&run);
    lg_probe_stats_t ps = {0};
    int probed = run.probe != NULL;
    lg_probe_finish(&run.probe, &run, cli.probe_stall_s, &ps);
    if (report(&run, cli.out, run.http_addr ? "http" : "zmq", probed ? &ps : NULL) < 0)
        rc = -1;
    free(run.recs);
    free(run.tokens);
    return rc < 0 ? 1 : 0;
}
