/*  hd_approval: the who-may-decide rule. */
#include "hd_approval.h"

#include "hd_db.h"

#include <stdarg.h>
#include <stdio.h>
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

static const hd_role_t *find_role(const hd_approval_item_t *item, const char *role) {
    for (size_t i = 0; i < item->nroles; i++)
        if (strcmp(item->roles[i].name, role) == 0)
            return &item->roles[i];
    return NULL;
}

static int holds(const hd_actor_t *actor, const char *role) {
    for (size_t i = 0; i < actor->nroles; i++)
        if (strcmp(actor->roles[i], role) == 0)
            return 1;
    return 0;
}

int hd_approval_may_decide(const hd_approval_item_t *item, const hd_actor_t *actor,
                           const char *role, char *why, size_t n) {
    if (item->state != HD_ITEM_AWAITING_APPROVAL) {
        say(why, n, "content %s is %s, not awaiting approval", item->content_id,
            hd_item_state_name(item->state));
        return 0;
    }
    if (!actor->active) {
        say(why, n, "person %s is not active", actor->id);
        return 0;
    }
    if (strcmp(actor->id, item->author_id) == 0) {
        say(why, n, "four-eyes: the author of %s cannot decide on it", item->content_id);
        return 0;
    }
    if (!role || !*role) {
        say(why, n, "no role given and the actor holds none of the roles %s still needs",
            item->content_id);
        return 0;
    }
    if (!holds(actor, role)) {
        say(why, n, "the actor does not hold role '%s'", role);
        return 0;
    }
    const hd_role_t *r = find_role(item, role);
    if (!r) {
        say(why, n, "role '%s' is not required for content %s", role, item->content_id);
        return 0;
    }
    if (r->approved) {
        say(why, n, "role '%s' has already approved content %s", role, item->content_id);
        return 0;
    }
    if (r->same_department && strcmp(actor->department, item->department) != 0) {
        say(why, n, "role '%s' must be held by someone of department '%s'", role, item->department);
        return 0;
    }
    if (why && n)
        why[0] = 0;
    return 1;
}

int hd_approval_involved(const hd_approval_item_t *item, const hd_actor_t *actor) {
    if (strcmp(item->author_id, actor->id) == 0 || strcmp(item->department, actor->department) == 0)
        return 1;
    for (size_t i = 0; i < item->nroles; i++)
        for (size_t k = 0; k < actor->nroles; k++)
            if (strcmp(item->roles[i].name, actor->roles[k]) == 0)
                return 1;
    return 0;
}

int hd_approval_pick_role(const hd_approval_item_t *item, const hd_actor_t *actor, char *out,
                          size_t n) {
    const char *fallback = NULL;
    for (size_t i = 0; i < item->nroles; i++) {
        const hd_role_t *r = &item->roles[i];
        if (r->approved || !holds(actor, r->name))
            continue;
        if (hd_approval_may_decide(item, actor, r->name, NULL, 0)) {
            snprintf(out, n, "%s", r->name);
            return 0;
        }
        if (!fallback)
            fallback = r->name;
    }
    if (!fallback)
        return -1;
    snprintf(out, n, "%s", fallback);
    return 0;
}

size_t hd_approval_remaining(const hd_approval_item_t *item, const char **out, size_t max) {
    size_t k = 0;
    for (size_t i = 0; i < item->nroles && k < max; i++)
        if (!item->roles[i].approved)
            out[k++] = item->roles[i].name;
    return k;
}

int hd_approval_mark(hd_approval_item_t *item, const char *role) {
    for (size_t i = 0; i < item->nroles; i++)
        if (strcmp(item->roles[i].name, role) == 0) {
            item->roles[i].approved = 1;
            return 1;
        }
    return 0;
}

int hd_approval_role_ok(const char *s) {
    size_t len = s ? strlen(s) : 0;
    if (len == 0 || len >= HD_ROLE_LEN)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || strchr(",\"\\{}", s[i]))
            return 0;
    return 1;
}

int hd_approval_rows(const PGresult *r, int row, int nrows, int col, const char *content_id,
                     hd_approval_item_t *item, char *why, size_t n) {
    memset(item, 0, sizeof *item);
    snprintf(item->content_id, sizeof item->content_id, "%s", content_id);
    int state = hd_item_state_parse(PQgetvalue(r, row, col + 2));
    if (hd_db_value_copy(r, row, col, item->author_id, sizeof item->author_id) ||
        hd_db_value_copy(r, row, col + 1, item->department, sizeof item->department) || state < 0) {
        say(why, n, "item %s has an overlong column or an unknown state", content_id);
        return -1;
    }
    item->state = (hd_item_state_t)state;
    int roles = PQgetisnull(r, row, col + 3) ? 0 : nrows;
    if (roles > HD_MAX_ROLES) {
        say(why, n, "item %s requires more than %d roles", content_id, HD_MAX_ROLES);
        return -1;
    }
    for (int i = 0; i < roles; i++) {
        hd_role_t *role = &item->roles[i];
        if (hd_db_value_copy(r, row + i, col + 3, role->name, sizeof role->name) < 0) {
            say(why, n, "item %s has an overlong role name", content_id);
            return -1;
        }
        role->same_department = PQgetvalue(r, row + i, col + 4)[0] == 't';
        role->approved = PQgetvalue(r, row + i, col + 5)[0] == 't';
    }
    item->nroles = (size_t)roles;
    return 0;
}
