/*  Inbox work in workflow against a real PostgreSQL: wf_apply_batch driven
    with hand-built envelopes inside transactions, as the consumer loop
    drives it, checking inbox_item rows and the events in the outbox.
    Routing and triage with deadlines, auto-assignment with the settings
    (cap, auto_assign, people away) and counts kept across a batch,
    people's requests and their refusals, the author's conversation
    reopened, a reply superseding a pending one, certified replies
    skipping approval, and the first published reply stopping the clock.

    Workflow runs as its own database role (huddle_workflow), so a grant
    its statements miss fails here; the test reads and arranges with the
    owner's connection. The default inbox setting is made a 24-hour, 7-day
    calendar, so that business time is wall time whichever calendar
    implementation runs. */
#include "apply.h"
#include "hd_db.h"
#include "hd_id.h"
#include "hd_test.h"
#include "hd_testdb.h"

#define OLIVIA "00000000-0000-4000-8000-000000000001" /* orchestrator */
#define RITA "00000000-0000-4000-8000-000000000002"   /* care responder, certified */
#define ROB "00000000-0000-4000-8000-000000000003"    /* care responder, expired */
#define CORA "00000000-0000-4000-8000-000000000004"   /* care coach */
#define GIL "00000000-0000-4000-8000-000000000005"    /* information gatherer */
#define MAYA "00000000-0000-4000-8000-000000000006"   /* marketing responder */
#define MARK "00000000-0000-4000-8000-000000000007"   /* marketing coach */
#define LENA "00000000-0000-4000-8000-000000000008"   /* legal responder */

static const char *FIXTURE =
    "INSERT INTO department (id, name) VALUES ('hub','Hub'), ('customer-care','Care'),"
    " ('marketing','Marketing'), ('legal','Legal');"
    "INSERT INTO person (id, email, name, department_id) VALUES"
    " ('" OLIVIA "','olivia@example.org','Olivia','hub'),"
    " ('" RITA "','rita@example.org','Rita','customer-care'),"
    " ('" ROB "','rob@example.org','Rob','customer-care'),"
    " ('" CORA "','cora@example.org','Cora','customer-care'),"
    " ('" GIL "','gil@example.org','Gil','hub'),"
    " ('" MAYA "','maya@example.org','Maya','marketing'),"
    " ('" MARK "','mark@example.org','Mark','marketing'),"
    " ('" LENA "','lena@example.org','Lena','legal');"
    "INSERT INTO person_role (person_id, role) VALUES ('" OLIVIA "','orchestrator'),"
    " ('" RITA "','responder'), ('" ROB "','responder'), ('" CORA "','coach'),"
    " ('" GIL "','information-gatherer'), ('" MAYA "','responder'), ('" MARK "','coach'),"
    " ('" LENA "','responder');"
    "INSERT INTO channel (id, kind, base_url) VALUES ('sandbox','mastodon','http://127.0.0.1:1');"
    "INSERT INTO routing_rule (id, priority, keywords, channel_id, department_id) VALUES"
    " ('support', 20, '{refund,broken}', NULL, 'customer-care'),"
    " ('partners', 30, '{partnership}', NULL, 'marketing'),"
    " ('lawyers', 40, '{lawyer}', NULL, 'legal');"
    "INSERT INTO approval_step (department_id, role, same_department) VALUES"
    " (NULL, 'coach', true);"
    "UPDATE inbox_setting SET working_days = '{1,2,3,4,5,6,7}', opens_at = '00:00',"
    " closes_at = '24:00', first_response_minutes = 60, warn_minutes = 15"
    " WHERE department_id = '';"
    "INSERT INTO inbox_setting (department_id, working_days, opens_at, closes_at, assign_cap,"
    "  skip_approval_certification) VALUES"
    " ('customer-care', '{1,2,3,4,5,6,7}', '00:00', '24:00', 2, 'frontline');"
    "INSERT INTO inbox_setting (department_id, auto_assign) VALUES ('legal', false);"
    "INSERT INTO certification (person_id, channel_id, name, expires_at) VALUES"
    " ('" RITA "', 'sandbox', 'frontline', NULL),"
    " ('" ROB "', NULL, 'frontline', now() - interval '1 day');";

static hd_db_t *s_db, *s_wf; /* the owner's; workflow's role */
static wf_ctx_t s_ctx = {.facts = {.fallback_role = "orchestrator"}};
static hd_batch_out_t *s_out;
static int s_batching; /* apply() gathers a copy for run_gathered() */
static hd_envelope_t *s_gathered[16];
static size_t s_ngathered;

static int setup(void) {
    if (s_db)
        return 0;
    char url[512];
    if (hd_testdb_create("test_workflow_inbox", 0, url, sizeof url) < 0)
        return -1;
    s_db = hd_db_connect(url, 5000);
    s_wf = hd_db_connect(url, 5000);
    if (!s_db || !s_wf || hd_db_cmd(s_wf, "SET ROLE huddle_workflow", 0, NULL) < 0)
        return -1;
    s_out = hd_batch_out_new("workflow");
    PGresult *r = PQexec(hd_db_conn(s_db), FIXTURE);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "fixture: %s\n", PQresultErrorMessage(r));
    PQclear(r);
    return ok ? 0 : -1;
}

/* evs as one batch in its own transaction, its emitted events written. */
static int run_batch(const hd_envelope_t *const *evs, size_t n) {
    if (hd_db_begin(s_wf) < 0)
        return -99;
    hd_batch_out_clear(s_out);
    int rc = wf_apply_batch(s_wf, evs, n, s_out, &s_ctx);
    if (rc == HD_APPLY_OK && hd_batch_out_write(s_out, s_wf) < 0)
        rc = HD_APPLY_RETRY;
    if (rc == HD_APPLY_OK)
        hd_db_commit(s_wf);
    else
        hd_db_rollback(s_wf);
    return rc;
}

/* ev as a batch of one; while batching, a copy kept for run_gathered. */
static int apply(hd_envelope_t *ev) {
    if (!s_batching) {
        const hd_envelope_t *one[1] = {ev};
        return run_batch(one, 1);
    }
    size_t len;
    uint8_t *raw = hd_envelope_pack(ev, &len);
    s_gathered[s_ngathered++] = hd_envelope_unpack(raw, len);
    free(raw);
    return HD_APPLY_OK;
}

static int run_gathered(void) {
    int rc = run_batch((const hd_envelope_t *const *)s_gathered, s_ngathered);
    for (size_t i = 0; i < s_ngathered; i++)
        hd_envelope_free(s_gathered[i]);
    s_ngathered = 0;
    s_batching = 0;
    return rc;
}

/* The first column of the first row as text ("(none)" without a row), in
   a static buffer. */
static const char *value(const char *sql, const char *p1) {
    static char buf[512];
    const char *p[1] = {p1};
    PGresult *r = hd_db_exec(s_db, sql, p1 ? 1 : 0, p);
    snprintf(buf, sizeof buf, "%s",
             r && PQntuples(r) ? (PQgetisnull(r, 0, 0) ? "(null)" : PQgetvalue(r, 0, 0))
                               : "(none)");
    PQclear(r);
    return buf;
}

/* state, assignee email and version of a mention's item: "assigned rita@example.org 2". */
static const char *item(const char *mention_id) {
    return value("SELECT i.state || ' ' || coalesce(p.email, '-') || ' ' || i.version "
                 "FROM inbox_item i LEFT JOIN person p ON p.id = i.assignee_id "
                 "WHERE i.mention_id = $1",
                 mention_id);
}

#define ASSERT_VALUE(got, want)                                             \
    do {                                                                    \
        const char *g_ = (got);                                             \
        if (strcmp(g_, want) != 0)                                          \
            fprintf(stderr, "%s: got '%s', wanted '%s'\n", #got, g_, want); \
        ASSERT_STR(g_, want);                                               \
    } while (0)

static long outbox_rows(void) { return atol(value("SELECT count(*) FROM outbox", NULL)); }

/* The outbox event caused by `cause` with `label`, or NULL. Free it. */
static hd_envelope_t *emitted(const char *cause, const char *label) {
    char id[HD_ID_LEN];
    hd_id_derive(id, cause, label);
    const char *p[1] = {id};
    PGresult *r =
        hd_db_execv(s_db, "SELECT payload FROM outbox WHERE event_id = $1", 1, p, NULL, NULL, 1);
    hd_envelope_t *ev = NULL;
    if (r && PQntuples(r) == 1)
        ev = hd_envelope_unpack((const uint8_t *)PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
    PQclear(r);
    return ev;
}

/* ---- envelope builders ---- */

typedef struct {
    char id[HD_ID_LEN];
    hd_envelope_t env;
} ev_t;

static void ev_init(ev_t *e, Huddle__V1__Envelope__BodyCase body, const char *dept,
                    const char *corr) {
    hd_envelope_t init = HUDDLE__V1__ENVELOPE__INIT;
    e->env = init;
    hd_id_random(e->id);
    e->env.id = e->id;
    e->env.body_case = body;
    e->env.type = (char *)hd_envelope_type_name(body);
    e->env.department = (char *)dept;
    e->env.correlation_id = (char *)corr;
    e->env.occurred_at_ms = hd_now_ms();
    e->env.source = "test";
}

/* A mention by author; its id into mid and its event's id into cause. */
static int mention(const char *author, const char *text, char *mid, char *cause) {
    Huddle__V1__MentionReceived b = HUDDLE__V1__MENTION_RECEIVED__INIT;
    hd_id_random(mid);
    b.mention_id = mid;
    b.channel = "sandbox";
    b.external_id = "10901";
    b.author_handle = (char *)author;
    b.text = (char *)text;
    b.url = "http://sandbox/@fan/10901";
    b.feed = "care-mentions";
    ev_t e;
    ev_init(&e, HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED, "", mid);
    e.env.mention_received = &b;
    if (cause)
        snprintf(cause, HD_ID_LEN, "%s", e.id);
    return apply(&e.env);
}

/* A person's request; the event's id into cause. */
static int request(const char *mid, const char *action, const char *actor, const char *assignee,
                   const char *department, char *cause) {
    Huddle__V1__InboxRequested b = HUDDLE__V1__INBOX_REQUESTED__INIT;
    char rid[HD_ID_LEN];
    hd_id_random(rid);
    b.request_id = rid;
    b.mention_id = (char *)mid;
    b.action = (char *)action;
    b.actor_id = (char *)actor;
    b.actor_email = "someone@example.org";
    b.assignee_id = (char *)assignee;
    b.department = (char *)department;
    b.reason = "by hand";
    ev_t e;
    ev_init(&e, HUDDLE__V1__ENVELOPE__BODY_INBOX_REQUESTED, "customer-care", mid);
    e.env.inbox_requested = &b;
    snprintf(cause, HD_ID_LEN, "%s", e.id);
    return apply(&e.env);
}

/* A reply by author to mention mid (superseding `old` when given); the
   event's id into cause when given. */
static int reply(const char *cid, const char *author, const char *email, const char *mid,
                 const char *old, char *cause) {
    Huddle__V1__ContentSubmitted b = HUDDLE__V1__CONTENT_SUBMITTED__INIT;
    b.content_id = (char *)cid;
    b.author_id = (char *)author;
    b.author_email = (char *)email;
    b.channel = "sandbox";
    b.text = "@fan sorry about that";
    b.kind = "reply";
    b.reply_to_mention_id = (char *)mid;
    b.reply_to_external_id = "10901";
    b.supersedes = (char *)old;
    ev_t e;
    ev_init(&e, HUDDLE__V1__ENVELOPE__BODY_CONTENT_SUBMITTED, "customer-care", cid);
    e.env.content_submitted = &b;
    if (cause)
        snprintf(cause, HD_ID_LEN, "%s", e.id);
    return apply(&e.env);
}

static int verdict(const char *cid, const char *v, char *cause) {
    Huddle__V1__PolicyEvaluated b = HUDDLE__V1__POLICY_EVALUATED__INIT;
    b.content_id = (char *)cid;
    b.verdict = (char *)v;
    char *legal[] = {"legal"};
    if (strcmp(v, "review") == 0) {
        b.roles = legal;
        b.n_roles = 1;
    }
    ev_t e;
    ev_init(&e, HUDDLE__V1__ENVELOPE__BODY_POLICY_EVALUATED, "customer-care", cid);
    e.env.policy_evaluated = &b;
    snprintf(cause, HD_ID_LEN, "%s", e.id);
    return apply(&e.env);
}

static int published(const char *cid, char *cause) {
    Huddle__V1__PublishSucceeded b = HUDDLE__V1__PUBLISH_SUCCEEDED__INIT;
    b.content_id = (char *)cid;
    b.channel = "sandbox";
    b.post_id = "10977";
    ev_t e;
    ev_init(&e, HUDDLE__V1__ENVELOPE__BODY_PUBLISH_SUCCEEDED, "customer-care", cid);
    e.env.publish_succeeded = &b;
    snprintf(cause, HD_ID_LEN, "%s", e.id);
    return apply(&e.env);
}

/* Resolves every item, long ago (a test's counts start from zero, no
   conversation continues; who was assigned when is kept). */
static void clear_inbox(void) {
    ASSERT_EQ(hd_db_cmd(s_db,
                        "UPDATE inbox_item SET state = 'resolved', "
                        "routed_at = now() - interval '30 days'",
                        0, NULL),
              0);
}

#define ASSERT_PREFIX(got, want)                                               \
    do {                                                                       \
        const char *g_ = (got);                                                \
        if (strncmp(g_, want, strlen(want)) != 0)                              \
            fprintf(stderr, "%s: got '%s', wanted '%s...'\n", #got, g_, want); \
        ASSERT(strncmp(g_, want, strlen(want)) == 0);                          \
    } while (0)

HD_TEST(routed_with_deadlines_and_auto_assigned) {
    ASSERT_EQ(setup(), 0);
    char m[HD_ID_LEN], cause[HD_ID_LEN];
    ASSERT_EQ(mention("@fan", "my order arrived broken", m, cause), HD_APPLY_OK);
    /* rita and rob have nothing: the tie goes by email */
    ASSERT_VALUE(item(m), "assigned rita@example.org 1");
    ASSERT_VALUE(value("SELECT department_id || ' ' || rule_id || ' ' || triage || ' ' || "
                       "feed_id || ' ' || external_id FROM inbox_item WHERE mention_id = $1",
                       m),
                 "customer-care support false care-mentions 10901");
    ASSERT_VALUE(value("SELECT sla_due_at - received_at = interval '60 minutes' AND "
                       "sla_warn_at - received_at = interval '45 minutes' AND "
                       "assigned_at = received_at AND state_at = received_at "
                       "FROM inbox_item WHERE mention_id = $1",
                       m),
                 "t");
    hd_envelope_t *routed = emitted(cause, "mention.routed");
    ASSERT(routed != NULL);
    const Huddle__V1__MentionRouted *r = routed->mention_routed;
    int ok = strcmp(routed->department, "customer-care") == 0 && !r->triage &&
             strcmp(r->feed, "care-mentions") == 0 && strcmp(r->external_id, "10901") == 0 &&
             r->received_at_ms > 0 && r->sla_due_at_ms == r->received_at_ms + 3600000 &&
             strcmp(r->conversation_of, "") == 0;
    hd_envelope_free(routed);
    ASSERT(ok);
    hd_envelope_t *as = emitted(cause, "inbox.assigned");
    ASSERT(as != NULL);
    const Huddle__V1__InboxChanged *c = as->inbox_changed;
    ok = strcmp(as->type, "inbox.assigned") == 0 && strcmp(as->correlation_id, m) == 0 &&
         strcmp(as->department, "customer-care") == 0 && strcmp(c->state, "assigned") == 0 &&
         strcmp(c->from_state, "new") == 0 && strcmp(c->assignee_id, RITA) == 0 &&
         strcmp(c->assignee_email, "rita@example.org") == 0 && strcmp(c->actor_id, "") == 0 &&
         strcmp(as->actor, "workflow") == 0 && strstr(c->reason, "auto-assigned") != NULL;
    hd_envelope_free(as);
    ASSERT(ok);
    /* a replay records nothing and assigns nothing */
    long before = outbox_rows();
    s_batching = 1;
    char again[HD_ID_LEN];
    ASSERT_EQ(mention("@fan2", "refund", again, NULL), HD_APPLY_OK);
    snprintf(s_gathered[0]->mention_received->mention_id, HD_ID_LEN, "%s", m);
    ASSERT_EQ(run_gathered(), HD_APPLY_OK);
    ASSERT_EQ(outbox_rows(), before);
    ASSERT_VALUE(item(m), "assigned rita@example.org 1");
}

HD_TEST(a_batch_counts_as_it_assigns_and_keeps_the_cap) {
    ASSERT_EQ(setup(), 0);
    clear_inbox();
    char m[5][HD_ID_LEN];
    s_batching = 1;
    int64_t t = hd_now_ms();
    for (int i = 0; i < 5; i++) {
        ASSERT_EQ(mention("@many", "refund please", m[i], NULL), HD_APPLY_OK);
        s_gathered[i]->occurred_at_ms = t + i; /* who was assigned last is certain */
    }
    ASSERT_EQ(run_gathered(), HD_APPLY_OK);
    /* rita was assigned (earlier test) more recently than rob, never */
    ASSERT_VALUE(item(m[0]), "assigned rob@example.org 1");
    ASSERT_VALUE(item(m[1]), "assigned rita@example.org 1");
    ASSERT_VALUE(item(m[2]), "assigned rob@example.org 1");
    ASSERT_VALUE(item(m[3]), "assigned rita@example.org 1");
    ASSERT_VALUE(item(m[4]), "new - 1"); /* both at customer-care's cap of 2 */
}

HD_TEST(triage_away_and_auto_assign_off) {
    ASSERT_EQ(setup(), 0);
    char t[HD_ID_LEN], cause[HD_ID_LEN];
    ASSERT_EQ(mention("@fan", "hello there", t, cause), HD_APPLY_OK);
    ASSERT_VALUE(item(t), "assigned gil@example.org 1");
    ASSERT_VALUE(value("SELECT department_id || '|' || rule_id || '|' || triage FROM inbox_item "
                       "WHERE mention_id = $1",
                       t),
                 "||true");
    hd_envelope_t *routed = emitted(cause, "mention.routed");
    ASSERT(routed != NULL);
    int ok = strcmp(routed->department, "") == 0 && routed->mention_routed->triage;
    hd_envelope_free(routed);
    ASSERT(ok);
    ASSERT_EQ(hd_db_cmd(s_db,
                        "UPDATE person SET away_until = now() + interval '1 hour' WHERE id = "
                        "'" GIL "'",
                        0, NULL),
              0);
    ASSERT_EQ(mention("@fan", "hello again", t, NULL), HD_APPLY_OK);
    ASSERT_VALUE(item(t), "new - 1");
    ASSERT_EQ(hd_db_cmd(s_db, "UPDATE person SET away_until = NULL", 0, NULL), 0);
    ASSERT_EQ(mention("@fan", "ask my lawyer", t, NULL), HD_APPLY_OK);
    ASSERT_VALUE(item(t), "new - 1"); /* legal: auto_assign false */
}

/* The answer to request `cause`: "what state assignee-email reason". */
static const char *answer(const char *cause, const char *label) {
    static char buf[512];
    hd_envelope_t *a = emitted(cause, label);
    if (!a)
        return "(none)";
    const Huddle__V1__InboxChanged *c = a->inbox_changed;
    snprintf(buf, sizeof buf, "%s %s %s %s", c->what, c->state,
             *c->assignee_email ? c->assignee_email : "-", c->reason);
    int has_request = *c->request_id != 0;
    hd_envelope_free(a);
    return has_request ? buf : "(no request_id)";
}

HD_TEST(requests_are_answered_or_refused) {
    ASSERT_EQ(setup(), 0);
    clear_inbox();
    char m[HD_ID_LEN], q[HD_ID_LEN];
    ASSERT_EQ(mention("@req", "refund", m, NULL), HD_APPLY_OK);
    ASSERT_VALUE(item(m), "assigned rob@example.org 1");
    ASSERT_EQ(request(m, "assign", RITA, ROB, "", q), HD_APPLY_OK);
    ASSERT_PREFIX(answer(q, "inbox.refused"), "refused assigned rob@example.org only a coach");
    ASSERT_VALUE(item(m), "assigned rob@example.org 1");
    ASSERT_EQ(request(m, "assign", CORA, RITA, "", q), HD_APPLY_OK);
    ASSERT_VALUE(answer(q, "inbox.assigned"), "assigned assigned rita@example.org by hand");
    ASSERT_VALUE(item(m), "assigned rita@example.org 2");
    /* a replayed request is not decided again */
    long before = outbox_rows();
    s_batching = 1;
    char q2[HD_ID_LEN];
    ASSERT_EQ(request(m, "assign", CORA, RITA, "", q2), HD_APPLY_OK);
    snprintf(s_gathered[0]->id, HD_ID_LEN, "%s", q);
    ASSERT_EQ(run_gathered(), HD_APPLY_OK);
    ASSERT_EQ(outbox_rows(), before);
    ASSERT_VALUE(item(m), "assigned rita@example.org 2");
    ASSERT_EQ(request(m, "wait", RITA, "", "", q), HD_APPLY_OK);
    ASSERT_VALUE(answer(q, "inbox.waiting"), "waiting waiting rita@example.org by hand");
    ASSERT_EQ(request(m, "resolve", ROB, "", "", q), HD_APPLY_OK);
    ASSERT_VALUE(answer(q, "inbox.refused"),
                 "refused waiting rita@example.org the item is someone else's: its owner or a "
                 "coach may");
    ASSERT_EQ(request(m, "escalate", RITA, "", "", q), HD_APPLY_OK);
    ASSERT_VALUE(answer(q, "inbox.escalated"), "escalated waiting cora@example.org by hand");
    ASSERT_VALUE(value("SELECT escalated::text FROM inbox_item WHERE mention_id = $1", m), "true");
    ASSERT_EQ(request(m, "route", CORA, "", "marketing", q), HD_APPLY_OK);
    ASSERT_VALUE(answer(q, "inbox.routed"), "routed new - by hand");
    ASSERT_VALUE(answer(q, "inbox.assigned"), "(no request_id)"); /* workflow's own */
    ASSERT_VALUE(item(m), "assigned maya@example.org 6");         /* routed, then assigned */
    ASSERT_VALUE(value("SELECT department_id || ' ' || escalated || ' ' || "
                       "(sla_due_at - received_at = interval '60 minutes') FROM inbox_item "
                       "WHERE mention_id = $1",
                       m),
                 "marketing false true");
    hd_envelope_t *rt = emitted(q, "inbox.routed");
    ASSERT(rt != NULL);
    int ok = strcmp(rt->department, "marketing") == 0 &&
             strcmp(rt->inbox_changed->from_department, "customer-care") == 0 &&
             strcmp(rt->inbox_changed->from_state, "waiting") == 0;
    hd_envelope_free(rt);
    ASSERT(ok);
    ASSERT_EQ(request(m, "resolve", MAYA, "", "", q), HD_APPLY_OK);
    ASSERT_VALUE(answer(q, "inbox.resolved"), "resolved resolved maya@example.org by hand");
    ASSERT_EQ(request(m, "resolve", MAYA, "", "", q), HD_APPLY_OK);
    ASSERT_VALUE(answer(q, "inbox.refused"),
                 "refused resolved maya@example.org item is resolved: reopen it first");
    char unknown[HD_ID_LEN];
    hd_id_random(unknown);
    ASSERT_EQ(request(unknown, "resolve", MAYA, "", "", q), HD_APPLY_OK);
    hd_envelope_t *no = emitted(q, "inbox.refused");
    ASSERT(no != NULL);
    ok = strstr(no->inbox_changed->reason, "no inbox item") != NULL &&
         strcmp(no->inbox_changed->state, "") == 0;
    hd_envelope_free(no);
    ASSERT(ok);
}

HD_TEST(the_author_writing_again_reopens_the_conversation) {
    ASSERT_EQ(setup(), 0);
    clear_inbox();
    char old[HD_ID_LEN], m[HD_ID_LEN], q[HD_ID_LEN], cause[HD_ID_LEN];
    ASSERT_EQ(mention("@conv", "refund", old, NULL), HD_APPLY_OK);
    ASSERT_VALUE(item(old), "assigned rob@example.org 1");
    ASSERT_EQ(request(old, "resolve", ROB, "", "", q), HD_APPLY_OK);
    ASSERT_VALUE(item(old), "resolved rob@example.org 2");
    ASSERT_EQ(mention("@other", "refund", m, NULL), HD_APPLY_OK); /* rita, not the author */
    ASSERT_EQ(mention("@conv", "still no refund", m, cause), HD_APPLY_OK);
    ASSERT_VALUE(item(old), "assigned rob@example.org 3");
    ASSERT_VALUE(item(m), "assigned rob@example.org 1"); /* though rob has more */
    ASSERT_VALUE(value("SELECT conversation_of::text FROM inbox_item WHERE mention_id = $1", m),
                 old);
    hd_envelope_t *re = emitted(cause, "inbox.reopened");
    ASSERT(re != NULL);
    char want[128];
    snprintf(want, sizeof want, "the author wrote again: mention %s", m);
    int ok = strcmp(re->inbox_changed->mention_id, old) == 0 &&
             strcmp(re->correlation_id, old) == 0 &&
             strcmp(re->inbox_changed->from_state, "resolved") == 0 &&
             strcmp(re->inbox_changed->reason, want) == 0;
    hd_envelope_free(re);
    ASSERT(ok);
    hd_envelope_t *routed = emitted(cause, "mention.routed");
    ASSERT(routed != NULL);
    ok = strcmp(routed->mention_routed->conversation_of, old) == 0;
    hd_envelope_free(routed);
    ASSERT(ok);
}

HD_TEST(a_reply_supersedes_one_not_yet_approved) {
    ASSERT_EQ(setup(), 0);
    char m[HD_ID_LEN], r1[HD_ID_LEN], r2[HD_ID_LEN], r3[HD_ID_LEN], v[HD_ID_LEN];
    ASSERT_EQ(mention("@sup", "refund", m, NULL), HD_APPLY_OK);
    hd_id_random(r1);
    hd_id_random(r2);
    hd_id_random(r3);
    ASSERT_EQ(reply(r1, ROB, "rob@example.org", m, NULL, NULL), HD_APPLY_OK);
    char want[128];
    snprintf(want, sizeof want, "%s 10901 reply", m);
    ASSERT_VALUE(value("SELECT reply_to_mention_id || ' ' || reply_to_external_id || ' ' || kind "
                       "FROM workflow_item WHERE content_id = $1",
                       r1),
                 want);
    ASSERT_EQ(verdict(r1, "pass", v), HD_APPLY_OK); /* rob's certification expired */
    ASSERT_VALUE(value("SELECT state FROM workflow_item WHERE content_id = $1", r1),
                 "awaiting_approval");
    char cause[HD_ID_LEN];
    ASSERT_EQ(reply(r2, RITA, "rita@example.org", m, r1, cause), HD_APPLY_OK);
    ASSERT_VALUE(value("SELECT state FROM workflow_item WHERE content_id = $1", r1), "rejected");
    hd_envelope_t *rj = emitted(cause, "content.rejected");
    ASSERT(rj != NULL);
    snprintf(want, sizeof want, "superseded by reply %s", r2);
    int ok = strcmp(rj->content_rejected->reason, want) == 0 &&
             strcmp(rj->content_rejected->content_id, r1) == 0 &&
             strcmp(rj->correlation_id, r1) == 0 &&
             strcmp(rj->content_rejected->actor_email, "rita@example.org") == 0;
    hd_envelope_free(rj);
    ASSERT(ok);
    /* r2 approved (certified): a third reply cannot withdraw it */
    ASSERT_EQ(verdict(r2, "pass", v), HD_APPLY_OK);
    ASSERT_VALUE(value("SELECT state FROM workflow_item WHERE content_id = $1", r2), "approved");
    ASSERT_EQ(reply(r3, RITA, "rita@example.org", m, r2, NULL), HD_APPLY_OK);
    ASSERT_VALUE(value("SELECT state FROM workflow_item WHERE content_id = $1", r2), "approved");
}

HD_TEST(certified_responders_skip_approval_where_the_department_says) {
    ASSERT_EQ(setup(), 0);
    char m[HD_ID_LEN], a[HD_ID_LEN], b[HD_ID_LEN], c[HD_ID_LEN], v[HD_ID_LEN];
    ASSERT_EQ(mention("@cert", "refund", m, NULL), HD_APPLY_OK);
    hd_id_random(a);
    hd_id_random(b);
    hd_id_random(c);
    ASSERT_EQ(reply(a, RITA, "rita@example.org", m, NULL, NULL), HD_APPLY_OK);
    ASSERT_EQ(verdict(a, "pass", v), HD_APPLY_OK);
    ASSERT_VALUE(value("SELECT w.state || ' ' || w.required_roles::text || ' ' || ap.role || ' ' "
                       "|| ap.actor_id FROM workflow_item w JOIN workflow_approval ap "
                       "ON ap.content_id = w.content_id WHERE w.content_id = $1",
                       a),
                 "approved {certified} certified " RITA);
    hd_envelope_t *ok_ev = emitted(v, "content.approved");
    ASSERT(ok_ev != NULL);
    int ok = strcmp(ok_ev->content_approved->kind, "reply") == 0 &&
             strcmp(ok_ev->content_approved->reply_to_mention_id, m) == 0 &&
             strcmp(ok_ev->content_approved->reply_to_external_id, "10901") == 0;
    hd_envelope_free(ok_ev);
    ASSERT(ok);
    /* review goes the usual way; an expired certification does not count */
    ASSERT_EQ(reply(b, RITA, "rita@example.org", m, NULL, NULL), HD_APPLY_OK);
    ASSERT_EQ(verdict(b, "review", v), HD_APPLY_OK);
    ASSERT_VALUE(value("SELECT state || ' ' || required_roles::text FROM workflow_item "
                       "WHERE content_id = $1",
                       b),
                 "awaiting_approval {coach,legal}");
    ASSERT_EQ(reply(c, ROB, "rob@example.org", m, NULL, NULL), HD_APPLY_OK);
    ASSERT_EQ(verdict(c, "pass", v), HD_APPLY_OK);
    ASSERT_VALUE(value("SELECT state FROM workflow_item WHERE content_id = $1", c),
                 "awaiting_approval");
    /* a department without the setting: the chain */
    ASSERT_EQ(hd_db_cmd(s_db,
                        "UPDATE inbox_setting SET skip_approval_certification = NULL "
                        "WHERE department_id = 'customer-care'",
                        0, NULL),
              0);
    char d[HD_ID_LEN];
    hd_id_random(d);
    ASSERT_EQ(reply(d, RITA, "rita@example.org", m, NULL, NULL), HD_APPLY_OK);
    ASSERT_EQ(verdict(d, "pass", v), HD_APPLY_OK);
    ASSERT_VALUE(value("SELECT state FROM workflow_item WHERE content_id = $1", d),
                 "awaiting_approval");
    ASSERT_EQ(hd_db_cmd(s_db,
                        "UPDATE inbox_setting SET skip_approval_certification = 'frontline' "
                        "WHERE department_id = 'customer-care'",
                        0, NULL),
              0);
}

HD_TEST(the_first_published_reply_stops_the_clock) {
    ASSERT_EQ(setup(), 0);
    clear_inbox();
    char m[HD_ID_LEN], a[HD_ID_LEN], b[HD_ID_LEN], v[HD_ID_LEN], p[HD_ID_LEN];
    ASSERT_EQ(mention("@clock", "refund", m, NULL), HD_APPLY_OK);
    char owner[64], want[128];
    snprintf(owner, sizeof owner, "%s", item(m) + strlen("assigned "));
    ASSERT(strncmp(item(m), "assigned ", 9) == 0);
    hd_id_random(a);
    hd_id_random(b);
    ASSERT_EQ(reply(a, RITA, "rita@example.org", m, NULL, NULL), HD_APPLY_OK);
    ASSERT_EQ(verdict(a, "pass", v), HD_APPLY_OK);
    ASSERT_EQ(published(a, p), HD_APPLY_OK);
    owner[strcspn(owner, " ")] = 0;
    snprintf(want, sizeof want, "waiting %s 2", owner);
    ASSERT_VALUE(item(m), want);
    ASSERT_VALUE(value("SELECT (first_response_at IS NOT NULL AND first_response_ms >= 0 AND "
                       "first_response_ms = (extract(epoch FROM first_response_at - received_at) "
                       "* 1000)::bigint)::text || ' ' || replied_by || ' ' || "
                       "reply_content_id FROM inbox_item WHERE mention_id = $1",
                       m),
                 (snprintf(want, sizeof want, "true rita@example.org %s", a), want));
    ASSERT_VALUE(value("SELECT state FROM workflow_item WHERE content_id = $1", a), "published");
    hd_envelope_t *re = emitted(p, "inbox.replied");
    ASSERT(re != NULL);
    const Huddle__V1__InboxChanged *c = re->inbox_changed;
    int ok = c->first && strcmp(c->state, "waiting") == 0 &&
             strcmp(c->from_state, "assigned") == 0 && strcmp(c->reply_content_id, a) == 0 &&
             strcmp(c->actor_email, "rita@example.org") == 0 && c->wall_ms >= 0 &&
             c->response_ms == c->wall_ms && strcmp(re->correlation_id, m) == 0 &&
             strcmp(re->department, "customer-care") == 0;
    hd_envelope_free(re);
    ASSERT(ok);
    /* a second reply published: replied again, the clock keeps the first */
    ASSERT_EQ(reply(b, RITA, "rita@example.org", m, NULL, NULL), HD_APPLY_OK);
    ASSERT_EQ(verdict(b, "pass", v), HD_APPLY_OK);
    ASSERT_EQ(published(b, p), HD_APPLY_OK);
    re = emitted(p, "inbox.replied");
    ASSERT(re != NULL);
    ok = !re->inbox_changed->first && re->inbox_changed->response_ms == 0;
    hd_envelope_free(re);
    ASSERT(ok);
    ASSERT_VALUE(value("SELECT reply_content_id::text FROM inbox_item WHERE mention_id = $1", m),
                 a);
}

HD_TEST(cleanup) {
    hd_db_destroy(&s_db);
    hd_db_destroy(&s_wf);
    hd_batch_out_destroy(&s_out);
    wf_ctx_free(&s_ctx);
}

HD_TEST_MAIN(HD_CASE(routed_with_deadlines_and_auto_assigned),
             HD_CASE(a_batch_counts_as_it_assigns_and_keeps_the_cap),
             HD_CASE(triage_away_and_auto_assign_off), HD_CASE(requests_are_answered_or_refused),
             HD_CASE(the_author_writing_again_reopens_the_conversation),
             HD_CASE(a_reply_supersedes_one_not_yet_approved),
             HD_CASE(certified_responders_skip_approval_where_the_department_says),
             HD_CASE(the_first_published_reply_stops_the_clock), HD_CASE(cleanup))
