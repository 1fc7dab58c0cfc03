/*  inbox: the batch's inbox items and people, and the reads that fill them.
    A batch holds at most a few hundred items, so a linear search is
    cheaper than keeping an index. */
#include "inbox.h"

#include "hd_log.h"
#include "hd_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MS(col) "coalesce((extract(epoch FROM " col ") * 1000)::bigint, 0)"

wf_inbox_item_t *wf_inbox_find(wf_inbox_t *self, const char *mention_id) {
    for (size_t i = 0; mention_id && i < self->n; i++)
        if (strcasecmp(self->items[i].mention_id, mention_id) == 0)
            return &self->items[i];
    return NULL;
}

wf_inbox_item_t *wf_inbox_add(wf_inbox_t *self, const char *mention_id) {
    self->items = hd_grow(self->items, &self->cap, self->n + 1, sizeof *self->items);
    wf_inbox_item_t *it = &self->items[self->n++];
    memset(it, 0, sizeof *it);
    snprintf(it->mention_id, sizeof it->mention_id, "%s", mention_id);
    it->version = 1;
    return it;
}

void wf_inbox_set(char **field, const char *s) {
    free(*field);
    *field = hd_strdup(s ? s : "");
}

wf_inbox_item_t *wf_inbox_newest(wf_inbox_t *self, const char *channel, const char *author_handle,
                                 const char *department, int64_t since_ms, const char *except) {
    wf_inbox_item_t *best = NULL;
    for (size_t i = 0; i < self->n; i++) {
        wf_inbox_item_t *it = &self->items[i];
        if (it->routed_ms < since_ms || strcmp(it->channel, channel) != 0 ||
            strcmp(it->department, department) != 0 ||
            strcmp(it->author_handle ? it->author_handle : "", author_handle) != 0 ||
            strcasecmp(it->mention_id, except) == 0)
            continue;
        if (!best || it->routed_ms > best->routed_ms)
            best = it;
    }
    return best;
}

wf_person_t *wf_inbox_person(wf_inbox_t *self, const char *id) {
    return wf_assign_find(self->people, self->npeople, id);
}

/* ---------- items ---------- */

/* clang-format off */
#define ITEM_COLS                                                                         \
    "i.mention_id, i.department_id, i.triage, i.rule_id, i.state, "                       \
    "coalesce(i.assignee_id::text, ''), i.escalated, i.channel_id, i.author_handle, "     \
    "coalesce(i.feed_id, ''), i.external_id, coalesce(i.crisis_id::text, ''), "           \
    "coalesce(i.conversation_of::text, ''), " MS("coalesce(i.received_at, i.routed_at)") \
    ", " MS("i.routed_at") ", " MS("i.state_at") ", " MS("i.assigned_at") ", "            \
    MS("i.sla_due_at") ", " MS("i.sla_warn_at") ", " MS("i.first_response_at") ", "       \
    "coalesce(i.first_response_ms, -1), coalesce(i.reply_content_id::text, ''), "          \
    "coalesce(i.replied_by, ''), i.version "
/* clang-format on */

/* Each item probed once through the primary key (the OFFSET 0 keeps the
   lateral subquery from being flattened into a join whose generic plan
   would scan the table: read.c's ITEMS_SQL says why). */
static const char *ITEMS_SQL =
    "SELECT " ITEM_COLS "FROM (SELECT DISTINCT u.id FROM ("
    "  SELECT unnest($1::uuid[]) UNION ALL SELECT w.reply_to_mention_id FROM workflow_item w "
    "  WHERE w.content_id = ANY($2::uuid[])) AS u(id) WHERE u.id IS NOT NULL) AS x, "
    "  LATERAL (SELECT * FROM inbox_item j WHERE j.mention_id = x.id OFFSET 0) AS i";

/* The newest of each queue among an author's 16 newest on the channel: an
   author who wrote thousands of times still costs one short index scan
   (inbox_item_author). */
static const char *CONVERSATIONS_SQL =
    "SELECT " ITEM_COLS "FROM (SELECT DISTINCT u.ch, u.a FROM unnest($1::text[], $2::text[]) "
    "  AS u(ch, a)) AS x, "
    "  LATERAL (SELECT DISTINCT ON (t.department_id) * FROM ("
    "    SELECT * FROM inbox_item j WHERE j.channel_id = x.ch AND j.author_handle = x.a "
    "    AND j.routed_at > now() - interval '7 days' ORDER BY j.routed_at DESC LIMIT 16) AS t "
    "    ORDER BY t.department_id, t.routed_at DESC) AS i";

int wf_inbox_send_items(hd_db_t *db, hd_pgarray_t *mention_ids, hd_pgarray_t *content_ids) {
    hd_pgarray_t cols[2] = {*mention_ids, *content_ids};
    memset(mention_ids, 0, sizeof *mention_ids);
    memset(content_ids, 0, sizeof *content_ids);
    return hd_db_send_arrays(db, ITEMS_SQL, cols, 2);
}

int wf_inbox_send_conversations(hd_db_t *db, hd_pgarray_t *channels, hd_pgarray_t *handles) {
    hd_pgarray_t cols[2] = {*channels, *handles};
    memset(channels, 0, sizeof *channels);
    memset(handles, 0, sizeof *handles);
    return hd_db_send_arrays(db, CONVERSATIONS_SQL, cols, 2);
}

static int64_t ms_at(PGresult *r, int row, int col) {
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* The fixed-size columns of row i into it; -1 when one does not fit. */
static int item_fixed(PGresult *r, int i, wf_inbox_item_t *it) {
    if (hd_db_value_copy(r, i, 1, it->department, sizeof it->department) < 0 ||
        hd_db_value_copy(r, i, 3, it->rule_id, sizeof it->rule_id) < 0 ||
        hd_db_value_copy(r, i, 5, it->assignee_id, sizeof it->assignee_id) < 0 ||
        hd_db_value_copy(r, i, 7, it->channel, sizeof it->channel) < 0 ||
        hd_db_value_copy(r, i, 11, it->crisis_id, sizeof it->crisis_id) < 0 ||
        hd_db_value_copy(r, i, 12, it->conversation_of, sizeof it->conversation_of) < 0 ||
        hd_db_value_copy(r, i, 21, it->reply_content_id, sizeof it->reply_content_id) < 0 ||
        hd_db_value_copy(r, i, 22, it->replied_by, sizeof it->replied_by) < 0)
        return -1;
    int state = hd_inbox_state_parse(PQgetvalue(r, i, 4));
    if (state < 0)
        return -1;
    it->state = (hd_inbox_state_t)state;
    return 0;
}

static int item_row(wf_inbox_t *self, PGresult *r, int i) {
    if (wf_inbox_find(self, PQgetvalue(r, i, 0)))
        return 0; /* read twice (named, and as a conversation): the first is kept */
    wf_inbox_item_t *it = wf_inbox_add(self, PQgetvalue(r, i, 0));
    if (item_fixed(r, i, it) < 0) {
        hd_error("inbox_item_malformed", "inbox item %s: an unknown state or an overlong column",
                 it->mention_id);
        self->n--;
        return -1;
    }
    it->triage = PQgetvalue(r, i, 2)[0] == 't';
    it->escalated = PQgetvalue(r, i, 6)[0] == 't';
    wf_inbox_set(&it->author_handle, PQgetvalue(r, i, 8));
    wf_inbox_set(&it->feed, PQgetvalue(r, i, 9));
    wf_inbox_set(&it->external_id, PQgetvalue(r, i, 10));
    it->received_ms = ms_at(r, i, 13);
    it->routed_ms = ms_at(r, i, 14);
    it->state_ms = ms_at(r, i, 15);
    it->assigned_ms = ms_at(r, i, 16);
    it->sla_due_ms = ms_at(r, i, 17);
    it->sla_warn_ms = ms_at(r, i, 18);
    it->first_response_at_ms = ms_at(r, i, 19);
    it->first_response_ms = ms_at(r, i, 20);
    it->version = ms_at(r, i, 23);
    it->stored = 1;
    return 0;
}

int wf_inbox_parse_items(wf_inbox_t *self, PGresult *r) {
    for (int i = 0; i < PQntuples(r); i++)
        if (item_row(self, r, i) < 0)
            return -1;
    return 0;
}

/* ---------- people ---------- */

/* Their roles joined with '\n' (role names never hold one); their load
   from the partial index of assigned items and from inbox_item_assigned
   (020_inbox_work.sql). */
/* clang-format off */
static const char *PEOPLE_SQL =
    "SELECT p.id, p.email, p.department_id, p.active, coalesce(p.away_until > now(), false), "
    "  coalesce((SELECT string_agg(r.role, E'\\n' ORDER BY r.role) FROM person_role r "
    "            WHERE r.person_id = p.id), ''), "
    "  (SELECT count(*) FROM inbox_item i WHERE i.assignee_id = p.id AND i.state = 'assigned'), "
    "  (SELECT " MS("max(i.assigned_at)") " FROM inbox_item i WHERE i.assignee_id = p.id) "
    "FROM person p WHERE p.id = ANY($1::uuid[]) OR p.id IN (SELECT person_id FROM person_role "
    "  WHERE role IN ('responder', 'coach', 'information-gatherer'))";
/* clang-format on */

int wf_inbox_send_people(hd_db_t *db, hd_pgarray_t *ids) {
    hd_pgarray_t col = *ids;
    memset(ids, 0, sizeof *ids);
    return hd_db_send_arrays(db, PEOPLE_SQL, &col, 1);
}

/* Roles beyond the limit or overlong are left out: they could only deny. */
static void person_roles(hd_actor_t *a, const char *joined) {
    for (const char *s = joined; *s && a->nroles < HD_MAX_ROLES;) {
        size_t len = strcspn(s, "\n");
        if (len < HD_ROLE_LEN) {
            memcpy(a->roles[a->nroles], s, len);
            a->roles[a->nroles++][len] = 0;
        }
        s += len + (s[len] == '\n');
    }
}

int wf_inbox_parse_people(wf_inbox_t *self, PGresult *r) {
    for (int i = 0; i < PQntuples(r); i++) {
        self->people =
            hd_grow(self->people, &self->cappeople, self->npeople + 1, sizeof *self->people);
        wf_person_t *p = &self->people[self->npeople];
        memset(p, 0, sizeof *p);
        if (hd_db_value_copy(r, i, 0, p->a.id, sizeof p->a.id) < 0 ||
            hd_db_value_copy(r, i, 1, p->email, sizeof p->email) < 0 ||
            hd_db_value_copy(r, i, 2, p->a.department, sizeof p->a.department) < 0) {
            hd_warn("person_skipped",
                    "person %s has an overlong email or department: never "
                    "assigned, and may not act on inbox items",
                    PQgetvalue(r, i, 0));
            continue;
        }
        p->a.active = PQgetvalue(r, i, 3)[0] == 't';
        p->away = PQgetvalue(r, i, 4)[0] == 't';
        person_roles(&p->a, PQgetvalue(r, i, 5));
        p->assigned = atoi(PQgetvalue(r, i, 6));
        p->last_assigned_ms = strtoll(PQgetvalue(r, i, 7), NULL, 10);
        self->npeople++;
    }
    return 0;
}

void wf_inbox_clear(wf_inbox_t *self) {
    for (size_t i = 0; i < self->n; i++) {
        free(self->items[i].author_handle);
        free(self->items[i].feed);
        free(self->items[i].external_id);
    }
    self->n = 0;
    self->npeople = 0;
}

void wf_inbox_free(wf_inbox_t *self) {
    wf_inbox_clear(self);
    free(self->items);
    free(self->people);
    memset(self, 0, sizeof *self);
}
