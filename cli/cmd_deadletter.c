/*  cmd_deadletter: what was refused, seen and re-sent from the command
    line (cmd_deadletter.h). Raw bytes are never written to the terminal as
    they are: text that is printable UTF-8 is printed, anything else as a
    hexdump, so a hostile dead letter cannot drive the terminal. */
#include "cmd_deadletter.h"

#include "client.h"

#include <ctype.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "usage: huddle deadletter list [--source S] [--since RFC3339] [--before ID] [--limit N]\n"
    "       huddle deadletter show ID\n"
    "       huddle deadletter replay ID      re-send a refused POST as yourself\n"
    "       huddle deadletter stats\n"
    "  each takes [--as EMAIL] [--json]\n";

typedef struct {
    const char *as, *source, *since, *before, *limit;
    int json;
    char **args;
    int nargs;
} opts_t;

static int parse(int argc, char **argv, opts_t *o) {
    static struct option longs[] = {
        {"as", 1, 0, 'a'},    {"source", 1, 0, 's'}, {"since", 1, 0, 'S'}, {"before", 1, 0, 'b'},
        {"limit", 1, 0, 'l'}, {"json", 0, 0, 'j'},   {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'a':
            o->as = optarg;
            break;
        case 's':
            o->source = optarg;
            break;
        case 'S':
            o->since = optarg;
            break;
        case 'b':
            o->before = optarg;
            break;
        case 'l':
            o->limit = optarg;
            break;
        case 'j':
            o->json = 1;
            break;
        default:
            return -1;
        }
    }
    o->args = argv + optind;
    o->nargs = argc - optind;
    return 0;
}

/* Appends "&name=value" (percent-encoded) to q when value is set. */
static void param(char *q, size_t n, const char *name, const char *value) {
    if (!value)
        return;
    size_t used = strlen(q);
    snprintf(q + used, n - used, "%s%s=", used ? "&" : "?", name);
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        used = strlen(q);
        if (isalnum(*p) || strchr("-._~", *p))
            snprintf(q + used, n - used, "%c", *p);
        else
            snprintf(q + used, n - used, "%%%02X", *p);
    }
}

/* A text from the API, printed with control characters made visible. */
static void safe(FILE *f, const char *s) {
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        if (*p < 32 && *p != '\n' && *p != '\t')
            fprintf(f, "\\x%02X", *p);
        else if (*p == 127)
            fputs("\\x7F", f);
        else
            fputc(*p, f);
}

static const char *num(json_t *o, const char *k, char *buf, size_t n) {
    json_t *v = json_object_get(o, k);
    if (json_is_integer(v))
        snprintf(buf, n, "%lld", (long long)json_integer_value(v));
    else
        snprintf(buf, n, "%s", json_is_string(v) ? json_string_value(v) : "-");
    return buf;
}

static int list(const opts_t *o) {
    char path[1024] = "", q[900] = "";
    param(q, sizeof q, "source", o->source);
    param(q, sizeof q, "since", o->since);
    param(q, sizeof q, "before", o->before);
    param(q, sizeof q, "limit", o->limit);
    snprintf(path, sizeof path, "/v1/admin/deadletters%s", q);
    json_t *ans;
    int st = cli_call("GET", path, o->as, NULL, NULL, &ans);
    if (st == 200 && o->json)
        cli_print_json(ans, 0);
    else if (st == 200) {
        json_t *items = json_object_get(ans, "items"), *it;
        size_t i;
        if (!json_array_size(items))
            fputs("(none)\n", stderr);
        json_array_foreach(items, i, it) {
            char id[24], rep[24], size[24];
            printf("%-8s %.19s x%-5s %-12s %-22s %7sB  ", num(it, "id", id, sizeof id),
                   cli_str(it, "received_at", "-"), num(it, "repeats", rep, sizeof rep),
                   cli_str(it, "source", "-"), cli_str(it, "peer", "-"),
                   num(it, "size", size, sizeof size));
            char reason[120];
            snprintf(reason, sizeof reason, "%s", cli_str(it, "reason", ""));
            safe(stdout, reason);
            putchar('\n');
        }
        if (json_is_string(json_object_get(ans, "next")))
            fprintf(stderr, "more: --before %s\n", cli_str(ans, "next", ""));
    }
    json_decref(ans);
    return st == 200 ? 0 : 1;
}

/* bytes as printable text when they are, else as a hexdump. */
static void dump(const unsigned char *b, size_t n) {
    int text = 1;
    for (size_t i = 0; i < n && text; i++)
        text = b[i] >= 32 ? b[i] != 127 : (b[i] == '\n' || b[i] == '\r' || b[i] == '\t');
    if (text) {
        for (size_t i = 0; i < n; i++)
            if (b[i] != '\r')
                putchar(b[i]); /* UTF-8 passes; no control character does */
        if (n && b[n - 1] != '\n')
            putchar('\n');
        return;
    }
    for (size_t off = 0; off < n; off += 16) {
        printf("%08zx ", off);
        for (size_t i = off; i < off + 16; i++)
            i < n ? printf(" %02x", b[i]) : printf("   ");
        printf("  |");
        for (size_t i = off; i < off + 16 && i < n; i++)
            putchar(b[i] >= 32 && b[i] < 127 ? b[i] : '.');
        printf("|\n");
    }
}

static void show_row(json_t *d) {
    static const char *const keys[] = {"id",          "received_at", "last_at",        "repeats",
                                       "source",      "peer",        "reason",         "field",
                                       "size",        "sha256",      "correlation_id", "replays",
                                       "replayed_at", "replayed_by", "replay_status",  NULL};
    for (const char *const *k = keys; *k; k++) {
        json_t *v = json_object_get(d, *k);
        if (!v || json_is_null(v))
            continue;
        char buf[32];
        printf("%-15s ", *k);
        safe(stdout, json_is_string(v) ? json_string_value(v) : num(d, *k, buf, sizeof buf));
        putchar('\n');
    }
}

static int show(const opts_t *o) {
    if (o->nargs != 1 || strspn(o->args[0], "0123456789") != strlen(o->args[0])) {
        fputs(USAGE, stderr);
        return 2;
    }
    char path[128];
    snprintf(path, sizeof path, "/v1/admin/deadletters/%s", o->args[0]);
    json_t *ans;
    int st = cli_call("GET", path, o->as, NULL, NULL, &ans);
    if (st == 200 && o->json)
        cli_print_json(ans, 0);
    else if (st == 200) {
        show_row(ans);
        if (json_is_string(json_object_get(ans, "replay_answer"))) {
            printf("%-15s ", "replay_answer");
            safe(stdout, cli_str(ans, "replay_answer", ""));
            putchar('\n');
        }
        const char *b64 = cli_str(ans, "raw_base64", "");
        size_t cap = strlen(b64) + 1, n = 0;
        unsigned char *raw = malloc(cap);
        if (raw && sodium_base642bin(raw, cap, b64, strlen(b64), NULL, &n, NULL,
                                     sodium_base64_VARIANT_ORIGINAL) == 0) {
            printf("--- raw (%zu bytes) ---\n", n);
            dump(raw, n);
        }
        free(raw);
    }
    json_decref(ans);
    return st == 200 ? 0 : 1;
}

static int replay(const opts_t *o) {
    if (o->nargs != 1 || strspn(o->args[0], "0123456789") != strlen(o->args[0])) {
        fputs(USAGE, stderr);
        return 2;
    }
    char path[128];
    snprintf(path, sizeof path, "/v1/admin/deadletters/%s/replay", o->args[0]);
    json_t *ans;
    int st = cli_call("POST", path, o->as, NULL, NULL, &ans);
    int answered = -1;
    if (st == 200) {
        json_t *r = json_object_get(ans, "replay");
        answered = (int)json_integer_value(json_object_get(r, "status"));
        if (o->json)
            cli_print_json(ans, 0);
        else {
            printf("dead letter %s replayed: answered %d\n", o->args[0], answered);
            cli_print_json(json_object_get(r, "answer"), 0);
        }
    }
    json_decref(ans);
    return answered >= 200 && answered < 300 ? 0 : 1;
}

static int stats(const opts_t *o) {
    json_t *ans;
    int st = cli_call("GET", "/v1/admin/deadletters/stats", o->as, NULL, NULL, &ans);
    if (st == 200 && o->json)
        cli_print_json(ans, 0);
    else if (st == 200) {
        char a[24], b[24], c[24], d[24], e[24];
        printf("stored   %s rows, %s bytes\nevicted  %s rows, %s bytes\nrepeats  %s (folded "
               "into existing rows)\n",
               num(ans, "rows", a, sizeof a), num(ans, "bytes", b, sizeof b),
               num(ans, "evicted_rows", c, sizeof c), num(ans, "evicted_bytes", d, sizeof d),
               num(ans, "repeats", e, sizeof e));
        json_t *l = json_object_get(ans, "limits");
        printf("limits   %s bytes, %s s old, identical within %s s folded\n",
               num(l, "max_bytes", a, sizeof a), num(l, "max_age_seconds", b, sizeof b),
               num(l, "sample_seconds", c, sizeof c));
        json_t *k;
        size_t i;
        json_array_foreach(json_object_get(ans, "by_kind"), i, k) {
            printf("  %-24s %s rows %s bytes, evicted %s rows %s bytes\n", cli_str(k, "kind", ""),
                   num(k, "rows", a, sizeof a), num(k, "bytes", b, sizeof b),
                   num(k, "evicted_rows", c, sizeof c), num(k, "evicted_bytes", d, sizeof d));
        }
    }
    json_decref(ans);
    return st == 200 ? 0 : 1;
}

int cli_deadletter(int argc, char **argv) {
    opts_t o;
    if (argc < 1 || parse(argc, argv, &o) < 0 || o.nargs < 1) {
        fputs(USAGE, stderr);
        return 2;
    }
    const char *verb = o.args[0];
    o.args++;
    o.nargs--;
    if (!strcmp(verb, "list") && o.nargs == 0)
        return list(&o);
    if (!strcmp(verb, "show"))
        return show(&o);
    if (!strcmp(verb, "replay"))
        return replay(&o);
    if (!strcmp(verb, "stats") && o.nargs == 0)
        return stats(&o);
    fputs(USAGE, stderr);
    return 2;
}
