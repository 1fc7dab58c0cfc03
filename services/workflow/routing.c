/*  routing: keyword rules for inbound mentions. */
#include "routing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_word(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c >= 0x80;
}

static unsigned char lower(unsigned char c) {
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static int same_at(const unsigned char *t, const unsigned char *k, size_t klen) {
    for (size_t i = 0; i < klen; i++)
        if (lower(t[i]) != lower(k[i]))
            return 0;
    return 1;
}

int wf_routing_word_match(const char *text, const char *keyword) {
    if (!text || !keyword || !*keyword)
        return 0;
    if (strcmp(keyword, "*") == 0)
        return 1;
    const unsigned char *t = (const unsigned char *)text, *k = (const unsigned char *)keyword;
    size_t tlen = strlen(text), klen = strlen(keyword);
    int need_left = is_word(k[0]), need_right = is_word(k[klen - 1]);
    for (size_t i = 0; i + klen <= tlen; i++) {
        if (!same_at(t + i, k, klen))
            continue;
        if (need_left && i > 0 && is_word(t[i - 1]))
            continue;
        if (need_right && i + klen < tlen && is_word(t[i + klen]))
            continue;
        return 1;
    }
    return 0;
}

int wf_routing_match(const wf_rule_t *rules, size_t n, const char *channel, const char *text) {
    for (size_t i = 0; i < n; i++) {
        const wf_rule_t *r = &rules[i];
        if (r->channel && *r->channel && (!channel || strcmp(r->channel, channel) != 0))
            continue;
        for (size_t k = 0; k < r->nkeywords; k++)
            if (wf_routing_word_match(text, r->keywords[k]))
                return (int)i;
    }
    return -1;
}

/* Builds the rule list over the rows of `res` (one row per rule keyword,
   in rule order); the strings stay in res. Caller frees rules and words. */
static size_t build_rules(PGresult *res, wf_rule_t **rules_out, const char ***words_out) {
    int rows = PQntuples(res);
    wf_rule_t *rules = calloc((size_t)rows + 1, sizeof *rules);
    const char **words = calloc((size_t)rows + 1, sizeof *words);
    if (!rules || !words)
        abort();
    size_t n = 0;
    for (int i = 0; i < rows; i++) {
        const char *id = PQgetvalue(res, i, 0);
        if (n == 0 || strcmp(rules[n - 1].id, id) != 0) {
            rules[n].id = id;
            rules[n].channel = PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1);
            rules[n].department = PQgetvalue(res, i, 2);
            rules[n].keywords = &words[i];
            n++;
        }
        words[i] = PQgetvalue(res, i, 3);
        rules[n - 1].nkeywords++;
    }
    *rules_out = rules;
    *words_out = words;
    return n;
}

int wf_routing_route(hd_db_t *db, const char *channel, const char *text, char *rule_id,
                     size_t rule_len, char *department, size_t dept_len) {
    PGresult *res = hd_db_exec(db,
                               "SELECT r.id, r.channel_id, r.department_id, k.kw "
                               "FROM routing_rule r, unnest(r.keywords) WITH ORDINALITY "
                               "AS k(kw, i) ORDER BY r.priority, r.id, k.i",
                               0, NULL);
    if (!res)
        return -1;
    wf_rule_t *rules;
    const char **words;
    size_t n = build_rules(res, &rules, &words);
    int hit = wf_routing_match(rules, n, channel, text);
    snprintf(rule_id, rule_len, "%s", hit >= 0 ? rules[hit].id : WF_UNROUTED);
    snprintf(department, dept_len, "%s", hit >= 0 ? rules[hit].department : WF_UNROUTED);
    free(rules);
    free(words);
    PQclear(res);
    return hit >= 0 ? 0 : 1;
}
