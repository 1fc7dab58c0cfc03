/*  cmd_policy: policy administration and `huddle check` (see the header).
    The work is done by the policy library (services/policy); this file
    reads arguments and files and prints. */
#include "cmd_policy.h"

#include "hd_db.h"
#include "hd_mem.h"
#include "policy.h"
#include "policy_batch.h"
#include "policy_diff.h"
#include "policy_report.h"
#include "policy_simulate.h"
#include "policy_store.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char s_usage[] =
    "usage: huddle policy validate FILE\n"
    "       huddle policy apply FILE [--by NAME]\n"
    "       huddle policy diff V1|FILE V2|FILE\n"
    "       huddle policy show [VERSION]\n"
    "       huddle policy list\n"
    "       huddle policy simulate FILE [--since 30d] [--examples N]\n"
    "       huddle check --channel C [--department D] [--kind K] [--author EMAIL]\n"
    "                    [--policy FILE] [--json] TEXT|-\n";

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

static hd_db_t *connect_db(void) {
    const char *url = getenv("HUDDLE_DATABASE_URL");
    hd_db_t *db = hd_db_connect(url && *url ? url : "postgresql:///huddle", 0);
    if (!db)
        fprintf(stderr, "huddle: cannot connect to the database (HUDDLE_DATABASE_URL)\n");
    return db;
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

static int cmd_apply(const char *file, const char *by) {
    size_t len;
    char *src = read_file(file, &len), err[8192];
    if (!src)
        return 1;
    hd_db_t *db = connect_db();
    if (!db) {
        free(src);
        return 1;
    }
    int64_t version = 0;
    int unchanged = 0;
    int rc = pol_store_apply(db, src, len, by, &version, &unchanged, err, sizeof err);
    free(src);
    hd_db_destroy(&db);
    if (rc != 0) {
        print_errors(file, err);
        fprintf(stderr, "%s: nothing was activated\n", file);
        return 1;
    }
    if (unchanged)
        printf("unchanged: version %lld is already active with this content\n", (long long)version);
    else
        printf("version %lld is active\n", (long long)version);
    return 0;
}

/* A version number (from the database) or a file. */
static char *load_ref(hd_db_t **db, const char *ref, size_t *len) {
    char *end;
    long long v = strtoll(ref, &end, 10);
    if (*ref && !*end && access(ref, F_OK) != 0) {
        if (!*db && !(*db = connect_db()))
            return NULL;
        char *src = NULL;
        int rc = pol_store_source(*db, v, &src, len);
        if (rc == 1)
            fprintf(stderr, "huddle: no policy version %lld\n", v);
        return rc == 0 ? src : NULL;
    }
    return read_file(ref, len);
}

static int cmd_diff(const char *a, const char *b) {
    hd_db_t *db = NULL;
    size_t la = 0, lb = 0;
    char *sa = load_ref(&db, a, &la), *sb = sa ? load_ref(&db, b, &lb) : NULL, err[8192];
    hd_db_destroy(&db);
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

static int cmd_show(const char *ref) {
    hd_db_t *db = connect_db();
    if (!db)
        return 1;
    int64_t v = 0;
    if (ref) {
        char *end;
        v = strtoll(ref, &end, 10);
        if (!*ref || *end || v <= 0) {
            fprintf(stderr, "huddle: '%s' is not a version number\n", ref);
            hd_db_destroy(&db);
            return 2;
        }
    } else if (pol_store_active(db, &v) < 0 || v == 0) {
        fprintf(stderr, "huddle: no active policy version\n");
        hd_db_destroy(&db);
        return 1;
    }
    char vs[32];
    snprintf(vs, sizeof vs, "%lld", (long long)v);
    const char *p[1] = {vs};
    PGresult *r = hd_db_exec(db,
                             "SELECT version, active, created_by, created_at, source "
                             "FROM policy_version WHERE version = $1",
                             1, p);
    int rc = 1;
    if (r && PQntuples(r)) {
        printf("# policy version %s%s, created by %s at %s\n", PQgetvalue(r, 0, 0),
               PQgetvalue(r, 0, 1)[0] == 't' ? " (active)" : "", PQgetvalue(r, 0, 2),
               PQgetvalue(r, 0, 3));
        fputs(PQgetvalue(r, 0, 4), stdout);
        rc = 0;
    } else if (r) {
        fprintf(stderr, "huddle: no policy version %s\n", vs);
    }
    if (r)
        PQclear(r);
    hd_db_destroy(&db);
    return rc;
}

static int cmd_list(void) {
    hd_db_t *db = connect_db();
    if (!db)
        return 1;
    PGresult *r = hd_db_exec(db,
                             "SELECT version, active, created_by, created_at, length(source) "
                             "FROM policy_version ORDER BY version",
                             0, NULL);
    if (!r) {
        hd_db_destroy(&db);
        return 1;
    }
    printf("%-8s %-7s %-24s %-32s %s\n", "VERSION", "ACTIVE", "CREATED BY", "CREATED AT", "BYTES");
    for (int i = 0; i < PQntuples(r); i++)
        printf("%-8s %-7s %-24s %-32s %s\n", PQgetvalue(r, i, 0),
               PQgetvalue(r, i, 1)[0] == 't' ? "yes" : "", PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
               PQgetvalue(r, i, 4));
    PQclear(r);
    hd_db_destroy(&db);
    return 0;
}

static int cmd_simulate(const char *file, const char *since, int examples) {
    long secs = pol_parse_period(since);
    if (secs < 0) {
        fprintf(stderr, "huddle: --since '%s': write 30d, 12h, 90m or seconds\n", since);
        return 2;
    }
    size_t len;
    char *src = read_file(file, &len), err[8192];
    if (!src)
        return 1;
    hd_db_t *db = connect_db();
    long n = db ? pol_simulate(db, src, len, secs, examples, stdout, err, sizeof err) : -1;
    if (db && n < 0)
        print_errors(file, err);
    free(src);
    hd_db_destroy(&db);
    return n < 0;
}

int hd_cli_policy(int argc, char **argv) {
    static const struct option opts[] = {{"by", required_argument, 0, 'b'},
                                         {"since", required_argument, 0, 's'},
                                         {"examples", required_argument, 0, 'e'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    if (argc < 2) {
        fputs(s_usage, stderr);
        return 2;
    }
    const char *by = getenv("HUDDLE_AS") ? getenv("HUDDLE_AS") : getenv("USER");
    const char *since = "30d";
    int examples = 3, c;
    optind = 0; /* a fresh scan: the CLI's main may have used getopt */
    while ((c = getopt_long(argc - 1, argv + 1, "b:s:e:h", opts, NULL)) != -1) {
        if (c == 'b')
            by = optarg;
        else if (c == 's')
            since = optarg;
        else if (c == 'e')
            examples = atoi(optarg);
        else {
            fputs(s_usage, c == 'h' ? stdout : stderr);
            return c == 'h' ? 0 : 2;
        }
    }
    const char *sub = argv[1];
    char **rest = argv + 1 + optind;
    int nrest = argc - 1 - optind;
    if (!strcmp(sub, "validate") && nrest == 1)
        return cmd_validate(rest[0]);
    if (!strcmp(sub, "apply") && nrest == 1)
        return cmd_apply(rest[0], by ? by : "");
    if (!strcmp(sub, "diff") && nrest == 2)
        return cmd_diff(rest[0], rest[1]);
    if (!strcmp(sub, "show") && nrest <= 1)
        return cmd_show(nrest ? rest[0] : NULL);
    if (!strcmp(sub, "list") && nrest == 0)
        return cmd_list();
    if (!strcmp(sub, "simulate") && nrest == 1)
        return cmd_simulate(rest[0], since, examples < 0 ? 0 : examples);
    fputs(s_usage, stderr);
    return 2;
}

/* The policy to check against: --policy FILE, else the active version. */
static pol_t *check_policy(const char *file, hd_db_t *db, int64_t *version) {
    size_t len = 0;
    char *src = NULL, err[8192];
    *version = 0;
    if (file) {
        src = read_file(file, &len);
    } else if (!db) {
        return NULL;
    } else if (pol_store_active(db, version) < 0 || *version == 0) {
        fprintf(stderr, "huddle: no active policy version (or give --policy FILE)\n");
        return NULL;
    } else if (pol_store_source(db, *version, &src, &len) != 0) {
        fprintf(stderr, "huddle: cannot read policy version %lld\n", (long long)*version);
        return NULL;
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
    const char *channel, *department, *kind, *author, *policy;
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
        json_dumpf(o, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
        json_decref(o);
    } else {
        pol_print_marked(stdout, text, len, res, isatty(STDOUT_FILENO));
    }
    pol_result_destroy(&res);
    return v == POL_VERDICT_BLOCK ? 1 : 0;
}

int hd_cli_check(int argc, char **argv) {
    static const struct option opts[] = {
        {"channel", required_argument, 0, 'c'}, {"department", required_argument, 0, 'd'},
        {"kind", required_argument, 0, 'k'},    {"author", required_argument, 0, 'a'},
        {"policy", required_argument, 0, 'p'},  {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
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
    /* The database is optional with --policy: it only adds channel facts. */
    hd_db_t *db = o.policy && !getenv("HUDDLE_DATABASE_URL") ? NULL : connect_db();
    int64_t version = 0;
    pol_t *p = check_policy(o.policy, db, &version);
    int rc = 1;
    if (p) {
        pol_channel_t ch = {"", 0};
        const char *ids[1] = {o.channel};
        if (db)
            pol_batch_read_channels(db, ids, 1, &ch); /* unknown on error, as before */
        pol_ctx_t ctx = {.channel = o.channel,
                         .department = o.department,
                         .kind = o.kind,
                         .author_email = o.author,
                         .channel_kind = ch.kind,
                         .channel_max_length = ch.max_length};
        rc = check_print(p, text, len, &ctx, o.json, version);
    }
    pol_destroy(&p);
    hd_db_destroy(&db);
    free(text);
    return rc;
}
