/*  route: matching a request against the API's route tables (route.h). */
#include "route.h"

#include <stdio.h>
#include <string.h>

static const struct {
    ing_scope_t bit;
    const char *name;
} s_scopes[] = {{ING_SCOPE_READ, "read"},
                {ING_SCOPE_SUBMIT, "submit"},
                {ING_SCOPE_DECIDE, "decide"},
                {ING_SCOPE_ADMIN, "admin"},
                {ING_SCOPE_INBOUND, "inbound"}};
#define NSCOPES (sizeof s_scopes / sizeof s_scopes[0])

const char *ing_scope_name(ing_scope_t s) {
    for (size_t i = 0; i < NSCOPES; i++)
        if (s_scopes[i].bit == s)
            return s_scopes[i].name;
    return NULL;
}

ing_scope_t ing_scope_parse(const char *name) {
    for (size_t i = 0; name && i < NSCOPES; i++)
        if (strcmp(s_scopes[i].name, name) == 0)
            return s_scopes[i].bit;
    return ING_SCOPE_NONE;
}

/* 1 if path matches pattern segment by segment ({x} takes one non-empty
   segment, copied into params when they are given). */
static int path_match(const char *pattern, const char *path, ing_call_t *call) {
    int np = 0;
    while (*pattern && *path) {
        if (*pattern != '/' || *path != '/')
            return 0;
        pattern++;
        path++;
        const char *pe = strchr(pattern, '/'), *se = strchr(path, '/');
        size_t pn = pe ? (size_t)(pe - pattern) : strlen(pattern);
        size_t sn = se ? (size_t)(se - path) : strlen(path);
        if (pn >= 2 && pattern[0] == '{' && pattern[pn - 1] == '}') {
            if (sn == 0 || sn >= ING_ROUTE_PARAM_LEN || np >= ING_ROUTE_MAX_PARAMS)
                return 0;
            if (call)
                snprintf(call->params[np], ING_ROUTE_PARAM_LEN, "%.*s", (int)sn, path);
            np++;
        } else if (pn != sn || strncmp(pattern, path, pn) != 0)
            return 0;
        pattern += pn;
        path += sn;
    }
    if (*pattern || *path)
        return 0;
    if (call)
        call->nparams = np;
    return 1;
}

ing_route_result_t ing_route_match(const ing_route_t *const *tables, const char *method,
                                   const char *path, const ing_route_t **out, ing_call_t *call,
                                   char *allow, size_t allow_len) {
    int path_seen = 0;
    if (allow && allow_len)
        allow[0] = 0;
    for (size_t t = 0; tables[t]; t++)
        for (const ing_route_t *r = tables[t]; r->method; r++) {
            if (!path_match(r->pattern, path, NULL))
                continue;
            if (strcmp(r->method, method) == 0 ||
                (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0)) {
                path_match(r->pattern, path, call);
                *out = r;
                return ING_ROUTE_FOUND;
            }
            if (allow && !strstr(allow, r->method)) {
                size_t used = strlen(allow);
                snprintf(allow + used, allow_len - used, "%s%s", used ? ", " : "", r->method);
            }
            path_seen = 1;
        }
    return path_seen ? ING_ROUTE_NO_METHOD : ING_ROUTE_NO_PATH;
}
