/*  cmd_playbook: playbooks from the command line (see the header). This
    file reads arguments and files and prints; the checks are
    hd_playbook's, locally and on the server alike. */
#include "cmd_playbook.h"

#include "client.h"
#include "hd_mem.h"
#include "hd_playbook.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char s_usage[] =
    "usage: huddle playbook validate FILE...          check files (offline)\n"
    "       huddle playbook apply FILE [--as EMAIL]   a new version when it changed\n"
    "       huddle playbook list [--as EMAIL] [--json]\n"
    "       huddle playbook show NAME [--version N] [--as EMAIL] [--json]\n"
    "       huddle playbook versions NAME [--as EMAIL] [--json]\n";

typedef struct {
    const char *as, *version;
    int json;
} opts_t;

/* FILE ("-": stdin) whole, NUL-terminated; a file over the limit is read
   one byte past it (hd_playbook_load says so). NULL on error (printed). */
static char *read_file(const char *path, size_t *len) {
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        fprintf(stderr, "huddle: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char *buf = hd_malloc(HD_PLAYBOOK_MAX_SOURCE + 2);
    *len = fread(buf, 1, HD_PLAYBOOK_MAX_SOURCE + 1, f);
    int bad = ferror(f);
    if (f != stdin)
        fclose(f);
    if (bad) {
        fprintf(stderr, "huddle: cannot read %s\n", path);
        free(buf);
        return NULL;
    }
    buf[*len] = 0;
    return buf;
}

/* Each error of `errors` as FILE:LINE:COLUMN: message, on stderr. */
static void print_errors(const char *file, json_t *errors) {
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e)
        fprintf(stderr, "%s:%lld:%lld: %s\n", file,
                (long long)json_integer_value(json_object_get(e, "line")),
                (long long)json_integer_value(json_object_get(e, "column")),
                json_string_value(json_object_get(e, "message")));
}

/* Loads FILE into *pb (the caller clears it) and its text into *src
   (caller frees). 0 valid, -1 not (printed). */
static int load_file(const char *file, hd_playbook_t *pb, char **src) {
    size_t len;
    memset(pb, 0, sizeof *pb);
    if (!(*src = read_file(file, &len)))
        return -1;
    if (hd_playbook_load(*src, len, pb) == 0)
        return 0;
    print_errors(file, pb->errors);
    return -1;
}

static int cmd_validate(char **files, int n) {
    int bad = 0;
    for (int i = 0; i < n; i++) {
        hd_playbook_t pb;
        char *src = NULL;
        if (load_file(files[i], &pb, &src) == 0) {
            char *s = hd_playbook_summary(pb.spec);
            printf("%s: ok: %s", files[i], s);
            free(s);
        } else
            bad = 1;
        hd_playbook_clear(&pb);
        free(src);
    }
    return bad;
}

static int cmd_apply(const char *file, const opts_t *o) {
    hd_playbook_t pb;
    char *src = NULL, path[128];
    int rc = 1;
    if (load_file(file, &pb, &src) < 0) {
        fprintf(stderr, "%s: nothing was applied\n", file);
        goto done;
    }
    const char *name = json_string_value(json_object_get(pb.spec, "name"));
    snprintf(path, sizeof path, "/v1/playbooks/%s", name); /* a name is a slug */
    json_t *body = json_pack("{s:s}", "source", src), *ans;
    int st = cli_call("PUT", path, o->as, body, NULL, &ans);
    json_decref(body);
    long long v = json_integer_value(json_object_get(ans, "version"));
    if (st == 201)
        printf("%s: version %lld is active (%s)\n", name, v, cli_str(ans, "status", ""));
    else if (st == 200)
        printf("%s: unchanged, version %lld is active\n", name, v);
    else {
        print_errors(file, json_object_get(json_object_get(ans, "error"), "errors"));
        fprintf(stderr, "%s: nothing was applied\n", file);
    }
    rc = st == 200 || st == 201 ? 0 : 1;
    json_decref(ans);
done:
    hd_playbook_clear(&pb);
    free(src);
    return rc;
}

/* "manual", "manual, spike (propose)", "spike (declare)". */
static const char *triggers(json_t *t, char *buf, size_t n) {
    int manual = json_is_true(json_object_get(t, "manual"));
    const char *spike = json_string_value(json_object_get(t, "spike"));
    snprintf(buf, n, "%s%s%s%s%s", manual ? "manual" : "", manual && spike ? ", " : "",
             spike ? "spike (" : "", spike ? spike : "", spike ? ")" : "");
    return buf;
}

static int cmd_list(const opts_t *o) {
    json_t *ans;
    int st = cli_call("GET", "/v1/playbooks", o->as, NULL, NULL, &ans);
    if (st == 200 && o->json)
        cli_print_json(ans, 0);
    else if (st == 200) {
        char t[64];
        printf("%-24s %-7s %-9s %-26s %s\n", "NAME", "VERSION", "SEVERITY", "TRIGGERS",
               "DESCRIPTION");
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(ans, "items"), i, p) printf(
            "%-24s %-7lld %-9s %-26s %s\n", cli_str(p, "name", ""),
            (long long)json_integer_value(json_object_get(p, "version")),
            cli_str(p, "severity", ""), triggers(json_object_get(p, "triggers"), t, sizeof t),
            cli_str(p, "description", ""));
    }
    json_decref(ans);
    return st == 200 ? 0 : 1;
}

/* 0 when name can be put in a path as it is (a playbook's name is a
   slug); else -1, printed. */
static int name_arg(const char *name) {
    if (strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(name) && *name &&
        strlen(name) <= HD_PLAYBOOK_NAME_MAX)
        return 0;
    fprintf(stderr, "huddle: '%s' is not a playbook name (^[a-z][a-z0-9-]{0,62}$)\n", name);
    return -1;
}

static int cmd_show(const char *name, const opts_t *o) {
    char path[160];
    if (name_arg(name) < 0)
        return 2;
    if (o->version && strspn(o->version, "0123456789") != strlen(o->version)) {
        fprintf(stderr, "huddle: --version takes a version number\n");
        return 2;
    }
    snprintf(path, sizeof path, "/v1/playbooks/%s%s%s", name, o->version ? "?version=" : "",
             o->version ? o->version : "");
    json_t *ans;
    int st = cli_call("GET", path, o->as, NULL, NULL, &ans);
    if (st == 200 && o->json)
        cli_print_json(ans, 0);
    else if (st == 200) {
        char *s = hd_playbook_summary(json_object_get(ans, "spec"));
        printf("# playbook %s version %lld%s, created by %s at %s\n%s\n%s", name,
               (long long)json_integer_value(json_object_get(ans, "version")),
               json_is_true(json_object_get(ans, "active")) ? " (active)" : "",
               cli_str(ans, "created_by", ""), cli_str(ans, "created_at", ""), s,
               cli_str(ans, "source", ""));
        free(s);
    }
    json_decref(ans);
    return st == 200 ? 0 : 1;
}

static int cmd_versions(const char *name, const opts_t *o) {
    char path[160];
    if (name_arg(name) < 0)
        return 2;
    snprintf(path, sizeof path, "/v1/playbooks/%s/versions", name);
    json_t *ans;
    int st = cli_call("GET", path, o->as, NULL, NULL, &ans);
    if (st == 200 && o->json)
        cli_print_json(ans, 0);
    else if (st == 200) {
        printf("%-8s %-7s %-26s %s\n", "VERSION", "ACTIVE", "CREATED AT", "CREATED BY");
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(ans, "items"), i, v) printf(
            "%-8lld %-7s %-26s %s\n", (long long)json_integer_value(json_object_get(v, "version")),
            json_is_true(json_object_get(v, "active")) ? "yes" : "", cli_str(v, "created_at", ""),
            cli_str(v, "created_by", ""));
    }
    json_decref(ans);
    return st == 200 ? 0 : 1;
}

/* Parses the options after the subcommand; -1 usage, 1 --help. */
static int parse(int argc, char **argv, opts_t *o) {
    static const struct option opts[] = {{"as", required_argument, 0, 'a'},
                                         {"version", required_argument, 0, 'v'},
                                         {"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    memset(o, 0, sizeof *o);
    optind = 0; /* a fresh scan: the CLI's main may have used getopt */
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'a')
            o->as = optarg;
        else if (c == 'v')
            o->version = optarg;
        else if (c == 'j')
            o->json = 1;
        else
            return c == 'h' ? 1 : -1;
    }
    return 0;
}

int cli_playbook(int argc, char **argv) {
    opts_t o;
    int p = argc < 2 ? -1 : parse(argc - 1, argv + 1, &o);
    if (p != 0) {
        fputs(s_usage, p > 0 ? stdout : stderr);
        return p > 0 ? 0 : 2;
    }
    const char *sub = argv[1];
    char **rest = argv + 1 + optind;
    int nrest = argc - 1 - optind;
    if (!strcmp(sub, "validate") && nrest >= 1)
        return cmd_validate(rest, nrest);
    if (!strcmp(sub, "apply") && nrest == 1)
        return cmd_apply(rest[0], &o);
    if (!strcmp(sub, "list") && nrest == 0)
        return cmd_list(&o);
    if (!strcmp(sub, "show") && nrest == 1)
        return cmd_show(rest[0], &o);
    if (!strcmp(sub, "versions") && nrest == 1)
        return cmd_versions(rest[0], &o);
    fputs(s_usage, stderr);
    return 2;
}
