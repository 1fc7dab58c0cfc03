/*  bench_policy: the policy engine's speed on one core.
    100,000 synthetic ~280-byte posts against a policy of 1,000 lexicon
    terms, 50 patterns, every PII detector, a links rule and a length rule.
    Measures each check (fold + one scan + findings) and, interleaved in
    short blocks, the raw Vectorscan scan of the same texts with the same
    database, and prints the ratio. Rates are per CPU second of the
    benchmark's thread (pinned to one core). Last line:
      policy checks/s=N p50_us=N p99_us=N raw_ratio=R
    Usage: bench_policy [N_POSTS]. BENCH_NO_RUSAGE=1 keeps preempted checks
    in the latencies instead of timing them again. */
#include "policy.h"
#include "policy_engine_int.h"

#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static uint64_t s_rng = 0x9E3779B97F4A7C15ULL;
static uint32_t rnd(void) {
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return (uint32_t)(s_rng >> 11);
}

static const char *const s_words[] = {
    "the",     "team",     "launch",    "new",     "today",  "we",      "are",    "proud",
    "to",      "share",    "our",       "latest",  "jacket", "trail",   "season", "customers",
    "thanks",  "for",      "your",      "support", "join",   "us",      "at",     "event",
    "this",    "weekend",  "learn",     "more",    "about",  "how",     "build",  "better",
    "gear",    "outdoor",  "community", "stories", "from",   "people",  "who",    "love",
    "hiking",  "climbing", "and",       "running", "with",   "friends", "read",   "blog",
    "post",    "update",   "café",      "naïve",   "résumé", "über",    "señor",  "progress",
    "quality", "design",   "winter"};
#define NWORDS (sizeof s_words / sizeof s_words[0])

static void pseudo_word(char *out, int len) {
    static const char cons[] = "bcdfghjklmnprstvwz", vow[] = "aeiou";
    for (int i = 0; i < len; i++)
        out[i] = i % 2 ? vow[rnd() % 5] : cons[rnd() % 18];
    out[len] = 0;
}

static char s_terms[1000][32];

/* The benchmark policy, as YAML. Caller frees. */
static char *make_policy(void) {
    size_t cap = 1 << 20, n = 0;
    char *y = malloc(cap);
    n += (size_t)snprintf(y + n, cap - n,
                          "name: bench\nchannels:\n  sandbox: {counting: mastodon, max_length: "
                          "500}\nrules:\n  - id: lexicon\n    kind: lexicon\n    action: "
                          "block\n    terms:\n");
    for (int i = 0; i < 1000; i++) {
        char a[16], b[16];
        pseudo_word(a, 5 + (int)(rnd() % 6));
        if (i % 4 == 0) {
            pseudo_word(b, 4 + (int)(rnd() % 5));
            snprintf(s_terms[i], sizeof s_terms[i], "%s %s", a, b);
        } else {
            snprintf(s_terms[i], sizeof s_terms[i], "%s", a);
        }
        n += (size_t)snprintf(y + n, cap - n, "      - \"%s\"\n", s_terms[i]);
    }
    n += (size_t)snprintf(y + n, cap - n,
                          "  - id: patterns\n    kind: pattern\n    action: review(legal)\n"
                          "    patterns:\n");
    for (int i = 0; i < 50; i++) {
        char w[16];
        pseudo_word(w, 4);
        switch (i % 5) {
        case 0:
            n += (size_t)snprintf(y + n, cap - n, "      - '%s\\d{3,5}'\n", w);
            break;
        case 1:
            n += (size_t)snprintf(y + n, cap - n, "      - 'project\\s+%s'\n", w);
            break;
        case 2:
            n += (size_t)snprintf(y + n, cap - n, "      - '%s[-_]?(?:alpha|beta)'\n", w);
            break;
        case 3:
            n += (size_t)snprintf(y + n, cap - n, "      - 'code\\s*:?\\s*%s[0-9]{2}'\n", w);
            break;
        default:
            n += (size_t)snprintf(y + n, cap - n, "      - '\\b%s(?:ing|ed|s)\\b'\n", w);
            break;
        }
    }
    n += (size_t)snprintf(y + n, cap - n,
                          "  - id: pii\n    kind: pii\n    action: block\n"
                          "  - id: links\n    kind: links\n    action: block\n"
                          "    deny: [evil.example, phish.example.net]\n"
                          "  - id: length\n    kind: limits\n    action: block\n"
                          "    max_hashtags: 5\n");
    return y;
}

/* A ~280-byte post: words, now and then a term, a link, an address... */
static size_t make_post(char *out, size_t cap) {
    size_t n = 0;
    int extra = (int)(rnd() % 100);
    while (n < 250) {
        const char *w = s_words[rnd() % NWORDS];
        n += (size_t)snprintf(out + n, cap - n, "%s ", w);
        if (rnd() % 40 == 0 && extra < 10)
            n += (size_t)snprintf(out + n, cap - n, "%s ", s_terms[rnd() % 1000]);
    }
    if (extra < 30)
        n += (size_t)snprintf(out + n, cap - n, "https://shop.example.com/p/%u ", rnd() % 9999);
    else if (extra < 33)
        n += (size_t)snprintf(out + n, cap - n, "mail jane%u@example.org ", rnd() % 99);
    else if (extra < 35)
        n += (size_t)snprintf(out + n, cap - n, "bit.ly/x%u ", rnd() % 999);
    else
        n += (size_t)snprintf(out + n, cap - n, "#outdoors #gear ");
    while (n < 280)
        out[n++] = '.';
    out[n] = 0;
    return n;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define BLOCK 200

/* CPU time of this thread, seconds. */
static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int s_rusage = 1;

static long invol_switches(void) {
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return ru.ru_nivcsw;
}

/* Wall time of one check (ns). A check during which the kernel switched
   to another process measures the machine, not the engine: it is timed
   again (up to 5 times; the other engineers' builds share this machine). */
static uint64_t time_check(pol_t *pol, const char *text, uint32_t len, const pol_ctx_t *ctx,
                           pol_result_t *res, size_t *preempted) {
    uint64_t d = 0;
    for (int attempt = 0; attempt < 5; attempt++) {
        long sw = s_rusage ? invol_switches() : 0;
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        pol_eval(pol, text, len, ctx, res);
        clock_gettime(CLOCK_MONOTONIC, &b);
        d = (uint64_t)((b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec));
        if (!s_rusage || invol_switches() == sw)
            break;
        ++*preempted;
    }
    return d;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t s_by_type[8];
static const pol_ppat_t *s_pats;

static int count_cb(unsigned id, unsigned long long f, unsigned long long t, unsigned fl,
                    void *arg) {
    (void)f, (void)t, (void)fl;
    ++*(uint64_t *)arg;
    if (s_pats)
        s_by_type[s_pats[id].type & 7]++;
    return 0;
}

int main(int argc, char **argv) {
    size_t nposts = argc > 1 ? (size_t)atol(argv[1]) : 100000;
    s_rusage = !getenv("BENCH_NO_RUSAGE");
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    sched_setaffinity(0, sizeof set, &set); /* one core */
    char *yaml = make_policy(), err[4096];
    double t0 = now_s();
    pol_t *pol = pol_new(yaml, strlen(yaml), err, sizeof err);
    free(yaml);
    if (!pol) {
        fprintf(stderr, "policy does not compile:\n%s", err);
        return 1;
    }
    printf("compiled %zu rules (%zu expressions) in %.2f s\n", pol_rule_count(pol), pol->npats,
           now_s() - t0);
    char *texts = malloc(nposts * 320);
    uint32_t *lens = malloc(nposts * sizeof *lens);
    for (size_t i = 0; i < nposts; i++)
        lens[i] = (uint32_t)make_post(texts + i * 320, 320);
    pol_result_t *res = pol_result_new();
    pol_ctx_t ctx = {.channel = "sandbox",
                     .department = "marketing",
                     .kind = "post",
                     .channel_kind = "mastodon",
                     .channel_max_length = 500};
    uint64_t *lat = malloc(nposts * sizeof *lat);
    size_t verdicts[3] = {0}, findings = 0, nlat = 0, preempted = 0;
    uint64_t matches = 0;
    s_pats = pol->pats;
    for (size_t i = 0; i < nposts && i < 2000; i++) { /* warm caches and buffers */
        pol_eval(pol, texts + i * 320, lens[i], &ctx, res);
        hs_scan(pol->db, texts + i * 320, lens[i], 0, pol->scratch, count_cb, &matches);
    }
    matches = 0;
    memset(s_by_type, 0, sizeof s_by_type);
    /* 1. Rates: policy checks and raw scans alternate in short blocks, so
       both see the same machine, each timed by the thread's CPU time
       (other processes on a shared machine do not count). */
    double policy_cpu = 0, raw_cpu = 0;
    for (size_t b0 = 0; b0 < nposts; b0 += BLOCK) {
        size_t b1 = b0 + BLOCK < nposts ? b0 + BLOCK : nposts;
        double c0 = cpu_s();
        for (size_t i = b0; i < b1; i++) {
            pol_eval(pol, texts + i * 320, lens[i], &ctx, res);
            verdicts[pol_result_verdict(res)]++;
            findings += pol_result_count(res);
        }
        double c1 = cpu_s();
        for (size_t i = b0; i < b1; i++)
            hs_scan(pol->db, texts + i * 320, lens[i], 0, pol->scratch, count_cb, &matches);
        policy_cpu += c1 - c0;
        raw_cpu += cpu_s() - c1;
    }
    double checks_s = (double)nposts / policy_cpu, raw_s = (double)nposts / raw_cpu;
    /* 2. Latency: every check on the wall clock (timed again when the
       kernel switched away mid-check), and the raw scan of the same text
       right after it, as the machine's baseline. */
    uint64_t *rawlat = malloc(nposts * sizeof *rawlat);
    s_pats = NULL; /* counted in 1. already */
    for (size_t i = 0; i < nposts; i++) {
        lat[nlat++] = time_check(pol, texts + i * 320, lens[i], &ctx, res, &preempted);
        struct timespec a, b;
        uint64_t dummy = 0;
        clock_gettime(CLOCK_MONOTONIC, &a);
        hs_scan(pol->db, texts + i * 320, lens[i], 0, pol->scratch, count_cb, &dummy);
        clock_gettime(CLOCK_MONOTONIC, &b);
        rawlat[i] = (uint64_t)((b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec));
    }
    qsort(rawlat, nposts, sizeof *rawlat, cmp_u64);
    FILE *la = fopen("/proc/loadavg", "r");
    char load[64] = "?";
    if (la && fgets(load, sizeof load, la))
        load[strcspn(load, "\n")] = 0;
    if (la)
        fclose(la);
    printf("load average: %s\n", load);
    printf("raw scan latency p50_us=%.2f p99_us=%.2f (the machine's baseline)\n",
           (double)rawlat[nposts / 2] / 1000.0, (double)rawlat[nposts * 99 / 100] / 1000.0);
    free(rawlat);
    qsort(lat, nlat, sizeof *lat, cmp_u64);
    double p50 = (double)lat[nlat / 2] / 1000.0, p99 = (double)lat[nlat * 99 / 100] / 1000.0;
    printf("latency samples %zu (%zu preempted checks timed again)\n", nlat, preempted);
    printf("posts %zu: pass %zu, review %zu, block %zu; %zu findings; %llu raw matches\n", nposts,
           verdicts[0], verdicts[1], verdicts[2], findings, (unsigned long long)matches);
    printf(
        "raw matches by kind: term %llu, pattern %llu, pii %llu, url %llu, other %llu\n",
        (unsigned long long)s_by_type[P_TERM], (unsigned long long)s_by_type[P_REGEX],
        (unsigned long long)s_by_type[P_PII], (unsigned long long)s_by_type[P_URL],
        (unsigned long long)(s_by_type[P_PARTNER] + s_by_type[P_CAMPAIGN] + s_by_type[P_REQUIRE]));
    printf("raw vectorscan scans/s=%.0f (%.1f MB/s)\n", raw_s, raw_s * 280 / 1e6);
    printf("policy checks/s=%.0f p50_us=%.2f p99_us=%.2f raw_ratio=%.2f\n", checks_s, p50, p99,
           checks_s / raw_s);
    free(lat);
    free(lens);
    free(texts);
    pol_result_destroy(&res);
    pol_destroy(&pol);
    return 0;
}
