/*  accounts: handle:token pairs and bearer-token lookup (see accounts.h). */
#include "accounts.h"
#include "hd_mem.h"

#include <ctype.h>
#include <inttypes.h>
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

const char *sb_accounts_handle(const sb_accounts_t *self, size_t i) {
    return self && i < self->count ? self->list[i].handle : NULL;
}

const char *sb_accounts_token(const sb_accounts_t *self, size_t i) {
    return self && i < self->count ? self->list[i].token : NULL;
}

const char *sb_accounts_find(const sb_accounts_t *self, const char *name, size_t n) {
    const char *folded = NULL;
    for (size_t i = 0; self && i < self->count; i++) {
        const char *h = self->list[i].handle;
        if (strlen(h) != n)
            continue;
        if (strncmp(h, name, n) == 0)
            return h;
        if (!folded && strncasecmp(h, name, n) == 0)
            folded = h;
    }
    return folded;
}

int sb_accounts_merge(sb_accounts_t *self, const sb_accounts_t *other, char *err, size_t err_len) {
    for (size_t i = 0; other && i < other->count; i++) {
        const account_t *a = &other->list[i];
        int same = 0;
        for (size_t k = 0; k < self->count && !same; k++) {
            int handle = strcmp(self->list[k].handle, a->handle) == 0;
            int token = strcmp(self->list[k].token, a->token) == 0;
            if (handle != token) {
                snprintf(err, err_len,
                         "account '%s' is given twice with different tokens, or its "
                         "token is another account's",
                         a->handle);
                return -1;
            }
            same = handle;
        }
        if (same)
            continue;
        self->list = hd_grow(self->list, &self->cap, self->count + 1, sizeof *self->list);
        self->list[self->count++] = (account_t){hd_strdup(a->handle), hd_strdup(a->token)};
    }
    return 0;
}

void sb_account_id(const char *handle, char out[SB_ACCOUNT_ID_LEN]) {
    uint64_t h = 0xCBF29CE484222325ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)handle; *p; p++)
        h = (h ^ *p) * 0x100000001B3ULL;
    /* 52 bits: a number JavaScript clients read exactly; never 0. */
    snprintf(out, SB_ACCOUNT_ID_LEN, "%" PRIu64, (h >> 12) + 1);
}
