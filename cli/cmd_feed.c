/*  cmd_feed: listening feeds from the command line (cmd_feed.h). A change
    of a feed reads it first and sends the version it read, so that a
    concurrent change is refused (409) rather than overwritten. */
#include "cmd_feed.h"

#include "client.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "usage: huddle admin feed list\n"
    "       huddle admin feed show ID\n"
    "       huddle admin feed add ID --kind mastodon-mentions|mastodon-tag|rss --channel C\n"
    "            [--url URL] [--tag TAG] [--account DEPT] [--department D]... [--interval S]\n"
    "            [--disabled]\n"
    "       huddle admin feed update ID [--url URL] [--tag TAG] [--account DEPT]\n"
    "            [--department D]... [--any-department] [--interval S] [--enable|--disable]\n"
    "            [--cursor C]\n"
    "       huddle admin feed delete ID\n"
    "       huddle admin feed poll ID     due now: the next poller takes it within a second\n"
    "  each takes [--as EMAIL] [--json]. --account: the department whose account on the\n"
    "  channel reads a mastodon-mentions feed; --url for mastodon: the server (default: the\n"
    "  channel's base URL); --department (repeatable): routed only among these.\n";

#define MAX_DEPTS 32

typedef struct {
    const char *as, *kind, *channel, *url, *tag, *account, *interval, *cursor;
    const char *depts[MAX_DEPTS];
    int ndepts, any_dept, enable, disable, json;
    char **args;
    int nargs;
} opts_t;

static int parse(int argc, char **argv, opts_t *o) {
    static struct option longs[] = {{"as", 1, 0, 'a'},
                                    {"kind", 1, 0, 'k'},
                                    {"channel", 1, 0, 'c'},
                                    {"url", 1, 0, 'u'},
                                    {"tag", 1, 0, 't'},
                                    {"account", 1, 0, 'A'},
                                    {"department", 1, 0, 'd'},
                                    {"interval", 1, 0, 'i'},
                                    {"cursor", 1, 0, 'C'},
                                    {"any-department", 0, 0, 'y'},
                                    {"enable", 0, 0, 'e'},
                                    {"disable", 0, 0, 'x'},
                                    {"disabled", 0, 0, 'x'},
                                    {"json", 0, 0, 'j'},
                                    {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    optind = 1;
    int c;
    const char **slot[] = {
        ['a'] = &o->as,  ['k'] = &o->kind,    ['c'] = &o->channel,  ['u'] = &o->url,
        ['t'] = &o->tag, ['A'] = &o->account, ['i'] = &o->interval, ['C'] = &o->cursor};
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        if (c == 'd' && o->ndepts < MAX_DEPTS)
            o->depts[o->ndepts++] = optarg;
        else if (c == 'y')
            o->any_dept = 1;
        else if (c == 'e')
            o->enable = 1;
        else if (c == 'x')
            o->disable = 1;
        else if (c == 'j')
            o->json = 1;
        else if (c > 0 && c < (int)(sizeof slot / sizeof slot[0]) && slot[c])
            *slot[c] = optarg;
        else
            return -1;
    }
    o->args = argv + optind;
    o->nargs = argc - optind;
    return o->enable && o->disable ? -1 : 0;
}

static long long num(json_t *o, const char *k) {
    return (long long)json_integer_value(json_object_get(o, k));
}

/* A member that may be null, as text ("-" for null). */
static const char *or_dash(json_t *o, const char *k, char *buf, size_t n) {
    json_t *v = json_object_get(o, k);
    if (json_is_string(v))
        return *json_string_value(v) ? json_string_value(v) : "''";
    if (json_is_integer(v)) {
        snprintf(buf, n, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    if (json_is_real(v)) {
        snprintf(buf, n, "%.3f", json_real_value(v));
        return buf;
    }
    return "-";
}

static void show_one(json_t *f) {
    static const char *const keys[] = {"id",
                                       "kind",
                                       "channel",
                                       "url",
                                       "tag",
                                       "account_department",
                                       "interval_s",
                                       "cursor",
                                       "next_poll_at",
                                       "last_polled_at",
                                       "last_ok_at",
                                       "lag_s",
                                       "last_item_at",
                                       "item_delay_s",
                                       "failures",
                                       "last_error",
                                       "items_total",
                                       "version",
                                       NULL};
    char buf[64], depts[512];
    for (size_t i = 0; keys[i]; i++)
        printf("%-19s %s\n", keys[i], or_dash(f, keys[i], buf, sizeof buf));
    printf("%-19s %s\n", "departments",
           cli_joined(json_object_get(f, "departments"), ",", "(any)", depts, sizeof depts));
    printf("%-19s %s%s\n", "enabled", json_is_true(json_object_get(f, "enabled")) ? "yes" : "no",
           json_is_true(json_object_get(f, "polling")) ? " (being polled)" : "");
}

static void show_list(json_t *ans) {
    json_t *items = json_object_get(ans, "items"), *f;
    size_t i;
    char lag[32], buf[64];
    if (!json_array_size(items))
        fputs("(no listening feed)\n", stderr);
    json_array_foreach(items, i, f) {
        snprintf(lag, sizeof lag, "%s", or_dash(f, "lag_s", buf, sizeof buf));
        printf("%-20s %-17s %-12s %-8s every %-5llds lag %-6s failures %-3lld cursor %s%s%s\n",
               cli_str(f, "id", "-"), cli_str(f, "kind", "-"), cli_str(f, "channel", "-"),
               json_is_true(json_object_get(f, "enabled")) ? "enabled" : "disabled",
               num(f, "interval_s"), lag, num(f, "failures"),
               *cli_str(f, "cursor", "") ? cli_str(f, "cursor", "") : "''",
               json_is_string(json_object_get(f, "last_error")) ? "  # " : "",
               cli_str(f, "last_error", ""));
    }
}

/* Sends the request (body taken) and prints the answer. */
static int run(const opts_t *o, const char *method, const char *path, json_t *body,
               void (*show)(json_t *)) {
    json_t *ans = NULL;
    int st = cli_call(method, path, o->as, body, NULL, &ans);
    json_decref(body);
    int ok = st >= 200 && st < 300;
    if (ok && o->json)
        cli_print_json(ans, 0);
    else if (ok)
        show(ans);
    json_decref(ans);
    return ok ? 0 : 1;
}

/* The settings the options give, over body (taken and returned); -1 in
   *bad for an interval that is not a number. */
static json_t *settings(const opts_t *o, json_t *body, int *bad) {
    *bad = 0;
    if (o->url)
        json_object_set_new(body, "url", json_string(o->url));
    if (o->tag)
        json_object_set_new(body, "tag", json_string(o->tag));
    if (o->account)
        json_object_set_new(body, "account_department", json_string(o->account));
    if (o->cursor)
        json_object_set_new(body, "cursor", json_string(o->cursor));
    if (o->ndepts || o->any_dept) {
        json_t *d = json_array();
        for (int i = 0; i < o->ndepts; i++)
            json_array_append_new(d, json_string(o->depts[i]));
        json_object_set_new(body, "departments", d);
    }
    if (o->interval) {
        char *end;
        long long v = strtoll(o->interval, &end, 10);
        *bad = !*o->interval || *end;
        json_object_set_new(body, "interval_s", json_integer(v));
    }
    if (o->enable || o->disable)
        json_object_set_new(body, "enabled", json_boolean(o->enable));
    return body;
}

/* /v1/admin/feeds/ID[suffix] into path; -1 when ID cannot be a feed's. */
static int path_of(char *path, size_t n, const char *id, const char *suffix) {
    if (!*id || strpbrk(id, "/?#% \t\r\n")) {
        fprintf(stderr, "huddle: '%s' is not a feed id\n", id);
        return -1;
    }
    snprintf(path, n, "/v1/admin/feeds/%s%s", id, suffix);
    return 0;
}

static int add(const opts_t *o) {
    int bad;
    if (o->nargs != 1 || !o->kind || !o->channel) {
        fputs(USAGE, stderr);
        return 2;
    }
    json_t *body = settings(
        o, json_pack("{s:s, s:s, s:s}", "id", o->args[0], "kind", o->kind, "channel", o->channel),
        &bad);
    if (bad) {
        json_decref(body);
        fputs("huddle: --interval must be a number of seconds\n", stderr);
        return 2;
    }
    return run(o, "POST", "/v1/admin/feeds", body, show_one);
}

/* The version of feed ID (a GET), > 0; or -1 (printed). */
static long long version_of(const opts_t *o, const char *path) {
    json_t *ans = NULL;
    int st = cli_call("GET", path, o->as, NULL, NULL, &ans);
    long long v = st == 200 ? num(ans, "version") : -1;
    json_decref(ans);
    return v;
}

/* update and delete: the version read first, then the change. */
static int change(const opts_t *o, const char *method) {
    char path[256];
    int bad = 0;
    if (o->nargs != 1) {
        fputs(USAGE, stderr);
        return 2;
    }
    if (path_of(path, sizeof path, o->args[0], "") < 0)
        return 2;
    json_t *body = strcmp(method, "PATCH") == 0 ? settings(o, json_object(), &bad) : json_object();
    long long v = bad ? -1 : version_of(o, path);
    if (bad)
        fputs("huddle: --interval must be a number of seconds\n", stderr);
    if (v < 0) {
        json_decref(body);
        return bad ? 2 : 1;
    }
    json_object_set_new(body, "version", json_integer(v));
    return run(o, method, path, body, show_one);
}

static void print_polled(json_t *f) {
    printf("feed %s is due now: the next poller takes it within a second (cursor %s)\n",
           cli_str(f, "id", "-"), *cli_str(f, "cursor", "") ? cli_str(f, "cursor", "") : "''");
}

int cli_feed(int argc, char **argv) {
    opts_t o;
    if (argc < 2 || parse(argc - 1, argv + 1, &o) < 0) {
        fputs(USAGE, stderr);
        return 2;
    }
    const char *verb = argv[1];
    char path[256];
    if (!strcmp(verb, "list") && o.nargs == 0)
        return run(&o, "GET", "/v1/admin/feeds", NULL, show_list);
    if (!strcmp(verb, "add"))
        return add(&o);
    if (!strcmp(verb, "update"))
        return change(&o, "PATCH");
    if (!strcmp(verb, "delete"))
        return change(&o, "DELETE");
    if ((!strcmp(verb, "show") || !strcmp(verb, "poll")) && o.nargs == 1) {
        int poll = !strcmp(verb, "poll");
        if (path_of(path, sizeof path, o.args[0], poll ? "/poll" : "") < 0)
            return 2;
        return run(&o, poll ? "POST" : "GET", path, NULL, poll ? print_polled : show_one);
    }
    fprintf(stderr, "huddle admin feed: unknown verb or arguments '%s'\n", verb);
    fputs(USAGE, stderr);
    return 2;
}
