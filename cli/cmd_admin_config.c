/*  cmd_admin_config: `huddle admin channel|account|routing|chain|
    review-role|policy-reviewer|certification|delegation ...`, the
    configuration's administration through the HTTP API
    (docs/admin-channels.md). Each command is a row of a table: the
    method, the path (its {} filled by the positional arguments) and
    whether the options form a JSON body. A channel credential is read from
    a file (--credential-file FILE, '-' for stdin), never from the command
    line, where other users and shell histories would see it. */
#include "client.h"
#include "cmd_admin.h"
#include "hd_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *noun, *verb, *method;
    const char *path;   /* "{}" are the positional arguments, in order */
    const char *id_key; /* the first positional goes in the body as this (create) */
    const char *usage;  /* the options, for the usage line */
} cmd_t;

#define CH "/v1/admin/channels"
#define RR "/v1/admin/routing-rules"
static const cmd_t s_cmds[] = {
    {"channel", "list", "GET", CH, NULL, ""},
    {"channel", "show", "GET", CH "/{}", NULL, "ID"},
    {"channel", "create", "POST", CH, "id", "ID --kind mastodon --base-url URL [--max-length N]"},
    {"channel", "update", "PATCH", CH "/{}", NULL,
     "ID --version N [--kind K] [--base-url URL] [--max-length N]"},
    {"account", "list", "GET", CH "/{}/accounts", NULL, "CHANNEL"},
    {"account", "set", "PUT", CH "/{}/accounts/{}", NULL,
     "CHANNEL DEPARTMENT --handle H [--credential-file FILE|-] [--version N]"},
    {"account", "delete", "DELETE", CH "/{}/accounts/{}", NULL, "CHANNEL DEPARTMENT --version N"},
    {"routing", "list", "GET", RR, NULL, ""},
    {"routing", "show", "GET", RR "/{}", NULL, "ID"},
    {"routing", "create", "POST", RR, "id",
     "ID --priority N --keywords W1,W2 --department D [--channel C]"},
    {"routing", "update", "PATCH", RR "/{}", NULL,
     "ID --version N [--priority N] [--keywords W,..] [--department D] [--channel C|none]"},
    {"routing", "delete", "DELETE", RR "/{}", NULL, "ID --version N"},
    {"chain", "list", "GET", "/v1/admin/approval-steps", NULL, ""},
    {"chain", "add", "POST", "/v1/admin/approval-steps", NULL,
     "--role ROLE|auto [--department D] [--same-department yes|no]"},
    {"chain", "delete", "DELETE", "/v1/admin/approval-steps/{}", NULL, "ID --version N"},
    {"review-role", "list", "GET", "/v1/admin/review-roles", NULL, ""},
    {"review-role", "set", "PUT", "/v1/admin/review-roles/{}", NULL,
     "ROLE [--same-department yes|no] [--version N]"},
    {"review-role", "delete", "DELETE", "/v1/admin/review-roles/{}", NULL, "ROLE --version N"},
    {"policy-reviewer", "list", "GET", "/v1/admin/policy-reviewers", NULL, ""},
    {"policy-reviewer", "set", "PUT", "/v1/admin/policy-reviewers/{}", NULL,
     "ROLE [--ord N] [--version N]"},
    {"policy-reviewer", "delete", "DELETE", "/v1/admin/policy-reviewers/{}", NULL,
     "ROLE --version N"},
    {"certification", "list", "GET", "/v1/admin/certifications", NULL, "[--person P]"},
    {"certification", "grant", "POST", "/v1/admin/certifications", NULL,
     "--person P [--channel C] [--name N] [--expires-at T]"},
    {"certification", "update", "PATCH", "/v1/admin/certifications/{}", NULL,
     "ID --version N [--channel C|none] [--name N] [--expires-at T|none]"},
    {"certification", "revoke", "DELETE", "/v1/admin/certifications/{}", NULL, "ID --version N"},
    {"delegation", "list", "GET", "/v1/admin/delegations", NULL, "[--person P]"},
    {"delegation", "create", "POST", "/v1/admin/delegations", NULL,
     "--principal P --delegate P [--channel C] [--valid-from T] [--valid-until T]"},
    {"delegation", "delete", "DELETE", "/v1/admin/delegations/{}", NULL, "ID --version N"},
    {NULL, NULL, NULL, NULL, NULL, NULL}};

/* An option that becomes a body member: S string, I integer, B yes/no,
   L comma-separated list, N string or "none" (null). */
typedef struct {
    const char *name, *member;
    char type;
} opt_t;

static const opt_t s_opts[] = {{"kind", "kind", 'S'},
                               {"base-url", "base_url", 'S'},
                               {"max-length", "max_length", 'I'},
                               {"handle", "handle", 'S'},
                               {"version", "version", 'I'},
                               {"priority", "priority", 'I'},
                               {"keywords", "keywords", 'L'},
                               {"channel", "channel", 'N'},
                               {"department", "department", 'N'},
                               {"role", "role", 'S'},
                               {"same-department", "same_department", 'B'},
                               {"ord", "ord", 'I'},
                               {"person", "person", 'S'},
                               {"name", "name", 'S'},
                               {"expires-at", "expires_at", 'N'},
                               {"principal", "principal", 'S'},
                               {"delegate", "delegate", 'S'},
                               {"valid-from", "valid_from", 'S'},
                               {"valid-until", "valid_until", 'N'},
                               {NULL, NULL, 0}};

int cli_admin_config_noun(const char *noun) {
    for (int i = 0; s_cmds[i].noun; i++)
        if (!strcmp(s_cmds[i].noun, noun))
            return 1;
    return 0;
}

static int usage(const char *noun) {
    for (int i = 0; s_cmds[i].noun; i++)
        if (!noun || !strcmp(s_cmds[i].noun, noun))
            fprintf(stderr, "usage: huddle admin %s %s %s%s--as EMAIL [--json]\n", s_cmds[i].noun,
                    s_cmds[i].verb, s_cmds[i].usage, s_cmds[i].usage[0] ? " " : "");
    return 2;
}

/* Adds the option's value to body; -1 when it is not of its type. */
static int add_member(json_t *body, const opt_t *o, const char *v) {
    char *end = NULL;
    if (o->type == 'I') {
        long long n = strtoll(v, &end, 10);
        if (!*v || *end)
            return -1;
        json_object_set_new(body, o->member, json_integer(n));
    } else if (o->type == 'B') {
        int yes = !strcmp(v, "yes") || !strcmp(v, "true");
        if (!yes && strcmp(v, "no") && strcmp(v, "false"))
            return -1;
        json_object_set_new(body, o->member, json_boolean(yes));
    } else if (o->type == 'L') {
        json_t *a = json_array();
        char *copy = hd_strdup(v), *save = NULL;
        for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
            json_array_append_new(a, json_string(w));
        free(copy);
        json_object_set_new(body, o->member, a);
    } else if (o->type == 'N' && !strcmp(v, "none")) {
        json_object_set_new(body, o->member, json_null());
    } else {
        json_object_set_new(body, o->member, json_string(v));
    }
    return 0;
}

/* The credential of `path` ('-': stdin), its last newline dropped, into
   body's "credential"; -1 when it cannot be read or is empty. */
static int add_credential(json_t *body, const char *path) {
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    char buf[4097];
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f && f != stdin)
        fclose(f);
    buf[n] = 0;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = 0;
    if (n == 0) {
        fprintf(stderr, "huddle: no credential in %s\n", path);
        return -1;
    }
    json_object_set_new(body, "credential", json_string(buf));
    memset(buf, 0, sizeof buf);
    return 0;
}

/* The options after the verb: body members, --as, --json, the credential
   file; positional arguments into pos. -1 on a usage error (printed). */
typedef struct {
    const char *as, *cred;
    int json;
    const char *pos[4];
    int npos;
} args_t;

static int parse(int argc, char **argv, json_t *body, args_t *a) {
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0) {
            if (a->npos == 4)
                return -1;
            a->pos[a->npos++] = arg;
            continue;
        }
        arg += 2;
        if (!strcmp(arg, "json")) {
            a->json = 1;
            continue;
        }
        if (!strcmp(arg, "credential")) {
            fprintf(stderr, "huddle: a credential is never given on the command line: use "
                            "--credential-file FILE (or - for stdin)\n");
            return -1;
        }
        if (i + 1 >= argc)
            return -1;
        const char *v = argv[++i];
        if (!strcmp(arg, "as") || !strcmp(arg, "credential-file")) {
            *(!strcmp(arg, "as") ? &a->as : &a->cred) = v;
            continue;
        }
        const opt_t *o = s_opts;
        while (o->name && strcmp(o->name, arg))
            o++;
        if (!o->name || add_member(body, o, v) < 0) {
            fprintf(stderr, "huddle: %s --%s '%s'\n", o->name ? "bad value for" : "unknown option",
                    arg, v);
            return -1;
        }
    }
    return 0;
}

/* The path of cmd with the positional arguments (past the id of a create)
   in its {}; -1 when their number does not fit. */
static int build_path(const cmd_t *cmd, const args_t *a, char *out, size_t n) {
    int used = cmd->id_key ? 1 : 0;
    size_t len = 0;
    for (const char *p = cmd->path; *p && len + 1 < n; p++) {
        if (p[0] == '{' && p[1] == '}') {
            if (used >= a->npos)
                return -1;
            len += (size_t)snprintf(out + len, n - len, "%s", a->pos[used++]);
            p++;
        } else {
            out[len++] = *p;
        }
    }
    out[len < n ? len : n - 1] = 0;
    return used == a->npos && len < n ? 0 : -1;
}

/* One object as "key=value" pairs on a line. */
static void print_object(json_t *o) {
    const char *key;
    json_t *v;
    int first = 1;
    json_object_foreach(o, key, v) {
        char *text = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        printf("%s%s=%s", first ? "" : "  ", key, text ? text : json_string_value(v));
        free(text);
        first = 0;
    }
    printf("\n");
}

static void print_answer(json_t *ans, int as_json) {
    if (as_json) {
        cli_print_json(ans, 1);
        return;
    }
    json_t *items = json_object_get(ans, "items"), *v;
    size_t i;
    if (!json_is_array(items)) {
        print_object(ans);
        return;
    }
    json_array_foreach(items, i, v) print_object(v);
}

static int run(const cmd_t *cmd, json_t *body, const args_t *a) {
    char path[1024];
    if (build_path(cmd, a, path, sizeof path) < 0)
        return usage(cmd->noun);
    if (cmd->id_key)
        json_object_set_new(body, cmd->id_key, json_string(a->pos[0]));
    if (a->cred && add_credential(body, a->cred) < 0)
        return 1;
    json_t *person = json_object_get(body, "person");
    if (!strcmp(cmd->method, "GET") && json_is_string(person)) {
        snprintf(path + strlen(path), sizeof path - strlen(path), "?person=%s",
                 json_string_value(person));
        json_object_del(body, "person");
    }
    int send = strcmp(cmd->method, "GET") != 0 && json_object_size(body) > 0;
    json_t *ans;
    int st = cli_call(cmd->method, path, a->as, send ? body : NULL, NULL, &ans);
    if (st > 0 && st < 400)
        print_answer(ans, a->json);
    json_decref(ans);
    return st >= 200 && st < 300 ? 0 : 1;
}

int cli_admin_config(int argc, char **argv) {
    if (argc < 2)
        return usage(argv[0]);
    const cmd_t *cmd = s_cmds;
    while (cmd->noun && (strcmp(cmd->noun, argv[0]) || strcmp(cmd->verb, argv[1])))
        cmd++;
    if (!cmd->noun)
        return usage(argv[0]);
    json_t *body = json_object();
    args_t a = {0};
    int rc = parse(argc, argv, body, &a) < 0 ? usage(argv[0]) : run(cmd, body, &a);
    json_decref(body);
    return rc;
}
