/*  cmd_inbox: the inbox, replies and being away (see the header). Every
    command is one request to the HTTP API as the caller (--as EMAIL); this
    file reads arguments and prints answers. An action and a reply are sent
    with an Idempotency-Key of their own, so that the client's retry after
    a lost answer finds the request it made instead of making a second. */
#include "cmd_inbox.h"

#include "client.h"
#include "hd_id.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char s_usage[] =
    "usage: huddle inbox [--state new|assigned|waiting|resolved|open] [--mine]\n"
    "                    [--department D|triage] [--breached] [--limit N] [--before ID]\n"
    "       huddle inbox show ID                     an item, its replies and history\n"
    "       huddle inbox assign ID [--to EMAIL]      to you, or to a person\n"
    "       huddle inbox unassign|escalate|wait|resolve|reopen ID\n"
    "       huddle inbox route ID --department D     to a department (out of triage)\n"
    "         (the actions take --reason R; workflow decides: show ID tells)\n"
    "       huddle reply MENTION_ID --as EMAIL [--supersede] TEXT\n"
    "       huddle away [--until RFC3339 | --off]    no automatic assignment meanwhile\n"
    "  every command takes --as EMAIL (whose token) and --json (the API's answer)\n";

typedef struct {
    const char *as, *state, *department, *limit, *before, *to, *reason, *until;
    int mine, breached, json, supersede, off;
} inbox_opts_t;

static int parse(int argc, char **argv, inbox_opts_t *o) {
    static const struct option opts[] = {
        {"as", 1, 0, 'a'},       {"state", 1, 0, 's'},  {"department", 1, 0, 'd'},
        {"limit", 1, 0, 'l'},    {"before", 1, 0, 'b'}, {"to", 1, 0, 't'},
        {"reason", 1, 0, 'r'},   {"until", 1, 0, 'u'},  {"mine", 0, 0, 'm'},
        {"breached", 0, 0, 'B'}, {"json", 0, 0, 'j'},   {"supersede", 0, 0, 'S'},
        {"off", 0, 0, 'o'},      {"help", 0, 0, 'h'},   {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    optind = 0; /* a fresh scan: main may have used getopt */
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        const char **s = c == 'a'   ? &o->as
                         : c == 's' ? &o->state
                         : c == 'd' ? &o->department
                         : c == 'l' ? &o->limit
                         : c == 'b' ? &o->before
                         : c == 't' ? &o->to
                         : c == 'r' ? &o->reason
                         : c == 'u' ? &o->until
                                    : NULL;
        int *flag = c == 'm'   ? &o->mine
                    : c == 'B' ? &o->breached
                    : c == 'j' ? &o->json
                    : c == 'S' ? &o->supersede
                    : c == 'o' ? &o->off
                               : NULL;
        if (s)
            *s = optarg;
        else if (flag)
            *flag = 1;
        else
            return -1;
    }
    return 0;
}

/* "2026-12-08T10:00:00.123+00:00" as "2026-12-08 10:00" (a person's
   glance), into buf; "-" for none. */
static const char *when(json_t *o, const char *k, char *buf, size_t n) {
    const char *s = cli_str(o, k, NULL);
    if (!s || strlen(s) < 16)
        return "-";
    snprintf(buf, n, "%.10s %.5s", s, s + 11);
    return buf;
}

static void print_row(json_t *m) {
    char at[32], text[64];
    int triage = json_is_true(json_object_get(m, "triage"));
    snprintf(text, sizeof text, "%s", cli_str(m, "text", ""));
    for (char *p = text; *p; p++)
        if (*p == '\n')
            *p = ' ';
    printf("%-36s  %-8s %-14s %-22s %-16s %s%s: %s\n", cli_str(m, "mention_id", ""),
           cli_str(m, "state", ""), triage ? "triage" : cli_str(m, "department", ""),
           cli_str(m, "assignee", "-"), when(m, "routed_at", at, sizeof at),
           json_is_true(json_object_get(m, "sla_breached")) ? "[SLA breached] " : "",
           cli_str(m, "author", ""), text);
}

static int cmd_list(const inbox_opts_t *o) {
    char path[1024] = "/v1/inbox";
    cli_query(path, sizeof path, "state", o->state);
    cli_query(path, sizeof path, "mine", o->mine ? "true" : NULL);
    cli_query(path, sizeof path, "department", o->department);
    cli_query(path, sizeof path, "breached", o->breached ? "true" : NULL);
    cli_query(path, sizeof path, "limit", o->limit);
    cli_query(path, sizeof path, "before", o->before);
    json_t *ans;
    int st = cli_call("GET", path, o->as, NULL, NULL, &ans);
    if (st == 200 && o->json)
        cli_print_json(ans, 0);
    else if (st == 200) {
        printf("%-36s  %-8s %-14s %-22s %-16s %s\n", "MENTION", "STATE", "DEPARTMENT", "ASSIGNEE",
               "ROUTED", "AUTHOR: TEXT");
        size_t i;
        json_t *m;
        json_array_foreach(json_object_get(ans, "items"), i, m) print_row(m);
        if (cli_str(ans, "next_before", NULL))
            printf("(more: --before %s)\n", cli_str(ans, "next_before", ""));
    }
    json_decref(ans);
    return st == 200 ? 0 : 1;
}

static void print_item(json_t *m) {
    char a[32], b[32];
    int triage = json_is_true(json_object_get(m, "triage"));
    printf("mention   %s (%s on %s)\n", cli_str(m, "mention_id", ""), cli_str(m, "author", ""),
           cli_str(m, "channel", ""));
    printf("text      %s\n", cli_str(m, "text", ""));
    printf("inbox     %s, rule %s, routed %s\n", triage ? "triage" : cli_str(m, "department", ""),
           cli_str(m, "rule", ""), when(m, "routed_at", a, sizeof a));
    printf("state     %s%s; assignee %s\n", cli_str(m, "state", ""),
           json_is_true(json_object_get(m, "escalated")) ? " (escalated)" : "",
           cli_str(m, "assignee", "nobody"));
    printf("sla       due %s%s; first response %s\n", when(m, "sla_due_at", a, sizeof a),
           json_is_true(json_object_get(m, "sla_breached")) ? " (breached)" : "",
           when(m, "first_response_at", b, sizeof b));
    printf("replies\n");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(m, "replies"), i, r)
        printf("  %s  %-18s %-24s %s\n", cli_str(r, "content_id", ""), cli_str(r, "state", ""),
               cli_str(r, "author", ""), when(r, "created_at", a, sizeof a));
    printf("history\n");
    json_array_foreach(json_object_get(m, "history"), i, r)
        printf("  %6lld  %s  %-22s %s\n", (long long)json_integer_value(json_object_get(r, "seq")),
               cli_str(r, "at", ""), cli_str(r, "type", ""),
               cli_str(r, "actor", cli_str(r, "source", "")));
}

static int cmd_show(const char *id, const inbox_opts_t *o) {
    char path[256];
    snprintf(path, sizeof path, "/v1/inbox/%s", id);
    json_t *ans;
    int st = cli_call("GET", path, o->as, NULL, NULL, &ans);
    if (st == 200 && o->json)
        cli_print_json(ans, 0);
    else if (st == 200)
        print_item(ans);
    json_decref(ans);
    return st == 200 ? 0 : 1;
}

static int cmd_action(const char *action, const char *id, const inbox_opts_t *o) {
    if (!strcmp(action, "route") && !o->department) {
        fprintf(stderr, "huddle: inbox route needs --department D\n");
        return 2;
    }
    json_t *body = json_object();
    if (o->reason)
        json_object_set_new(body, "reason", json_string(o->reason));
    if (o->to && !strcmp(action, "assign"))
        json_object_set_new(body, "to", json_string(o->to));
    if (!strcmp(action, "route"))
        json_object_set_new(body, "department", json_string(o->department));
    char path[256], key[HD_ID_LEN];
    snprintf(path, sizeof path, "/v1/inbox/%s/%s", id, action);
    hd_id_random(key);
    json_t *ans;
    int st = cli_call("POST", path, o->as, body, key, &ans);
    json_decref(body);
    int ok = st == 200 || st == 202;
    if (ok && o->json)
        cli_print_json(ans, 0);
    else if (ok)
        printf("%s requested (request %s): workflow decides; huddle inbox show %s tells\n", action,
               cli_str(ans, "request_id", ""), id);
    json_decref(ans);
    return ok ? 0 : 1;
}

int cli_inbox(int argc, char **argv) {
    static const char *const actions[] = {"assign",  "unassign", "escalate", "wait",
                                          "resolve", "reopen",   "route",    NULL};
    inbox_opts_t o;
    int help = argc >= 2 && !strcmp(argv[1], "help");
    if (help || parse(argc, argv, &o) < 0) {
        fputs(s_usage, help ? stdout : stderr);
        return help ? 0 : 2;
    }
    int npos = argc - optind; /* getopt moved the options before the words */
    if (npos == 0)
        return cmd_list(&o);
    const char *cmd = argv[optind];
    if (npos != 2) {
        fputs(s_usage, stderr);
        return 2;
    }
    if (!strcmp(cmd, "show"))
        return cmd_show(argv[optind + 1], &o);
    for (size_t i = 0; actions[i]; i++)
        if (!strcmp(cmd, actions[i]))
            return cmd_action(cmd, argv[optind + 1], &o);
    fprintf(stderr, "huddle: unknown inbox command '%s'\n%s", cmd, s_usage);
    return 2;
}

int cli_reply(int argc, char **argv) {
    inbox_opts_t o;
    if (parse(argc, argv, &o) < 0 || argc - optind != 2) {
        fputs("usage: huddle reply MENTION_ID --as EMAIL [--supersede] TEXT\n", stderr);
        return 2;
    }
    json_t *body = json_pack("{s:s}", "text", argv[optind + 1]);
    if (o.supersede)
        json_object_set_new(body, "supersede", json_true());
    char path[256], key[HD_ID_LEN];
    snprintf(path, sizeof path, "/v1/inbox/%s/replies", argv[optind]);
    hd_id_random(key);
    json_t *ans;
    int st = cli_call("POST", path, o.as, body, key, &ans);
    json_decref(body);
    int ok = st == 200 || st == 201;
    if (ok && o.json)
        cli_print_json(ans, 0);
    else if (ok)
        printf("%s\n", cli_str(ans, "id", ""));
    json_decref(ans);
    return ok ? 0 : 1;
}

int cli_away(int argc, char **argv) {
    inbox_opts_t o;
    if (parse(argc, argv, &o) < 0 || argc != optind || (o.off && o.until)) {
        fputs("usage: huddle away [--until RFC3339 | --off] [--as EMAIL] [--json]\n", stderr);
        return 2;
    }
    json_t *body = o.until ? json_pack("{s:s}", "until", o.until) : NULL, *ans;
    int st = cli_call(o.off ? "DELETE" : "PUT", "/v1/me/away", o.as, body, NULL, &ans);
    json_decref(body);
    if (st == 200 && o.json)
        cli_print_json(ans, 0);
    else if (st == 200) {
        const char *until = cli_str(ans, "away_until", NULL);
        if (!until)
            printf("%s is here\n", cli_str(ans, "email", ""));
        else
            printf("%s is away until %s\n", cli_str(ans, "email", ""),
                   strcmp(until, "infinity") ? until : "they come back (huddle away --off)");
    }
    json_decref(ans);
    return st == 200 ? 0 : 1;
}
