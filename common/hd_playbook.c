/*  hd_playbook: YAML -> the playbook's spec, with every check of
    docs/playbooks.md "The format" (see hd_playbook.h). The readers below
    each return the value the spec gets, its default when the key is absent
    or wrong, so that the whole file is walked and every problem reported;
    a file with any problem has no spec. */
#include "hd_playbook.h"

#include "hd_crisis.h"
#include "hd_mem.h"
#include "hd_utf8.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#define MAX_VISITS 100000 /* node visits: aliases could otherwise make walks explode */
#define KEY_LEN 96        /* "triggers.spike.cooldown_minutes" and the like */
#define NAMES_MAX 64      /* names in one list (roles, departments, ...), keys in a mapping */

static const char *const s_severity[HD_SEVERITY_COUNT] = {"low", "medium", "high", "critical"};
static const char *const s_then[HD_SPIKE_COUNT] = {"propose", "declare"};
static const char *const s_refs[HD_PLAYBOOK_REF_COUNT] = {"department", "channel", "role",
                                                          "endpoint"};

static int parse_name(const char *const *names, int n, const char *name) {
    for (int i = 0; name && i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

const char *hd_severity_name(hd_severity_t s) {
    return (unsigned)s < HD_SEVERITY_COUNT ? s_severity[s] : "unknown";
}

int hd_severity_parse(const char *name) { return parse_name(s_severity, HD_SEVERITY_COUNT, name); }

const char *hd_spike_then_name(hd_spike_then_t t) {
    return (unsigned)t < HD_SPIKE_COUNT ? s_then[t] : "unknown";
}

int hd_spike_then_parse(const char *name) { return parse_name(s_then, HD_SPIKE_COUNT, name); }

const char *hd_playbook_ref_name(hd_playbook_ref_t k) {
    return (unsigned)k < HD_PLAYBOOK_REF_COUNT ? s_refs[k] : "unknown";
}

/* ---------- the walk ---------- */

typedef struct {
    yaml_document_t doc;
    json_t *errors, *refs; /* out's */
    size_t visits;
} ld_t;

static void add_error(ld_t *l, int line, int column, const char *fmt, va_list ap) {
    char msg[600], text[600];
    vsnprintf(msg, sizeof msg, fmt, ap);
    hd_utf8_escape(msg, text, sizeof text); /* a quoted value may have been cut mid-character */
    json_array_append_new(
        l->errors, json_pack("{s:i, s:i, s:s}", "line", line, "column", column, "message", text));
}

static int line_of(const yaml_node_t *n) { return n ? (int)n->start_mark.line + 1 : 1; }
static int column_of(const yaml_node_t *n) { return n ? (int)n->start_mark.column + 1 : 1; }

/* A problem at node n (NULL: the file's start). */
static void err(ld_t *l, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void err(ld_t *l, const yaml_node_t *n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    add_error(l, line_of(n), column_of(n), fmt, ap);
    va_end(ap);
}

static void err_at(ld_t *l, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void err_at(ld_t *l, int line, int column, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    add_error(l, line, column, fmt, ap);
    va_end(ap);
}

/* s quoted for a message: at most ~40 bytes, cut at a character. */
static const char *q(const char *s, char *buf, size_t n) {
    hd_utf8_escape(s, buf, n < 44 ? n : 44);
    return buf;
}

static yaml_node_t *node(ld_t *l, int idx) {
    return ++l->visits > MAX_VISITS ? NULL : yaml_document_get_node(&l->doc, idx);
}

static const char *scalar(const yaml_node_t *n) {
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A plain (unquoted) scalar's text: numbers and booleans are written so. */
static const char *plain(const yaml_node_t *n) {
    return scalar(n) && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? scalar(n) : NULL;
}

/* YAML's null: nothing, ~ or null, unquoted. */
static int is_null(const yaml_node_t *n) {
    const char *s = plain(n);
    return !n || (s && (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
                        !strcmp(s, "NULL")));
}

/* "path.key" (or "key" at the top) into buf. */
static const char *full(char *buf, const char *path, const char *key) {
    snprintf(buf, KEY_LEN, "%s%s%s", path, *path ? "." : "", key);
    return buf;
}

/* The value of key in map; NULL when absent or null (the first one when
   the key is given twice: check_map reports that). */
static yaml_node_t *get(ld_t *l, yaml_node_t *map, const char *key) {
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = scalar(node(l, p->key));
        if (k && !strcmp(k, key)) {
            yaml_node_t *v = node(l, p->value);
            return is_null(v) ? NULL : v;
        }
    }
    return NULL;
}

static void join(const char *const *v, char *buf, size_t n) {
    buf[0] = 0;
    for (size_t i = 0; v[i]; i++)
        snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", i ? ", " : "", v[i]);
}

static int listed(const char *const *v, const char *s) {
    for (size_t i = 0; v && v[i]; i++)
        if (!strcmp(v[i], s))
            return 1;
    return 0;
}

/* Reports keys of the mapping n that are unknown, given twice or not
   names. */
static void check_keys(ld_t *l, yaml_node_t *n, const char *path, const char *const *allowed) {
    char keys[400], b[48];
    join(allowed, keys, sizeof keys);
    if (n->data.mapping.pairs.top - n->data.mapping.pairs.start > NAMES_MAX) {
        err(l, n, "%s%stoo many keys (allowed: %s)", path, *path ? ": " : "", keys);
        return;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = node(l, p->key);
        const char *k = scalar(kn);
        if (!k) {
            err(l, kn, "%s%skeys must be plain names", path, *path ? ": " : "");
            continue;
        }
        if (!listed(allowed, k)) {
            err(l, kn, "%s%sunknown key '%s' (allowed: %s)", path, *path ? ": " : "",
                q(k, b, sizeof b), keys);
            continue;
        }
        for (yaml_node_pair_t *o = n->data.mapping.pairs.start; o < p; o++)
            if (scalar(node(l, o->key)) && !strcmp(scalar(node(l, o->key)), k)) {
                err(l, kn, "%s%skey '%s' is given twice", path, *path ? ": " : "", k);
                break;
            }
    }
}

/* n must be a mapping of the allowed keys with the required ones given.
   0 when n is a mapping (its keys may be read), -1 when it is not one. */
static int check_map(ld_t *l, yaml_node_t *n, const char *path, const char *const *allowed,
                     const char *const *required) {
    char keys[400];
    join(allowed, keys, sizeof keys);
    if (!n || n->type != YAML_MAPPING_NODE) {
        err(l, n, "%s must be a mapping of %s", *path ? path : "a playbook", keys);
        return -1;
    }
    check_keys(l, n, path, allowed);
    char k[KEY_LEN];
    for (size_t i = 0; required && required[i]; i++)
        if (!get(l, n, required[i]))
            err(l, n, "%s is required", full(k, path, required[i]));
    return 0;
}

/* The sequence n's items (n must be a sequence: else reported, 0). */
static size_t items(ld_t *l, yaml_node_t *n, const char *key, yaml_node_item_t **first) {
    if (!n || n->type != YAML_SEQUENCE_NODE) {
        err(l, n, "%s must be a list, e.g. [a, b]", key);
        return 0;
    }
    *first = n->data.sequence.items.start;
    return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static void add_ref(ld_t *l, hd_playbook_ref_t kind, const char *name, const char *key,
                    const yaml_node_t *n) {
    json_array_append_new(l->refs, json_pack("{s:s, s:s, s:s, s:i, s:i}", "kind",
                                             hd_playbook_ref_name(kind), "name", name, "key", key,
                                             "line", line_of(n), "column", column_of(n)));
}

/* ---------- values ---------- */

static json_t *rd_bool(ld_t *l, yaml_node_t *map, const char *path, const char *key, int def) {
    char k[KEY_LEN];
    yaml_node_t *v = get(l, map, key);
    const char *s = plain(v);
    if (!v)
        return json_boolean(def);
    if (s && (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")))
        return json_true();
    if (s && (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")))
        return json_false();
    err(l, v, "%s must be true or false", full(k, path, key));
    return json_boolean(def);
}

/* A whole number lo..hi written plainly (10, not "10" nor 10.0). */
static json_t *rd_int(ld_t *l, yaml_node_t *map, const char *path, const char *key, long lo,
                      long hi, long def) {
    char k[KEY_LEN];
    yaml_node_t *v = get(l, map, key);
    if (!v)
        return json_integer(def);
    const char *s = plain(v);
    size_t digits = s ? strspn(s + (*s == '-'), "0123456789") : 0;
    long x = digits && digits <= 9 && !s[(*s == '-') + digits] ? strtol(s, NULL, 10) : lo - 1;
    if (x < lo || x > hi) {
        err(l, v, "%s must be a whole number from %ld to %ld", full(k, path, key), lo, hi);
        return json_integer(def);
    }
    return json_integer(x);
}

/* triggers.spike.sigma: a number > 0 and <= 10 (3, 2.5). */
static json_t *rd_sigma(ld_t *l, yaml_node_t *map, const char *path) {
    char k[KEY_LEN];
    yaml_node_t *v = get(l, map, "sigma");
    if (!v)
        return json_real(3);
    const char *s = plain(v);
    size_t a = s ? strspn(s, "0123456789") : 0, b = 0;
    if (a && s[a] == '.')
        b = strspn(s + a + 1, "0123456789");
    int ok = a && a <= 6 && (s[a] == 0 || (s[a] == '.' && b && b <= 6 && !s[a + 1 + b]));
    double x = ok ? strtod(s, NULL) : 0;
    if (!(x > 0 && x <= 10)) {
        err(l, v, "%s must be a number greater than 0 and at most 10 (e.g. 3 or 2.5)",
            full(k, path, "sigma"));
        return json_real(3);
    }
    return json_real(x);
}

/* One of names[0..n); def when absent. */
static json_t *rd_enum(ld_t *l, yaml_node_t *map, const char *path, const char *key,
                       const char *const *names, int n, const char *def) {
    char k[KEY_LEN], b[48], all[200] = "";
    yaml_node_t *v = get(l, map, key);
    if (!v)
        return json_string(def);
    if (scalar(v) && parse_name(names, n, scalar(v)) >= 0)
        return json_string(scalar(v));
    for (int i = 0; i < n; i++)
        snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s",
                 i ? (i == n - 1 ? " or " : ", ") : "", names[i]);
    err(l, v, "%s must be %s, not %s%s%s", full(k, path, key), all, scalar(v) ? "'" : "",
        scalar(v) ? q(scalar(v), b, sizeof b) : "a list or mapping", scalar(v) ? "'" : "");
    return json_string(def);
}

/* ^[a-z][a-z0-9-]{0,62}$; a channel id may also start with a digit. */
static int slug_ok(const char *s, int channel) {
    size_t n = strlen(s);
    if (n == 0 || n > HD_PLAYBOOK_NAME_MAX ||
        !(islower((unsigned char)s[0]) || (channel && isdigit((unsigned char)s[0]))))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
            return 0;
    return 1;
}

/* A name (the playbook's, a department, role, endpoint, channel) at v;
   recorded as a reference of `kind` (-1: none). NULL when invalid. */
static json_t *rd_name(ld_t *l, yaml_node_t *v, const char *key, int kind) {
    char b[48];
    const char *s = scalar(v);
    int channel = kind == HD_PLAYBOOK_REF_CHANNEL;
    if (!s || strlen(s) != v->data.scalar.length || !slug_ok(s, channel)) {
        err(l, v, "%s: %s%s%s is not a valid %s (%s)", key, s ? "'" : "",
            s ? q(s, b, sizeof b) : "a list or mapping", s ? "'" : "",
            kind < 0 ? "name" : hd_playbook_ref_name((hd_playbook_ref_t)kind),
            channel ? "^[a-z0-9][a-z0-9-]{0,62}$" : "^[a-z][a-z0-9-]{0,62}$");
        return NULL;
    }
    if (kind >= 0)
        add_ref(l, (hd_playbook_ref_t)kind, s, key, v);
    return json_string(s);
}

/* A list of names of `kind`, none twice; def (NULL-terminated) when absent.
   nonempty: an empty list is an error. */
static json_t *rd_names(ld_t *l, yaml_node_t *map, const char *path, const char *key,
                        hd_playbook_ref_t kind, const char *const *def, int nonempty) {
    char k[KEY_LEN];
    full(k, path, key);
    json_t *out = json_array();
    yaml_node_t *v = get(l, map, key);
    yaml_node_item_t *it = NULL;
    size_t n = v ? items(l, v, k, &it) : 0;
    for (size_t i = 0; !v && def && def[i]; i++)
        json_array_append_new(out, json_string(def[i]));
    if (v && v->type == YAML_SEQUENCE_NODE && n == 0 && nonempty)
        err(l, v, "%s must name at least one %s", k, hd_playbook_ref_name(kind));
    if (n > NAMES_MAX)
        err(l, v, "%s: at most %d names, not %zu", k, NAMES_MAX, n);
    for (size_t i = 0; i < n && i < NAMES_MAX; i++) {
        yaml_node_t *e = node(l, it[i]);
        json_t *name = e ? rd_name(l, e, k, (int)kind) : NULL;
        size_t j;
        json_t *x;
        int twice = 0;
        json_array_foreach(out, j, x) twice |= name && json_equal(x, name);
        if (twice)
            err(l, e, "%s: '%s' is listed twice", k, json_string_value(name));
        if (name && !twice)
            json_array_append_new(out, name);
        else
            json_decref(name);
    }
    return out;
}

/* 1 when s[0..n) is text a person wrote: UTF-8 without NUL, no control
   character but newline and tab. */
static int text_ok(const char *s, size_t n) {
    if (!hd_utf8_valid(s, n))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t') || s[i] == 0x7f)
            return 0;
    return 1;
}

/* A text of at most max bytes, trailing white space dropped (a block
   scalar's final newline); "" when absent. */
static json_t *rd_text(ld_t *l, yaml_node_t *map, const char *path, const char *key, size_t max) {
    char k[KEY_LEN];
    yaml_node_t *v = get(l, map, key);
    const char *s = scalar(v);
    if (!v)
        return json_string("");
    size_t n = s ? v->data.scalar.length : 0;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (!s || !text_ok(s, n)) {
        err(l, v, "%s must be text (UTF-8, no control characters but newlines and tabs)",
            full(k, path, key));
        return json_string("");
    }
    if (n > max) {
        err(l, v, "%s is %zu bytes, more than %zu", full(k, path, key), n, max);
        return json_string("");
    }
    return json_stringn(s, n);
}

/* terms: 1..64 terms of 1..100 bytes, none twice whatever its case. */
static json_t *rd_terms(ld_t *l, yaml_node_t *root) {
    char b[48];
    json_t *out = json_array();
    yaml_node_t *v = get(l, root, "terms");
    yaml_node_item_t *it = NULL;
    size_t n = v ? items(l, v, "terms", &it) : 0;
    if (v && v->type == YAML_SEQUENCE_NODE && (n < 1 || n > HD_PLAYBOOK_TERMS_MAX))
        err(l, v, "terms must hold 1 to %d terms, not %zu", HD_PLAYBOOK_TERMS_MAX, n);
    for (size_t i = 0; i < n && i < HD_PLAYBOOK_TERMS_MAX; i++) {
        yaml_node_t *e = node(l, it[i]);
        const char *s = scalar(e);
        size_t len = s ? e->data.scalar.length : 0;
        if (!s || len < 1 || len > HD_PLAYBOOK_TERM_MAX || !text_ok(s, len) || strchr(s, '\n') ||
            isspace((unsigned char)s[0]) || isspace((unsigned char)s[len - 1])) {
            err(l, e,
                "terms: '%s' is not a term (1 to %d bytes of text on one line, no space "
                "at either end)",
                s ? q(s, b, sizeof b) : "a list or mapping", HD_PLAYBOOK_TERM_MAX);
            continue;
        }
        size_t j;
        json_t *x;
        int twice = 0;
        json_array_foreach(out, j, x) twice |= !strcasecmp(json_string_value(x), s);
        if (twice)
            err(l, e, "terms: '%s' is listed twice (terms match whatever their case)",
                q(s, b, sizeof b));
        else
            json_array_append_new(out, json_string(s));
    }
    return out;
}

/* ---------- sections ---------- */

static json_t *rd_spike(ld_t *l, yaml_node_t *n, size_t nterms) {
    static const char *const keys[] = {"window_minutes",   "min_count", "sigma", "baseline",
                                       "cooldown_minutes", "then",      NULL};
    static const char *const bkeys[] = {"weeks", "hours", NULL};
    const char *p = "triggers.spike";
    if (check_map(l, n, p, keys, NULL) < 0)
        return json_null();
    json_t *s = json_object();
    json_object_set_new(s, "window_minutes", rd_int(l, n, p, "window_minutes", 1, 60, 10));
    json_object_set_new(s, "min_count", rd_int(l, n, p, "min_count", 1, 1000000, 50));
    json_object_set_new(s, "sigma", rd_sigma(l, n, p));
    yaml_node_t *b = get(l, n, "baseline");
    long weeks = 4, hours = 0;
    if (b && check_map(l, b, "triggers.spike.baseline", bkeys, NULL) == 0) {
        if ((get(l, b, "weeks") != NULL) == (get(l, b, "hours") != NULL))
            err(l, b,
                "triggers.spike.baseline takes exactly one of weeks (1..12: the same "
                "minute of the week over the last N weeks) or hours (1..168: the "
                "previous N hours)");
        json_t *w = rd_int(l, b, "triggers.spike.baseline", "weeks", 1, 12, 0);
        json_t *h = rd_int(l, b, "triggers.spike.baseline", "hours", 1, 168, 0);
        weeks = json_integer_value(w);
        hours = weeks ? 0 : json_integer_value(h);
        weeks = weeks || hours ? weeks : 4;
        json_decref(w);
        json_decref(h);
    }
    json_object_set_new(s, "baseline_weeks", json_integer(weeks));
    json_object_set_new(s, "baseline_hours", json_integer(hours));
    json_object_set_new(s, "cooldown_minutes", rd_int(l, n, p, "cooldown_minutes", 0, 10080, 60));
    json_object_set_new(s, "then", rd_enum(l, n, p, "then", s_then, HD_SPIKE_COUNT, "propose"));
    if (nterms == 0)
        err(l, n, "triggers.spike needs terms: it counts the mentions matching them");
    return s;
}

static json_t *rd_triggers(ld_t *l, yaml_node_t *n, size_t nterms) {
    static const char *const keys[] = {"manual", "spike", NULL};
    if (n && check_map(l, n, "triggers", keys, NULL) < 0)
        n = NULL;
    json_t *t = json_object(), *manual = rd_bool(l, n, "triggers", "manual", 1);
    yaml_node_t *sp = get(l, n, "spike");
    json_object_set_new(t, "manual", manual);
    json_object_set_new(t, "spike", sp ? rd_spike(l, sp, nterms) : json_null());
    if (json_is_false(manual) && !sp)
        err(l, get(l, n, "manual"),
            "triggers.manual is false and there is no spike: nothing could start this playbook");
    return t;
}

static json_t *rd_scope(ld_t *l, yaml_node_t *n) {
    static const char *const keys[] = {"departments", "channels", NULL};
    if (n && check_map(l, n, "scope", keys, NULL) < 0)
        n = NULL;
    return json_pack("{s:o, s:o}", "departments",
                     rd_names(l, n, "scope", "departments", HD_PLAYBOOK_REF_DEPARTMENT, NULL, 0),
                     "channels",
                     rd_names(l, n, "scope", "channels", HD_PLAYBOOK_REF_CHANNEL, NULL, 0));
}

/* 1 when the actions a do something. */
static int acts(json_t *a) {
    return json_is_true(json_object_get(a, "hold")) ||
           json_array_size(json_object_get(a, "add_approvals")) ||
           !json_is_null(json_object_get(a, "reroute_to")) ||
           json_integer_value(json_object_get(a, "recall_minutes")) > 0 ||
           json_array_size(json_object_get(a, "notify")) ||
           *json_string_value(json_object_get(a, "holding_statement"));
}

static json_t *rd_actions(ld_t *l, yaml_node_t *n, size_t nterms) {
    static const char *const keys[] = {
        "hold",   "add_approvals",     "reroute_to", "recall_minutes",
        "notify", "holding_statement", NULL};
    const char *p = "actions";
    size_t before = json_array_size(l->errors);
    int given = n && check_map(l, n, p, keys, NULL) == 0;
    int misspelt = json_array_size(l->errors) > before; /* "does nothing" would say it again */
    n = given ? n : NULL;
    json_t *a = json_object();
    json_object_set_new(a, "hold", rd_bool(l, n, p, "hold", 0));
    json_object_set_new(a, "add_approvals",
                        rd_names(l, n, p, "add_approvals", HD_PLAYBOOK_REF_ROLE, NULL, 0));
    yaml_node_t *r = get(l, n, "reroute_to");
    json_t *to = r ? rd_name(l, r, "actions.reroute_to", HD_PLAYBOOK_REF_DEPARTMENT) : NULL;
    json_object_set_new(a, "reroute_to", to ? to : json_null());
    if (r && nterms == 0)
        err(l, r, "actions.reroute_to needs terms: it reroutes the mentions matching them");
    json_object_set_new(a, "recall_minutes", rd_int(l, n, p, "recall_minutes", 0, 1440, 0));
    json_object_set_new(a, "notify",
                        rd_names(l, n, p, "notify", HD_PLAYBOOK_REF_ENDPOINT, NULL, 0));
    json_object_set_new(a, "holding_statement",
                        rd_text(l, n, p, "holding_statement", HD_PLAYBOOK_STATEMENT_MAX));
    if (given && !misspelt && !acts(a) && !r)
        err(l, n,
            "actions does nothing: give at least one of hold: true, add_approvals, "
            "reroute_to, recall_minutes, notify or holding_statement");
    return a;
}

static json_t *rd_team(ld_t *l, yaml_node_t *n) {
    static const char *const keys[] = {"roles", "booth", NULL};
    if (n && check_map(l, n, "team", keys, NULL) < 0)
        n = NULL;
    return json_pack("{s:o, s:o}", "roles",
                     rd_names(l, n, "team", "roles", HD_PLAYBOOK_REF_ROLE, NULL, 0), "booth",
                     rd_names(l, n, "team", "booth", HD_PLAYBOOK_REF_ROLE, NULL, 0));
}

static json_t *rd_exit(ld_t *l, yaml_node_t *n) {
    static const char *const keys[] = {"resume_roles", "held_items", "late_items", NULL};
    static const char *const orchestrator[] = {"orchestrator", NULL};
    const char *rules[HD_RESUME_COUNT];
    for (int i = 0; i < HD_RESUME_COUNT; i++)
        rules[i] = hd_resume_name((hd_resume_t)i);
    if (n && check_map(l, n, "exit", keys, NULL) < 0)
        n = NULL;
    return json_pack(
        "{s:o, s:o, s:o}", "resume_roles",
        rd_names(l, n, "exit", "resume_roles", HD_PLAYBOOK_REF_ROLE, orchestrator, 1), "held_items",
        rd_enum(l, n, "exit", "held_items", rules, HD_RESUME_COUNT, "publish"), "late_items",
        rd_enum(l, n, "exit", "late_items", rules, HD_RESUME_COUNT, "reapprove"));
}

static json_t *rd_top(ld_t *l, yaml_node_t *root) {
    static const char *const keys[] = {"playbook", "description", "severity", "terms", "triggers",
                                       "scope",    "actions",     "team",     "exit",  NULL};
    static const char *const required[] = {"playbook", "description", "severity", "actions", NULL};
    if (check_map(l, root, "", keys, required) < 0)
        return NULL;
    json_t *spec = json_object();
    yaml_node_t *v = get(l, root, "playbook");
    json_t *name = v ? rd_name(l, v, "playbook", -1) : NULL;
    json_object_set_new(spec, "name", name ? name : json_string(""));
    json_t *desc = rd_text(l, root, "", "description", HD_PLAYBOOK_DESCRIPTION_MAX);
    if ((v = get(l, root, "description")) && !*json_string_value(desc))
        err(l, v, "description must say what the scenario is");
    json_object_set_new(spec, "description", desc);
    json_object_set_new(spec, "severity",
                        rd_enum(l, root, "", "severity", s_severity, HD_SEVERITY_COUNT, "medium"));
    json_t *terms = rd_terms(l, root);
    size_t nterms = json_array_size(terms);
    json_object_set_new(spec, "terms", terms);
    json_object_set_new(spec, "triggers", rd_triggers(l, get(l, root, "triggers"), nterms));
    json_object_set_new(spec, "scope", rd_scope(l, get(l, root, "scope")));
    json_object_set_new(spec, "actions", rd_actions(l, get(l, root, "actions"), nterms));
    json_object_set_new(spec, "team", rd_team(l, get(l, root, "team")));
    json_object_set_new(spec, "exit", rd_exit(l, get(l, root, "exit")));
    return spec;
}

/* ---------- loading ---------- */

/* Orders a's objects by line, then column (stable: insertion sort). */
static void sort_by_place(json_t *a) {
    size_t n = json_array_size(a);
    for (size_t i = 1; i < n; i++) {
        json_t *x = json_incref(json_array_get(a, i));
        long long lx = json_integer_value(json_object_get(x, "line"));
        long long cx = json_integer_value(json_object_get(x, "column"));
        size_t j = i;
        while (j > 0) {
            json_t *y = json_array_get(a, j - 1);
            long long ly = json_integer_value(json_object_get(y, "line"));
            long long cy = json_integer_value(json_object_get(y, "column"));
            if (ly < lx || (ly == lx && cy <= cx))
                break;
            json_array_set(a, j, y);
            j--;
        }
        json_array_set_new(a, j, x);
    }
}

/* Keeps the first HD_PLAYBOOK_MAX_ERRORS errors and says how many more. */
static void cap_errors(json_t *errors) {
    size_t n = json_array_size(errors);
    if (n <= HD_PLAYBOOK_MAX_ERRORS)
        return;
    json_t *next = json_array_get(errors, HD_PLAYBOOK_MAX_ERRORS);
    json_t *more = json_pack("{s:O, s:O, s:s}", "line", json_object_get(next, "line"), "column",
                             json_object_get(next, "column"), "message", "");
    char msg[80];
    snprintf(msg, sizeof msg, "... and %zu more problems: fix these first",
             n - HD_PLAYBOOK_MAX_ERRORS);
    json_object_set_new(more, "message", json_string(msg));
    while (json_array_size(errors) > HD_PLAYBOOK_MAX_ERRORS)
        json_array_remove(errors, HD_PLAYBOOK_MAX_ERRORS);
    json_array_append_new(errors, more);
}

/* The bytes are UTF-8 text (what libyaml reads, and PostgreSQL stores)?
   Else the place of the first that is not is reported. */
static int source_ok(ld_t *l, const char *src, size_t len) {
    int line = 1, column = 1;
    for (size_t i = 0; i < len;) {
        size_t k = hd_utf8_seq((const unsigned char *)src + i, len - i);
        if (k == 0 || src[i] == 0) {
            err_at(l, line, column, "the playbook is not UTF-8 text (byte 0x%02X%s)",
                   (unsigned char)src[i], src[i] ? "" : ", a NUL");
            return 0;
        }
        line += src[i] == '\n';
        column = src[i] == '\n' ? 1 : column + 1;
        i += k;
    }
    return 1;
}

static void yaml_problem(ld_t *l, const yaml_parser_t *p) {
    err_at(l, (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1, "YAML syntax: %s%s%s",
           p->problem ? p->problem : "error", p->context ? " " : "", p->context ? p->context : "");
}

/* Parses the one document of src into l->doc. 0, or -1 (reported). */
static int parse(ld_t *l, const char *src, size_t len) {
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        abort();
    yaml_parser_set_input_string(&parser, (const unsigned char *)src, len);
    int rc = 0;
    if (!yaml_parser_load(&parser, &l->doc)) {
        yaml_problem(l, &parser);
        rc = -1;
    } else {
        yaml_document_t more;
        if (!yaml_parser_load(&parser, &more)) {
            yaml_problem(l, &parser);
        } else {
            yaml_node_t *r = yaml_document_get_root_node(&more);
            if (r)
                err(l, r, "a file holds one playbook: a second YAML document starts here");
            yaml_document_delete(&more);
        }
    }
    yaml_parser_delete(&parser);
    return rc;
}

int hd_playbook_load(const char *src, size_t len, hd_playbook_t *out) {
    memset(out, 0, sizeof *out);
    out->errors = json_array();
    out->refs = json_array();
    ld_t l = {.errors = out->errors, .refs = out->refs};
    if (len > HD_PLAYBOOK_MAX_SOURCE)
        err_at(&l, 1, 1, "the playbook is %zu bytes, more than %d", len, HD_PLAYBOOK_MAX_SOURCE);
    else if (source_ok(&l, src, len) && parse(&l, src, len) == 0) {
        yaml_node_t *root = yaml_document_get_root_node(&l.doc);
        if (!root)
            err_at(&l, 1, 1, "the playbook is empty");
        else
            out->spec = rd_top(&l, root);
        if (l.visits > MAX_VISITS)
            err_at(&l, 1, 1, "the document is too large or uses too many aliases");
        yaml_document_delete(&l.doc);
    }
    sort_by_place(out->errors);
    sort_by_place(out->refs);
    cap_errors(out->errors);
    if (json_array_size(out->errors) == 0 && out->spec)
        return 0;
    json_decref(out->spec);
    out->spec = NULL;
    return -1;
}

void hd_playbook_clear(hd_playbook_t *pb) {
    if (!pb)
        return;
    json_decref(pb->spec);
    json_decref(pb->errors);
    json_decref(pb->refs);
    memset(pb, 0, sizeof *pb);
}

/* ---------- for people ---------- */

/* The strings of a joined by ", " into f, or none. */
static void put_list(FILE *f, json_t *a, const char *none) {
    size_t i;
    json_t *v;
    if (!json_array_size(a))
        fputs(none, f);
    json_array_foreach(a, i, v) fprintf(f, "%s%s", i ? ", " : "", json_string_value(v));
}

static long long member_int(const json_t *o, const char *k) {
    return json_integer_value(json_object_get(o, k));
}

char *hd_playbook_triggers_text(const json_t *spec) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        abort();
    json_t *t = json_object_get(spec, "triggers"), *s = json_object_get(t, "spike");
    int manual = json_is_true(json_object_get(t, "manual"));
    if (manual)
        fputs("manual", f);
    if (json_is_object(s)) {
        long long w = member_int(s, "baseline_weeks"), h = member_int(s, "baseline_hours");
        fprintf(f, "%sspike: >= %lld mentions in %lld min above mean + %g sd of ",
                manual ? "; " : "", member_int(s, "min_count"), member_int(s, "window_minutes"),
                json_number_value(json_object_get(s, "sigma")));
        if (w)
            fprintf(f, "the same minute of the week over the last %lld week%s", w,
                    w == 1 ? "" : "s");
        else
            fprintf(f, "the previous %lld hour%s", h, h == 1 ? "" : "s");
        fprintf(f, ", cool-down %lld min, then %s", member_int(s, "cooldown_minutes"),
                json_string_value(json_object_get(s, "then")));
    } else if (!manual)
        fputs("none", f);
    fclose(f);
    return buf;
}

/* Starts the next part of a line of parts ("a; b"). */
static void part(FILE *f, int *n) { fputs((*n)++ ? "; " : "", f); }

static void put_actions(FILE *f, json_t *a) {
    int n = 0;
    const char *to = json_string_value(json_object_get(a, "reroute_to"));
    const char *st = json_string_value(json_object_get(a, "holding_statement"));
    if (json_is_true(json_object_get(a, "hold"))) {
        part(f, &n);
        fputs("hold publishing", f);
    }
    if (json_array_size(json_object_get(a, "add_approvals"))) {
        part(f, &n);
        fputs("add approvals by ", f);
        put_list(f, json_object_get(a, "add_approvals"), "");
    }
    if (to) {
        part(f, &n);
        fprintf(f, "reroute matching mentions to %s", to);
    }
    if (member_int(a, "recall_minutes") > 0) {
        part(f, &n);
        fprintf(f, "recall posts of the last %lld min", member_int(a, "recall_minutes"));
    }
    if (json_array_size(json_object_get(a, "notify"))) {
        part(f, &n);
        fputs("notify ", f);
        put_list(f, json_object_get(a, "notify"), "");
    }
    if (st && *st) {
        part(f, &n);
        fprintf(f, "holding statement (%zu bytes)", strlen(st));
    }
}

char *hd_playbook_summary(const json_t *spec) {
    char *buf = NULL, *trig = hd_playbook_triggers_text(spec);
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        abort();
    json_t *scope = json_object_get(spec, "scope"), *team = json_object_get(spec, "team");
    json_t *ex = json_object_get(spec, "exit");
    fprintf(f, "%s (%s): %s\n", json_string_value(json_object_get(spec, "name")),
            json_string_value(json_object_get(spec, "severity")),
            json_string_value(json_object_get(spec, "description")));
    fprintf(f, "  triggers  %s\n  terms     ", trig);
    put_list(f, json_object_get(spec, "terms"), "none");
    fputs("\n  scope     departments: ", f);
    put_list(f, json_object_get(scope, "departments"), "all");
    fputs("; channels: ", f);
    put_list(f, json_object_get(scope, "channels"), "all");
    fputs("\n  actions   ", f);
    put_actions(f, json_object_get(spec, "actions"));
    fputs("\n  team      ", f);
    put_list(f, json_object_get(team, "roles"), "none");
    fputs("; booth: ", f);
    put_list(f, json_object_get(team, "booth"), "none");
    fputs("\n  exit      resumed by ", f);
    put_list(f, json_object_get(ex, "resume_roles"), "");
    fprintf(f, "; held items %s, late items %s\n",
            json_string_value(json_object_get(ex, "held_items")),
            json_string_value(json_object_get(ex, "late_items")));
    fclose(f);
    free(trig);
    return buf;
}
