/*  huddle: the command-line tool. People act through the HTTP API with their
    own token (--as EMAIL picks it from the tokens file); operators manage
    keys and policy. `huddle help` lists the commands. */
#include "client.h"
#include "cmd_admin.h"
#include "cmd_crisis.h"
#include "cmd_deadletter.h"
#include "cmd_feed.h"
#include "cmd_inbox.h"
#include "cmd_playbook.h"
#include "cmd_policy.h"
#include "cmd_webhook.h"
#include "hd_keys.h"
#include "hd_mem.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *USAGE =
    "usage: huddle COMMAND [options]\n\n"
    "People (each acts as themselves: --as EMAIL picks the token):\n"
    "  submit --as EMAIL --channel CHANNEL [--key KEY] [--kind post|reply|share]\n"
    "         [--at RFC3339] TEXT            submit content; prints its id\n"
    "  approve ID --as EMAIL [--role ROLE]   approve an item awaiting you\n"
    "  reject ID --as EMAIL --reason TEXT [--role ROLE]\n"
    "  status ID [--as EMAIL] [--json]       an item's state, findings and history\n"
    "  inbox [--state S] [--mine] [--department D|triage] --as EMAIL [--json]\n"
    "                                        the inbox items you may see\n"
    "  inbox show|assign|unassign|escalate|wait|resolve|reopen|route ID ...\n"
    "                                        work an item (huddle inbox help)\n"
    "  reply MENTION_ID --as EMAIL [--supersede] TEXT   answer a mention\n"
    "  away --as EMAIL [--until RFC3339 | --off]        no automatic assignment\n"
    "  queue --as EMAIL [--json]             items awaiting your decision\n"
    "  inbound --as integration:NAME --channel C --id EXTERNAL_ID --author HANDLE\n"
    "          [--url URL] TEXT              record a mention (an integration's token)\n"
    "  me --as EMAIL                         who the token belongs to, its scopes\n"
    "  check --channel C TEXT                what policy says of a text (no submit)\n"
    "  token create|list|revoke ...          your own API tokens (huddle token help)\n"
    "Policy by committee (through the API, with your token):\n"
    "  policy validate|propose|proposals|proposal|review|diff|show|list|simulate ...\n"
    "  policy apply FILE --reason TEXT       the orchestrator's emergency path\n"
    "Crises (through the API, with your token: huddle crisis help):\n"
    "  crisis declare|drill|confirm|dismiss|resume|ack|statement ...\n"
    "  crisis list|show|timeline|report ...  a crisis, its events, its response times\n"
    "Administration (through the API, with your token: huddle admin NOUN for usage):\n"
    "  admin department|person|role|grant|history ...\n"
    "  admin channel|account|routing|chain|review-role|policy-reviewer ...\n"
    "  admin certification|delegation|tokens|integration ...\n"
    "  admin webhook add|list|show|rotate|remove|test ...  crisis notifications' endpoints\n"
    "  admin feed list|show|add|update|delete|poll ...     listening feeds (docs/feeds.md)\n"
    "  deadletter list|show|replay|stats ... what was refused, and re-sending it\n"
    "Crises:\n"
    "  playbook validate|apply|list|show|versions ...   crisis playbooks (docs/playbooks.md)\n"
    "Operators:\n"
    "  keygen NAME [--department D] [--dir DIR]       CURVE keys for a peer (spoke)\n\n"
    "Environment: HUDDLE_API_URL (http://127.0.0.1:8080), HUDDLE_TOKENS_FILE\n"
    "(.huddle/tokens), HUDDLE_AS (default --as), HUDDLE_TOKEN, HUDDLE_KEYS_DIR,\n"
    "HUDDLE_API_CA_FILE (PEM CAs trusted for an https:// URL; default: the system's).\n";

typedef struct {
    const char *as, *channel, *key, *kind, *at, *role, *reason, *id, *author, *url, *dept, *dir;
    int json;
} opts_t;

/* Parses options; positional arguments are left in argv[optind..]. */
static int parse(int argc, char **argv, opts_t *o) {
    static struct option longs[] = {{"as", 1, 0, 'a'},     {"channel", 1, 0, 'c'},
                                    {"key", 1, 0, 'k'},    {"kind", 1, 0, 'K'},
                                    {"at", 1, 0, 't'},     {"role", 1, 0, 'r'},
                                    {"reason", 1, 0, 'R'}, {"id", 1, 0, 'i'},
                                    {"author", 1, 0, 'A'}, {"url", 1, 0, 'u'},
                                    {"json", 0, 0, 'j'},   {"department", 1, 0, 'd'},
                                    {"dir", 1, 0, 'D'},    {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'a':
            o->as = optarg;
            break;
        case 'c':
            o->channel = optarg;
            break;
        case 'k':
            o->key = optarg;
            break;
        case 'K':
            o->kind = optarg;
            break;
        case 't':
            o->at = optarg;
            break;
        case 'r':
            o->role = optarg;
            break;
        case 'R':
            o->reason = optarg;
            break;
        case 'i':
            o->id = optarg;
            break;
        case 'A':
            o->author = optarg;
            break;
        case 'u':
            o->url = optarg;
            break;
        case 'j':
            o->json = 1;
            break;
        case 'd':
            o->dept = optarg;
            break;
        case 'D':
            o->dir = optarg;
            break;
        default:
            return -1;
        }
    }
    return 0;
}

static int cmd_submit(int argc, char **argv, const opts_t *o) {
    if (optind != argc - 1 || !o->channel) {
        fprintf(stderr, "usage: huddle submit --as EMAIL --channel CHANNEL [--key KEY] TEXT\n");
        return 2;
    }
    json_t *body = json_pack("{s:s, s:s}", "channel", o->channel, "text", argv[optind]);
    if (o->kind)
        json_object_set_new(body, "kind", json_string(o->kind));
    if (o->at)
        json_object_set_new(body, "scheduled_at", json_string(o->at));
    json_t *ans;
    int st = cli_call("POST", "/v1/content", o->as, body, o->key, &ans);
    json_decref(body);
    if (st == 200 || st == 201)
        printf("%s\n", json_string_value(json_object_get(ans, "id")));
    json_decref(ans);
    return st == 200 || st == 201 ? 0 : 1;
}

static int cmd_decide(int argc, char **argv, const opts_t *o, const char *decision) {
    if (optind != argc - 1 || (!strcmp(decision, "reject") && !o->reason)) {
        fprintf(stderr, "usage: huddle %s ID --as EMAIL%s [--role ROLE]\n", decision,
                strcmp(decision, "reject") ? "" : " --reason TEXT");
        return 2;
    }
    json_t *body = json_pack("{s:s}", "decision", decision);
    if (o->role)
        json_object_set_new(body, "role", json_string(o->role));
    if (o->reason)
        json_object_set_new(body, "reason", json_string(o->reason));
    char path[256];
    snprintf(path, sizeof path, "/v1/content/%s/decisions", argv[optind]);
    json_t *ans;
    int st = cli_call("POST", path, o->as, body, NULL, &ans);
    json_decref(body);
    if (st == 200 || st == 202)
        printf("%s recorded (%s)\n", decision,
               json_string_value(json_object_get(ans, "decision_id")));
    json_decref(ans);
    return st == 200 || st == 202 ? 0 : 1;
}

/* Prints the text with every finding's span between [[ and ]]. */
static void print_marked(const char *text, json_t *findings) {
    size_t n = strlen(text);
    char *open = hd_calloc(n + 1, 1), *close = hd_calloc(n + 1, 1);
    size_t i;
    json_t *f;
    json_array_foreach(findings, i, f) {
        json_int_t s = json_integer_value(json_object_get(f, "start"));
        json_int_t e = json_integer_value(json_object_get(f, "end"));
        if (e > s && (size_t)e <= n) {
            open[s]++;
            close[e]++;
        }
    }
    printf("  ");
    for (size_t k = 0; k <= n; k++) {
        for (int c = 0; c < close[k]; c++)
            printf("]]");
        for (int c = 0; c < open[k]; c++)
            printf("[[");
        if (k < n)
            putchar(text[k] == '\n' ? ' ' : text[k]);
    }
    printf("\n");
    free(open);
    free(close);
}

static void print_item(json_t *it) {
    const char *s;
    cli_crisis_banner(it);
    printf("item     %s\n", json_string_value(json_object_get(it, "id")));
    printf("author   %s (%s)\n", json_string_value(json_object_get(it, "author")),
           json_string_value(json_object_get(it, "department")));
    printf("channel  %s\n", json_string_value(json_object_get(it, "channel")));
    printf("state    %s\n", json_string_value(json_object_get(it, "state")));
    if ((s = json_string_value(json_object_get(it, "verdict"))))
        printf("policy   %s (version %s)\n", s,
               json_string_value(json_object_get(it, "policy_version")));
    if ((s = json_string_value(json_object_get(it, "required_roles"))))
        printf("needs    %s\n", s);
    if ((s = json_string_value(json_object_get(it, "url"))))
        printf("posted   %s\n", s);
    if ((s = json_string_value(json_object_get(it, "publish_error"))))
        printf("publish  %s\n", s);
    json_t *fs = json_object_get(it, "findings");
    if (json_array_size(fs)) {
        printf("findings\n");
        size_t i;
        json_t *f;
        json_array_foreach(fs, i, f) {
            printf("  %-6s %s (%s): \"%s\" at bytes %lld-%lld: %s\n",
                   json_string_value(json_object_get(f, "action")),
                   json_string_value(json_object_get(f, "rule_id")),
                   json_string_value(json_object_get(f, "kind")),
                   json_string_value(json_object_get(f, "matched")),
                   (long long)json_integer_value(json_object_get(f, "start")),
                   (long long)json_integer_value(json_object_get(f, "end")),
                   json_string_value(json_object_get(f, "message")));
        }
        print_marked(json_string_value(json_object_get(it, "text")), fs);
    }
    printf("history\n");
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(it, "history"), i, e) {
        printf("  %6lld  %s  %-20s %s\n", (long long)json_integer_value(json_object_get(e, "seq")),
               json_string_value(json_object_get(e, "at")),
               json_string_value(json_object_get(e, "type")),
               json_string_value(json_object_get(e, "actor"))
                   ? json_string_value(json_object_get(e, "actor"))
                   : json_string_value(json_object_get(e, "source")));
    }
}

static int cmd_status(int argc, char **argv, const opts_t *o) {
    if (optind != argc - 1) {
        fprintf(stderr, "usage: huddle status ID [--as EMAIL] [--json]\n");
        return 2;
    }
    char path[256];
    snprintf(path, sizeof path, "/v1/content/%s", argv[optind]);
    json_t *ans;
    int st = cli_call("GET", path, o->as, NULL, NULL, &ans);
    if (st == 200 && o->json) {
        cli_print_json(ans, 0);
    } else if (st == 200)
        print_item(ans);
    json_decref(ans);
    return st == 200 ? 0 : 1;
}

static int cmd_queue(const opts_t *o) {
    json_t *ans;
    int st = cli_call("GET", "/v1/queue", o->as, NULL, NULL, &ans);
    if (st == 200 && o->json) {
        cli_print_json(ans, 0);
    } else if (st == 200) {
        size_t i;
        json_t *m;
        json_array_foreach(json_object_get(ans, "items"), i, m)
            printf("%s  as %-8s %-14s %s: %s\n", json_string_value(json_object_get(m, "id")),
                   json_string_value(json_object_get(m, "as_role")),
                   json_string_value(json_object_get(m, "department")),
                   json_string_value(json_object_get(m, "author")),
                   json_string_value(json_object_get(m, "text")));
    }
    json_decref(ans);
    return st == 200 ? 0 : 1;
}

static int cmd_inbound(int argc, char **argv, const opts_t *o) {
    if (optind != argc - 1 || !o->channel || !o->id || !o->author) {
        fprintf(stderr, "usage: huddle inbound --as EMAIL --channel C --id EXTERNAL_ID "
                        "--author HANDLE [--url URL] TEXT\n");
        return 2;
    }
    json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "channel", o->channel, "external_id", o->id,
                             "author", o->author, "text", argv[optind]);
    if (o->url)
        json_object_set_new(body, "url", json_string(o->url));
    json_t *ans;
    int st = cli_call("POST", "/v1/inbound", o->as, body, NULL, &ans);
    json_decref(body);
    if (st == 200 || st == 201)
        printf("%s\n", json_string_value(json_object_get(ans, "id")));
    json_decref(ans);
    return st == 200 || st == 201 ? 0 : 1;
}

static int cmd_me(const opts_t *o) {
    json_t *ans;
    int st = cli_call("GET", "/v1/me", o->as, NULL, NULL, &ans);
    if (st == 200) {
        cli_print_json(ans, 0);
    }
    json_decref(ans);
    return st == 200 ? 0 : 1;
}

static int cmd_keygen(int argc, char **argv, const opts_t *o) {
    if (optind != argc - 1) {
        fprintf(stderr, "usage: huddle keygen NAME [--department D] [--dir DIR]\n");
        return 2;
    }
    const char *dir = o->dir ? o->dir : getenv("HUDDLE_KEYS_DIR");
    if (!dir || !*dir)
        dir = ".huddle/keys";
    if (hd_keys_ensure(dir, argv[optind], o->dept, 1) < 0)
        return 1;
    char pub[41];
    if (hd_keys_public(dir, argv[optind], pub) == 0)
        printf("%s public key %s (secret in %s/%s.key_secret, authorized in %s/authorized/)\n",
               argv[optind], pub, dir, argv[optind], dir);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "-h")) {
        fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "admin")) {
        if (argc < 3) {
            fputs(USAGE, stderr);
            return 2;
        }
        const char *noun = argv[2];
        if (cli_admin_config_noun(noun))
            return cli_admin_config(argc - 2, argv + 2);
        if (!strcmp(noun, "webhook"))
            return cli_webhook(argc - 2, argv + 2);
        if (!strcmp(noun, "feed"))
            return cli_feed(argc - 2, argv + 2);
        if (!strcmp(noun, "integration") || !strcmp(noun, "tokens"))
            return cli_admin_tokens(argc - 2, argv + 2);
        return cli_admin(argc - 2, argv + 2);
    }
    if (!strcmp(cmd, "token"))
        return cli_token(argc - 2, argv + 2);
    if (!strcmp(cmd, "deadletter"))
        return cli_deadletter(argc - 1, argv + 1);
    if (!strcmp(cmd, "crisis"))
        return cli_crisis(argc - 1, argv + 1);
    if (!strcmp(cmd, "inbox"))
        return cli_inbox(argc - 1, argv + 1);
    if (!strcmp(cmd, "reply"))
        return cli_reply(argc - 1, argv + 1);
    if (!strcmp(cmd, "away"))
        return cli_away(argc - 1, argv + 1);
    if (!strcmp(cmd, "playbook"))
        return cli_playbook(argc - 1, argv + 1);
    if (!strcmp(cmd, "policy") || !strcmp(cmd, "check")) {
        int (*fn)(int, char **) = !strcmp(cmd, "policy") ? hd_cli_policy : hd_cli_check;
        return fn(argc - 1, argv + 1);
    }
    opts_t o;
    int rc = 2;
    if (parse(argc - 1, argv + 1, &o) < 0)
        fputs(USAGE, stderr);
    else {
        argc--;
        argv++;
        if (!strcmp(cmd, "submit"))
            rc = cmd_submit(argc, argv, &o);
        else if (!strcmp(cmd, "approve"))
            rc = cmd_decide(argc, argv, &o, "approve");
        else if (!strcmp(cmd, "reject"))
            rc = cmd_decide(argc, argv, &o, "reject");
        else if (!strcmp(cmd, "status"))
            rc = cmd_status(argc, argv, &o);
        else if (!strcmp(cmd, "queue"))
            rc = cmd_queue(&o);
        else if (!strcmp(cmd, "inbound"))
            rc = cmd_inbound(argc, argv, &o);
        else if (!strcmp(cmd, "me"))
            rc = cmd_me(&o);
        else if (!strcmp(cmd, "keygen"))
            rc = cmd_keygen(argc, argv, &o);
        else {
            fprintf(stderr, "huddle: unknown command '%s'\n", cmd);
            fputs(USAGE, stderr);
        }
    }
    return rc;
}
