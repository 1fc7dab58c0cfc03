/*  chain: the who-may-decide rule and the loaders that feed it. */
#include "chain.h"

#include "hd_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void say(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *why, size_t n, const char *fmt, ...) {
    if (!why || !n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
}

/* Copies a column value, refusing one that does not fit (a malformed row
   must not be silently truncated into a different name). */
static int copy_col(PGresult *r, int row, int col, char *dst, size_t n) {
    const char *v = PQgetvalue(r, row, col);
    if (strlen(v) >= n)
        return -1;
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

/* Fills item->roles from rows [row, row + nrows) of r, columns col + 3 ..
   col + 5 (ITEM_COLS); one row with a NULL role is an item that requires
   none. */
static int load_roles(PGresult *r, int row, int nrows, int col, hd_approval_item_t *item, char *why,
                      size_t n) {
    int rows = PQgetisnull(r, row, col + 3) ? 0 : nrows;
    if (rows > HD_MAX_ROLES) {
        say(why, n, "content %s requires more than the supported number of roles",
            item->content_id);
        return -1;
    }
    for (int i = 0; i < rows; i++) {
        hd_role_t *role = &item->roles[i];
        if (copy_col(r, row + i, col + 3, role->name, sizeof role->name) < 0) {
            say(why, n, "content %s has an overlong role name", item->content_id);
            return -1;
        }
        role->same_department = PQgetvalue(r, row + i, col + 4)[0] == 't';
        role->approved = PQgetvalue(r, row + i, col + 5)[0] == 't';
    }
    item->nroles = (size_t)rows;
    return 0;
}

int wf_chain_rows(PGresult *r, int row, int nrows, int col, const char *content_id,
                  hd_approval_item_t *item, char *why, size_t n) {
    memset(item, 0, sizeof *item);
    snprintf(item->content_id, sizeof item->content_id, "%s", content_id);
    int bad = copy_col(r, row, col, item->author_id, sizeof item->author_id) ||
              copy_col(r, row, col + 1, item->department, sizeof item->department) ||
              (item->state = hd_item_state_parse(PQgetvalue(r, row, col + 2))) < 0;
    if (bad) {
        say(why, n, "workflow item %s has an overlong column or an unknown state", content_id);
        return -1;
    }
    return load_roles(r, row, nrows, col, item, why, n);
}

/* The item and its required roles in one round trip: one row per role, in
   chain order, or one row with NULL role columns when it requires none. */
static const char *LOAD_SQL = "SELECT " WF_ITEM_COLS " FROM " WF_ITEM_FROM
                              " WHERE w.content_id = $1 ORDER BY r.i";

int wf_chain_load(hd_db_t *db, const char *content_id, hd_approval_item_t *item, char *why, size_t n) {
    memset(item, 0, sizeof *item);
    if (!content_id || !hd_id_valid(content_id)) {
        say(why, n, "'%s' is not a content id", content_id ? content_id : "");
        return 1;
    }
    const char *p[1] = {content_id};
    PGresult *r = hd_db_exec(db, LOAD_SQL, 1, p);
    if (!r) {
        say(why, n, "database: %s", hd_db_error(db));
        return -1;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        say(why, n, "no workflow item for content %s", content_id);
        return 1;
    }
    int rc = wf_chain_rows(r, 0, PQntuples(r), 0, content_id, item, why, n);
    PQclear(r);
    return rc;
}

int wf_chain_load_actor(hd_db_t *db, const char *actor_id, hd_actor_t *actor, char *why, size_t n) {
    memset(actor, 0, sizeof *actor);
    if (!actor_id || !hd_id_valid(actor_id)) {
        say(why, n, "'%s' is not a person id", actor_id ? actor_id : "");
        return 1;
    }
    const char *p[1] = {actor_id};
    PGresult *r = hd_db_exec(db,
                             "SELECT p.department_id, p.active, "
                             "       coalesce(pr.role, '') FROM person p "
                             "LEFT JOIN person_role pr ON pr.person_id = p.id "
                             "WHERE p.id = $1 ORDER BY pr.role",
                             1, p);
    if (!r) {
        say(why, n, "database: %s", hd_db_error(db));
        return -1;
    }
    int rows = PQntuples(r);
    if (rows == 0) {
        PQclear(r);
        say(why, n, "no person %s", actor_id);
        return 1;
    }
    snprintf(actor->id, sizeof actor->id, "%s", actor_id);
    int bad = copy_col(r, 0, 0, actor->department, sizeof actor->department);
    actor->active = PQgetvalue(r, 0, 1)[0] == 't';
    /* Roles beyond the limit or overlong are ignored: they can only deny. */
    for (int i = 0; i < rows && actor->nroles < HD_MAX_ROLES; i++) {
        if (!PQgetvalue(r, i, 2)[0])
            continue;
        if (copy_col(r, i, 2, actor->roles[actor->nroles], HD_ROLE_LEN) == 0)
            actor->nroles++;
    }
    PQclear(r);
    if (bad) {
        say(why, n, "person %s has an overlong department", actor_id);
        return -1;
    }
    return 0;
}

/* Adds `name` to out unless present; a role listed twice keeps the stricter
   same_department. Returns -1 when the list is full. */
static int add_role(hd_role_t *out, int *count, const char *name, int same) {
    for (int i = 0; i < *count; i++)
        if (strcmp(out[i].name, name) == 0) {
            out[i].same_department |= same;
            return 0;
        }
    if (*count >= HD_MAX_ROLES || strlen(name) >= HD_ROLE_LEN)
        return -1;
    memset(&out[*count], 0, sizeof out[*count]);
    snprintf(out[*count].name, HD_ROLE_LEN, "%s", name);
    out[*count].same_department = same;
    (*count)++;
    return 0;
}

/* The department's own chain, or the default chain when it has none. */
static PGresult *query_chain(hd_db_t *db, const char *department) {
    const char *p[1] = {department};
    return hd_db_exec(db,
                      "SELECT role, same_department FROM approval_step "
                      "WHERE department_id = $1 "
                      "   OR (department_id IS NULL AND NOT EXISTS "
                      "       (SELECT 1 FROM approval_step WHERE department_id = $1)) "
                      "ORDER BY id",
                      1, p);
}

void wf_chain_memo_clear(wf_chain_memo_t *memo) {
    if (memo)
        memo->n = 0;
}

/* The department's chain into out/count/auto_pass, from the database. 0,
   -1 database error, -2 too many roles. */
static int read_chain(hd_db_t *db, const char *department, hd_role_t *out, int *count,
                      int *auto_pass, char *why, size_t n) {
    PGresult *r = query_chain(db, department);
    if (!r) {
        say(why, n, "database: %s", hd_db_error(db));
        return -1;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        const char *role = PQgetvalue(r, i, 0);
        if (strcmp(role, WF_ROLE_AUTO) == 0) {
            *auto_pass = 1;
            continue;
        }
        if (add_role(out, count, role, PQgetvalue(r, i, 1)[0] == 't') < 0) {
            PQclear(r);
            say(why, n, "the approval chain of '%s' has too many roles", department);
            return -2;
        }
    }
    PQclear(r);
    return 0;
}

/* read_chain through the batch's memo. */
static int chain_of(hd_db_t *db, wf_chain_memo_t *memo, const char *department, hd_role_t *out,
                    int *count, int *auto_pass, char *why, size_t n) {
    for (int i = 0; memo && i < memo->n; i++)
        if (strcmp(memo->e[i].department, department) == 0) {
            memcpy(out, memo->e[i].roles, sizeof memo->e[i].roles);
            *count = memo->e[i].nroles;
            *auto_pass = memo->e[i].auto_pass;
            return 0;
        }
    int rc = read_chain(db, department, out, count, auto_pass, why, n);
    if (rc == 0 && memo && memo->n < WF_CHAIN_MEMO && strlen(department) < HD_DEPT_LEN) {
        int k = memo->n++;
        snprintf(memo->e[k].department, HD_DEPT_LEN, "%s", department);
        memcpy(memo->e[k].roles, out, sizeof memo->e[k].roles);
        memo->e[k].nroles = *count;
        memo->e[k].auto_pass = *auto_pass;
    }
    return rc;
}

int wf_chain_required(hd_db_t *db, wf_chain_memo_t *memo, const char *department,
                      const char *const *extra, size_t nextra, hd_role_t *out, int *auto_pass,
                      char *why, size_t n) {
    int count = 0;
    *auto_pass = 0;
    int rc = chain_of(db, memo, department, out, &count, auto_pass, why, n);
    if (rc < 0)
        return rc;
    PGresult *r;
    for (size_t i = 0; i < nextra; i++) {
        const char *p[1] = {extra[i]};
        r = hd_db_exec(db, "SELECT same_department FROM review_role WHERE role = $1", 1, p);
        if (!r) {
            say(why, n, "database: %s", hd_db_error(db));
            return -1;
        }
        int same = PQntuples(r) > 0 && PQgetvalue(r, 0, 0)[0] == 't';
        PQclear(r);
        if (add_role(out, &count, extra[i], same) < 0) {
            say(why, n, "too many roles (or role '%s' too long) for department '%s'", extra[i],
                department);
            return -2;
        }
    }
    return count;
}
