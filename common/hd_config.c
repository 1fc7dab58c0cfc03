/*  hd_config: environment configuration with documented defaults. */
#include "hd_config.h"

#include "hd_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const hd_config_var_t *s_vars;

static void usage(FILE *out, const char *program, const char *summary) {
    fprintf(out, "usage: %s [--help]\n\n%s\n\nEnvironment:\n", program, summary);
    for (const hd_config_var_t *v = s_vars; v && v->name; v++)
        fprintf(out, "  %-28s %s (default: %s)\n", v->name, v->help, v->def ? v->def : "unset");
}

void hd_config_init(int argc, char **argv, const char *program, const char *summary,
                    const hd_config_var_t *vars) {
    s_vars = vars;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout, program, summary);
            exit(0);
        }
        fprintf(stderr, "%s: unknown argument '%s'\n", program, argv[i]);
        usage(stderr, program, summary);
        exit(2);
    }
}

const char *hd_config_get(const char *name) {
    const char *v = getenv(name);
    if (v && *v)
        return v;
    for (const hd_config_var_t *d = s_vars; d && d->name; d++)
        if (strcmp(d->name, name) == 0)
            return d->def;
    return NULL;
}

long hd_config_long(const char *name, long fallback) {
    const char *v = hd_config_get(name);
    if (!v)
        return fallback;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end) {
        hd_warn("config_invalid", "%s=%s is not a number, using %ld", name, v, fallback);
        return fallback;
    }
    return n;
}
