/*  cmd_policy: policy through the API, and `huddle check` (see the header).
    The validation, diff and evaluation of local files are done by the policy
    library (services/policy); everything else is a request to the HTTP API
    with the caller's token. This file reads arguments and files and prints. */
#include "cmd_policy.h"

#include "client.h"
#include "hd_mem.h"
#include "policy.h"
#include "policy_diff.h"
#include "policy_report.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char s_usage[] =
    "usage: huddle policy validate FILE\n"
    "       huddle policy propose FILE --why TEXT [--as EMAIL]\n"
    "       huddle policy proposals [--state STATE] [--as EMAIL] [--json]\n"
    "       huddle policy proposal ID [--as EMAIL] [--json]\n"
    "       huddle policy review ID approve|reject [--comment TEXT] [--role ROLE] [--as EMAIL]\n"
    "       huddle policy apply FILE --reason TEXT [--as EMAIL]   (emergency: no reviews)\n"
    "       huddle policy diff V1|FILE V2|FILE [--as EMAIL]\n"
    "       huddle policy show [VERSION] [--as EMAIL]\n"
    "       huddle policy list [--as EMAIL] [--json]\n"
    "       huddle policy simulate FILE [--since 30d] [--as EMAIL]\n"
    "       huddle check --channel C [--department D] [--kind K] [--author EMAIL]\n"
    "                    [--policy FILE | --as EMAIL] [--json] TEXT|-\n";

/* How long `policy apply` waits for the policy service to activate. */
#define APPLY_WAIT_S 20

/* Reads a file ("-" = stdin) into a malloc'd buffer. NULL on error (printed). */
static char *read_file(const char *path, size_t *len) {
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        fprintf(stderr, "huddle: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = hd_malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            if (cap > POL_MAX_SOURCE * 2) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = hd_grow(buf, &cap, cap * 2, 1);
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0)
            break;
    }
    if (f != stdin)
        fclose(f);
    if (!buf) {
        fprintf(stderr, "huddle: %s is too large\n", path);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* Prints loader errors, each line prefixed with the file name. */
static void print_errors(const char *file, const char *err) {
    while (*err) {
        const char *nl = strchr(err, '\n');
        int n = nl ? (int)(nl - err) : (int)strlen(err);
        fprintf(stderr, "%s: %.*s\n", file, n, err);
        err += n + (nl ? 1 : 0);
    }
}

/* Prints a multi-line text indented. */
static void indented(const char *text) {
    while (text && *text) {
        const char *nl = strchr(text, '\n');
        int n = nl ? (int)(nl - text) : (int)strlen(text);
        printf("    %.*s\n", n, text);
        text += n + (nl ? 1 : 0);
    }
}

/* ---------- local ---------- */

static int cmd_validate(const char *file) {
    size_t len;
    char *src = read_file(file, &len), err[8192];
    if (!src)
        return 1;
    pol_t *p = pol_new(src, len, err, sizeof err);
    free(src);
    if (!p) {
        print_errors(file, err);
        return 1;
    }
    printf("%s: ok, %zu rule(s)\n", file, pol_rule_count(p));
    pol_destroy(&p);
    return 0;
}

/* ---------- through the API ---------- */

typedef struct {
    const char *as, *why, *reason, *comment, *role, *state, *since;
    int json;
} policy_opts_t;

/* A proposal of FILE (emergency: activated at once). The answer in *ans. */
static int post_proposal(const char *file, const char *why, int emergency, const char *as,
                         json_t **ans) {
    size_t len;
    char *src = read_file(file, &len);
    if (!src)
        return -1;
    json_t *body = json_pack("{s:s, s:s, s:b}", "source", src, "why", why, "emergency", emergency);
    free(src);
    int st = cli_call("POST", "/v1/policy/proposals", as, body, NULL, ans);
    json_decref(body);
    return st;
}

static int cmd_propose(const char *file, const policy_opts_t *o) {
    if (!o->why) {
        fprintf(stderr, "huddle: policy propose needs --why TEXT (what the change is for)\n");
        return 2;
    }
    json_t *ans;
    int st = post_proposal(file, o->why, 0, o->as, &ans);
    char roles[512];
    if (st == 201) { /* the id alone on stdout, for scripts: p=$(huddle policy propose ...) */
        printf("%s\n", cli_str(ans, "id", ""));
        fprintf(stderr, "proposal %s: %s; reviews required: %s\n", cli_str(ans, "id", ""),
                cli_str(ans, "state", ""),
                cli_joined(json_object_get(ans, "required_roles"), ", ", "", roles, sizeof roles));
    }
    json_decref(ans);
    return st == 201 ? 0 : 1;
}

/* GET the proposal `id` into *ans; the status. */
static int get_proposal(const char *id, const char *as, json_t **ans) {
    char path[256];
    snprintf(path, sizeof path, "/v1/policy/proposals/%s", id);
    return cli_call("GET", path, as, NULL, NULL, ans);
}

static void print_proposal(json_t *p) {
    char roles[512];
    json_t *v = json_object_get(p, "version");
    printf("proposal  %s%s\n", cli_str(p, "id", ""),
           json_is_true(json_object_get(p, "emergency")) ? " (emergency)" : "");
    printf("state     %s", cli_str(p, "state", ""));
    if (json_is_integer(v))
        printf(" as version %lld", (long long)json_integer_value(v));
    printf("\nby        %s at %s\n", cli_str(p, "proposed_by", ""), cli_str(p, "created_at", ""));
    printf("why       %s\n", cli_str(p, "why", ""));
    printf("base      version %lld\n",
           (long long)json_integer_value(json_object_get(p, "base_version")));
    printf("requires  %s\n",
           cli_joined(json_object_get(p, "required_roles"), ", ", "", roles, sizeof roles));
    printf("approved  %s\n",
           cli_joined(json_object_get(p, "approved"), ", ", "", roles, sizeof roles));
    if (*cli_str(p, "reason", ""))
        printf("note      %s\n", cli_str(p, "reason", ""));
    if (*cli_str(p, "diff", "")) {
        printf("diff\n");
        indented(cli_str(p, "diff", ""));
    }
    json_t *sim = json_object_get(p, "simulation");
    if (json_is_object(sim)) {
        printf("simulation (last %s)\n", cli_str(sim, "since", ""));
        indented(*cli_str(sim, "report", "") ? cli_str(sim, "report", "")
                                             : cli_str(sim, "error", ""));
    }
    printf("reviews\n");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(p, "reviews"), i, r)
        printf("  %s  %-8s as %-12s by %s%s%s\n", cli_str(r, "at", ""), cli_str(r, "decision", ""),
               cli_str(r, "role", ""), cli_str(r, "by", ""), *cli_str(r, "comment", "") ? ": " : "",
               cli_str(r, "comment", ""));
}

static int cmd_proposal(const char *id, const policy_opts_t *o) {
    json_t *ans;
    int st = get_proposal(id, o->as, &ans);
    if (st == 200)
        o->json ? cli_print_json(ans, 0) : print_proposal(ans);
    json_decref(ans);
    return st == 200 ? 0 : 1;
}

static int cmd_proposals(const policy_opts_t *o) {
    char path[128];
    snprintf(path, sizeof path, "/v1/policy/proposals%s%s", o->state ? "?state=" : "",
             o->state ? o->state : "");
    json_t *ans;
    int st = cli_call("GET", path, o->as, NULL, NULL, &ans);
    if (st == 200 && o->json)
        cli_print_json(ans, 0);
    else if (st == 200) {
        printf("%-36s  %-10s %-24s %-24s %s\n", "ID", "STATE", "PROPOSED BY", "CREATED AT", "WHY");
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(ans, "items"), i, p) printf(
            "%-36s  %-10s %-24s %-24s %s\n", cli_str(p, "id", ""), cli_str(p, "state", ""),
            cli_str(p, "proposed_by", ""), cli_str(p, "created_at", ""), cli_str(p, "why", ""));
    }
    json_decref(ans);
    return st == 200 ? 0 : 1;
}

static int cmd_review(const char *id, const char *decision, const policy_opts_t *o) {
    if (strcmp(decision, "approve") && strcmp(decision, "reject")) {
        fprintf(stderr, "huddle: the decision is approve or reject, not '%s'\n", decision);
        return 2;
    }
    if (!strcmp(decision, "reject") && !o->comment) {
        fprintf(stderr, "huddle: a rejection needs --comment TEXT saying why\n");
        return 2;
    }
    json_t *body = json_pack("{s:s}", "decision", decision);
    if (o->comment)
        json_object_set_new(body, "comment", json_string(o->comment));
    if (o->role)
        json_object_set_new(body, "role", json_string(o->role));
    char path[256];
    snprintf(path, sizeof path, "/v1/policy/proposals/%s/reviews", id);
    json_t *ans;
    int st = cli_call("POST", path, o->as, body, NULL, &ans);
    json_decref(body);
    if (st == 200 || st == 202)
        printf("%s recorded as %s (review %s)\n", decision, cli_str(ans, "role", ""),
               cli_str(ans, "review_id", ""));
    json_decref(ans);
    return st == 200 || st == 202 ? 0 : 1;
}

/* Waits for the policy service to settle proposal id; prints the outcome. */
static int wait_activated(const char *id, const char *as) {
    for (int i = 0; i < APPLY_WAIT_S * 10; i++) {
        json_t *p;
        int st = get_proposal(id, as, &p);
        const char *state = st == 200 ? cli_str(p, "state", "") : "";
        if (!strcmp(state, "activated")) {
            printf("version %lld is active (emergency proposal %s)\n",
                   (long long)json_integer_value(json_object_get(p, "version")), id);
            json_decref(p);
            return 0;
        }
        if (st != 200 || strcmp(state, "analyzing")) {
            if (st == 200)
                fprintf(stderr, "huddle: proposal %s is %s: %s\n", id, state,
                        cli_str(p, "reason", ""));
            json_decref(p);
            return 1;
        }
        json_decref(p);
        nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
    }
    fprintf(stderr,
            "huddle: proposal %s is recorded but not active yet (is huddle-policy running?)\n", id);
    return 1;
}

static int cmd_apply(const char *file, const policy_opts_t *o) {
    if (!o->reason) {
        fprintf(stderr, "huddle: policy apply is the emergency path and needs --reason TEXT; "
                        "otherwise use policy propose\n");
        return 2;
    }
    char err[8192];
    size_t len;
    char *src = read_file(file, &len);
    pol_t *p = src ? pol_new(src, len, err, sizeof err) : NULL;
    free(src);
    if (!p) {
        if (src)
            print_errors(file, err);
        fprintf(stderr, "%s: nothing was activated\n", file);
        return 1;
    }
    pol_destroy(&p);
    json_t *ans;
    int st = post_proposal(file, o->reason, 1, o->as, &ans);
    char id[64];
    snprintf(id, sizeof id, "%s", cli_str(ans, "id", ""));
    json_decref(ans);
    if (st != 201) {
        fprintf(stderr, "%s: nothing was activated\n", file);
        return 1;
    }
    return wait_activated(id, o->as);
}

/* The source of version `v` through the API (caller frees), with its
   row in *row when row is not NULL. */
static char *version_source(long long v, const char *as, size_t *len, json_t **row) {
    char path[64];
    snprintf(path, sizeof path, "/v1/policy/versions/%lld", v);
    json_t *ans;
    int st = cli_call("GET", path, as, NULL, NULL, &ans);
    char *src = st == 200 ? hd_strdup(cli_str(ans, "source", "")) : NULL;
    if (src)
        *len = strlen(src);
    if (row && src)
        *row = ans;
    else
        json_decref(ans);
    return src;
}

/* The active version through the API (0: none; -1: no answer). */
static long long active_version(const char *as) {
    json_t *ans;
    long long v = cli_call("GET", "/v1/policy/versions", as, NULL, NULL, &ans) == 200 ? 0 : -1;
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(ans, "items"), i,
                       row) if (json_is_true(json_object_get(row, "active"))) v =
        json_integer_value(json_object_get(row, "version"));
    json_decref(ans);
    return v;
}

/* A version number (when no such file exists) or a file. */
static int is_version(const char *ref, long long *v) {
    char *end;
    *v = strtoll(ref, &end, 10);
    return *ref && !*end && *v > 0 && access(ref, F_OK) != 0;
}

static char *load_ref(const char *ref, const char *as, size_t *len) {
    long long v;
    return is_version(ref, &v) ? version_source(v, as, len, NULL) : read_file(ref, len);
}

static int cmd_diff(const char *a, const char *b, const policy_opts_t *o) {
    long long va, vb;
    if (is_version(a, &va) && is_version(b, &vb)) {
        char path[128];
        snprintf(path, sizeof path, "/v1/policy/diff?from=%lld&to=%lld", va, vb);
        json_t *ans;
        int st = cli_call("GET", path, o->as, NULL, NULL, &ans);
        if (st == 200 && json_integer_value(json_object_get(ans, "changes")) == 0)
            printf("no differences between %s and %s\n", a, b);
        else if (st == 200)
            fputs(cli_str(ans, "diff", ""), stdout);
        json_decref(ans);
        return st != 200;
    }
    size_t la = 0, lb = 0;
    char *sa = load_ref(a, o->as, &la), *sb = sa ? load_ref(b, o->as, &lb) : NULL, err[8192];
    int rc = 1;
    if (sa && sb) {
        int n = pol_diff(sa, la, sb, lb, stdout, err, sizeof err);
        if (n < 0)
            print_errors("diff", err);
        else if (n == 0)
            printf("no differences between %s and %s\n", a, b);
        rc = n < 0;
    }
    free(sa);
    free(sb);
    return rc;
}

static int cmd_show(const char *ref, const policy_opts_t *o) {
    long long v = 0;
    if (ref && !is_version(ref, &v)) {
        fprintf(stderr, "huddle: '%s' is not a version number\n", ref);
        return 2;
    }
    if (!ref && (v = active_version(o->as)) <= 0) {
        if (v == 0)
            fprintf(stderr, "huddle: no active policy version\n");
        return 1;
    }
    size_t len;
    json_t *row = NULL;
    char *src = version_source(v, o->as, &len, &row);
    if (!src)
        return 1;
    printf("# policy version %lld%s, created by %s at %s\n", v,
           json_is_true(json_object_get(row, "active")) ? " (active)" : "",
           cli_str(row, "created_by", ""), cli_str(row, "created_at", ""));
    fputs(src, stdout);
    free(src);
    json_decref(row);
    return 0;
}

static int cmd_list(const policy_opts_t *o) {
    json_t *ans;
    int st = cli_call("GET", "/v1/policy/versions", o->as, NULL, NULL, &ans);
    if (st == 200 && o->json)
        cli_print_json(ans, 0);
    else if (st == 200) {
        printf("%-8s %-7s %-24s %-26s %s\n", "VERSION", "ACTIVE", "CREATED BY", "CREATED AT",
               "PROPOSAL");
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(ans, "items"), i, r) printf(
            "%-8lld %-7s %-24s %-26s %s\n",
            (long long)json_integer_value(json_object_get(r, "version")),
            json_is_true(json_object_get(r, "active")) ? "yes" : "", cli_str(r, "created_by", ""),
            cli_str(r, "created_at", ""), cli_str(r, "proposal_id", ""));
    }
    json_decref(ans);
    return st == 200 ? 0 : 1;
}

static int cmd_simulate(const char *file, const policy_opts_t *o) {
    size_t len;
    char *src = read_file(file, &len);
    if (!src)
        return 1;
    json_t *body = json_pack("{s:s, s:s}", "source", src, "since", o->since ? o->since : "30d");
    free(src);
    json_t *ans;
    int st = cli_call("POST", "/v1/policy/simulate", o->as, body, NULL, &ans);
    json_decref(body);
    if (st == 200)
        fputs(cli_str(ans, "report", ""), stdout);
    json_decref(ans);
    return st != 200;
}

/* Parses the options after the subcommand; -1 usage. */
static int policy_opts(int argc, char **argv, policy_opts_t *o) {
    static const struct option opts[] = {
        {"as", required_argument, 0, 'a'},     {"why", required_argument, 0, 'w'},
        {"reason", required_argument, 0, 'r'}, {"comment", required_argument, 0, 'c'},
        {"role", required_argument, 0, 'R'},   {"state", required_argument, 0, 'S'},
        {"since", required_argument, 0, 's'},  {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    int c;
    memset(o, 0, sizeof *o);
    optind = 0; /* a fresh scan: the CLI's main may have used getopt */
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            o->as = optarg;
            break;
        case 'w':
            o->why = optarg;
            break;
        case 'r':
            o->reason = optarg;
            break;
        case 'c':
            o->comment = optarg;
            break;
        case 'R':
            o->role = optarg;
            break;
        case 'S':
            o->state = optarg;
            break;
        case 's':
            o->since = optarg;
            break;
        case 'j':
            o->json = 1;
            break;
        default:
            return c == 'h' ? 1 : -1;
        }
    }
    return 0;
}

int hd_cli_policy(int argc, char **argv) {
    policy_opts_t o;
    if (argc < 2) {
        fputs(s_usage, stderr);
        return 2;
    }
    int p = policy_opts(argc - 1, argv + 1, &o);
    if (p != 0) {
        fputs(s_usage, p > 0 ? stdout : stderr);
        return p > 0 ? 0 : 2;
    }
    const char *sub = argv[1];
    char **rest = argv + 1 + optind;
    int nrest = argc - 1 - optind;
    if (!strcmp(sub, "validate") && nrest == 1)
        return cmd_validate(rest[0]);
    if (!strcmp(sub, "propose") && nrest == 1)
        return cmd_propose(rest[0], &o);
    if (!strcmp(sub, "proposals") && nrest == 0)
        return cmd_proposals(&o);
    if (!strcmp(sub, "proposal") && nrest == 1)
        return cmd_proposal(rest[0], &o);
    if (!strcmp(sub, "review") && nrest == 2)
        return cmd_review(rest[0], rest[1], &o);
    if (!strcmp(sub, "apply") && nrest == 1)
        return cmd_apply(rest[0], &o);
    if (!strcmp(sub, "diff") && nrest == 2)
        return cmd_diff(rest[0], rest[1], &o);
    if (!strcmp(sub, "show") && nrest <= 1)
        return cmd_show(nrest ? rest[0] : NULL, &o);
    if (!strcmp(sub, "list") && nrest == 0)
        return cmd_list(&o);
    if (!strcmp(sub, "simulate") && nrest == 1)
        return cmd_simulate(rest[0], &o);
    fputs(s_usage, stderr);
    return 2;
}

/* ---------- check ---------- */

/* The policy to check against: --policy FILE, else the active version
   through the API. */
static pol_t *check_policy(const char *file, const char *as, int64_t *version) {
    size_t len = 0;
    char *src = NULL, err[8192];
    *version = 0;
    if (file) {
        src = read_file(file, &len);
    } else {
        long long v = active_version(as);
        if (v == 0)
            fprintf(stderr, "huddle: no active policy version (or give --policy FILE)\n");
        if (v <= 0)
            return NULL;
        *version = v;
        src = version_source(v, as, &len, NULL);
    }
    if (!src)
        return NULL;
    pol_t *p = pol_new(src, len, err, sizeof err);
    free(src);
    if (!p)
        print_errors(file ? file : "active policy", err);
    return p;
}

typedef struct {
    const char *channel, *department, *kind, *author, *policy, *as;
    int json;
} check_opts_t;

static int check_print(pol_t *p, const char *text, size_t len, pol_ctx_t *ctx, int json,
                       int64_t version) {
    pol_result_t *res = pol_result_new();
    if (!res || pol_eval(p, text, len, ctx, res) < 0) {
        fprintf(stderr, "huddle: evaluation failed\n");
        pol_result_destroy(&res);
        return 1;
    }
    pol_verdict_t v = pol_result_verdict(res);
    if (json) {
        json_t *roles = json_array();
        for (size_t i = 0; i < pol_result_nroles(res); i++)
            json_array_append_new(roles, json_string(pol_result_role(res, i)));
        json_t *o = json_pack("{s:s, s:o, s:o, s:I}", "verdict", pol_verdict_name(v), "roles",
                              roles, "findings", pol_findings_json(res, text), "policy_version",
                              (json_int_t)version);
        cli_print_json(o, 0);
        json_decref(o);
    } else {
        pol_print_marked(stdout, text, len, res, isatty(STDOUT_FILENO));
    }
    pol_result_destroy(&res);
    return v == POL_VERDICT_BLOCK ? 1 : 0;
}

int hd_cli_check(int argc, char **argv) {
    static const struct option opts[] = {{"channel", required_argument, 0, 'c'},
                                         {"department", required_argument, 0, 'd'},
                                         {"kind", required_argument, 0, 'k'},
                                         {"author", required_argument, 0, 'a'},
                                         {"policy", required_argument, 0, 'p'},
                                         {"json", no_argument, 0, 'j'},
                                         {"as", required_argument, 0, 'A'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    check_opts_t o = {.kind = "post"};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "c:d:k:a:p:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            o.channel = optarg;
            break;
        case 'd':
            o.department = optarg;
            break;
        case 'k':
            o.kind = optarg;
            break;
        case 'a':
            o.author = optarg;
            break;
        case 'p':
            o.policy = optarg;
            break;
        case 'j':
            o.json = 1;
            break;
        case 'A':
            o.as = optarg;
            break;
        default:
            fputs(s_usage, c == 'h' ? stdout : stderr);
            return c == 'h' ? 0 : 2;
        }
    }
    if (!o.channel || optind != argc - 1) {
        fputs(s_usage, stderr);
        return 2;
    }
    size_t len;
    char *text = !strcmp(argv[optind], "-") ? read_file("-", &len) : hd_strdup(argv[optind]);
    if (!text)
        return 1;
    if (strcmp(argv[optind], "-"))
        len = strlen(text);
    int64_t version = 0;
    pol_t *p = check_policy(o.policy, o.as, &version);
    int rc = 1;
    if (p) {
        /* The channel's facts come from the policy's channels section. */
        pol_ctx_t ctx = {.channel = o.channel,
                         .department = o.department,
                         .kind = o.kind,
                         .author_email = o.author};
        rc = check_print(p, text, len, &ctx, o.json, version);
    }
    pol_destroy(&p);
    free(text);
    return rc;
}
