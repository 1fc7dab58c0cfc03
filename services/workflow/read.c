/*  read: the batch's items and facts, read in as few statements as the
    batch's events need. */
#include "read.h"

#include "calendar.h"
#include "decide.h"
#include "hd_id.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_pgarray.h"
#include "watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const char *s) { return s ? s : ""; }

#define MS(col) "coalesce((extract(epoch FROM " col ") * 1000)::bigint, 0)"

/* One row per (item, required role) in chain order; one row with a NULL
   role for an item that requires none. Columns 1 to 6 are the approval
   rule's (hd_approval_rows), the rest the item's own. The items are probed
   once each (several events of a batch may name one), one id at a time
   through the primary key (the OFFSET 0 keeps the lateral
   subquery from being flattened into a join): the statement is prepared,
   and its generic plan, made while workflow_item was nearly empty, scanned
   the whole table at every batch once it had grown (17 ms a call at
   100,000 items in `make bench`, against 0.5 ms). */
/* clang-format off */
#define ITEM_TIMES \
    MS("w.scheduled_at") ", " MS("w.submitted_at") ", " MS("w.requested_at") ", " \
    MS("w.decided_at")
/* clang-format on */

static const char *ITEMS_SQL =
    "SELECT w.content_id, w.author_id, w.department_id, w.state, r.role, "
    "  r.role = ANY(w.same_department_roles), "
    "  EXISTS (SELECT 1 FROM workflow_approval a WHERE a.content_id = w.content_id "
    "          AND a.role = r.role), "
    "  w.author_email, w.channel_id, w.text, " ITEM_TIMES ", w.kind, "
    "  coalesce(w.crisis_id::text, ''), coalesce(w.reply_to_mention_id::text, ''), "
    "  coalesce(w.reply_to_external_id, '') "
    "FROM (SELECT DISTINCT u.id FROM unnest($1::uuid[]) AS u(id)) AS x, "
    "  LATERAL (SELECT * FROM workflow_item i WHERE i.content_id = x.id OFFSET 0) AS w "
    "  LEFT JOIN LATERAL unnest(w.required_roles) WITH ORDINALITY AS r(role, i) ON true "
    "ORDER BY w.content_id, r.i";

/* The item of rows [row, row + nrows) of r, added to the set. */
static int item_rows(PGresult *r, int row, int nrows, wf_items_t *items) {
    wf_item_t *it = wf_items_add(items, PQgetvalue(r, row, 0));
    char why[256] = "";
    if (hd_approval_rows(r, row, nrows, 1, PQgetvalue(r, row, 0), &it->a, why, sizeof why) < 0 ||
        hd_db_value_copy(r, row, 7, it->author_email, sizeof it->author_email) < 0 ||
        hd_db_value_copy(r, row, 8, it->channel, sizeof it->channel) < 0 ||
        hd_db_value_copy(r, row, 14, it->kind, sizeof it->kind) < 0 ||
        hd_db_value_copy(r, row, 15, it->crisis_id, sizeof it->crisis_id) < 0 ||
        hd_db_value_copy(r, row, 16, it->reply_to_mention_id, sizeof it->reply_to_mention_id) < 0 ||
        hd_db_value_copy(r, row, 17, it->reply_to_external_id, sizeof it->reply_to_external_id) <
            0) {
        hd_error("workflow_item_malformed", "%s", why[0] ? why : "an overlong column");
        return -1;
    }
    wf_item_set_text(it, PQgetvalue(r, row, 9));
    it->scheduled_ms = strtoll(PQgetvalue(r, row, 10), NULL, 10);
    it->submitted_ms = strtoll(PQgetvalue(r, row, 11), NULL, 10);
    it->requested_ms = strtoll(PQgetvalue(r, row, 12), NULL, 10);
    it->decided_ms = strtoll(PQgetvalue(r, row, 13), NULL, 10);
    it->stored = 1;
    return 0;
}

/* Groups the rows by item (they come ordered by content id). */
static int parse_items(PGresult *r, wf_items_t *items) {
    int rows = PQntuples(r);
    for (int row = 0, end; row < rows; row = end) {
        for (end = row + 1; end < rows && !strcmp(PQgetvalue(r, end, 0), PQgetvalue(r, row, 0));)
            end++;
        if (item_rows(r, row, end - row, items) < 0)
            return -1;
    }
    return 0;
}

/* approval_step rows (kind 1, in id order) and review_role rows (kind 2). */
static const char *CHAINS_SQL =
    "SELECT 1, id, department_id, role, same_department FROM approval_step "
    "UNION ALL SELECT 2, 0, NULL, role, same_department FROM review_role ORDER BY 1, 2";

static int parse_chains(PGresult *r, wf_facts_t *f) {
    int bad = 0;
    for (int i = 0; i < PQntuples(r) && !bad; i++) {
        int same = PQgetvalue(r, i, 4)[0] == 't';
        if (PQgetvalue(r, i, 0)[0] == '1') {
            f->steps = hd_grow(f->steps, &f->capsteps, f->nsteps + 1, sizeof *f->steps);
            wf_step_row_t *s = &f->steps[f->nsteps++];
            memset(s, 0, sizeof *s);
            s->any_department = PQgetisnull(r, i, 2);
            s->same_department = same;
            bad = hd_db_value_copy(r, i, 2, s->department, sizeof s->department) < 0 ||
                  hd_db_value_copy(r, i, 3, s->role, sizeof s->role) < 0;
        } else {
            f->reviews = hd_grow(f->reviews, &f->capreviews, f->nreviews + 1, sizeof *f->reviews);
            wf_review_row_t *v = &f->reviews[f->nreviews++];
            v->same_department = same;
            bad = hd_db_value_copy(r, i, 3, v->role, sizeof v->role) < 0;
        }
    }
    if (bad)
        hd_error("approval_chain_malformed", "an approval_step or review_role row is too long");
    return bad ? -1 : 0;
}

/* The people and their roles. Roles beyond the limit or overlong are left
   out: they could only deny. */
static const char *ACTORS_SQL = "SELECT p.id, p.department_id, p.active, pr.role FROM person p "
                                "LEFT JOIN person_role pr ON pr.person_id = p.id "
                                "WHERE p.id = ANY($1::uuid[]) ORDER BY p.id, pr.role";

static int parse_actors(PGresult *r, wf_facts_t *f) {
    hd_actor_t *a = NULL;
    for (int i = 0; i < PQntuples(r); i++) {
        if (!a || strcmp(a->id, PQgetvalue(r, i, 0)) != 0) {
            f->actors = hd_grow(f->actors, &f->capactors, f->nactors + 1, sizeof *f->actors);
            a = &f->actors[f->nactors++];
            memset(a, 0, sizeof *a);
            snprintf(a->id, sizeof a->id, "%s", PQgetvalue(r, i, 0));
            a->active = PQgetvalue(r, i, 2)[0] == 't';
            if (hd_db_value_copy(r, i, 1, a->department, sizeof a->department) < 0)
                a->department[0] = 0; /* matches no department: can only deny */
        }
        if (!PQgetisnull(r, i, 3) && a->nroles < HD_MAX_ROLES &&
            hd_db_value_copy(r, i, 3, a->roles[a->nroles], HD_ROLE_LEN) == 0)
            a->nroles++;
    }
    return 0;
}

/* Which decisions and inbox requests already have an output recorded:
   their effects were applied in the same transaction, and applying them
   again would only produce a different, refusing answer. An output's id
   derives from its cause and its label, so each decision's three possible
   outputs, and each request's two (inbox.<what> of its action,
   inbox.refused), are probed by id. */
static const char *const OUTPUT_LABELS[] = {"approval.recorded", "content.rejected",
                                            "decision.refused"};

static void add_probe(hd_pgarray_t *col, const char *cause, const char *label) {
    char out[HD_ID_LEN];
    hd_id_derive(out, cause, label);
    hd_pgarray_add(&col[0], out);
    hd_pgarray_add(&col[1], cause);
}

static void add_request_probes(hd_pgarray_t *col, const hd_envelope_t *ev) {
    const Huddle__V1__InboxRequested *b = ev->inbox_requested;
    int a = b ? hd_inbox_action_parse(b->action) : -1;
    char label[64];
    if (a >= 0) {
        snprintf(label, sizeof label, "inbox.%s", hd_inbox_action_what((hd_inbox_action_t)a));
        add_probe(col, ev->id, label);
    }
    add_probe(col, ev->id, "inbox.refused");
}

static int send_applied(hd_db_t *db, const hd_envelope_t *const *evs, size_t n) {
    hd_pgarray_t col[2] = {{0}};
    for (size_t i = 0; i < n; i++) {
        if (evs[i]->body_case == HUDDLE__V1__ENVELOPE__BODY_INBOX_REQUESTED)
            add_request_probes(col, evs[i]);
        if (evs[i]->body_case != HUDDLE__V1__ENVELOPE__BODY_DECISION_RECORDED)
            continue;
        for (size_t k = 0; k < sizeof OUTPUT_LABELS / sizeof *OUTPUT_LABELS; k++)
            add_probe(col, evs[i]->id, OUTPUT_LABELS[k]);
    }
    return hd_db_send_arrays(
        db,
        "SELECT DISTINCT x.cause FROM unnest($1::uuid[], $2::text[]) AS x(id, cause) "
        "WHERE EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = x.id) "
        "   OR EXISTS (SELECT 1 FROM event_log e WHERE e.event_id = x.id)",
        col, 2);
}

static int parse_applied(PGresult *r, wf_facts_t *f) {
    for (int i = 0; i < PQntuples(r); i++) {
        f->applied = hd_grow(f->applied, &f->capapplied, f->napplied + 1, sizeof *f->applied);
        snprintf(f->applied[f->napplied++], HD_ID_LEN, "%s", PQgetvalue(r, i, 0));
    }
    return 0;
}

/* The routing rules, one row per keyword in rule order; the rules point
   into the result, which the facts keep. */
static const char *RULES_SQL = "SELECT r.id, r.channel_id, r.department_id, k.kw "
                               "FROM routing_rule r, unnest(r.keywords) WITH ORDINALITY "
                               "AS k(kw, i) ORDER BY r.priority, r.id, k.i";

/* Takes r (the facts keep it). */
static int parse_rules(PGresult *r, wf_facts_t *f) {
    int rows = PQntuples(r);
    f->rules_mem = r;
    f->rules = hd_calloc((size_t)rows + 1, sizeof *f->rules);
    f->words = hd_calloc((size_t)rows + 1, sizeof *f->words);
    for (int i = 0; i < rows; i++) {
        const char *id = PQgetvalue(r, i, 0);
        if (f->nrules == 0 || strcmp(f->rules[f->nrules - 1].id, id) != 0) {
            wf_rule_t *rule = &f->rules[f->nrules++];
            rule->id = id;
            rule->channel = PQgetisnull(r, i, 1) ? NULL : PQgetvalue(r, i, 1);
            rule->department = PQgetvalue(r, i, 2);
            rule->keywords = &f->words[i];
        }
        f->words[i] = PQgetvalue(r, i, 3);
        f->rules[f->nrules - 1].nkeywords++;
    }
    return 0;
}

/* The certifications in force of the authors of the replies the batch's
   verdicts are about: those stored ($1: the verdicts' content ids), and
   those submitted in the batch ($2). */
static const char *CERTS_SQL =
    "SELECT c.person_id, coalesce(c.channel_id, ''), c.name FROM certification c "
    "WHERE (c.expires_at IS NULL OR c.expires_at > now()) AND c.person_id IN ("
    "  SELECT w.author_id FROM workflow_item w WHERE w.content_id = ANY($1::uuid[]) "
    "  AND w.kind = '" WF_KIND_REPLY "' UNION ALL SELECT unnest($2::uuid[]))";

static int parse_certs(PGresult *r, wf_facts_t *f) {
    for (int i = 0; i < PQntuples(r); i++) {
        f->certs = hd_grow(f->certs, &f->capcerts, f->ncerts + 1, sizeof *f->certs);
        wf_cert_t *c = &f->certs[f->ncerts];
        if (hd_db_value_copy(r, i, 0, c->person_id, sizeof c->person_id) == 0 &&
            hd_db_value_copy(r, i, 1, c->channel, sizeof c->channel) == 0 &&
            hd_db_value_copy(r, i, 2, c->name, sizeof c->name) == 0)
            f->ncerts++; /* an overlong one names nothing a setting can name */
    }
    return 0;
}

/* What the batch's events need: their content ids and people, and which
   kinds of facts. */
typedef struct {
    hd_pgarray_t items, actors;
    hd_pgarray_t mentions, replies; /* inbox items: by mention id, by reply content id */
    hd_pgarray_t channels, handles; /* the authors of the mentions received */
    hd_pgarray_t people;            /* the people inbox requests name */
    hd_pgarray_t verdicts, authors; /* certifications: verdicts' items, reply authors */
    int decisions, rules, inbox, cals;
} needs_t;

static void need_submitted(const hd_envelope_t *ev, needs_t *k) {
    const Huddle__V1__ContentSubmitted *b = ev->content_submitted;
    if (!b || strcmp(str(b->kind), WF_KIND_REPLY) != 0)
        return;
    if (hd_id_valid(str(b->supersedes)))
        hd_pgarray_add(&k->items, b->supersedes);
    if (hd_id_valid(str(b->author_id)))
        hd_pgarray_add(&k->authors, b->author_id);
}

static void need_mention(const hd_envelope_t *ev, needs_t *k) {
    const Huddle__V1__MentionReceived *b = ev->mention_received;
    k->rules = k->inbox = k->cals = 1;
    if (!b || !hd_id_valid(str(b->mention_id)))
        return;
    hd_pgarray_add(&k->mentions, b->mention_id);
    hd_pgarray_add(&k->channels, str(b->channel));
    hd_pgarray_add(&k->handles, str(b->author_handle));
}

static void need_request(const hd_envelope_t *ev, needs_t *k) {
    const Huddle__V1__InboxRequested *b = ev->inbox_requested;
    k->decisions = k->inbox = k->cals = 1;
    if (!b)
        return;
    const char *ids[3] = {b->mention_id, b->actor_id, b->assignee_id};
    for (int i = 0; i < 3; i++)
        if (hd_id_valid(str(ids[i])))
            hd_pgarray_add(i ? &k->people : &k->mentions, ids[i]);
}

static void gather_needs(const hd_envelope_t *const *evs, size_t n, needs_t *k) {
    for (size_t i = 0; i < n; i++) {
        const hd_envelope_t *ev = evs[i];
        const char *cid = wf_decide_content_id(ev);
        int valid = cid && hd_id_valid(cid);
        if (valid)
            hd_pgarray_add(&k->items, cid);
        switch (ev->body_case) {
        case HUDDLE__V1__ENVELOPE__BODY_CONTENT_SUBMITTED:
            need_submitted(ev, k);
            break;
        case HUDDLE__V1__ENVELOPE__BODY_POLICY_EVALUATED:
            k->cals = 1;
            if (valid)
                hd_pgarray_add(&k->verdicts, cid);
            break;
        case HUDDLE__V1__ENVELOPE__BODY_DECISION_RECORDED:
            k->decisions = 1;
            if (ev->decision_recorded && hd_id_valid(str(ev->decision_recorded->actor_id)))
                hd_pgarray_add(&k->actors, ev->decision_recorded->actor_id);
            break;
        case HUDDLE__V1__ENVELOPE__BODY_PUBLISH_SUCCEEDED:
            k->inbox = k->cals = 1;
            if (valid)
                hd_pgarray_add(&k->replies, cid);
            break;
        case HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED:
            need_mention(ev, k);
            break;
        case HUDDLE__V1__ENVELOPE__BODY_INBOX_REQUESTED:
            need_request(ev, k);
            break;
        default:
            break;
        }
    }
}

static void needs_free(needs_t *k) {
    hd_pgarray_t *all[] = {&k->items,   &k->actors, &k->mentions, &k->replies, &k->channels,
                           &k->handles, &k->people, &k->verdicts, &k->authors};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        hd_pgarray_free(all[i]);
}

/* The reads the batch needs, sent together; which kinds, in order. */
enum {
    R_ITEMS,
    R_CHAINS,
    R_CERTS,
    R_ACTORS,
    R_APPLIED,
    R_RULES,
    R_WATCH,
    R_CALENDARS,
    R_INBOX,
    R_CONVERSATIONS,
    R_PEOPLE,
    R_KINDS
};

/* The reads of content items and their approvals. */
static int send_content(hd_db_t *db, const hd_envelope_t *const *evs, size_t n, needs_t *k,
                        int *kinds, size_t *nkinds) {
    if (k->items.n) {
        kinds[(*nkinds)++] = R_ITEMS;
        if (hd_db_send_arrays(db, ITEMS_SQL, &k->items, 1) < 0)
            return -1;
    }
    if (k->verdicts.n) {
        kinds[(*nkinds)++] = R_CHAINS;
        if (hd_db_send(db, CHAINS_SQL, 0, NULL) < 0)
            return -1;
        kinds[(*nkinds)++] = R_CERTS;
        hd_pgarray_t cols[2] = {k->verdicts, k->authors};
        memset(&k->verdicts, 0, sizeof k->verdicts);
        memset(&k->authors, 0, sizeof k->authors);
        if (hd_db_send_arrays(db, CERTS_SQL, cols, 2) < 0)
            return -1;
    }
    if (k->actors.n) {
        kinds[(*nkinds)++] = R_ACTORS;
        if (hd_db_send_arrays(db, ACTORS_SQL, &k->actors, 1) < 0)
            return -1;
    }
    if (k->decisions) {
        kinds[(*nkinds)++] = R_APPLIED;
        if (send_applied(db, evs, n) < 0)
            return -1;
    }
    return 0;
}

/* The reads of inbox work: rules, crises, calendars, items, people. */
static int send_inbox(hd_db_t *db, needs_t *k, const wf_facts_t *facts, int *kinds,
                      size_t *nkinds) {
    if (k->rules) {
        kinds[(*nkinds)++] = R_RULES;
        if (hd_db_send(db, RULES_SQL, 0, NULL) < 0)
            return -1;
    }
    if (k->rules && facts->watch) {
        kinds[(*nkinds)++] = R_WATCH;
        if (wf_watch_send(db) < 0)
            return -1;
    }
    if (k->cals) {
        kinds[(*nkinds)++] = R_CALENDARS;
        if (wf_calendars_send(db) < 0)
            return -1;
    }
    if (k->inbox) {
        kinds[(*nkinds)++] = R_INBOX;
        kinds[(*nkinds)++] = R_CONVERSATIONS;
        kinds[(*nkinds)++] = R_PEOPLE;
        if (wf_inbox_send_items(db, &k->mentions, &k->replies) < 0 ||
            wf_inbox_send_conversations(db, &k->channels, &k->handles) < 0 ||
            wf_inbox_send_people(db, &k->people) < 0)
            return -1;
    }
    return 0;
}

/* Where the batch's reads go. */
typedef struct {
    wf_items_t *items;
    wf_inbox_t *inbox;
    wf_facts_t *facts;
    wf_calendars_t *cals;
} sink_t;

/* Parses result r of kind; takes r. */
static int parse(int kind, PGresult *r, const sink_t *to) {
    int rc;
    switch (kind) {
    case R_ITEMS:
        rc = parse_items(r, to->items);
        break;
    case R_CHAINS:
        rc = parse_chains(r, to->facts);
        break;
    case R_CERTS:
        rc = parse_certs(r, to->facts);
        break;
    case R_ACTORS:
        rc = parse_actors(r, to->facts);
        break;
    case R_APPLIED:
        rc = parse_applied(r, to->facts);
        break;
    case R_WATCH:
        rc = wf_watch_parse(to->facts->watch, r);
        break;
    case R_CALENDARS:
        to->facts->calendars = to->cals;
        return wf_calendars_parse(to->cals, r); /* takes r */
    case R_INBOX:
    case R_CONVERSATIONS:
        rc = wf_inbox_parse_items(to->inbox, r);
        break;
    case R_PEOPLE:
        rc = wf_inbox_parse_people(to->inbox, r);
        break;
    default:
        return parse_rules(r, to->facts); /* kept by the facts */
    }
    PQclear(r);
    return rc;
}

int wf_read_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n, wf_items_t *items,
                  wf_inbox_t *inbox, wf_facts_t *facts, wf_calendars_t *cals) {
    wf_items_clear(items);
    wf_inbox_clear(inbox);
    wf_facts_clear(facts);
    needs_t k = {0};
    gather_needs(evs, n, &k);
    int kinds[R_KINDS];
    size_t nkinds = 0;
    int rc = send_content(db, evs, n, &k, kinds, &nkinds);
    if (rc == 0)
        rc = send_inbox(db, &k, facts, kinds, &nkinds);
    needs_free(&k);
    PGresult *res[R_KINDS] = {0};
    if (rc < 0 || nkinds == 0)
        return rc; /* a failed send: the connection is gone, the batch rolls back */
    if (hd_db_results(db, res, nkinds) < 0)
        return -1;
    sink_t to = {items, inbox, facts, cals};
    for (size_t i = 0; i < nkinds; i++)
        if (parse(kinds[i], res[i], &to) < 0 && rc == 0)
            rc = -1; /* the rest are still parsed, so each is freed */
    return rc;
}
