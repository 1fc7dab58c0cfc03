/*  auth: API tokens to people. */
#include "auth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int load(hd_db_t *db, const char *where, const char *arg, ing_person_t *out) {
    char sql[512];
    /* `where` is one of two constant clauses below, never input. */
    snprintf(sql, sizeof sql,
             "SELECT p.id, p.email, p.department_id, "
             "coalesce(array_to_string(array_agg(r.role ORDER BY r.role) "
             "FILTER (WHERE r.role IS NOT NULL), ','), '') "
             "FROM person p LEFT JOIN person_role r ON r.person_id = p.id "
             "WHERE p.active AND %s GROUP BY p.id",
             where);
    const char *p[1] = {arg};
    PGresult *r = hd_db_exec(db, sql, 1, p);
    if (!r)
        return -1;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return 0;
    }
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", PQgetvalue(r, 0, 0));
    snprintf(out->email, sizeof out->email, "%s", PQgetvalue(r, 0, 1));
    snprintf(out->department, sizeof out->department, "%s", PQgetvalue(r, 0, 2));
    char roles[1024];
    snprintf(roles, sizeof roles, "%s", PQgetvalue(r, 0, 3));
    PQclear(r);
    char *save = NULL;
    for (char *t = strtok_r(roles, ",", &save); t && out->nroles < ING_MAX_ROLES;
         t = strtok_r(NULL, ",", &save))
        snprintf(out->roles[out->nroles++], sizeof out->roles[0], "%s", t);
    return 1;
}

int ing_auth_token(hd_db_t *db, const char *token, ing_person_t *out) {
    if (!token || !*token || strlen(token) > 512)
        return 0;
    return load(db, "p.token_hash = sha256(convert_to($1, 'UTF8'))", token, out);
}

int ing_auth_email(hd_db_t *db, const char *email, ing_person_t *out) {
    if (!email || !*email || strlen(email) > 255)
        return 0;
    return load(db, "lower(p.email) = lower($1)", email, out);
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
