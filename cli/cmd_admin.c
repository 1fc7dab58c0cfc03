/*  cmd_admin: `huddle admin department|person|role|grant|history`, the
    administration of the organization through the HTTP API with the
    caller's own token (docs/admin.md). A change of an existing object reads
    it first and sends the version it read, so that a concurrent change is
    refused (409) rather than overwritten. */
#include "cmd_admin.h"

#include "client.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "usage: huddle admin NOUN VERB [ARGS] [--as EMAIL] [--json]\n"
    "  department list | show ID | create ID --name NAME | update ID --name NAME\n"
    "  person list [--department D] | show ID|EMAIL\n"
    "  person invite EMAIL --name NAME --department D [--role ROLE]...\n"
    "  person update ID|EMAIL [--name NAME] [--department D]\n"
    "  person deactivate ID|EMAIL --reason TEXT | activate ID|EMAIL\n"
    "  person grant-role ID|EMAIL ROLE | revoke-role ID|EMAIL ROLE\n"
    "  role list | create NAME [--description TEXT] | delete NAME\n"
    "  grant list | set ROLE PERMISSION --scope organization|department\n"
    "  grant delete ROLE PERMISSION\n"
    "  history [--department D] [--limit N] [--before SEQ]\n";

#define MAX_ROLES 16

typedef struct {
    const char *as, *name, *dept, *reason, *description, *scope, *limit, *before;
    const char *roles[MAX_ROLES];
    int nroles, json;
    char **args; /* the positional arguments after the verb */
    int nargs;
} opts_t;

static int parse(int argc, char **argv, opts_t *o) {
    static struct option longs[] = {
        {"as", 1, 0, 'a'},     {"name", 1, 0, 'n'},  {"department", 1, 0, 'd'},
        {"reason", 1, 0, 'R'}, {"role", 1, 0, 'r'},  {"description", 1, 0, 'D'},
        {"scope", 1, 0, 's'},  {"limit", 1, 0, 'l'}, {"before", 1, 0, 'b'},
        {"json", 0, 0, 'j'},   {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    optind = 1;
    int c;
    const char **slot[] = {
        ['a'] = &o->as,          ['n'] = &o->name,  ['d'] = &o->dept,  ['R'] = &o->reason,
        ['D'] = &o->description, ['s'] = &o->scope, ['l'] = &o->limit, ['b'] = &o->before};
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        if (c == 'j')
            o->json = 1;
        else if (c == 'r' && o->nroles < MAX_ROLES)
            o->roles[o->nroles++] = optarg;
        else if (c > 0 && c < (int)(sizeof slot / sizeof slot[0]) && slot[c])
            *slot[c] = optarg;
        else
            return -1;
    }
    o->args = argv + optind;
    o->nargs = argc - optind;
    return 0;
}

/* 1 if s may go in a path segment as it is. */
static int segment_ok(const char *s) { return *s && !strpbrk(s, "/?#% \t\r\n"); }

/* Runs a request (body taken) and prints its answer: as JSON with --json,
   else with show(). 0 on a 2xx, else 1. */
static int run(const opts_t *o, const char *method, const char *path, json_t *body,
               void (*show)(json_t *)) {
    json_t *ans;
    int st = cli_call(method, path, o->as, body, NULL, &ans);
    json_decref(body);
    int ok = st >= 200 && st < 300;
    if (ok && (o->json || !show)) {
        cli_print_json(ans, 0);
    } else if (ok)
        show(ans);
    json_decref(ans);
    return ok ? 0 : 1;
}

static long long num(json_t *o, const char *k) {
    return (long long)json_integer_value(json_object_get(o, k));
}

/* The version of the object at path (a GET), or of the item of its list
   whose k1 (and k2) match v1 (v2). > 0, 0 not found (printed), -1. */
static long long version_of(const opts_t *o, const char *path, const char *k1, const char *v1,
                            const char *k2, const char *v2) {
    json_t *ans, *it = NULL;
    if (cli_call("GET", path, o->as, NULL, NULL, &ans) != 200) {
        json_decref(ans);
        return -1;
    }
    size_t i;
    json_t *x;
    if (!k1)
        it = ans;
    else
        json_array_foreach(json_object_get(ans, "items"), i,
                           x) if (!strcmp(cli_str(x, k1, "-"), v1) &&
                                  (!k2 || !strcmp(cli_str(x, k2, "-"), v2))) it = x;
    long long v = it ? num(it, "version") : 0;
    if (!it)
        fprintf(stderr, "huddle: no such %s %s%s%s\n", k2 ? "grant" : "role", v1, k2 ? "/" : "",
                k2 ? v2 : "");
    json_decref(ans);
    return v;
}

/* ---------- printing ---------- */

static void show_department(json_t *d) {
    printf("%-20s %-40s people %lld  version %lld\n", cli_str(d, "id", "-"),
           cli_str(d, "name", "-"), num(d, "people"), num(d, "version"));
}

static void roles_line(json_t *p, char *buf, size_t len) {
    size_t i;
    json_t *r;
    buf[0] = 0;
    json_array_foreach(json_object_get(p, "roles"), i, r) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", i ? "," : "", json_string_value(r));
    }
}

static void show_person(json_t *p) {
    char roles[512];
    roles_line(p, roles, sizeof roles);
    printf("%-28s %-24s %-14s %-30s %s  version %lld\n", cli_str(p, "email", "-"),
           cli_str(p, "name", "-"), cli_str(p, "department", "-"), roles,
           json_is_true(json_object_get(p, "active")) ? "active" : "inactive", num(p, "version"));
}

static void show_role(json_t *r) {
    printf("%-22s %s%s holders %lld  version %lld  %s\n", cli_str(r, "name", "-"),
           json_is_true(json_object_get(r, "builtin")) ? "builtin " : "",
           json_is_true(json_object_get(r, "organization_wide")) ? "org-wide" : "",
           num(r, "holders"), num(r, "version"), cli_str(r, "description", "-"));
}

static void show_grant(json_t *g) {
    printf("%-22s %-18s %-12s version %lld\n", cli_str(g, "role", "-"),
           cli_str(g, "permission", "-"), cli_str(g, "scope", "-"), num(g, "version"));
}

static void show_event(json_t *e) {
    printf("%8lld  %s  %-28s %-22s %-14s %s%s%s\n", num(e, "seq"), cli_str(e, "at", "-"),
           cli_str(e, "type", "-"), cli_str(e, "actor", "-"), cli_str(e, "department", "-"),
           cli_str(e, "object_id", "-"), json_is_string(json_object_get(e, "reason")) ? ": " : "",
           json_is_string(json_object_get(e, "reason")) ? cli_str(e, "reason", "-") : "");
}

/* Runs show() over an answer's items. */
/* An empty list says so on stderr, so that nothing printed is never
   mistaken for a failure. */
#define LIST_SHOW(name, each)                                          \
    static void name(json_t *a) {                                      \
        size_t i;                                                      \
        json_t *x;                                                     \
        json_array_foreach(json_object_get(a, "items"), i, x) each(x); \
        if (!json_array_size(json_object_get(a, "items")))             \
            fprintf(stderr, "(none)\n");                               \
    }
LIST_SHOW(show_departments, show_department)
LIST_SHOW(show_people, show_person)
LIST_SHOW(show_roles, show_role)
LIST_SHOW(show_grants, show_grant)
LIST_SHOW(show_history, show_event)

static void show_invited(json_t *a) {
    show_person(json_object_get(a, "person"));
    printf("invitation token (shown once, expires %s):\n%s\n", cli_str(a, "expires_at", "-"),
           cli_str(a, "invitation_token", "-"));
}

/* ---------- nouns ---------- */

static int usage(void) {
    fputs(USAGE, stderr);
    return 2;
}

static int department(const char *verb, const opts_t *o) {
    char path[512];
    const char *id = o->nargs == 1 ? o->args[0] : NULL;
    if (!strcmp(verb, "list") && o->nargs == 0)
        return run(o, "GET", "/v1/admin/departments", NULL, show_departments);
    if (!id || !segment_ok(id))
        return usage();
    snprintf(path, sizeof path, "/v1/admin/departments/%s", id);
    if (!strcmp(verb, "show"))
        return run(o, "GET", path, NULL, show_department);
    if (!strcmp(verb, "create") && o->name)
        return run(o, "POST", "/v1/admin/departments",
                   json_pack("{s:s, s:s}", "id", id, "name", o->name), show_department);
    if (!strcmp(verb, "update") && o->name) {
        long long v = version_of(o, path, NULL, NULL, NULL, NULL);
        return v <= 0 ? 1
                      : run(o, "PATCH", path,
                            json_pack("{s:s, s:I}", "name", o->name, "version", (json_int_t)v),
                            show_department);
    }
    return usage();
}

static int person_change(const char *verb, const opts_t *o, const char *path) {
    char p2[700];
    long long v = version_of(o, path, NULL, NULL, NULL, NULL);
    if (v <= 0)
        return 1;
    json_t *b = json_pack("{s:I}", "version", (json_int_t)v);
    if (!strcmp(verb, "update")) {
        if (o->name)
            json_object_set_new(b, "name", json_string(o->name));
        if (o->dept)
            json_object_set_new(b, "department", json_string(o->dept));
        return run(o, "PATCH", path, b, show_person);
    }
    if (!strcmp(verb, "deactivate") || !strcmp(verb, "activate")) {
        if (o->reason)
            json_object_set_new(b, "reason", json_string(o->reason));
        snprintf(p2, sizeof p2, "%s/%s", path, verb);
        return run(o, "POST", p2, b, show_person);
    }
    snprintf(p2, sizeof p2, "%s/roles/%s", path, o->args[1]);
    return run(o, !strcmp(verb, "grant-role") ? "PUT" : "DELETE", p2, b, show_person);
}

static int person(const char *verb, const opts_t *o) {
    char path[512];
    if (!strcmp(verb, "list") && o->nargs == 0) {
        snprintf(path, sizeof path, "/v1/admin/people%s%s", o->dept ? "?department=" : "",
                 o->dept && segment_ok(o->dept) ? o->dept : "");
        return run(o, "GET", path, NULL, show_people);
    }
    if (o->nargs < 1 || !segment_ok(o->args[0]))
        return usage();
    if (!strcmp(verb, "invite") && o->nargs == 1 && o->name && o->dept) {
        json_t *roles = json_array();
        for (int i = 0; i < o->nroles; i++)
            json_array_append_new(roles, json_string(o->roles[i]));
        return run(o, "POST", "/v1/admin/people",
                   json_pack("{s:s, s:s, s:s, s:o}", "email", o->args[0], "name", o->name,
                             "department", o->dept, "roles", roles),
                   show_invited);
    }
    snprintf(path, sizeof path, "/v1/admin/people/%s", o->args[0]);
    if (!strcmp(verb, "show") && o->nargs == 1)
        return run(o, "GET", path, NULL, show_person);
    int role_verb = !strcmp(verb, "grant-role") || !strcmp(verb, "revoke-role");
    if ((role_verb && o->nargs == 2 && segment_ok(o->args[1])) ||
        (o->nargs == 1 &&
         ((!strcmp(verb, "update") && (o->name || o->dept)) ||
          (!strcmp(verb, "deactivate") && o->reason) || !strcmp(verb, "activate"))))
        return person_change(verb, o, path);
    return usage();
}

static int role(const char *verb, const opts_t *o) {
    char path[512];
    if (!strcmp(verb, "list") && o->nargs == 0)
        return run(o, "GET", "/v1/admin/roles", NULL, show_roles);
    if (o->nargs != 1 || !segment_ok(o->args[0]))
        return usage();
    if (!strcmp(verb, "create")) {
        json_t *b = json_pack("{s:s}", "name", o->args[0]);
        if (o->description)
            json_object_set_new(b, "description", json_string(o->description));
        return run(o, "POST", "/v1/admin/roles", b, show_role);
    }
    if (!strcmp(verb, "delete")) {
        long long v = version_of(o, "/v1/admin/roles", "name", o->args[0], NULL, NULL);
        snprintf(path, sizeof path, "/v1/admin/roles/%s", o->args[0]);
        return v <= 0 ? 1
                      : run(o, "DELETE", path, json_pack("{s:I}", "version", (json_int_t)v),
                            show_role);
    }
    return usage();
}

static int grant(const char *verb, const opts_t *o) {
    char path[512];
    if (!strcmp(verb, "list") && o->nargs == 0)
        return run(o, "GET", "/v1/admin/grants", NULL, show_grants);
    int set = !strcmp(verb, "set");
    if (o->nargs != 2 || !segment_ok(o->args[0]) || !segment_ok(o->args[1]) ||
        (!set && strcmp(verb, "delete")) || (set && !o->scope))
        return usage();
    long long v = version_of(o, "/v1/admin/grants", "role", o->args[0], "permission", o->args[1]);
    if (v < 0 || (v == 0 && !set))
        return 1;
    snprintf(path, sizeof path, "/v1/admin/grants/%s/%s", o->args[0], o->args[1]);
    json_t *b = v ? json_pack("{s:I}", "version", (json_int_t)v) : json_object();
    if (set)
        json_object_set_new(b, "scope", json_string(o->scope));
    return run(o, set ? "PUT" : "DELETE", path, b, show_grant);
}

static int history(const opts_t *o) {
    char path[512] = "/v1/admin/history";
    const char *k[3] = {"department", "limit", "before"}, *v[3] = {o->dept, o->limit, o->before};
    for (int i = 0, n = 0; i < 3; i++)
        if (v[i] && segment_ok(v[i])) {
            size_t used = strlen(path);
            snprintf(path + used, sizeof path - used, "%c%s=%s", n++ ? '&' : '?', k[i], v[i]);
        }
    return run(o, "GET", path, NULL, show_history);
}

int cli_admin(int argc, char **argv) {
    const char *noun = argv[0];
    int is_history = !strcmp(noun, "history");
    if (!is_history && argc < 2)
        return usage();
    const char *verb = is_history ? "" : argv[1];
    opts_t o;
    /* getopt sees the noun (history) or the verb as its program name */
    if (parse(is_history ? argc : argc - 1, is_history ? argv : argv + 1, &o) < 0)
        return usage();
    if (is_history)
        return o.nargs ? usage() : history(&o);
    if (!strcmp(noun, "department"))
        return department(verb, &o);
    if (!strcmp(noun, "person"))
        return person(verb, &o);
    if (!strcmp(noun, "role"))
        return role(verb, &o);
    if (!strcmp(noun, "grant"))
        return grant(verb, &o);
    fprintf(stderr, "huddle admin: unknown noun '%s'\n", noun);
    return usage();
}
