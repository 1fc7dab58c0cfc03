/*  policy_loader: YAML -> pol_pmodel_t, with the schema checks of
    docs/policy.md. Every problem found is reported (not just the first),
    each with its YAML line and the rule id it belongs to, so an operator
    fixes a file in one pass. Unknown keys are errors: a misspelt option
    must not silently weaken a policy. */
#include "policy_model.h"

#include "hd_mem.h"
#include "policy_detect.h"
#include "policy_fold.h"
#include "policy_time.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_NODES 200000 /* visits; aliases could otherwise make walks explode */
#define MAX_RULES 10000
#define MAX_ITEMS 200000 /* terms + patterns over the whole policy */

typedef struct {
    yaml_document_t doc;
    char *err;
    size_t err_len, used;
    int nerr;
    size_t visits;
    size_t items;
    const char *rule; /* id of the rule being read, for messages */
} ld_t;

static void lerr(ld_t *l, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void lerr(ld_t *l, const yaml_node_t *n, const char *fmt, ...) {
    l->nerr++;
    if (!l->err || l->used + 1 >= l->err_len)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line = n ? (int)n->start_mark.line + 1 : 0;
    int w;
    if (l->rule)
        w = snprintf(l->err + l->used, l->err_len - l->used, "line %d: rule %s: %s\n", line,
                     l->rule, msg);
    else
        w = snprintf(l->err + l->used, l->err_len - l->used, "line %d: %s\n", line, msg);
    if (w > 0)
        l->used += (size_t)w < l->err_len - l->used ? (size_t)w : l->err_len - l->used - 1;
}

static yaml_node_t *node(ld_t *l, int idx) {
    if (++l->visits > MAX_NODES)
        return NULL;
    return yaml_document_get_node(&l->doc, idx);
}

static const char *scalar(const yaml_node_t *n) {
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int line_of(const yaml_node_t *n) { return n ? (int)n->start_mark.line + 1 : 0; }

/* Value of key in a mapping node, NULL if absent. */
static yaml_node_t *map_get(ld_t *l, yaml_node_t *map, const char *key) {
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = scalar(node(l, p->key));
        if (k && strcmp(k, key) == 0)
            return node(l, p->value);
    }
    return NULL;
}

/* Reports keys of map not in the NULL-terminated list allowed. */
static void check_keys(ld_t *l, yaml_node_t *map, const char *what, const char *const *allowed) {
    if (map->data.mapping.pairs.top - map->data.mapping.pairs.start > 64) {
        lerr(l, map, "%s: too many keys", what);
        return;
    }
    for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < map->data.mapping.pairs.top; q++)
        for (yaml_node_pair_t *p = q + 1; p < map->data.mapping.pairs.top; p++) {
            const char *a = scalar(node(l, q->key)), *b = scalar(node(l, p->key));
            if (a && b && !strcmp(a, b))
                lerr(l, node(l, p->key), "%s: key '%s' appears twice", what, a);
        }
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *kn = node(l, p->key);
        const char *k = scalar(kn);
        if (!k) {
            lerr(l, kn, "%s: keys must be plain names", what);
            continue;
        }
        int ok = 0;
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = strcmp(allowed[i], k) == 0;
        if (!ok)
            lerr(l, kn, "%s: unknown key '%s'", what, k);
    }
}

static int parse_bool(ld_t *l, yaml_node_t *n, const char *what, int *out) {
    const char *s = scalar(n);
    if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"))) {
        *out = 1;
        return 0;
    }
    if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"))) {
        *out = 0;
        return 0;
    }
    lerr(l, n, "%s must be true or false", what);
    return -1;
}

static int parse_long(ld_t *l, yaml_node_t *n, const char *what, long lo, long hi, long *out) {
    const char *s = scalar(n);
    char *end = NULL;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || *end || v < lo || v > hi) {
        lerr(l, n, "%s must be a whole number from %ld to %ld", what, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

/* A string or a list of strings. */
static void parse_strlist(ld_t *l, yaml_node_t *n, const char *what, pol_strlist_t *out) {
    if (scalar(n)) {
        out->v = hd_calloc(1, sizeof *out->v);
        out->v[out->n++] = hd_strdup(scalar(n));
        return;
    }
    if (!n || n->type != YAML_SEQUENCE_NODE) {
        lerr(l, n, "%s must be a string or a list of strings", what);
        return;
    }
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    out->v = hd_calloc(cnt, sizeof *out->v);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *e = node(l, *it);
        const char *s = scalar(e);
        if (!s || !*s) {
            lerr(l, e ? e : n, "%s: every entry must be a non-empty string", what);
            continue;
        }
        out->v[out->n++] = hd_strdup(s);
    }
}

static void parse_scope(ld_t *l, yaml_node_t *n, pol_pscope_t *sc, const char *what) {
    static const char *const keys[] = {"channels", "departments", "kinds", NULL};
    if (!n || n->type != YAML_MAPPING_NODE) {
        lerr(l, n, "%s must be a mapping of channels / departments / kinds", what);
        return;
    }
    check_keys(l, n, what, keys);
    yaml_node_t *v;
    if ((v = map_get(l, n, "channels")))
        parse_strlist(l, v, "channels", &sc->channels);
    if ((v = map_get(l, n, "departments")))
        parse_strlist(l, v, "departments", &sc->departments);
    if ((v = map_get(l, n, "kinds")))
        parse_strlist(l, v, "kinds", &sc->kinds);
}

static int parse_match(ld_t *l, yaml_node_t *n, int *out) {
    const char *s = scalar(n);
    if (s && !strcmp(s, "word"))
        *out = POL_MATCH_WORD;
    else if (s && !strcmp(s, "prefix"))
        *out = POL_MATCH_PREFIX;
    else if (s && !strcmp(s, "substring"))
        *out = POL_MATCH_SUBSTRING;
    else if (s && !strcmp(s, "exact")) /* shorthand: whole word, exact case and accents */
        *out = POL_MATCH_WORD | 0x100;
    else {
        lerr(l, n, "match must be word, prefix, substring or exact");
        return -1;
    }
    return 0;
}

/* Terms: strings or {term, match, exact}, with the rule's defaults. */
static pol_pterm_t *parse_terms(ld_t *l, yaml_node_t *n, const char *what, int def_match,
                                int def_exact, int is_regex, size_t *count) {
    static const char *const keys[] = {"term", "match", "exact", NULL};
    *count = 0;
    if (scalar(n) && is_regex) {
        pol_pterm_t *t = hd_calloc(1, sizeof *t);
        t->text = hd_strdup(scalar(n));
        t->line = line_of(n);
        *count = 1;
        return t;
    }
    if (!n || n->type != YAML_SEQUENCE_NODE) {
        lerr(l, n, "%s must be a list", what);
        return NULL;
    }
    size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (cnt == 0)
        lerr(l, n, "%s must not be empty", what);
    l->items += cnt;
    if (l->items > MAX_ITEMS) {
        lerr(l, n, "too many terms and patterns (limit %d per policy)", MAX_ITEMS);
        return NULL;
    }
    pol_pterm_t *terms = hd_calloc(cnt, sizeof *terms);
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *e = node(l, *it);
        pol_pterm_t t = {.match = def_match, .exact = def_exact, .line = line_of(e ? e : n)};
        const char *s = scalar(e);
        if (!s && e && e->type == YAML_MAPPING_NODE && !is_regex) {
            check_keys(l, e, what, keys);
            s = scalar(map_get(l, e, "term"));
            yaml_node_t *v;
            if ((v = map_get(l, e, "match")) && parse_match(l, v, &t.match) == 0 &&
                (t.match & 0x100)) {
                t.match &= 0xff;
                t.exact = 1;
            }
            if ((v = map_get(l, e, "exact")))
                parse_bool(l, v, "exact", &t.exact);
        }
        if (!s || !*s) {
            lerr(l, e ? e : n, "%s: every entry must be a non-empty string%s", what,
                 is_regex ? "" : " or {term: ...}");
            continue;
        }
        if (strlen(s) > 1000) {
            lerr(l, e, "%s: entry longer than 1000 bytes", what);
            continue;
        }
        if (!is_regex) {
            char *f = pol_fold_string(s);
            int blank = 1;
            for (const char *p = f; p && *p && blank; p++)
                blank = isspace((unsigned char)*p);
            free(f);
            if (blank) {
                lerr(l, e, "%s: term '%s' is blank once folded", what, s);
                continue;
            }
        }
        t.text = hd_strdup(s);
        terms[(*count)++] = t;
    }
    return terms;
}

static const char *const s_kinds[POL_PK_COUNT] = {
    "lexicon", "pattern", "pii", "disclosure", "links", "limits", "author", "timing", "crisis"};
static const char *const s_pii[POL_PII_COUNT] = {"email", "phone", "card", "iban", "ssn"};

const char *pol_pkind_name(int kind) {
    return kind >= 0 && kind < POL_PK_COUNT ? s_kinds[kind] : "?";
}

const char *pol_paction_name(int action) {
    switch (action) {
    case POL_ACT_BLOCK:
        return "block";
    case POL_ACT_REVIEW:
        return "review";
    case POL_ACT_WARN:
        return "warn";
    default:
        return "info";
    }
}

const char *pol_pii_name(int d) { return d >= 0 && d < POL_PII_COUNT ? s_pii[d] : "?"; }

static int valid_name(const char *s, size_t max) {
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
            return 0;
    return 1;
}

/* action: block | warn | review | review(ROLE); role: may name the role. */
static void parse_action(ld_t *l, yaml_node_t *rn, pol_prule_t *r) {
    yaml_node_t *an = map_get(l, rn, "action"), *rolen = map_get(l, rn, "role");
    const char *a = scalar(an);
    char role[128] = "";
    if (!an) {
        if (r->kind == POL_PK_CRISIS) {
            a = "review";
        } else {
            lerr(l, rn, "action is required (block, warn or review(ROLE))");
            return;
        }
    }
    if (!a) {
        lerr(l, an, "action must be block, warn or review(ROLE)");
        return;
    }
    if (!strcmp(a, "block")) {
        r->action = POL_ACT_BLOCK;
    } else if (!strcmp(a, "warn")) {
        r->action = POL_ACT_WARN;
    } else if (!strncmp(a, "review", 6)) {
        r->action = POL_ACT_REVIEW;
        const char *p = a + 6;
        while (*p == ' ')
            p++;
        if (*p == '(') {
            const char *close = strchr(p, ')');
            size_t n = close ? (size_t)(close - p - 1) : 0;
            if (!close || close[1] || n == 0 || n >= sizeof role) {
                lerr(l, an, "action '%s': write review(ROLE), e.g. review(legal)", a);
                return;
            }
            memcpy(role, p + 1, n);
            role[n] = 0;
        } else if (*p) {
            lerr(l, an, "action '%s': write review(ROLE), e.g. review(legal)", a);
            return;
        }
    } else {
        lerr(l, an, "unknown action '%s' (block, warn or review(ROLE))", a);
        return;
    }
    if (rolen) {
        const char *rs = scalar(rolen);
        if (!rs || (role[0] && strcmp(rs, role) != 0)) {
            lerr(l, rolen, "role must be a string that agrees with the action");
            return;
        }
        snprintf(role, sizeof role, "%s", rs);
    }
    if (r->action == POL_ACT_REVIEW && !role[0]) {
        if (r->kind == POL_PK_CRISIS)
            snprintf(role, sizeof role, "crisis");
        else {
            lerr(l, an, "review needs a role: review(ROLE), e.g. review(legal)");
            return;
        }
    }
    if (role[0] && !valid_name(role, 64))
        lerr(l, rolen ? rolen : an, "role '%s' is not a valid role name", role);
    r->role = hd_strdup(r->action == POL_ACT_REVIEW ? role : "");
}

static void parse_severity(ld_t *l, yaml_node_t *rn, pol_prule_t *r) {
    yaml_node_t *n = map_get(l, rn, "severity");
    const char *s = scalar(n);
    if (!n) {
        r->severity = hd_strdup(r->action == POL_ACT_BLOCK    ? "high"
                                : r->action == POL_ACT_REVIEW ? "medium"
                                                              : "low");
        return;
    }
    if (!s ||
        (strcmp(s, "low") && strcmp(s, "medium") && strcmp(s, "high") && strcmp(s, "critical"))) {
        lerr(l, n, "severity must be low, medium, high or critical");
        r->severity = hd_strdup("medium");
        return;
    }
    r->severity = hd_strdup(s);
}

static void parse_lexicon(ld_t *l, yaml_node_t *rn, pol_prule_t *r) {
    int match = POL_MATCH_WORD, exact = 0;
    yaml_node_t *v;
    if ((v = map_get(l, rn, "match")) && parse_match(l, v, &match) == 0 && (match & 0x100)) {
        match &= 0xff;
        exact = 1;
    }
    if ((v = map_get(l, rn, "exact")))
        parse_bool(l, v, "exact", &exact);
    v = map_get(l, rn, "terms");
    if (!v) {
        lerr(l, rn, "lexicon needs terms");
        return;
    }
    r->terms = parse_terms(l, v, "terms", match, exact, 0, &r->nterms);
}

static void parse_pattern(ld_t *l, yaml_node_t *rn, pol_prule_t *r) {
    int cs = 0;
    yaml_node_t *v;
    if ((v = map_get(l, rn, "case_sensitive")))
        parse_bool(l, v, "case_sensitive", &cs);
    v = map_get(l, rn, "patterns");
    if (!v)
        v = map_get(l, rn, "pattern");
    if (!v) {
        lerr(l, rn, "pattern needs patterns (a list of regular expressions)");
        return;
    }
    r->terms = parse_terms(l, v, "patterns", POL_MATCH_SUBSTRING, cs, 1, &r->nterms);
}

static int pii_index(const char *s) {
    for (int i = 0; s && i < POL_PII_COUNT; i++)
        if (!strcmp(s, s_pii[i]))
            return i;
    return -1;
}

static void parse_pii(ld_t *l, yaml_node_t *rn, pol_prule_t *r) {
    yaml_node_t *v = map_get(l, rn, "detectors");
    r->detectors = (1u << POL_PII_COUNT) - 1;
    if (v) {
        pol_strlist_t d = {0};
        parse_strlist(l, v, "detectors", &d);
        r->detectors = 0;
        for (size_t i = 0; i < d.n; i++) {
            int k = pii_index(d.v[i]);
            if (k < 0)
                lerr(l, v, "unknown detector '%s' (email, phone, card, iban, ssn)", d.v[i]);
            else
                r->detectors |= 1u << k;
            free(d.v[i]);
        }
        free(d.v);
    }
    v = map_get(l, rn, "allow");
    if (!v)
        return;
    if (v->type != YAML_MAPPING_NODE) {
        lerr(l, v, "allow must map a detector to {channels, departments}");
        return;
    }
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = node(l, p->key);
        int k = pii_index(scalar(kn));
        if (k < 0) {
            lerr(l, kn, "allow: unknown detector '%s'", scalar(kn) ? scalar(kn) : "?");
            continue;
        }
        if (r->allow_set[k]) {
            lerr(l, kn, "allow: detector '%s' appears twice", s_pii[k]);
            continue;
        }
        parse_scope(l, node(l, p->value), &r->allow[k], "allow");
        r->allow_set[k] = 1;
    }
}

static void parse_disclosure(ld_t *l, yaml_node_t *rn, pol_prule_t *r) {
    static const char *const keys[] = {"sponsored", "partners", "campaigns", NULL};
    yaml_node_t *w = map_get(l, rn, "when"), *v;
    if (!w || w->type != YAML_MAPPING_NODE) {
        lerr(l, w ? w : rn, "disclosure needs when: {sponsored, partners, campaigns}");
    } else {
        check_keys(l, w, "when", keys);
        if ((v = map_get(l, w, "sponsored")))
            parse_bool(l, v, "sponsored", &r->when_sponsored);
        if ((v = map_get(l, w, "partners")))
            r->partners = parse_terms(l, v, "partners", POL_MATCH_WORD, 0, 0, &r->npartners);
        if ((v = map_get(l, w, "campaigns")))
            parse_strlist(l, v, "campaigns", &r->campaigns);
        if (!r->when_sponsored && !r->npartners && !r->campaigns.n)
            lerr(l, w, "when: give sponsored: true, partners or campaigns");
    }
    v = map_get(l, rn, "require");
    if (!v)
        lerr(l, rn, "disclosure needs require (the accepted disclosures, e.g. \"#ad\")");
    else
        r->required = parse_terms(l, v, "require", POL_MATCH_WORD, 0, 0, &r->nrequired);
}

static void domain_list(ld_t *l, yaml_node_t *v, const char *what, pol_strlist_t *out) {
    parse_strlist(l, v, what, out);
    for (size_t i = 0; i < out->n; i++) {
        char host[300];
        const char *d = out->v[i];
        if (!strncmp(d, "*.", 2))
            d += 2; /* a domain covers its subdomains anyway */
        if (pol_detect_host_normalize(d, strlen(d), host, sizeof host) < 0 || strchr(host, '/')) {
            lerr(l, v, "%s: '%s' is not a domain name", what, out->v[i]);
            continue;
        }
        free(out->v[i]);
        out->v[i] = hd_strdup(host);
    }
}

static void parse_links(ld_t *l, yaml_node_t *rn, pol_prule_t *r) {
    yaml_node_t *v;
    r->deny_shorteners = 1;
    r->report_links = 1;
    if ((v = map_get(l, rn, "allow")))
        domain_list(l, v, "allow", &r->allow_domains);
    if ((v = map_get(l, rn, "deny")))
        domain_list(l, v, "deny", &r->deny_domains);
    if ((v = map_get(l, rn, "deny_shorteners")))
        parse_bool(l, v, "deny_shorteners", &r->deny_shorteners);
    if ((v = map_get(l, rn, "report")))
        parse_bool(l, v, "report", &r->report_links);
}

static void parse_limits(ld_t *l, yaml_node_t *rn, pol_prule_t *r) {
    yaml_node_t *v;
    r->max_length = 0; /* the channel's own limit */
    r->max_hashtags = r->max_mentions = -1;
    if ((v = map_get(l, rn, "max_length")))
        parse_long(l, v, "max_length", 1, 1000000, &r->max_length);
    if ((v = map_get(l, rn, "max_hashtags")))
        parse_long(l, v, "max_hashtags", 0, 10000, &r->max_hashtags);
    if ((v = map_get(l, rn, "max_mentions")))
        parse_long(l, v, "max_mentions", 0, 10000, &r->max_mentions);
    (void)0;
}

static void parse_author(ld_t *l, yaml_node_t *rn, pol_prule_t *r) {
    yaml_node_t *v;
    r->require_certification = 1;
    r->allow_delegation = 1;
    if ((v = map_get(l, rn, "require_certification")))
        parse_bool(l, v, "require_certification", &r->require_certification);
    if ((v = map_get(l, rn, "allow_delegation")))
        parse_bool(l, v, "allow_delegation", &r->allow_delegation);
}

static void parse_timing(ld_t *l, yaml_node_t *rn, pol_prule_t *r) {
    static const char *const keys[] = {"days", "from", "to", NULL};
    yaml_node_t *v = map_get(l, rn, "windows");
    if (!v || v->type != YAML_SEQUENCE_NODE ||
        v->data.sequence.items.top == v->data.sequence.items.start) {
        lerr(l, v ? v : rn, "timing needs windows: a non-empty list of {days, from, to}");
        return;
    }
    size_t cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    r->windows = hd_calloc(cnt, sizeof *r->windows);
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        yaml_node_t *wn = node(l, *it);
        if (!wn || wn->type != YAML_MAPPING_NODE) {
            lerr(l, wn ? wn : v, "a window is a mapping {days, from, to}");
            continue;
        }
        check_keys(l, wn, "window", keys);
        pol_pwindow_t w = {.from_min = -1, .to_min = -1, .line = line_of(wn)};
        yaml_node_t *dn = map_get(l, wn, "days"), *fn = map_get(l, wn, "from"),
                    *tn = map_get(l, wn, "to");
        if (dn) {
            pol_strlist_t d = {0};
            parse_strlist(l, dn, "days", &d);
            for (size_t i = 0; i < d.n; i++) {
                int day = pol_ptime_day(d.v[i]);
                if (day < 0)
                    lerr(l, dn, "days: '%s' is not a day (mon ... sun)", d.v[i]);
                else
                    w.days |= 1u << day;
                free(d.v[i]);
            }
            free(d.v);
        }
        const char *fs = scalar(fn), *ts = scalar(tn);
        if ((fn && !fs) || (tn && !ts) || (!fs != !ts)) {
            lerr(l, wn, "window: from and to go together, both strings");
            continue;
        }
        if (fs && strlen(fs) > 5) { /* an absolute window: dates */
            int d1, d2;
            if (dn)
                lerr(l, wn, "window: days do not combine with dated from/to");
            if (pol_ptime_parse_date(fs, &w.abs_from, &d1) < 0 ||
                pol_ptime_parse_date(ts, &w.abs_to, &d2) < 0) {
                lerr(l, wn, "window: from/to must be YYYY-MM-DD[THH:MM] or HH:MM");
                continue;
            }
            if (d2)
                w.abs_to += 24 * 60; /* a date alone includes the whole day */
            if (w.abs_to <= w.abs_from)
                lerr(l, wn, "window: to must come after from");
            w.absolute = 1;
        } else if (fs) {
            if (pol_ptime_parse_hhmm(fs, &w.from_min) < 0 ||
                pol_ptime_parse_hhmm(ts, &w.to_min) < 0 || w.from_min == w.to_min) {
                lerr(l, wn, "window: from/to must be distinct times HH:MM (24 h)");
                continue;
            }
        } else if (!dn) {
            lerr(l, wn, "window: give days, from/to, or both");
            continue;
        }
        r->windows[r->nwindows++] = w;
    }
}

/* Keys every rule may have, then the keys of each kind. */
static const char *const s_common_keys[] = {"id",     "kind", "description", "severity",
                                            "action", "role", "message",     "scope"};
static const char *const s_kind_keys[POL_PK_COUNT][6] = {
    [POL_PK_LEXICON] = {"terms", "match", "exact"},
    [POL_PK_PATTERN] = {"patterns", "pattern", "case_sensitive"},
    [POL_PK_PII] = {"detectors", "allow"},
    [POL_PK_DISCLOSURE] = {"when", "require"},
    [POL_PK_LINKS] = {"allow", "deny", "deny_shorteners", "report"},
    [POL_PK_LIMITS] = {"max_length", "max_hashtags", "max_mentions"},
    [POL_PK_AUTHOR] = {"require_certification", "allow_delegation"},
    [POL_PK_TIMING] = {"windows"},
    [POL_PK_CRISIS] = {0},
};

static void parse_rule(ld_t *l, yaml_node_t *rn, pol_pmodel_t *m) {
    pol_prule_t *r = &m->rules[m->nrules];
    r->line = line_of(rn);
    r->max_length = r->max_hashtags = r->max_mentions = -1;
    if (!rn || rn->type != YAML_MAPPING_NODE) {
        lerr(l, rn, "a rule is a mapping with id, kind, action, ...");
        return;
    }
    yaml_node_t *idn = map_get(l, rn, "id"), *kn = map_get(l, rn, "kind");
    const char *id = scalar(idn);
    if (!id || !valid_name(id, 100)) {
        lerr(l, idn ? idn : rn, "rule id must be 1-100 of [A-Za-z0-9._-]");
        return;
    }
    for (size_t i = 0; i < m->nrules; i++)
        if (!strcmp(m->rules[i].id, id)) {
            lerr(l, idn, "rule id '%s' is already used on line %d", id, m->rules[i].line);
            return;
        }
    r->id = hd_strdup(id);
    l->rule = r->id;
    m->nrules++; /* from here on, pol_pmodel_free owns what r holds */
    const char *k = scalar(kn);
    r->kind = -1;
    for (int i = 0; k && i < POL_PK_COUNT; i++)
        if (!strcmp(k, s_kinds[i]))
            r->kind = i;
    if (r->kind < 0) {
        lerr(l, kn ? kn : rn,
             "unknown kind '%s' (lexicon, pattern, pii, disclosure, links, "
             "limits, author, timing, crisis)",
             k ? k : "");
        r->kind = POL_PK_CRISIS; /* keeps the rest of the checks meaningful */
        l->rule = NULL;
        return;
    }
    const char *allowed[16];
    size_t na = 0;
    for (size_t i = 0; i < sizeof s_common_keys / sizeof *s_common_keys; i++)
        allowed[na++] = s_common_keys[i];
    for (size_t i = 0; i < 6 && s_kind_keys[r->kind][i]; i++)
        allowed[na++] = s_kind_keys[r->kind][i];
    allowed[na] = NULL;
    check_keys(l, rn, "rule", allowed);
    parse_action(l, rn, r);
    if (!r->role)
        r->role = hd_strdup("");
    parse_severity(l, rn, r);
    yaml_node_t *v;
    r->description = hd_strdup(scalar(map_get(l, rn, "description")));
    v = map_get(l, rn, "message");
    if (v && !scalar(v))
        lerr(l, v, "message must be a string");
    r->message = hd_strdup(scalar(v));
    if ((v = map_get(l, rn, "scope")))
        parse_scope(l, v, &r->scope, "scope");
    switch (r->kind) {
    case POL_PK_LEXICON:
        parse_lexicon(l, rn, r);
        break;
    case POL_PK_PATTERN:
        parse_pattern(l, rn, r);
        break;
    case POL_PK_PII:
        parse_pii(l, rn, r);
        break;
    case POL_PK_DISCLOSURE:
        parse_disclosure(l, rn, r);
        break;
    case POL_PK_LINKS:
        parse_links(l, rn, r);
        break;
    case POL_PK_LIMITS:
        parse_limits(l, rn, r);
        break;
    case POL_PK_AUTHOR:
        parse_author(l, rn, r);
        break;
    case POL_PK_TIMING:
        parse_timing(l, rn, r);
        break;
    default:
        break;
    }
    l->rule = NULL;
}

static void parse_channels(ld_t *l, yaml_node_t *n, pol_pmodel_t *m) {
    static const char *const keys[] = {"counting", "max_length", NULL};
    if (n->type != YAML_MAPPING_NODE) {
        lerr(l, n, "channels must map a channel id to {counting, max_length}");
        return;
    }
    size_t cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    m->channels = hd_calloc(cnt, sizeof *m->channels);
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = node(l, p->key), *vn = node(l, p->value);
        const char *id = scalar(kn);
        if (!id || !*id || !vn || vn->type != YAML_MAPPING_NODE) {
            lerr(l, kn, "channels: each entry is CHANNEL: {counting, max_length}");
            continue;
        }
        check_keys(l, vn, "channel", keys);
        pol_pchannel_t *c = &m->channels[m->nchannels++];
        c->id = hd_strdup(id);
        yaml_node_t *v;
        if ((v = map_get(l, vn, "counting"))) {
            const char *s = scalar(v);
            if (!s || (strcmp(s, "mastodon") && strcmp(s, "x") && strcmp(s, "plain") &&
                       strcmp(s, "bytes")))
                lerr(l, v, "counting must be mastodon, x, plain or bytes");
            else
                c->counting = hd_strdup(s);
        }
        if ((v = map_get(l, vn, "max_length")))
            parse_long(l, v, "max_length", 1, 1000000, &c->max_length);
    }
}

static void parse_top(ld_t *l, yaml_node_t *root, pol_pmodel_t *m) {
    static const char *const keys[] = {"name",     "description", "timezone",
                                       "channels", "rules",       NULL};
    if (!root || root->type != YAML_MAPPING_NODE) {
        lerr(l, root, "a policy is a mapping with name, timezone, channels and rules");
        return;
    }
    check_keys(l, root, "policy", keys);
    yaml_node_t *v;
    m->name = hd_strdup(scalar(map_get(l, root, "name")));
    v = map_get(l, root, "timezone");
    m->timezone = hd_strdup(v ? scalar(v) : "UTC");
    if (v && (!scalar(v) || !pol_ptime_zone_valid(scalar(v))))
        lerr(l, v, "timezone '%s' is not a known IANA time zone", scalar(v) ? scalar(v) : "");
    if ((v = map_get(l, root, "channels")))
        parse_channels(l, v, m);
    v = map_get(l, root, "rules");
    if (!v || v->type != YAML_SEQUENCE_NODE) {
        lerr(l, v ? v : root, "rules must be a list of rules");
        return;
    }
    size_t cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (cnt > MAX_RULES) {
        lerr(l, v, "too many rules (limit %d)", MAX_RULES);
        return;
    }
    m->rules = hd_calloc(cnt, sizeof *m->rules);
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
        parse_rule(l, node(l, *it), m);
}

pol_pmodel_t *pol_pmodel_parse(const char *source, size_t len, char *err, size_t err_len) {
    ld_t l = {.err = err, .err_len = err_len};
    if (err && err_len)
        err[0] = 0;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        abort();
    yaml_parser_set_input_string(&parser, (const unsigned char *)source, len);
    if (!yaml_parser_load(&parser, &l.doc)) {
        yaml_node_t at = {.start_mark = parser.problem_mark};
        lerr(&l, &at, "YAML syntax: %s%s%s", parser.problem ? parser.problem : "error",
             parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return NULL;
    }
    yaml_parser_delete(&parser);
    pol_pmodel_t *m = hd_calloc(1, sizeof *m);
    yaml_node_t *root = yaml_document_get_root_node(&l.doc);
    if (!root)
        lerr(&l, NULL, "the policy file is empty");
    else
        parse_top(&l, root, m);
    if (l.visits > MAX_NODES)
        lerr(&l, root, "the document is too large or uses too many aliases");
    yaml_document_delete(&l.doc);
    if (l.nerr) {
        pol_pmodel_free(&m);
        return NULL;
    }
    return m;
}

static void strlist_free(pol_strlist_t *s) {
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

static void scope_free(pol_pscope_t *s) {
    strlist_free(&s->channels);
    strlist_free(&s->departments);
    strlist_free(&s->kinds);
}

static void terms_free(pol_pterm_t *t, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(t[i].text);
    free(t);
}

void pol_pmodel_free(pol_pmodel_t **self_p) {
    if (!self_p || !*self_p)
        return;
    pol_pmodel_t *m = *self_p;
    for (size_t i = 0; i < m->nrules; i++) {
        pol_prule_t *r = &m->rules[i];
        free(r->id), free(r->description), free(r->message), free(r->severity), free(r->role);
        scope_free(&r->scope);
        terms_free(r->terms, r->nterms);
        for (int k = 0; k < POL_PII_COUNT; k++)
            scope_free(&r->allow[k]);
        terms_free(r->partners, r->npartners);
        strlist_free(&r->campaigns);
        terms_free(r->required, r->nrequired);
        strlist_free(&r->allow_domains);
        strlist_free(&r->deny_domains);
        free(r->windows);
    }
    free(m->rules);
    for (size_t i = 0; i < m->nchannels; i++) {
        free(m->channels[i].id);
        free(m->channels[i].counting);
    }
    free(m->channels);
    free(m->name);
    free(m->timezone);
    free(m);
    *self_p = NULL;
}

static int in_list(const pol_strlist_t *l, const char *s) {
    if (l->n == 0)
        return 1;
    for (size_t i = 0; s && i < l->n; i++)
        if (!strcmp(l->v[i], s))
            return 1;
    return 0;
}

int pol_pscope_match(const pol_pscope_t *sc, const char *channel, const char *department,
                     const char *kind) {
    return in_list(&sc->channels, channel) && in_list(&sc->departments, department) &&
           in_list(&sc->kinds, kind ? kind : "post");
}
