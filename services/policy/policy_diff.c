/*  policy_diff: semantic diff of two policies through a canonical JSON
    form of each rule. */
#include "policy_diff.h"

#include "hd_mem.h"
#include "policy_model.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *strlist(const pol_strlist_t *l) {
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, json_string(l->v[i]));
    return a;
}

static json_t *terms(const pol_pterm_t *t, size_t n) {
    static const char *const modes[] = {"word", "prefix", "substring"};
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        char buf[1200];
        snprintf(buf, sizeof buf, "%s%s%s%s", t[i].text,
                 t[i].match != POL_MATCH_WORD || t[i].exact ? " (" : "",
                 t[i].match != POL_MATCH_WORD ? modes[t[i].match % 3]
                 : t[i].exact                 ? "exact"
                                              : "",
                 t[i].match != POL_MATCH_WORD || t[i].exact ? ")" : "");
        json_array_append_new(a, json_string(buf));
    }
    return a;
}

static json_t *scope(const pol_pscope_t *s) {
    return json_pack("{s:o, s:o, s:o}", "channels", strlist(&s->channels), "departments",
                     strlist(&s->departments), "kinds", strlist(&s->kinds));
}

static json_t *rule_json(const pol_prule_t *r) {
    char action[160];
    snprintf(action, sizeof action, "%s%s%s%s", pol_paction_name(r->action), r->role[0] ? "(" : "",
             r->role, r->role[0] ? ")" : "");
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "kind", pol_pkind_name(r->kind),
                          "description", r->description, "severity", r->severity, "action", action,
                          "message", r->message, "scope", scope(&r->scope));
    switch (r->kind) {
    case POL_PK_LEXICON:
        json_object_set_new(o, "terms", terms(r->terms, r->nterms));
        break;
    case POL_PK_PATTERN:
        json_object_set_new(o, "patterns", terms(r->terms, r->nterms));
        break;
    case POL_PK_PII: {
        json_t *d = json_array(), *allow = json_object();
        for (int k = 0; k < POL_PII_COUNT; k++) {
            if (r->detectors & (1u << k))
                json_array_append_new(d, json_string(pol_pii_name(k)));
            if (r->allow_set[k])
                json_object_set_new(allow, pol_pii_name(k), scope(&r->allow[k]));
        }
        json_object_set_new(o, "detectors", d);
        json_object_set_new(o, "allow", allow);
        break;
    }
    case POL_PK_DISCLOSURE:
        json_object_set_new(o, "when.sponsored", json_boolean(r->when_sponsored));
        json_object_set_new(o, "when.partners", terms(r->partners, r->npartners));
        json_object_set_new(o, "when.campaigns", strlist(&r->campaigns));
        json_object_set_new(o, "require", terms(r->required, r->nrequired));
        break;
    case POL_PK_LINKS:
        json_object_set_new(o, "allow", strlist(&r->allow_domains));
        json_object_set_new(o, "deny", strlist(&r->deny_domains));
        json_object_set_new(o, "deny_shorteners", json_boolean(r->deny_shorteners));
        json_object_set_new(o, "report", json_boolean(r->report_links));
        break;
    case POL_PK_LIMITS:
        json_object_set_new(o, "max_length", json_integer(r->max_length));
        json_object_set_new(o, "max_hashtags", json_integer(r->max_hashtags));
        json_object_set_new(o, "max_mentions", json_integer(r->max_mentions));
        break;
    case POL_PK_AUTHOR:
        json_object_set_new(o, "require_certification", json_boolean(r->require_certification));
        json_object_set_new(o, "allow_delegation", json_boolean(r->allow_delegation));
        break;
    case POL_PK_TIMING: {
        json_t *w = json_array();
        for (size_t i = 0; i < r->nwindows; i++) {
            const pol_pwindow_t *x = &r->windows[i];
            char buf[128];
            if (x->absolute)
                snprintf(buf, sizeof buf, "minute %lld to %lld (local)", (long long)x->abs_from,
                         (long long)x->abs_to);
            else
                snprintf(buf, sizeof buf, "days 0x%02x %02d:%02d-%02d:%02d", x->days,
                         x->from_min < 0 ? 0 : x->from_min / 60,
                         x->from_min < 0 ? 0 : x->from_min % 60,
                         x->to_min < 0 ? 24 : x->to_min / 60, x->to_min < 0 ? 0 : x->to_min % 60);
            json_array_append_new(w, json_string(buf));
        }
        json_object_set_new(o, "windows", w);
        break;
    }
    default:
        break;
    }
    return o;
}

static const pol_prule_t *find_rule(const pol_pmodel_t *m, const char *id) {
    for (size_t i = 0; i < m->nrules; i++)
        if (!strcmp(m->rules[i].id, id))
            return &m->rules[i];
    return NULL;
}

static int array_has(json_t *a, json_t *v) {
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x) if (json_equal(x, v)) return 1;
    return 0;
}

/* Prints the changed keys of one rule; returns how many. */
static int diff_rule(FILE *out, const char *id, json_t *a, json_t *b) {
    int n = 0;
    const char *key;
    json_t *va;
    json_object_foreach(a, key, va) {
        json_t *vb = json_object_get(b, key);
        if (vb && json_equal(va, vb))
            continue;
        n++;
        if (json_is_array(va) && json_is_array(vb)) {
            fprintf(out, "~ rule %s: %s:", id, key);
            size_t i;
            json_t *x;
            json_array_foreach(vb, i, x) if (!array_has(va, x)) {
                char *s = json_dumps(x, JSON_ENCODE_ANY);
                fprintf(out, " +%s", s);
                free(s);
            }
            json_array_foreach(va, i, x) if (!array_has(vb, x)) {
                char *s = json_dumps(x, JSON_ENCODE_ANY);
                fprintf(out, " -%s", s);
                free(s);
            }
            fprintf(out, "\n");
        } else {
            char *sa = json_dumps(va, JSON_ENCODE_ANY | JSON_COMPACT);
            char *sb = vb ? json_dumps(vb, JSON_ENCODE_ANY | JSON_COMPACT) : hd_strdup("(none)");
            fprintf(out, "~ rule %s: %s: %s -> %s\n", id, key, sa, sb);
            free(sa);
            free(sb);
        }
    }
    return n;
}

static int diff_models(const pol_pmodel_t *a, const pol_pmodel_t *b, FILE *out) {
    int n = 0;
    if (strcmp(a->name, b->name))
        n++, fprintf(out, "~ name: \"%s\" -> \"%s\"\n", a->name, b->name);
    if (strcmp(a->timezone, b->timezone))
        n++, fprintf(out, "~ timezone: %s -> %s\n", a->timezone, b->timezone);
    for (size_t i = 0; i < b->nchannels; i++) {
        const pol_pchannel_t *cb = &b->channels[i], *ca = NULL;
        for (size_t j = 0; j < a->nchannels; j++)
            if (!strcmp(a->channels[j].id, cb->id))
                ca = &a->channels[j];
        const char *ka = ca && ca->counting ? ca->counting : "-",
                   *kb = cb->counting ? cb->counting : "-";
        long la = ca ? ca->max_length : 0;
        if (!ca || strcmp(ka, kb) || la != cb->max_length)
            n++, fprintf(out,
                         "~ channel %s: counting %s, max_length %ld -> counting %s, "
                         "max_length %ld\n",
                         cb->id, ka, la, kb, cb->max_length);
    }
    for (size_t i = 0; i < a->nrules; i++)
        if (!find_rule(b, a->rules[i].id))
            n++, fprintf(out, "- rule %s (%s, %s)\n", a->rules[i].id,
                         pol_pkind_name(a->rules[i].kind), pol_paction_name(a->rules[i].action));
    for (size_t i = 0; i < b->nrules; i++) {
        const pol_prule_t *rb = &b->rules[i], *ra = find_rule(a, rb->id);
        if (!ra) {
            n++, fprintf(out, "+ rule %s (%s, %s%s%s%s)\n", rb->id, pol_pkind_name(rb->kind),
                         pol_paction_name(rb->action), rb->role[0] ? "(" : "", rb->role,
                         rb->role[0] ? ")" : "");
            continue;
        }
        json_t *ja = rule_json(ra), *jb = rule_json(rb);
        n += diff_rule(out, rb->id, ja, jb);
        json_decref(ja);
        json_decref(jb);
    }
    return n;
}

int pol_diff(const char *a, size_t alen, const char *b, size_t blen, FILE *out, char *err,
             size_t err_len) {
    char e[2048];
    pol_pmodel_t *ma = pol_pmodel_parse(a, alen, e, sizeof e);
    if (!ma) {
        snprintf(err, err_len, "first policy:\n%s", e);
        return -1;
    }
    pol_pmodel_t *mb = pol_pmodel_parse(b, blen, e, sizeof e);
    if (!mb) {
        snprintf(err, err_len, "second policy:\n%s", e);
        pol_pmodel_free(&ma);
        return -1;
    }
    int n = diff_models(ma, mb, out);
    pol_pmodel_free(&ma);
    pol_pmodel_free(&mb);
    return n;
}
