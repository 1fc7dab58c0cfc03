/*  auth: API tokens to people and integrations. */
#include "auth.h"

#include "hd_db.h"
#include "route.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* One token's holder. The update notes the token's use at most once a
   minute, in the same round trip. */
static const char *TOKEN_SQL =
    "WITH t AS (SELECT t.id, t.person_id, t.scopes, t.integration, t.channels, t.departments, "
    "                  t.last_used_at "
    "             FROM api_token t LEFT JOIN person p ON p.id = t.person_id "
    "            WHERE t.hash = sha256(convert_to($1, 'UTF8')) AND t.revoked_at IS NULL "
    "              AND (t.expires_at IS NULL OR t.expires_at > now()) "
    "              AND (t.person_id IS NULL OR p.active)), " ING_AUTH_NOTE_USE(
        "SELECT id FROM t") "SELECT t.id, coalesce(p.id::text, ''), coalesce(p.email, ''), "
                            "coalesce(p.department_id, ''), "
                            "       coalesce((SELECT string_agg(r.role, ',' ORDER BY r.role) FROM "
                            "person_role r "
                            "                  WHERE r.person_id = p.id), ''), "
                            "       array_to_string(t.scopes, ','), coalesce(t.integration, ''), "
                            "       array_to_string(t.channels, ','), "
                            "array_to_string(t.departments, ',') "
                            "  FROM t LEFT JOIN person p ON p.id = t.person_id";

static const char *EMAIL_SQL =
    "SELECT '', p.id, p.email, p.department_id, "
    "       coalesce((SELECT string_agg(r.role, ',' ORDER BY r.role) FROM person_role r "
    "                  WHERE r.person_id = p.id), ''), "
    "       'read,submit,decide,admin', '', '', '' "
    "  FROM person p WHERE p.active AND lower(p.email) = lower($1)";

static void split_roles(const char *list, ing_person_t *out) {
    char roles[1024];
    snprintf(roles, sizeof roles, "%s", list);
    char *save = NULL;
    for (char *t = strtok_r(roles, ",", &save); t && out->nroles < ING_MAX_ROLES;
         t = strtok_r(NULL, ",", &save))
        snprintf(out->roles[out->nroles++], sizeof out->roles[0], "%s", t);
}

static unsigned parse_scopes(const char *list) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    unsigned bits = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        bits |= ing_scope_parse(t);
    return bits;
}

static int load(hd_db_t *db, const char *sql, const char *arg, ing_person_t *out) {
    const char *p[1] = {arg};
    PGresult *r = hd_db_exec(db, sql, 1, p);
    if (!r)
        return -1;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return 0;
    }
    memset(out, 0, sizeof *out);
    snprintf(out->token_id, sizeof out->token_id, "%s", PQgetvalue(r, 0, 0));
    snprintf(out->id, sizeof out->id, "%s", PQgetvalue(r, 0, 1));
    snprintf(out->email, sizeof out->email, "%s", PQgetvalue(r, 0, 2));
    snprintf(out->department, sizeof out->department, "%s", PQgetvalue(r, 0, 3));
    split_roles(PQgetvalue(r, 0, 4), out);
    out->scopes = parse_scopes(PQgetvalue(r, 0, 5));
    snprintf(out->integration, sizeof out->integration, "%s", PQgetvalue(r, 0, 6));
    snprintf(out->channels, sizeof out->channels, "%s", PQgetvalue(r, 0, 7));
    snprintf(out->departments, sizeof out->departments, "%s", PQgetvalue(r, 0, 8));
    if (out->integration[0]) /* an integration posts mentions, and nothing else */
        out->scopes = ING_SCOPE_INBOUND;
    else
        out->scopes &= ~(unsigned)ING_SCOPE_INBOUND;
    PQclear(r);
    return 1;
}

int ing_auth_token_wellformed(const char *token) {
    if (!token || !*token || strlen(token) > ING_MAX_TOKEN)
        return 0;
    for (const unsigned char *c = (const unsigned char *)token; *c; c++)
        if (*c <= 0x20 || *c >= 0x7f)
            return 0;
    return 1;
}

int ing_auth_token(hd_db_t *db, const char *token, ing_person_t *out) {
    if (!ing_auth_token_wellformed(token))
        return 0;
    return load(db, TOKEN_SQL, token, out);
}

int ing_auth_email(hd_db_t *db, const char *email, ing_person_t *out) {
    if (!email || !*email || strlen(email) > 255)
        return 0;
    return load(db, EMAIL_SQL, email, out);
}

const char *ing_auth_bearer(const char *header) {
    if (!header || strncasecmp(header, "Bearer ", 7) != 0)
        return NULL;
    header += 7;
    while (*header == ' ')
        header++;
    return *header ? header : NULL;
}

int ing_auth_has_role(const ing_person_t *p, const char *role) {
    for (int i = 0; i < p->nroles; i++)
        if (strcmp(p->roles[i], role) == 0)
            return 1;
    return 0;
}

int ing_auth_listed(const char *list, const char *item) {
    if (!list || !*list)
        return 1;
    size_t n = strlen(item);
    for (const char *s = list; s && *s;) {
        const char *e = strchr(s, ',');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == n && strncmp(s, item, n) == 0)
            return 1;
        s = e ? e + 1 : NULL;
    }
    return 0;
}
