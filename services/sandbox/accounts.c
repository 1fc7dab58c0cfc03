/*  accounts: handle:token pairs and bearer-token lookup (see accounts.h). */
#include "accounts.h"
#include "hd_mem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    char *handle;
    char *token;
} account_t;

struct sb_accounts {
    account_t *list;
    size_t count, cap;
};

static int valid_handle(const char *h, size_t n) {
    if (n == 0 || n > 30)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)h[i]) && !strchr("_.-", h[i]))
            return 0;
    return 1;
}

static int valid_token(const char *t, size_t n) {
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (isspace((unsigned char)t[i]) || t[i] == ':')
            return 0;
    return 1;
}

/* Adds "handle:token" (n bytes at p). -1 with err set on bad input. */
static int add_entry(sb_accounts_t *self, const char *p, size_t n, char *err, size_t err_len) {
    const char *colon = memchr(p, ':', n);
    if (!colon) {
        snprintf(err, err_len, "entry '%.*s' is not handle:token", (int)n, p);
        return -1;
    }
    size_t hlen = (size_t)(colon - p), tlen = n - hlen - 1;
    if (!valid_handle(p, hlen)) {
        snprintf(err, err_len, "handle '%.*s' must be 1-30 of A-Z a-z 0-9 _ . -", (int)hlen, p);
        return -1;
    }
    if (!valid_token(colon + 1, tlen)) {
        snprintf(err, err_len, "token of '%.*s' is empty or has spaces or ':'", (int)hlen, p);
        return -1;
    }
    account_t a = {hd_strndup(p, hlen), hd_strndup(colon + 1, tlen)};
    for (size_t i = 0; i < self->count; i++) {
        if (strcmp(self->list[i].handle, a.handle) == 0 ||
            strcmp(self->list[i].token, a.token) == 0) {
            snprintf(err, err_len, "handle or token of '%s' given twice", a.handle);
            free(a.handle);
            free(a.token);
            return -1;
        }
    }
    self->list = hd_grow(self->list, &self->cap, self->count + 1, sizeof *self->list);
    self->list[self->count++] = a;
    return 0;
}

sb_accounts_t *sb_accounts_parse(const char *spec, char *err, size_t err_len) {
    if (!spec) {
        snprintf(err, err_len, "no accounts given");
        return NULL;
    }
    sb_accounts_t *self = hd_calloc(1, sizeof *self);
    const char *p = spec;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n > 0 && p[n - 1] == ' ')
            n--;
        if (n > 0 && add_entry(self, p, n, err, err_len) < 0) {
            sb_accounts_destroy(&self);
            return NULL;
        }
        if (!end)
            break;
        p = end + 1;
    }
    if (self->count == 0) {
        snprintf(err, err_len, "no accounts given");
        sb_accounts_destroy(&self);
        return NULL;
    }
    return self;
}

void sb_accounts_destroy(sb_accounts_t **self_p) {
    if (!self_p || !*self_p)
        return;
    sb_accounts_t *self = *self_p;
    *self_p = NULL;
    for (size_t i = 0; i < self->count; i++) {
        free(self->list[i].handle);
        free(self->list[i].token);
    }
    free(self->list);
    free(self);
}

const char *sb_accounts_authorize(const sb_accounts_t *self, const char *authorization) {
    if (!self || !authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
        return NULL;
    const char *token = authorization + 7;
    while (*token == ' ')
        token++;
    for (size_t i = 0; i < self->count; i++)
        if (strcmp(self->list[i].token, token) == 0)
            return self->list[i].handle;
    return NULL;
}

int sb_accounts_has(const sb_accounts_t *self, const char *handle) {
    for (size_t i = 0; self && handle && i < self->count; i++)
        if (strcmp(self->list[i].handle, handle) == 0)
            return 1;
    return 0;
}

size_t sb_accounts_count(const sb_accounts_t *self) { return self ? self->count : 0; }
