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

/* 1 if dept is one of list[0..n), or the list is empty. */
static int allowed(const char *dept, char *const *list, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (list[i] && strcmp(list[i], dept) == 0)
            return 1;
    return n == 0;
}

int wf_routing_match(const wf_rule_t *rules, size_t n, const char *channel, const char *text,
                     char *const *departments, size_t ndepartments) {
    for (size_t i = 0; i < n; i++) {
        const wf_rule_t *r = &rules[i];
        if (r->channel && *r->channel && (!channel || strcmp(r->channel, channel) != 0))
            continue;
        if (!allowed(r->department, departments, ndepartments))
            continue;
        for (size_t k = 0; k < r->nkeywords; k++)
            if (wf_routing_word_match(text, r->keywords[k]))
                return (int)i;
    }
    return -1;
}
