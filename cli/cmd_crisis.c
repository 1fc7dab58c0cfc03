/*  cmd_crisis: `huddle crisis ...` (see the header). Every command is one
    request to the HTTP API as the caller (--as EMAIL); this file reads
    arguments and prints answers. A declaration is sent with an
    Idempotency-Key of its own, so that the client's retry after a lost
    answer finds the crisis it made instead of declaring a second one. */
#include "cmd_crisis.h"

#include "client.h"
#include "hd_id.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SCOPE 64 /* --department / --channel given, at most (the API's limit) */

static const char s_usage[] =
    "usage: huddle crisis declare PLAYBOOK --reason TEXT [--department D]... [--channel C]...\n"
    "       huddle crisis drill PLAYBOOK --reason TEXT       a rehearsal: nothing is held\n"
    "       huddle crisis confirm ID [--reason TEXT]         a proposed crisis becomes declared\n"
    "       huddle crisis dismiss ID --reason TEXT           a proposal nobody confirms\n"
    "       huddle crisis resume ID --reason TEXT            end a crisis or a drill\n"
    "       huddle crisis ack ID                             you have seen it (timed)\n"
    "       huddle crisis statement ID --confirm [--channel C]   publish the holding statement\n"
    "       huddle crisis list [--state S] [--playbook P] [--limit N]\n"
    "       huddle crisis show ID\n"
    "       huddle crisis timeline ID [--limit N]\n"
    "       huddle crisis report ID\n"
    "  every command takes --as EMAIL (whose token) and --json (the API's answer)\n";

typedef struct {
    const char *as, *reason, *state, *playbook, *limit, *channel;
    const char *departments[MAX_SCOPE], *channels[MAX_SCOPE];
    int ndepartments, nchannels, json, confirm;
} crisis_opts_t;

static int parse(int argc, char **argv, crisis_opts_t *o) {
    static const struct option opts[] = {
        {"as", 1, 0, 'a'},      {"reason", 1, 0, 'r'}, {"department", 1, 0, 'd'},
        {"channel", 1, 0, 'c'}, {"state", 1, 0, 's'},  {"playbook", 1, 0, 'p'},
        {"limit", 1, 0, 'l'},   {"json", 0, 0, 'j'},   {"confirm", 0, 0, 'C'},
        {"help", 0, 0, 'h'},    {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    optind = 0; /* a fresh scan: main may have used getopt */
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'a':
            o->as = optarg;
            break;
        case 'r':
            o->reason = optarg;
            break;
        case 'd':
        case 'c':
            if ((c == 'd' ? o->ndepartments : o->nchannels) >= MAX_SCOPE) {
                fprintf(stderr, "huddle: at most %d --department and %d --channel\n", MAX_SCOPE,
                        MAX_SCOPE);
                return -1;
            }
            if (c == 'd')
                o->departments[o->ndepartments++] = optarg;
            else {
                o->channels[o->nchannels++] = optarg;
                o->channel = optarg;
            }
            break;
        case 's':
            o->state = optarg;
            break;
        case 'p':
            o->playbook = optarg;
            break;
        case 'l':
            o->limit = optarg;
            break;
        case 'j':
            o->json = 1;
            break;
        case 'C':
            o->confirm = 1;
            break;
        default:
            return -1;
        }
    }
    return 0;
}

static void print_list(const char *label, json_t *a, const char *none) {
    char buf[1024];
    printf("%-10s%s\n", label, cli_joined(a, ", ", none, buf, sizeof buf));
}

/* Prints a crisis (the API's JSON) for a person. */
static void print_crisis(json_t *k) {
    const char *state = cli_str(k, "state", "");
    printf("crisis    %s\n", cli_str(k, "id", ""));
    printf("state     %s%s\n", state,
           json_is_true(json_object_get(k, "in_force")) ? " (in force: its actions apply)" : "");
    printf("playbook  %s version %lld, severity %s\n", cli_str(k, "playbook", ""),
           (long long)json_integer_value(json_object_get(k, "playbook_version")),
           cli_str(k, "severity", "-"));
    printf("reason    %s\n", cli_str(k, "reason", ""));
    if (*cli_str(k, "declared_at", ""))
        printf("declared  %s by %s\n", cli_str(k, "declared_at", ""),
               cli_str(k, "declared_by", "-"));
    else if (*cli_str(k, "proposed_at", ""))
        printf("proposed  %s by %s\n", cli_str(k, "proposed_at", ""),
               cli_str(k, "declared_by", "-"));
    print_list("scope", json_object_get(k, "departments"), "every department");
    print_list("channels", json_object_get(k, "channels"), "every channel");
    printf("hold      %s; recall %lld min\n",
           json_is_true(json_object_get(k, "hold")) ? "yes" : "no",
           (long long)json_integer_value(json_object_get(k, "recall_minutes")));
    print_list("approvals", json_object_get(k, "approval_roles"), "none added");
    print_list("team", json_object_get(k, "team_roles"), "orchestrator only");
    print_list("resume", json_object_get(k, "resume_roles"), "orchestrator");
    if (*cli_str(k, "ended_at", ""))
        printf("ended     %s by %s: %s\n", cli_str(k, "ended_at", ""),
               cli_str(k, "resumed_by", "-"), cli_str(k, "resume_reason", ""));
    if (*cli_str(k, "statement", ""))
        printf("statement %s\n", cli_str(k, "statement", ""));
}

/* Answers a crisis: --json as it came, else printed; 0 for want. */
static int answered(int st, int want, json_t *ans, const crisis_opts_t *o, int id_only) {
    if (st == want && o->json)
        cli_print_json(ans, 0);
    else if (st == want && id_only) { /* the id alone on stdout: id=$(huddle crisis declare ...) */
        printf("%s\n", cli_str(ans, "id", ""));
        fprintf(stderr, "crisis %s: %s (%s)\n", cli_str(ans, "id", ""), cli_str(ans, "state", ""),
                cli_str(ans, "playbook", ""));
    } else if (st == want || (want == 201 && st == 200))
        print_crisis(ans);
    json_decref(ans);
    return st == want || (want == 201 && st == 200) ? 0 : 1;
}

static int cmd_declare(const char *playbook, int drill, const crisis_opts_t *o) {
    if (!o->reason) {
        fprintf(stderr, "huddle: crisis %s needs --reason TEXT (shown to everyone)\n",
                drill ? "drill" : "declare");
        return 2;
    }
    json_t *body = json_pack("{s:s, s:s}", "playbook", playbook, "reason", o->reason);
    if (o->ndepartments || o->nchannels) {
        json_t *d = json_array(), *c = json_array();
        for (int i = 0; i < o->ndepartments; i++)
            json_array_append_new(d, json_string(o->departments[i]));
        for (int i = 0; i < o->nchannels; i++)
            json_array_append_new(c, json_string(o->channels[i]));
        json_object_set_new(body, "departments", d);
        json_object_set_new(body, "channels", c);
    }
    char key[HD_ID_LEN];
    hd_id_random(key);
    json_t *ans;
    int st = cli_call("POST", drill ? "/v1/crises/drills" : "/v1/crises", o->as, body, key, &ans);
    json_decref(body);
    return answered(st, 201, ans, o, 1);
}

/* POST /v1/crises/ID/what with body (borrowed, may be NULL). */
static int post_to(const char *id, const char *what, json_t *body, const crisis_opts_t *o,
                   json_t **ans) {
    char path[256];
    snprintf(path, sizeof path, "/v1/crises/%s/%s", id, what);
    return cli_call("POST", path, o->as, body, NULL, ans);
}

static int cmd_change(const char *id, const char *what, const crisis_opts_t *o) {
    if (!o->reason && strcmp(what, "confirm") != 0) {
        fprintf(stderr, "huddle: crisis %s needs --reason TEXT\n", what);
        return 2;
    }
    json_t *body = o->reason ? json_pack("{s:s}", "reason", o->reason) : json_object();
    json_t *ans;
    int st = post_to(id, what, body, o, &ans);
    json_decref(body);
    return answered(st, 200, ans, o, 0);
}

static int cmd_ack(const char *id, const crisis_opts_t *o) {
    json_t *ans;
    int st = post_to(id, "ack", NULL, o, &ans);
    if ((st == 200 || st == 201) && o->json)
        cli_print_json(ans, 0);
    else if (st == 200 || st == 201)
        printf("%s %s crisis %s at %s\n", cli_str(ans, "email", ""),
               st == 201 ? "acknowledged" : "had already acknowledged", id,
               cli_str(ans, "acked_at", ""));
    json_decref(ans);
    return st == 200 || st == 201 ? 0 : 1;
}

/* GET /v1/crises/ID[/what][?limit=N] into *ans. */
static int get(const char *id, const char *what, const crisis_opts_t *o, json_t **ans) {
    char path[512];
    snprintf(path, sizeof path, "/v1/crises/%s%s%s", id, what ? "/" : "", what ? what : "");
    if (what)
        cli_query(path, sizeof path, "limit", o->limit);
    return cli_call("GET", path, o->as, NULL, NULL, ans);
}

static int cmd_statement(const char *id, const crisis_opts_t *o) {
    json_t *ans;
    if (!o->confirm) { /* show what would go out, and go no further */
        int st = get(id, NULL, o, &ans);
        if (st == 200)
            printf("the holding statement of crisis %s (%s):\n\n    %s\n\nnot published: run "
                   "again with --confirm to publish it as it stands\n",
                   id, cli_str(ans, "playbook", ""), cli_str(ans, "statement", "(none)"));
        json_decref(ans);
        return 1;
    }
    json_t *body = json_pack("{s:b}", "confirm", 1);
    if (o->channel)
        json_object_set_new(body, "channel", json_string(o->channel));
    int st = post_to(id, "statement", body, o, &ans);
    json_decref(body);
    if ((st == 200 || st == 201) && o->json)
        cli_print_json(ans, 0);
    else if (st == 200 || st == 201)
        printf("%s\n", cli_str(ans, "id", ""));
    json_decref(ans);
    return st == 200 || st == 201 ? 0 : 1;
}

static int cmd_list(const crisis_opts_t *o) {
    char path[1024] = "/v1/crises";
    cli_query(path, sizeof path, "state", o->state);
    cli_query(path, sizeof path, "playbook", o->playbook);
    cli_query(path, sizeof path, "limit", o->limit);
    json_t *ans;
    int st = cli_call("GET", path, o->as, NULL, NULL, &ans);
    if (st == 200 && o->json)
        cli_print_json(ans, 0);
    else if (st == 200) {
        printf("%-36s  %-9s %-20s %-24s %s\n", "ID", "STATE", "PLAYBOOK", "STARTED", "REASON");
        size_t i;
        json_t *k;
        json_array_foreach(json_object_get(ans, "items"), i, k) printf(
            "%-36s  %-9s %-20s %-24s %s\n", cli_str(k, "id", ""), cli_str(k, "state", ""),
            cli_str(k, "playbook", ""), cli_str(k, "started_at", ""), cli_str(k, "reason", ""));
    }
    json_decref(ans);
    return st == 200 ? 0 : 1;
}

static int cmd_show(const char *id, const crisis_opts_t *o) {
    json_t *ans;
    int st = get(id, NULL, o, &ans);
    return answered(st, 200, ans, o, 0);
}

static int cmd_timeline(const char *id, const crisis_opts_t *o) {
    json_t *ans;
    int st = get(id, "timeline", o, &ans);
    if (st == 200 && o->json)
        cli_print_json(ans, 0);
    else if (st == 200) {
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(ans, "items"), i, e)
            printf("%s  %-24s %-22s %s\n", cli_str(e, "at", ""), cli_str(e, "type", ""),
                   cli_str(e, "actor", ""), cli_str(e, "summary", ""));
        if (json_is_true(json_object_get(ans, "truncated")))
            printf("(the first %lld entries: --limit N shows more)\n",
                   (long long)json_integer_value(json_object_get(ans, "limit")));
    }
    json_decref(ans);
    return st == 200 ? 0 : 1;
}

/* "1234 ms" or "-" for a span that does not apply. */
static const char *span(json_t *v, char *buf, size_t n) {
    if (!json_is_integer(v))
        return "-";
    snprintf(buf, n, "%lld ms", (long long)json_integer_value(v));
    return buf;
}

static void print_report(json_t *r) {
    static const char *const rows[][2] = {{"time to detect", "time_to_detect_ms"},
                                          {"time to declare", "time_to_declare_ms"},
                                          {"time to hold", "time_to_hold_ms"},
                                          {"to first response", "time_to_first_response_ms"},
                                          {"time to resume", "time_to_resume_ms"}};
    char buf[64];
    printf("crisis %s (%s) %s%s\n", cli_str(r, "crisis_id", ""), cli_str(r, "playbook", ""),
           cli_str(r, "state", ""), json_is_true(json_object_get(r, "drill")) ? ", a drill" : "");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        printf("  %-18s %s\n", rows[i][0], span(json_object_get(r, rows[i][1]), buf, sizeof buf));
    if (*cli_str(r, "first_response", ""))
        printf("  first response     %s at %s\n", cli_str(r, "first_response", ""),
               cli_str(r, "first_response_at", ""));
    printf("team acknowledgements (from the declaration)\n");
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(r, "team"), i, m)
        printf("  %-30s %s\n", cli_str(m, "email", ""),
               json_is_string(json_object_get(m, "acked_at"))
                   ? span(json_object_get(m, "ack_ms"), buf, sizeof buf)
                   : "not acknowledged");
}

static int cmd_report(const char *id, const crisis_opts_t *o) {
    json_t *ans;
    int st = get(id, "report", o, &ans);
    if (st == 200 && o->json)
        cli_print_json(ans, 0);
    else if (st == 200)
        print_report(ans);
    json_decref(ans);
    return st == 200 ? 0 : 1;
}

/* The command with its one argument (PLAYBOOK or ID; NULL for list). */
static int run(const char *cmd, const char *arg, const crisis_opts_t *o) {
    if (!strcmp(cmd, "declare") || !strcmp(cmd, "drill"))
        return cmd_declare(arg, !strcmp(cmd, "drill"), o);
    if (!strcmp(cmd, "confirm") || !strcmp(cmd, "dismiss") || !strcmp(cmd, "resume"))
        return cmd_change(arg, cmd, o);
    if (!strcmp(cmd, "ack"))
        return cmd_ack(arg, o);
    if (!strcmp(cmd, "statement"))
        return cmd_statement(arg, o);
    if (!strcmp(cmd, "show"))
        return cmd_show(arg, o);
    if (!strcmp(cmd, "timeline"))
        return cmd_timeline(arg, o);
    if (!strcmp(cmd, "report"))
        return cmd_report(arg, o);
    fprintf(stderr, "huddle: unknown crisis command '%s'\n%s", cmd, s_usage);
    return 2;
}

int cli_crisis(int argc, char **argv) {
    crisis_opts_t o;
    if (argc < 2 || !strcmp(argv[1], "help") || parse(argc - 1, argv + 1, &o) < 0) {
        fputs(s_usage, argc >= 2 && !strcmp(argv[1], "help") ? stdout : stderr);
        return argc >= 2 && !strcmp(argv[1], "help") ? 0 : 2;
    }
    const char *cmd = argv[1];
    int npos = argc - 1 - optind; /* positional arguments after the command */
    if (!strcmp(cmd, "list"))
        return npos == 0 ? cmd_list(&o) : (fputs(s_usage, stderr), 2);
    if (npos != 1) {
        fputs(s_usage, stderr);
        return 2;
    }
    return run(cmd, argv[1 + optind], &o);
}

void cli_crisis_banner(json_t *item) {
    json_t *k = json_object_get(item, "crisis");
    if (!json_is_object(k))
        return;
    const char *name = cli_str(k, "name", ""), *playbook = cli_str(k, "playbook", "");
    printf("CRISIS   %s%s%s%s in force since %s, declared by %s: %s\n", name,
           strcmp(name, playbook) ? " (playbook " : "", strcmp(name, playbook) ? playbook : "",
           strcmp(name, playbook) ? ")" : "", cli_str(k, "since", ""),
           cli_str(k, "declared_by", ""), cli_str(k, "reason", ""));
    printf("         crisis %s (huddle crisis show %s)\n", cli_str(k, "id", ""),
           cli_str(k, "id", ""));
}
