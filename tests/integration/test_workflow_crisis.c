/*  What crises do to workflow's items, against a real PostgreSQL and with
    workflow's own database role (huddle_workflow: its grants are part of
    what is proved): a held item released with `reapprove` goes back to
    approval (its approvals deleted, approval.requested again, a new
    approval makes content.approved again), with `expire` ends expired,
    with `publish` stays approved; in one batch, an approval recorded
    before the release is cleared with the others; a holding statement is
    approved at once by its playbook (recorded as the `playbook` role by
    its author) unless policy blocks it, and content.approved carries the
    item's kind and crisis; the roles a crisis adds (legal, orchestrator)
    are booth roles without a review_role row. wf_apply_batch is driven as
    hd_consumer drives it, each call in its own transaction. */
#include "apply.h"
#include "decide.h"
#include "hd_db.h"
#include "hd_id.h"
#include "hd_test.h"
#include "hd_testdb.h"

#define MAYA "00000000-0000-4000-8000-000000000002"   /* marketing player, author */
#define CARL "00000000-0000-4000-8000-000000000003"   /* marketing coach */
#define LENA "00000000-0000-4000-8000-000000000006"   /* legal */
#define OLIVIA "00000000-0000-4000-8000-000000000001" /* hub orchestrator */
#define CRISIS "cccccccc-0000-4000-8000-000000000001"

/* No review_role row for orchestrator: what a crisis adds must do without. */
static const char *FIXTURE =
    "INSERT INTO department (id, name) VALUES ('hub','Hub'), ('marketing','Marketing'),"
    " ('legal','Legal');"
    "INSERT INTO person (id, email, name, department_id) VALUES"
    " ('" OLIVIA "','olivia@example.org','Olivia','hub'),"
    " ('" MAYA "','maya@example.org','Maya','marketing'),"
    " ('" CARL "','carl@example.org','Carl','marketing'),"
    " ('" LENA "','lena@example.org','Lena','legal');"
    "INSERT INTO person_role (person_id, role) VALUES ('" OLIVIA "','orchestrator'),"
    " ('" MAYA "','player'), ('" CARL "','coach'), ('" LENA "','legal');"
    "INSERT INTO channel (id, kind, base_url) VALUES ('sandbox','mastodon','http://127.0.0.1:1');"
    "INSERT INTO approval_step (department_id, role, same_department) VALUES"
    " (NULL, 'coach', true);"
    "INSERT INTO review_role (role, same_department) VALUES ('legal', false);";

static hd_db_t *s_db;
static wf_ctx_t s_ctx = {.facts = {.fallback_role = "orchestrator"}};
static hd_batch_out_t *s_out;

static int setup(void) {
    if (s_db)
        return 0;
    char url[512];
    if (hd_testdb_create("test_workflow_crisis", 0, url, sizeof url) < 0)
        return -1;
    s_db = hd_db_connect(url, 5000);
    if (!s_db)
        return -1;
    s_out = hd_batch_out_new("workflow");
    PGresult *r = PQexec(hd_db_conn(s_db), FIXTURE);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "fixture: %s\n", PQresultErrorMessage(r));
    PQclear(r);
    return ok ? 0 : -1;
}

/* The n events as one batch, as workflow's role, in their own
   transaction with the emitted events written; the rc of wf_apply_batch
   (-99: a database error around it). */
static int run(const hd_envelope_t *const *evs, size_t n) {
    if (hd_db_begin(s_db) < 0 || hd_db_cmd(s_db, "SET LOCAL ROLE huddle_workflow", 0, NULL) < 0)
        return -99;
    hd_batch_out_clear(s_out);
    int rc = wf_apply_batch(s_db, evs, n, s_out, &s_ctx);
    if (rc == HD_APPLY_OK && hd_batch_out_write(s_out, s_db) < 0)
        rc = -99;
    if (rc == HD_APPLY_OK && hd_db_commit(s_db) == 0)
        return rc;
    hd_db_rollback(s_db);
    return rc == HD_APPLY_OK ? -99 : rc;
}

static int apply(const hd_envelope_t *ev) {
    const hd_envelope_t *one[1] = {ev};
    return run(one, 1);
}

static long scalar(const char *sql, const char *p1) {
    const char *p[1] = {p1};
    PGresult *r = hd_db_exec(s_db, sql, p1 ? 1 : 0, p);
    long v = r && PQntuples(r) ? atol(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return v;
}

/* Column `col` of the item's workflow_item row, as text, into out. */
static const char *item_col(const char *cid, const char *col, char *out, size_t n) {
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT coalesce(%s::text, '(null)') FROM workflow_item "
             "WHERE content_id = $1",
             col);
    const char *p[1] = {cid};
    PGresult *r = hd_db_exec(s_db, sql, 1, p);
    snprintf(out, n, "%s", r && PQntuples(r) ? PQgetvalue(r, 0, 0) : "(none)");
    PQclear(r);
    return out;
}

#define ASSERT_COL(cid, col, want)                               \
    do {                                                         \
        char got_[256];                                          \
        ASSERT_STR(item_col(cid, col, got_, sizeof got_), want); \
    } while (0)

/* The event `cause` emitted with `label`, or NULL. Free it. */
static hd_envelope_t *emitted(const hd_envelope_t *cause, const char *label) {
    char id[HD_ID_LEN];
    hd_id_derive(id, cause->id, label);
    const char *p[1] = {id};
    PGresult *r =
        hd_db_execv(s_db, "SELECT payload FROM outbox WHERE event_id = $1", 1, p, NULL, NULL, 1);
    hd_envelope_t *ev = NULL;
    if (r && PQntuples(r) == 1)
        ev = hd_envelope_unpack((const uint8_t *)PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
    PQclear(r);
    return ev;
}

/* ---- envelopes, each with the storage of its body ---- */

typedef struct {
    char id[HD_ID_LEN];
    hd_envelope_t env;
    union {
        Huddle__V1__ContentSubmitted submitted;
        Huddle__V1__PolicyEvaluated evaluated;
        Huddle__V1__DecisionRecorded decision;
        Huddle__V1__ContentReleased released;
    } b;
    char *roles[4];
} ev_t;

static void ev_init(ev_t *e, Huddle__V1__Envelope__BodyCase body, const char *cid) {
    e->env = (hd_envelope_t)HUDDLE__V1__ENVELOPE__INIT;
    hd_id_random(e->id);
    e->env.id = e->id;
    e->env.body_case = body;
    e->env.type = (char *)hd_envelope_type_name(body);
    e->env.department = "marketing";
    e->env.correlation_id = (char *)cid;
    e->env.occurred_at_ms = hd_now_ms();
    e->env.source = "test";
}

/* content.submitted by Maya on sandbox; crisis_id "" for none. */
static void submitted(ev_t *e, const char *cid, const char *kind, const char *crisis_id) {
    ev_init(e, HUDDLE__V1__ENVELOPE__BODY_CONTENT_SUBMITTED, cid);
    Huddle__V1__ContentSubmitted *b = &e->b.submitted;
    *b = (Huddle__V1__ContentSubmitted)HUDDLE__V1__CONTENT_SUBMITTED__INIT;
    b->content_id = (char *)cid;
    b->author_id = MAYA;
    b->author_email = "maya@example.org";
    b->channel = "sandbox";
    b->text = "We are aware of reports and will update at status.example.org.";
    b->kind = (char *)kind;
    b->crisis_id = (char *)crisis_id;
    e->env.content_submitted = b;
}

/* policy.evaluated with the roles given (NULL-terminated, at most 3). */
static void evaluated(ev_t *e, const char *cid, const char *verdict, char *const *roles) {
    ev_init(e, HUDDLE__V1__ENVELOPE__BODY_POLICY_EVALUATED, cid);
    Huddle__V1__PolicyEvaluated *b = &e->b.evaluated;
    *b = (Huddle__V1__PolicyEvaluated)HUDDLE__V1__POLICY_EVALUATED__INIT;
    b->content_id = (char *)cid;
    b->verdict = (char *)verdict;
    for (b->n_roles = 0; roles && roles[b->n_roles] && b->n_roles < 3; b->n_roles++)
        e->roles[b->n_roles] = roles[b->n_roles];
    b->roles = e->roles;
    b->policy_version = 1;
    e->env.policy_evaluated = b;
}

static void decision(ev_t *e, const char *cid, const char *actor, const char *role) {
    ev_init(e, HUDDLE__V1__ENVELOPE__BODY_DECISION_RECORDED, cid);
    Huddle__V1__DecisionRecorded *b = &e->b.decision;
    *b = (Huddle__V1__DecisionRecorded)HUDDLE__V1__DECISION_RECORDED__INIT;
    b->content_id = (char *)cid;
    b->decision_id = "d";
    b->actor_id = (char *)actor;
    b->actor_email = "someone@example.org";
    b->decision = "approve";
    b->role = (char *)role;
    e->env.decision_recorded = b;
}

/* content.released as the publisher emits it on resume. */
static void released(ev_t *e, const char *cid, const char *outcome) {
    ev_init(e, HUDDLE__V1__ENVELOPE__BODY_CONTENT_RELEASED, cid);
    Huddle__V1__ContentReleased *b = &e->b.released;
    *b = (Huddle__V1__ContentReleased)HUDDLE__V1__CONTENT_RELEASED__INIT;
    b->content_id = (char *)cid;
    b->crisis_id = CRISIS;
    b->outcome = (char *)outcome;
    b->reason = "the playbook's rule";
    b->author_email = "maya@example.org";
    b->channel = "sandbox";
    e->env.content_released = b;
}

/* A marketing post that needed coach and legal, approved by both, as the
   publisher would have held it. 0 / -1. */
static int approved_post(const char *cid) {
    ev_t s, v, d1, d2;
    char *legal[] = {"legal", NULL};
    submitted(&s, cid, "post", "");
    evaluated(&v, cid, "review", legal);
    decision(&d1, cid, CARL, "coach");
    decision(&d2, cid, LENA, "legal");
    const hd_envelope_t *evs[4] = {&s.env, &v.env, &d1.env, &d2.env};
    for (int i = 0; i < 4; i++)
        if (apply(evs[i]) != HD_APPLY_OK)
            return -1;
    return 0;
}

static long approvals(const char *cid) {
    return scalar("SELECT count(*) FROM workflow_approval WHERE content_id = $1", cid);
}

/* "coach,legal": the roles of an approval.requested. */
static void requested_roles(const hd_envelope_t *ev, char *out, size_t n) {
    snprintf(out, n, "%s", ev ? "" : "(none)");
    for (size_t i = 0; ev && i < ev->approval_requested->n_roles; i++) {
        size_t used = strlen(out);
        snprintf(out + used, n - used, "%s%s", i ? "," : "", ev->approval_requested->roles[i]);
    }
}

HD_TEST(reapprove_clears_approvals_and_asks_again) {
    ASSERT_EQ(setup(), 0);
    char cid[HD_ID_LEN];
    hd_id_random(cid);
    ASSERT_EQ(approved_post(cid), 0);
    ASSERT_COL(cid, "state", "approved");
    ASSERT_EQ(approvals(cid), 2);
    ASSERT_EQ(hd_db_cmd(s_db,
                        "UPDATE workflow_item SET requested_at = now() - interval '1 hour' "
                        "WHERE content_id = $1",
                        1, (const char *const[]){cid}),
              0);

    ev_t r;
    released(&r, cid, "reapprove");
    ASSERT_EQ(apply(&r.env), HD_APPLY_OK);
    ASSERT_COL(cid, "state", "awaiting_approval");
    ASSERT_COL(cid, "required_roles", "{coach,legal}");
    ASSERT_COL(cid, "decided_at", "(null)");
    ASSERT_EQ(scalar("SELECT count(*) FROM workflow_item WHERE content_id = $1 "
                     "AND requested_at > now() - interval '1 minute'",
                     cid),
              1);
    ASSERT_EQ(approvals(cid), 0);
    hd_envelope_t *req = emitted(&r.env, "approval.requested");
    ASSERT(req != NULL);
    char roles[128];
    requested_roles(req, roles, sizeof roles);
    int where_ok = strcmp(req->department, "marketing") == 0 &&
                   strcmp(req->correlation_id, cid) == 0 && strcmp(req->causation_id, r.id) == 0;
    hd_envelope_free(req);
    ASSERT_STR(roles, "coach,legal");
    ASSERT(where_ok);

    /* every role decides again; the last approval approves it again */
    ev_t d1, d2;
    decision(&d1, cid, CARL, "coach");
    ASSERT_EQ(apply(&d1.env), HD_APPLY_OK);
    hd_envelope_t *rec = emitted(&d1.env, "approval.recorded");
    ASSERT(rec != NULL); /* not refused as "already approved" */
    hd_envelope_free(rec);
    ASSERT_COL(cid, "state", "awaiting_approval");
    decision(&d2, cid, LENA, "legal");
    ASSERT_EQ(apply(&d2.env), HD_APPLY_OK);
    ASSERT_COL(cid, "state", "approved");
    ASSERT_EQ(approvals(cid), 2);
    hd_envelope_t *ok = emitted(&d2.env, "content.approved");
    ASSERT(ok != NULL);
    int body_ok = strcmp(ok->content_approved->kind, "post") == 0 &&
                  strcmp(ok->content_approved->crisis_id, "") == 0 &&
                  strcmp(ok->content_approved->channel, "sandbox") == 0;
    hd_envelope_free(ok);
    ASSERT(body_ok);
}

HD_TEST(an_approval_earlier_in_the_batch_is_cleared_too) {
    ASSERT_EQ(setup(), 0);
    char cid[HD_ID_LEN];
    hd_id_random(cid);
    ev_t s, v, d, r, after;
    submitted(&s, cid, "post", "");
    evaluated(&v, cid, "pass", NULL);
    ASSERT_EQ(apply(&s.env), HD_APPLY_OK);
    ASSERT_EQ(apply(&v.env), HD_APPLY_OK);
    decision(&d, cid, CARL, "coach");
    released(&r, cid, "reapprove");
    const hd_envelope_t *batch[2] = {&d.env, &r.env};
    ASSERT_EQ(run(batch, 2), HD_APPLY_OK);
    ASSERT_COL(cid, "state", "awaiting_approval");
    ASSERT_EQ(approvals(cid), 0);
    /* and one recorded after the release in the same batch stays */
    decision(&after, cid, CARL, "coach");
    released(&r, cid, "reapprove"); /* ignored: not approved */
    const hd_envelope_t *again[2] = {&r.env, &after.env};
    ASSERT_EQ(run(again, 2), HD_APPLY_OK);
    ASSERT_COL(cid, "state", "approved");
    ASSERT_EQ(approvals(cid), 1);
}

HD_TEST(expire_ends_it_and_publish_leaves_it) {
    ASSERT_EQ(setup(), 0);
    char a[HD_ID_LEN], b[HD_ID_LEN];
    hd_id_random(a);
    hd_id_random(b);
    ASSERT_EQ(approved_post(a), 0);
    ASSERT_EQ(approved_post(b), 0);
    ev_t ra, rb;
    released(&ra, a, "expire");
    released(&rb, b, "publish");
    long before = scalar("SELECT count(*) FROM outbox", NULL);
    const hd_envelope_t *batch[2] = {&ra.env, &rb.env};
    ASSERT_EQ(run(batch, 2), HD_APPLY_OK);
    ASSERT_COL(a, "state", "expired");
    ASSERT_COL(b, "state", "approved");
    ASSERT_EQ(approvals(a), 2); /* what was decided stays recorded */
    ASSERT_EQ(scalar("SELECT count(*) FROM outbox", NULL), before);
    /* expired is final: a later release moves nothing */
    ev_t again;
    released(&again, a, "reapprove");
    ASSERT_EQ(apply(&again.env), HD_APPLY_OK);
    ASSERT_COL(a, "state", "expired");
    /* an outcome nobody knows is a dead letter */
    released(&again, b, "later");
    ASSERT_EQ(apply(&again.env), HD_APPLY_DEAD);
}

HD_TEST(a_statement_is_approved_by_its_playbook) {
    ASSERT_EQ(setup(), 0);
    char cid[HD_ID_LEN];
    hd_id_random(cid);
    ev_t s, v;
    submitted(&s, cid, "statement", CRISIS);
    ASSERT_EQ(apply(&s.env), HD_APPLY_OK);
    ASSERT_COL(cid, "kind", "statement");
    ASSERT_COL(cid, "crisis_id", CRISIS);
    char *legal[] = {"legal", NULL};
    evaluated(&v, cid, "review", legal);
    ASSERT_EQ(apply(&v.env), HD_APPLY_OK);
    ASSERT_COL(cid, "state", "approved");
    ASSERT_COL(cid, "required_roles", "{playbook}");
    ASSERT_EQ(scalar("SELECT count(*) FROM workflow_approval WHERE content_id = $1 "
                     "AND role = 'playbook' AND actor_id = '" MAYA "'",
                     cid),
              1);
    ASSERT(emitted(&v.env, "approval.requested") == NULL);
    hd_envelope_t *ok = emitted(&v.env, "content.approved");
    ASSERT(ok != NULL);
    int body_ok = strcmp(ok->content_approved->kind, "statement") == 0 &&
                  strcmp(ok->content_approved->crisis_id, CRISIS) == 0 &&
                  strcmp(ok->content_approved->author_id, MAYA) == 0 &&
                  strcmp(ok->department, "marketing") == 0;
    hd_envelope_free(ok);
    ASSERT(body_ok);
}

HD_TEST(a_blocked_statement_is_blocked) {
    ASSERT_EQ(setup(), 0);
    char cid[HD_ID_LEN];
    hd_id_random(cid);
    ev_t s, v;
    submitted(&s, cid, "statement", CRISIS);
    evaluated(&v, cid, "block", NULL);
    const hd_envelope_t *batch[2] = {&s.env, &v.env};
    ASSERT_EQ(run(batch, 2), HD_APPLY_OK);
    ASSERT_COL(cid, "state", "blocked");
    ASSERT_EQ(approvals(cid), 0);
    ASSERT(emitted(&v.env, "content.approved") == NULL);
    hd_envelope_t *bl = emitted(&v.env, "content.blocked");
    ASSERT(bl != NULL);
    hd_envelope_free(bl);
    /* a statement naming no crisis is a dead letter */
    char other[HD_ID_LEN];
    hd_id_random(other);
    submitted(&s, other, "statement", "");
    ASSERT_EQ(apply(&s.env), HD_APPLY_DEAD);
}

/* What policy asks for while a crisis is in force (docs/policy.md): legal
   and orchestrator, neither bound to the item's department; the
   orchestrator of the hub may approve a marketing post without a
   review_role row. */
HD_TEST(crisis_roles_are_booth_roles) {
    ASSERT_EQ(setup(), 0);
    char cid[HD_ID_LEN];
    hd_id_random(cid);
    ev_t s, v, d1, d2, d3;
    submitted(&s, cid, "post", "");
    char *roles[] = {"legal", "orchestrator", NULL};
    evaluated(&v, cid, "review", roles);
    const hd_envelope_t *batch[2] = {&s.env, &v.env};
    ASSERT_EQ(run(batch, 2), HD_APPLY_OK);
    ASSERT_COL(cid, "required_roles", "{coach,legal,orchestrator}");
    ASSERT_COL(cid, "same_department_roles", "{coach}");
    decision(&d1, cid, OLIVIA, "orchestrator");
    decision(&d2, cid, LENA, "legal");
    decision(&d3, cid, CARL, "coach");
    const hd_envelope_t *decisions[3] = {&d1.env, &d2.env, &d3.env};
    ASSERT_EQ(run(decisions, 3), HD_APPLY_OK);
    ASSERT_COL(cid, "state", "approved");
    ASSERT_EQ(approvals(cid), 3);
}

HD_TEST(teardown) {
    wf_ctx_free(&s_ctx);
    hd_batch_out_destroy(&s_out);
    hd_db_destroy(&s_db);
}

HD_TEST_MAIN(HD_CASE(reapprove_clears_approvals_and_asks_again),
             HD_CASE(an_approval_earlier_in_the_batch_is_cleared_too),
             HD_CASE(expire_ends_it_and_publish_leaves_it),
             HD_CASE(a_statement_is_approved_by_its_playbook),
             HD_CASE(a_blocked_statement_is_blocked), HD_CASE(crisis_roles_are_booth_roles),
             HD_CASE(teardown))
