/*  cmd_webhook: webhook endpoints from the command line (cmd_webhook.h).
    A secret is printed only by the commands that make one (add, rotate),
    the one time the API shows it; nothing keeps it here. */
#include "cmd_webhook.h"

#include "client.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "usage: huddle admin webhook add NAME URL [--description D] [--version N]\n"
    "                                      create (the secret is printed once), or with\n"
    "                                      --version change an endpoint's url/description\n"
    "       huddle admin webhook list\n"
    "       huddle admin webhook show NAME\n"
    "       huddle admin webhook rotate NAME [--version N]   a new secret, printed once\n"
    "       huddle admin webhook remove NAME [--version N]\n"
    "       huddle admin webhook test NAME   send it a signed webhook.test notification\n"
    "  each takes [--as EMAIL] [--json]\n";

typedef struct {
    const char *as, *description, *version;
    int json;
    char **args;
    int nargs;
} opts_t;

static int parse(int argc, char **argv, opts_t *o) {
    static struct option longs[] = {{"as", 1, 0, 'a'},
                                    {"description", 1, 0, 'd'},
                                    {"version", 1, 0, 'v'},
                                    {"json", 0, 0, 'j'},
                                    {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        if (c == 'a')
            o->as = optarg;
        else if (c == 'd')
            o->description = optarg;
        else if (c == 'v')
            o->version = optarg;
        else if (c == 'j')
            o->json = 1;
        else
            return -1;
    }
    o->args = argv + optind;
    o->nargs = argc - optind;
    return 0;
}

/* /v1/admin/webhooks/NAME[suffix] into path, NAME percent-encoded. */
static void path_of(char *path, size_t n, const char *name, const char *suffix) {
    int k = snprintf(path, n, "/v1/admin/webhooks/");
    for (const unsigned char *p = (const unsigned char *)name; *p && (size_t)k + 4 < n; p++)
        k += isalnum(*p) || strchr("-._~", *p) ? snprintf(path + k, n - (size_t)k, "%c", *p)
                                               : snprintf(path + k, n - (size_t)k, "%%%02X", *p);
    snprintf(path + k, n - (size_t)k, "%s", suffix);
}

/* The --version option as a body ({"version": N}), or NULL when absent;
   -1 in *bad when it is not a number. */
static json_t *version_body(const opts_t *o, int *bad) {
    *bad = 0;
    if (!o->version)
        return NULL;
    char *end;
    long long v = strtoll(o->version, &end, 10);
    if (!*o->version || *end || v < 1) {
        fprintf(stderr, "huddle: --version must be a positive number\n");
        *bad = 1;
        return NULL;
    }
    return json_pack("{s:I}", "version", (json_int_t)v);
}

static void show_one(json_t *e) {
    printf("name         %s\n", cli_str(e, "name", "-"));
    printf("url          %s\n", cli_str(e, "url", "-"));
    printf("description  %s\n", cli_str(e, "description", ""));
    printf("active       %s\n", json_is_true(json_object_get(e, "active")) ? "yes" : "no");
    printf("version      %lld\n", (long long)json_integer_value(json_object_get(e, "version")));
    printf("updated      %s\n", cli_str(e, "updated_at", "-"));
}

/* Prints an answer that carries a secret: the endpoint, then the secret
   with the warning that it is not shown again. */
static void show_secret(json_t *e) {
    show_one(e);
    printf("secret       %s\n", cli_str(e, "secret", "-"));
    fputs("(the secret is shown this once: give it to the receiver now, to verify "
          "signatures)\n",
          stderr);
}

static int finish(int st, json_t *ans, const opts_t *o, void (*print)(json_t *)) {
    if ((st == 200 || st == 201 || st == 202) && o->json)
        cli_print_json(ans, 0);
    else if (st == 200 || st == 201 || st == 202)
        print(ans);
    json_decref(ans);
    return st >= 200 && st < 300 ? 0 : 1;
}

static int add(const opts_t *o) {
    int bad;
    json_t *body = version_body(o, &bad), *ans = NULL;
    if (o->nargs != 2 || bad) {
        json_decref(body);
        fputs(USAGE, stderr);
        return 2;
    }
    if (!body)
        body = json_object();
    json_object_set_new(body, "url", json_string(o->args[1]));
    if (o->description)
        json_object_set_new(body, "description", json_string(o->description));
    char path[512];
    path_of(path, sizeof path, o->args[0], "");
    int st = cli_call("PUT", path, o->as, body, NULL, &ans);
    json_decref(body);
    return finish(st, ans, o, st == 201 ? show_secret : show_one);
}

static void print_list(json_t *ans) {
    json_t *items = json_object_get(ans, "items"), *e;
    size_t i;
    if (!json_array_size(items))
        fputs("(no webhook endpoint)\n", stderr);
    json_array_foreach(items, i, e) {
        printf("%-24s %-8s v%-4lld %s%s%s\n", cli_str(e, "name", "-"),
               json_is_true(json_object_get(e, "active")) ? "active" : "removed",
               (long long)json_integer_value(json_object_get(e, "version")), cli_str(e, "url", "-"),
               *cli_str(e, "description", "") ? "  # " : "", cli_str(e, "description", ""));
    }
}

static void print_queued(json_t *ans) {
    printf("a signed webhook.test notification to '%s' is queued: the publisher sends it "
           "within seconds\n",
           cli_str(ans, "name", "-"));
}

/* show, rotate, remove, test: NAME and an optional --version. */
static int on_one(const opts_t *o, const char *method, const char *suffix,
                  void (*print)(json_t *)) {
    int bad;
    json_t *body = version_body(o, &bad), *ans = NULL;
    if (o->nargs != 1 || bad || (body && !strcmp(method, "GET"))) {
        json_decref(body);
        fputs(USAGE, stderr);
        return 2;
    }
    char path[512];
    path_of(path, sizeof path, o->args[0], suffix);
    int st = cli_call(method, path, o->as, body, NULL, &ans);
    json_decref(body);
    return finish(st, ans, o, print);
}

int cli_webhook(int argc, char **argv) {
    opts_t o;
    if (argc < 2 || parse(argc - 1, argv + 1, &o) < 0) {
        fputs(USAGE, stderr);
        return 2;
    }
    const char *verb = argv[1];
    if (!strcmp(verb, "add"))
        return add(&o);
    if (!strcmp(verb, "list")) {
        if (o.nargs != 0) {
            fputs(USAGE, stderr);
            return 2;
        }
        json_t *ans = NULL;
        int st = cli_call("GET", "/v1/admin/webhooks", o.as, NULL, NULL, &ans);
        return finish(st, ans, &o, print_list);
    }
    if (!strcmp(verb, "show"))
        return on_one(&o, "GET", "", show_one);
    if (!strcmp(verb, "rotate"))
        return on_one(&o, "POST", "/rotate", show_secret);
    if (!strcmp(verb, "remove"))
        return on_one(&o, "DELETE", "", show_one);
    if (!strcmp(verb, "test"))
        return on_one(&o, "POST", "/test", print_queued);
    fprintf(stderr, "huddle: unknown verb '%s'\n", verb);
    fputs(USAGE, stderr);
    return 2;
}
