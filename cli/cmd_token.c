/*  cmd_token: API tokens from the command line, through the HTTP API with
    the caller's own token (docs/tokens.md):
      huddle token create --name N [--scopes read,submit,...] [--expires 30d|RFC3339|never]
      huddle token list [--json]
      huddle token revoke ID
      huddle admin tokens list [--person EMAIL | --department D] [--json]
      huddle admin tokens revoke ID
      huddle admin integration create NAME [--channels a,b] [--departments d]
                                           [--expires 30d|RFC3339|never]
      huddle admin integration list [--json]
    A new token is printed once on stdout as a tokens-file line ("EMAIL
    TOKEN", "integration:NAME TOKEN"), so that `>> .huddle/tokens` keeps it;
    what it is goes to stderr. --as EMAIL picks the caller's token. */
#include "client.h"
#include "cmd_admin.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *as, *name, *scopes, *expires, *person, *dept, *channels, *departments;
    int json;
} topts_t;

static const char *USAGE =
    "usage: huddle token create --name NAME [--scopes read,submit,decide,admin]\n"
    "                           [--expires 30d|RFC3339|never] [--as EMAIL] [--json]\n"
    "       huddle token list [--as EMAIL] [--json]\n"
    "       huddle token revoke ID [--as EMAIL]\n"
    "       huddle admin tokens list [--person EMAIL | --department D] [--json]\n"
    "       huddle admin tokens revoke ID\n"
    "       huddle admin integration create NAME [--channels a,b] [--departments d]\n"
    "                                            [--expires 30d|RFC3339|never] [--json]\n"
    "       huddle admin integration list [--json]\n";

static int usage(void) {
    fputs(USAGE, stderr);
    return 2;
}

/* Parses options from argv[1] on; positional arguments stay at optind. */
static int parse(int argc, char **argv, topts_t *o) {
    static struct option longs[] = {{"as", 1, 0, 'a'},       {"name", 1, 0, 'n'},
                                    {"scopes", 1, 0, 's'},   {"expires", 1, 0, 'e'},
                                    {"person", 1, 0, 'p'},   {"department", 1, 0, 'd'},
                                    {"channels", 1, 0, 'c'}, {"departments", 1, 0, 'D'},
                                    {"json", 0, 0, 'j'},     {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'a':
            o->as = optarg;
            break;
        case 'n':
            o->name = optarg;
            break;
        case 's':
            o->scopes = optarg;
            break;
        case 'e':
            o->expires = optarg;
            break;
        case 'p':
            o->person = optarg;
            break;
        case 'd':
            o->dept = optarg;
            break;
        case 'c':
            o->channels = optarg;
            break;
        case 'D':
            o->departments = optarg;
            break;
        case 'j':
            o->json = 1;
            break;
        default:
            return -1;
        }
    }
    return 0;
}

static json_t *split(const char *list) {
    json_t *a = json_array();
    const char *s = list;
    while (s && *s) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n)
            json_array_append_new(a, json_stringn(s, n));
        s = e ? e + 1 : NULL;
    }
    return a;
}

/* --expires into body: "30d" days, "never" null, else an RFC 3339 time. */
static void expiry(json_t *body, const char *e) {
    if (!e)
        return;
    size_t n = strlen(e);
    if (!strcmp(e, "never"))
        json_object_set_new(body, "expires_at", json_null());
    else if (n > 1 && e[n - 1] == 'd' && strspn(e, "0123456789") == n - 1)
        json_object_set_new(body, "expires_in_days", json_integer(atoi(e)));
    else
        json_object_set_new(body, "expires_at", json_string(e));
}

/* A made token: its tokens-file line on stdout, what it is on stderr. */
static void print_new(json_t *t, int as_json) {
    char sc[128];
    if (as_json) {
        cli_print_json(t, 0);
        return;
    }
    const char *integ = json_string_value(json_object_get(t, "integration"));
    if (integ)
        printf("integration:%s %s\n", integ, cli_str(t, "token", "-"));
    else
        printf("%s %s\n", cli_str(t, "person", "-"), cli_str(t, "token", "-"));
    fflush(stdout);
    fprintf(stderr,
            "huddle: token '%s' (id %s, prefix %s, scopes %s, expires %s): the line on stdout "
            "is shown this once; keep it (e.g. >> $HUDDLE_TOKENS_FILE)\n",
            cli_str(t, "name", "-"), cli_str(t, "id", "-"), cli_str(t, "prefix", "-"),
            cli_joined(json_object_get(t, "scopes"), ",", "-", sc, sizeof sc),
            json_is_string(json_object_get(t, "expires_at")) ? cli_str(t, "expires_at", "-")
                                                             : "never");
}

/* A list of tokens as a table (or JSON). */
static void print_list(json_t *ans, int as_json, int who) {
    if (as_json) {
        cli_print_json(ans, 0);
        return;
    }
    printf("%-36s  %-12s  %-8s  %-24s  %-26s  %-20s  %-20s  %s\n", "ID", "PREFIX", "STATE",
           who ? "WHO" : "NAME", "SCOPES", "EXPIRES", "LAST USED", who ? "NAME" : "");
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(ans, "items"), i, t) {
        char sc[128], whom[300];
        const char *integ = json_string_value(json_object_get(t, "integration"));
        snprintf(whom, sizeof whom, "%s%s", integ ? "integration:" : "",
                 integ ? integ : cli_str(t, "person", "-"));
        printf("%-36s  %-12s  %-8s  %-24s  %-26s  %-20s  %-20s  %s\n", cli_str(t, "id", "-"),
               cli_str(t, "prefix", "-"), cli_str(t, "state", "-"),
               who ? whom : cli_str(t, "name", "-"),
               cli_joined(json_object_get(t, "scopes"), ",", "-", sc, sizeof sc),
               json_is_string(json_object_get(t, "expires_at")) ? cli_str(t, "expires_at", "-")
                                                                : "never",
               cli_str(t, "last_used_at", "-"), who ? cli_str(t, "name", "-") : "");
    }
}

/* POST path with body (taken); prints the new token. */
static int create(const char *path, const topts_t *o, json_t *body) {
    json_t *ans;
    int st = cli_call("POST", path, o->as, body, NULL, &ans);
    json_decref(body);
    if (st == 201)
        print_new(ans, o->json);
    json_decref(ans);
    return st == 201 ? 0 : 1;
}

static int list(const char *path, const topts_t *o, int who) {
    json_t *ans;
    int st = cli_call("GET", path, o->as, NULL, NULL, &ans);
    if (st == 200)
        print_list(ans, o->json, who);
    json_decref(ans);
    return st == 200 ? 0 : 1;
}

static int revoke(const char *prefix, const char *id, const topts_t *o) {
    char path[512];
    if (strchr(id, '/') || strchr(id, '?') || strlen(id) > 64)
        return fprintf(stderr, "huddle: '%s' is not a token id\n", id), 1;
    snprintf(path, sizeof path, "%s/%s", prefix, id);
    json_t *ans;
    int st = cli_call("DELETE", path, o->as, NULL, NULL, &ans);
    if (st == 200)
        printf("revoked %s (%s)\n", id, cli_str(ans, "name", "-"));
    json_decref(ans);
    return st == 200 ? 0 : 1;
}

int cli_token(int argc, char **argv) {
    topts_t o;
    if (argc < 1 || parse(argc, argv, &o) < 0)
        return usage();
    const char *verb = argv[0];
    int pos = argc - optind;
    if (!strcmp(verb, "create") && o.name && pos == 0) {
        json_t *body = json_pack("{s:s}", "name", o.name);
        if (o.scopes)
            json_object_set_new(body, "scopes", split(o.scopes));
        expiry(body, o.expires);
        return create("/v1/tokens", &o, body);
    }
    if (!strcmp(verb, "list") && pos == 0)
        return list("/v1/tokens", &o, 0);
    if (!strcmp(verb, "revoke") && pos == 1)
        return revoke("/v1/tokens", argv[optind], &o);
    return usage();
}

/* Appends "?name=value" (value percent-encoded) to path. */
static void query(char *path, size_t n, const char *name, const char *value) {
    size_t len = strlen(path);
    len += (size_t)snprintf(path + len, n - len, "?%s=", name);
    for (const unsigned char *c = (const unsigned char *)value; *c && len + 4 < n; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            strchr("-_.~@", *c))
            path[len++] = (char)*c;
        else
            len += (size_t)snprintf(path + len, n - len, "%%%02X", *c);
    }
    path[len] = 0;
}

int cli_admin_tokens(int argc, char **argv) {
    topts_t o;
    if (argc < 2 || parse(argc - 1, argv + 1, &o) < 0)
        return usage();
    const char *noun = argv[0], *verb = argv[1];
    int pos = argc - 1 - optind;
    char **rest = argv + 1 + optind;
    if (!strcmp(noun, "tokens") && !strcmp(verb, "list") && pos == 0 && !(o.person && o.dept)) {
        char path[600] = "/v1/admin/tokens";
        if (o.person || o.dept)
            query(path, sizeof path, o.person ? "person" : "department",
                  o.person ? o.person : o.dept);
        return list(path, &o, 1);
    }
    if (!strcmp(noun, "tokens") && !strcmp(verb, "revoke") && pos == 1)
        return revoke("/v1/admin/tokens", rest[0], &o);
    if (!strcmp(noun, "integration") && !strcmp(verb, "create") && pos == 1) {
        json_t *body = json_pack("{s:s}", "name", rest[0]);
        if (o.channels)
            json_object_set_new(body, "channels", split(o.channels));
        if (o.departments)
            json_object_set_new(body, "departments", split(o.departments));
        expiry(body, o.expires);
        return create("/v1/admin/integrations", &o, body);
    }
    if (!strcmp(noun, "integration") && !strcmp(verb, "list") && pos == 0)
        return list("/v1/admin/integrations", &o, 1);
    return usage();
}
