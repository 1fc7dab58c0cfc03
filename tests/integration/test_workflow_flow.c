/*  workflow against a real PostgreSQL: wf_apply_batch driven directly with
    hand-built envelopes inside transactions (no hub), as the consumer loop
    drives it, checking the item states and the outbox rows they produce,
    with derived ids, and that a replay records nothing twice. Most cases
    apply each event as a batch of one; the batch cases apply several
    events in one call and check they leave what one by one leaves. */
#include "apply.h"
#include "hd_db.h"
#include "hd_id.h"
#include "hd_test.h"
#include "hd_testdb.h"
#include <ctype.h>

#define MAYA "00000000-0000-4000-8000-000000000002"   /* marketing player, author */
#define CARL "00000000-0000-4000-8000-000000000003"   /* marketing coach */
#define CORA "00000000-0000-4000-8000-000000000005"   /* customer-care coach */
#define LENA "00000000-0000-4000-8000-000000000006"   /* legal */
#define OLIVIA "00000000-0000-4000-8000-000000000001" /* hub orchestrator */
#define NINA "00000000-0000-4000-8000-000000000009"   /* newsroom player */

static const char *FIXTURE =
    "INSERT INTO department (id, name) VALUES ('hub','Hub'), ('marketing','Marketing'),"
    " ('customer-care','Care'), ('legal','Legal'), ('newsroom','Newsroom');"
    "INSERT INTO person (id, email, name, department_id) VALUES"
    " ('" OLIVIA "','olivia@example.org','Olivia','hub'),"
    " ('" MAYA "','maya@example.org','Maya','marketing'),"
    " ('" CARL "','carl@example.org','Carl','marketing'),"
    " ('" CORA "','cora@example.org','Cora','customer-care'),"
    " ('" LENA "','lena@example.org','Lena','legal'),"
    " ('" NINA "','nina@example.org','Nina','newsroom');"
    "INSERT INTO person_role (person_id, role) VALUES ('" OLIVIA "','orchestrator'),"
    " ('" MAYA "','player'), ('" MAYA "','coach'), ('" CARL "','coach'), ('" CORA "','coach'),"
    " ('" LENA "','legal'), ('" NINA "','player');"
    "INSERT INTO channel (id, kind, base_url) VALUES ('sandbox','mastodon','http://127.0.0.1:1'),"
    " ('other','mastodon','http://127.0.0.1:1');"
    "INSERT INTO routing_rule (id, priority, keywords, channel_id, department_id) VALUES"
    " ('legal-threats', 10, '{lawsuit,sue}', NULL, 'legal'),"
    " ('other-support', 15, '{refund}', 'other', 'marketing'),"
    " ('support', 20, '{refund,broken}', NULL, 'customer-care');"
    "INSERT INTO approval_step (department_id, role, same_department) VALUES"
    " (NULL, 'coach', true), ('newsroom', 'auto', false);"
    "INSERT INTO review_role (role, same_department) VALUES ('legal', false);";

static hd_db_t *s_db;
static char s_why[512];
static wf_ctx_t s_ctx = {.facts = {.fallback_role = "orchestrator"}};
static hd_batch_out_t *s_out;
static int s_batching; /* apply() gathers a copy for run_gathered() */
static hd_envelope_t *s_gathered[32];
static size_t s_ngathered;

static int setup(void) {
    if (s_db)
        return 0;
    char url[512];
    if (hd_testdb_create("test_workflow_flow", 0, url, sizeof url) < 0)
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

/* One call of wf_apply_batch inside the open transaction, with its
   emitted events written, as the consumer loop does. s_why has the dead
   reason. */
static int run(const hd_envelope_t *const *evs, size_t n) {
    s_why[0] = 0;
    hd_batch_out_clear(s_out);
    int rc = wf_apply_batch(s_db, evs, n, s_out, &s_ctx);
    size_t i;
    const char *why;
    if (rc == HD_APPLY_DEAD && hd_batch_dead_mark(s_out, &i, &why))
        snprintf(s_why, sizeof s_why, "%s", why);
    if (rc == HD_APPLY_OK && hd_batch_out_write(s_out, s_db) < 0)
        rc = HD_APPLY_RETRY;
    return rc;
}

/* Applies evs as one batch in its own transaction. */
static int run_batch(const hd_envelope_t *const *evs, size_t n) {
    if (hd_db_begin(s_db) < 0)
        return -99;
    int rc = run(evs, n);
    if (rc == HD_APPLY_OK)
        hd_db_commit(s_db);
    else
        hd_db_rollback(s_db);
    return rc;
}

/* Applies ev as a batch of one; while batching, keeps a copy of it for
   run_gathered instead (the builders' bodies live on their stack). */
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

/* The gathered events as one batch; forgets them. */
static int run_gathered(void) {
    int rc = run_batch((const hd_envelope_t *const *)s_gathered, s_ngathered);
    for (size_t i = 0; i < s_ngathered; i++)
        hd_envelope_free(s_gathered[i]);
    s_ngathered = 0;
    s_batching = 0;
    return rc;
}

static long scalar(const char *sql, const char *p1) {
    const char *p[1] = {p1};
    PGresult *r = hd_db_exec(s_db, sql, p1 ? 1 : 0, p);
    long v = r && PQntuples(r) ? atol(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return v;
}

static int state_is(const char *content_id, const char *state) {
    const char *p[1] = {content_id};
    PGresult *r = hd_db_exec(s_db, "SELECT state FROM workflow_item WHERE content_id = $1", 1, p);
    int same = r && PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), state) == 0;
    if (!same)
        fprintf(stderr, "state of %s is %s, expected %s\n", content_id,
                r && PQntuples(r) ? PQgetvalue(r, 0, 0) : "(none)", state);
    PQclear(r);
    return same;
}

/* The item's required roles as PostgreSQL prints them ("{coach,legal}"). */
static int roles_are(const char *content_id, const char *roles) {
    const char *p[1] = {content_id};
    PGresult *r = hd_db_exec(s_db,
                             "SELECT required_roles::text FROM workflow_item "
                             "WHERE content_id = $1",
                             1, p);
    int same = r && PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), roles) == 0;
    if (!same)
        fprintf(stderr, "roles of %s are %s, expected %s\n", content_id,
                r && PQntuples(r) ? PQgetvalue(r, 0, 0) : "(none)", roles);
    PQclear(r);
    return same;
}

static long outbox_rows(void) { return scalar("SELECT count(*) FROM outbox", NULL); }

/* The outbox event caused by `cause` with `label`, or NULL. Free it. */
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
    if (ev && strcmp(ev->id, id) != 0) {
        hd_envelope_free(ev);
        ev = NULL;
    }
    return ev;
}

/* ---- envelope builders (bodies live in the caller's frame) ---- */

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

static int submit(const char *content_id, const char *dept, const char *author) {
    Huddle__V1__ContentSubmitted b = HUDDLE__V1__CONTENT_SUBMITTED__INIT;
    b.content_id = (char *)content_id;
    b.author_id = (char *)author;
    b.author_email = "author@example.org";
    b.channel = "sandbox";
    b.text = "Our spring campaign starts today!";
    b.kind = "post";
    ev_t e;
    ev_init(&e, HUDDLE__V1__ENVELOPE__BODY_CONTENT_SUBMITTED, dept, content_id);
    e.env.content_submitted = &b;
    return apply(&e.env);
}

static Huddle__V1__Finding s_finding = HUDDLE__V1__FINDING__INIT;
static Huddle__V1__Finding *s_findings[1] = {&s_finding};

static int evaluate(ev_t *e, Huddle__V1__PolicyEvaluated *b, const char *content_id,
                    const char *dept, const char *verdict, char **roles, size_t nroles) {
    Huddle__V1__PolicyEvaluated init = HUDDLE__V1__POLICY_EVALUATED__INIT;
    *b = init;
    b->content_id = (char *)content_id;
    b->verdict = (char *)verdict;
    b->roles = roles;
    b->n_roles = nroles;
    s_finding.rule_id = "legal-claims";
    s_finding.action = nroles ? "review" : "block";
    b->findings = s_findings;
    b->n_findings = 1;
    b->policy_version = 3;
    ev_init(e, HUDDLE__V1__ENVELOPE__BODY_POLICY_EVALUATED, dept, content_id);
    e->env.policy_evaluated = b;
    return apply(&e->env);
}

static int decide(ev_t *e, Huddle__V1__DecisionRecorded *b, const char *content_id,
                  const char *actor, const char *decision, const char *role) {
    Huddle__V1__DecisionRecorded init = HUDDLE__V1__DECISION_RECORDED__INIT;
    *b = init;
    b->content_id = (char *)content_id;
    b->decision_id = "d";
    b->actor_id = (char *)actor;
    b->actor_email = "someone@example.org";
    b->decision = (char *)decision;
    b->role = (char *)role;
    b->reason = "because";
    ev_init(e, HUDDLE__V1__ENVELOPE__BODY_DECISION_RECORDED, "marketing", content_id);
    e->env.decision_recorded = b;
    return apply(&e->env);
}

/* Asserts that decision `e` was refused with a reason containing `what`. */
#define ASSERT_REFUSED(e, what)                                              \
    do {                                                                     \
        hd_envelope_t *out_ = emitted(&(e).env, "decision.refused");         \
        ASSERT(out_ != NULL);                                                \
        int has_ = strstr(out_->decision_refused->reason, what) != NULL;     \
        if (!has_)                                                           \
            fprintf(stderr, "reason: %s\n", out_->decision_refused->reason); \
        hd_envelope_free(out_);                                              \
        ASSERT(has_);                                                        \
    } while (0)

HD_TEST(submitted_evaluated_decided_approved_published) {
    ASSERT_EQ(setup(), 0);
    char cid[HD_ID_LEN];
    hd_id_random(cid);
    ASSERT_EQ(submit(cid, "marketing", MAYA), HD_APPLY_OK);
    ASSERT(state_is(cid, "evaluating"));
    ASSERT_EQ(submit(cid, "marketing", MAYA), HD_APPLY_OK); /* replay: no-op */

    ev_t pe;
    Huddle__V1__PolicyEvaluated pb;
    char *roles[] = {"legal"};
    long before = outbox_rows();
    ASSERT_EQ(evaluate(&pe, &pb, cid, "marketing", "review", roles, 1), HD_APPLY_OK);
    ASSERT(state_is(cid, "awaiting_approval"));
    ASSERT_EQ(outbox_rows(), before + 1);
    hd_envelope_t *req = emitted(&pe.env, "approval.requested");
    ASSERT(req != NULL);
    ASSERT_STR(req->department, "marketing");
    ASSERT_STR(req->correlation_id, cid);
    ASSERT_STR(req->causation_id, pe.id);
    int roles_ok = req->approval_requested->n_roles == 2 &&
                   strcmp(req->approval_requested->roles[0], "coach") == 0 &&
                   strcmp(req->approval_requested->roles[1], "legal") == 0;
    hd_envelope_free(req);
    ASSERT(roles_ok);
    /* the verdict again changes nothing and records nothing */
    ASSERT_EQ(apply(&pe.env), HD_APPLY_OK);
    ASSERT_EQ(outbox_rows(), before + 1);

    ev_t d1, d2, d3, d4, d5;
    Huddle__V1__DecisionRecorded b1, b2, b3, b4, b5;
    ASSERT_EQ(decide(&d1, &b1, cid, MAYA, "approve", "coach"), HD_APPLY_OK);
    ASSERT_REFUSED(d1, "four-eyes");
    ASSERT_EQ(decide(&d2, &b2, cid, CORA, "approve", "coach"), HD_APPLY_OK);
    ASSERT_REFUSED(d2, "department 'marketing'");
    ASSERT_EQ(decide(&d3, &b3, cid, CARL, "approve", ""), HD_APPLY_OK); /* role picked */
    hd_envelope_t *rec = emitted(&d3.env, "approval.recorded");
    ASSERT(rec != NULL);
    int rec_ok = strcmp(rec->approval_recorded->role, "coach") == 0 &&
                 rec->approval_recorded->n_remaining_roles == 1 &&
                 strcmp(rec->approval_recorded->remaining_roles[0], "legal") == 0;
    hd_envelope_free(rec);
    ASSERT(rec_ok);
    ASSERT(state_is(cid, "awaiting_approval"));
    ASSERT_EQ(decide(&d4, &b4, cid, CARL, "approve", "coach"), HD_APPLY_OK);
    ASSERT_REFUSED(d4, "already approved");

    before = outbox_rows();
    ASSERT_EQ(decide(&d5, &b5, cid, LENA, "approve", "legal"), HD_APPLY_OK);
    ASSERT(state_is(cid, "approved"));
    ASSERT_EQ(outbox_rows(), before + 2);
    hd_envelope_t *ok = emitted(&d5.env, "content.approved");
    ASSERT(ok != NULL);
    int ok_ok = strcmp(ok->content_approved->channel, "sandbox") == 0 &&
                strcmp(ok->content_approved->author_id, MAYA) == 0 &&
                strcmp(ok->department, "marketing") == 0 &&
                strstr(ok->content_approved->text, "spring") != NULL;
    hd_envelope_free(ok);
    ASSERT(ok_ok);
    ASSERT_EQ(scalar("SELECT count(*) FROM workflow_approval WHERE content_id = $1", cid), 2);

    /* a replayed decision records nothing a second time */
    ASSERT_EQ(apply(&d5.env), HD_APPLY_OK);
    ASSERT_EQ(outbox_rows(), before + 2);

    Huddle__V1__PublishSucceeded ps = HUDDLE__V1__PUBLISH_SUCCEEDED__INIT;
    ps.content_id = cid;
    ps.channel = "sandbox";
    ev_t pub;
    ev_init(&pub, HUDDLE__V1__ENVELOPE__BODY_PUBLISH_SUCCEEDED, "marketing", cid);
    pub.env.publish_succeeded = &ps;
    ASSERT_EQ(apply(&pub.env), HD_APPLY_OK);
    ASSERT(state_is(cid, "published"));
}

HD_TEST(a_replay_after_sequencing_records_nothing) {
    ASSERT_EQ(setup(), 0);
    char cid[HD_ID_LEN];
    hd_id_random(cid);
    ASSERT_EQ(submit(cid, "marketing", MAYA), HD_APPLY_OK);
    ev_t pe;
    Huddle__V1__PolicyEvaluated pb;
    ASSERT_EQ(evaluate(&pe, &pb, cid, "marketing", "pass", NULL, 0), HD_APPLY_OK);
    ev_t d;
    Huddle__V1__DecisionRecorded b;
    ASSERT_EQ(decide(&d, &b, cid, CARL, "approve", "coach"), HD_APPLY_OK);
    ASSERT(state_is(cid, "approved"));
    /* as the hub's sequencer would: outbox rows move to event_log */
    ASSERT_EQ(hd_db_cmd(s_db,
                        "WITH moved AS (DELETE FROM outbox RETURNING *) "
                        "INSERT INTO event_log (seq, event_id, type, department, correlation_id, "
                        "  causation_id, payload, created_at) "
                        "SELECT (SELECT coalesce(max(seq), 0) FROM event_log) + "
                        "  row_number() OVER (ORDER BY oid), event_id, type, department, "
                        "  correlation_id, causation_id, payload, created_at FROM moved",
                        0, NULL),
              0);
    ASSERT_EQ(apply(&d.env), HD_APPLY_OK);
    ASSERT_EQ(outbox_rows(), 0);
}

HD_TEST(blocked_by_policy) {
    ASSERT_EQ(setup(), 0);
    char cid[HD_ID_LEN];
    hd_id_random(cid);
    ASSERT_EQ(submit(cid, "marketing", MAYA), HD_APPLY_OK);
    ev_t pe;
    Huddle__V1__PolicyEvaluated pb;
    ASSERT_EQ(evaluate(&pe, &pb, cid, "marketing", "block", NULL, 0), HD_APPLY_OK);
    ASSERT(state_is(cid, "blocked"));
    hd_envelope_t *bl = emitted(&pe.env, "content.blocked");
    ASSERT(bl != NULL);
    int ok = bl->content_blocked->n_findings == 1 &&
             strcmp(bl->content_blocked->findings[0]->rule_id, "legal-claims") == 0 &&
             bl->content_blocked->policy_version == 3;
    hd_envelope_free(bl);
    ASSERT(ok);
    ev_t d;
    Huddle__V1__DecisionRecorded b;
    ASSERT_EQ(decide(&d, &b, cid, CARL, "approve", "coach"), HD_APPLY_OK);
    ASSERT_REFUSED(d, "not awaiting approval");
}

HD_TEST(rejected_by_the_coach) {
    ASSERT_EQ(setup(), 0);
    char cid[HD_ID_LEN];
    hd_id_random(cid);
    ASSERT_EQ(submit(cid, "marketing", MAYA), HD_APPLY_OK);
    ev_t pe;
    Huddle__V1__PolicyEvaluated pb;
    char *roles[] = {"legal"};
    ASSERT_EQ(evaluate(&pe, &pb, cid, "marketing", "review", roles, 1), HD_APPLY_OK);
    ev_t d1, d2;
    Huddle__V1__DecisionRecorded b1, b2;
    ASSERT_EQ(decide(&d1, &b1, cid, CARL, "reject", "coach"), HD_APPLY_OK);
    ASSERT(state_is(cid, "rejected"));
    hd_envelope_t *rj = emitted(&d1.env, "content.rejected");
    ASSERT(rj != NULL);
    int ok = strcmp(rj->content_rejected->role, "coach") == 0 &&
             strcmp(rj->content_rejected->reason, "because") == 0;
    hd_envelope_free(rj);
    ASSERT(ok);
    ASSERT_EQ(decide(&d2, &b2, cid, LENA, "approve", "legal"), HD_APPLY_OK);
    ASSERT_REFUSED(d2, "is rejected");
}

HD_TEST(auto_approval_only_where_configured) {
    ASSERT_EQ(setup(), 0);
    char a[HD_ID_LEN], b[HD_ID_LEN];
    hd_id_random(a);
    hd_id_random(b);
    ASSERT_EQ(submit(a, "newsroom", NINA), HD_APPLY_OK);
    ev_t pe;
    Huddle__V1__PolicyEvaluated pb;
    ASSERT_EQ(evaluate(&pe, &pb, a, "newsroom", "pass", NULL, 0), HD_APPLY_OK);
    ASSERT(state_is(a, "approved"));
    hd_envelope_t *ok = emitted(&pe.env, "content.approved");
    ASSERT(ok != NULL);
    int dept_ok = strcmp(ok->department, "newsroom") == 0;
    hd_envelope_free(ok);
    ASSERT(dept_ok);
    /* a review verdict still needs the roles it names, and only those */
    ASSERT_EQ(submit(b, "newsroom", NINA), HD_APPLY_OK);
    ev_t pe2;
    Huddle__V1__PolicyEvaluated pb2;
    char *roles[] = {"legal"};
    ASSERT_EQ(evaluate(&pe2, &pb2, b, "newsroom", "review", roles, 1), HD_APPLY_OK);
    ASSERT(state_is(b, "awaiting_approval"));
    ASSERT(roles_are(b, "{legal}"));
}

HD_TEST(an_empty_chain_needs_the_fallback_role) {
    ASSERT_EQ(setup(), 0);
    char cid[HD_ID_LEN];
    hd_id_random(cid);
    ASSERT_EQ(submit(cid, "customer-care", CORA), HD_APPLY_OK);
    ASSERT_EQ(hd_db_cmd(s_db, "BEGIN", 0, NULL), 0);
    ASSERT_EQ(hd_db_cmd(s_db, "DELETE FROM approval_step WHERE department_id IS NULL", 0, NULL), 0);
    Huddle__V1__PolicyEvaluated pb = HUDDLE__V1__POLICY_EVALUATED__INIT;
    pb.content_id = cid;
    pb.verdict = "pass";
    ev_t pe;
    ev_init(&pe, HUDDLE__V1__ENVELOPE__BODY_POLICY_EVALUATED, "customer-care", cid);
    pe.env.policy_evaluated = &pb;
    const hd_envelope_t *one[1] = {&pe.env};
    int rc = run(one, 1);
    int awaiting = state_is(cid, "awaiting_approval"), roles = roles_are(cid, "{orchestrator}");
    hd_db_rollback(s_db); /* the default chain comes back */
    ASSERT_EQ(rc, HD_APPLY_OK);
    ASSERT(awaiting);
    ASSERT(roles);
}

HD_TEST(malformed_or_early_events_become_dead_letters) {
    ASSERT_EQ(setup(), 0);
    char cid[HD_ID_LEN];
    hd_id_random(cid);
    ev_t pe;
    Huddle__V1__PolicyEvaluated pb;
    ASSERT_EQ(evaluate(&pe, &pb, cid, "marketing", "pass", NULL, 0), HD_APPLY_DEAD);
    ASSERT(strstr(s_why, "before its content.submitted") != NULL);
    ASSERT_EQ(submit("not-a-uuid", "marketing", MAYA), HD_APPLY_DEAD);
    ASSERT_EQ(submit(cid, "marketing", MAYA), HD_APPLY_OK);
    ASSERT_EQ(evaluate(&pe, &pb, cid, "marketing", "maybe", NULL, 0), HD_APPLY_DEAD);
    ASSERT(strstr(s_why, "unknown verdict") != NULL);
    char *bad[] = {"le\ngal"};
    ASSERT_EQ(evaluate(&pe, &pb, cid, "marketing", "review", bad, 1), HD_APPLY_DEAD);
    ASSERT(state_is(cid, "evaluating"));
    /* a decision on an unknown item is refused, not lost */
    char other[HD_ID_LEN];
    hd_id_random(other);
    ev_t d;
    Huddle__V1__DecisionRecorded b;
    ASSERT_EQ(decide(&d, &b, other, CARL, "approve", "coach"), HD_APPLY_OK);
    ASSERT_REFUSED(d, "no workflow item");
}

static int mention(ev_t *e, Huddle__V1__MentionReceived *b, const char *channel, const char *text) {
    Huddle__V1__MentionReceived init = HUDDLE__V1__MENTION_RECEIVED__INIT;
    *b = init;
    static char mid[4][HD_ID_LEN];
    static int k;
    char *id = mid[k++ % 4];
    hd_id_random(id);
    b->mention_id = id;
    b->channel = (char *)channel;
    b->external_id = "x1";
    b->author_handle = "@someone";
    b->text = (char *)text;
    b->url = "http://example/1";
    ev_init(e, HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED, "", id);
    e->env.mention_received = b;
    return apply(&e->env);
}

static int routed_to(const ev_t *e, const char *dept, const char *rule) {
    hd_envelope_t *out = emitted(&e->env, "mention.routed");
    int ok = out && strcmp(out->department, dept) == 0 &&
             strcmp(out->mention_routed->rule_id, rule) == 0 &&
             strcmp(out->correlation_id, e->env.mention_received->mention_id) == 0;
    if (!ok)
        fprintf(stderr, "routed: %s / %s\n", out ? out->department : "(none)",
                out ? out->mention_routed->rule_id : "");
    hd_envelope_free(out);
    return ok;
}

HD_TEST(mentions_are_routed_and_never_lost) {
    ASSERT_EQ(setup(), 0);
    ev_t a, b, c, d;
    Huddle__V1__MentionReceived ba, bb, bc, bd;
    ASSERT_EQ(mention(&a, &ba, "sandbox", "I want a REFUND or I will sue"), HD_APPLY_OK);
    ASSERT(routed_to(&a, "legal", "legal-threats"));
    ASSERT_EQ(mention(&b, &bb, "sandbox", "my order arrived broken"), HD_APPLY_OK);
    ASSERT(routed_to(&b, "customer-care", "support"));
    ASSERT_EQ(mention(&c, &bc, "other", "refund please"), HD_APPLY_OK);
    ASSERT(routed_to(&c, "marketing", "other-support"));
    ASSERT_EQ(mention(&d, &bd, "sandbox", "what a lovely day, refunded already"), HD_APPLY_OK);
    ASSERT(routed_to(&d, "", "")); /* triage */
    ASSERT_EQ(scalar("SELECT count(*) FROM inbox_item WHERE department_id = '' AND triage "
                     "AND state = 'new' AND mention_id = $1",
                     bd.mention_id),
              1);
    long before = outbox_rows();
    ASSERT_EQ(apply(&a.env), HD_APPLY_OK); /* replay */
    ASSERT_EQ(outbox_rows(), before);
    ASSERT_EQ(scalar("SELECT count(*) FROM inbox_item WHERE mention_id = $1", ba.mention_id), 1);
}

static int publish(ev_t *e, Huddle__V1__PublishSucceeded *ok, Huddle__V1__PublishFailed *no,
                   const char *content_id) {
    ev_init(e,
            ok ? HUDDLE__V1__ENVELOPE__BODY_PUBLISH_SUCCEEDED
               : HUDDLE__V1__ENVELOPE__BODY_PUBLISH_FAILED,
            "newsroom", content_id);
    if (ok) {
        Huddle__V1__PublishSucceeded init = HUDDLE__V1__PUBLISH_SUCCEEDED__INIT;
        *ok = init;
        ok->content_id = (char *)content_id;
        e->env.publish_succeeded = ok;
    } else {
        Huddle__V1__PublishFailed init = HUDDLE__V1__PUBLISH_FAILED__INIT;
        *no = init;
        no->content_id = (char *)content_id;
        no->permanent = 1;
        e->env.publish_failed = no;
    }
    return apply(&e->env);
}

static long items_among(const char *a, const char *b) {
    char ids[2 * HD_ID_LEN + 4];
    snprintf(ids, sizeof ids, "{%s,%s}", a, b);
    return scalar("SELECT count(*) FROM workflow_item WHERE content_id = ANY($1::uuid[])", ids);
}

/* Several events in one batch leave exactly what applying them one by one
   leaves: each event sees the effects of the ones before it. */
HD_TEST(a_batch_applies_its_events_in_order) {
    ASSERT_EQ(setup(), 0);
    char a[HD_ID_LEN], b[HD_ID_LEN], c[HD_ID_LEN];
    hd_id_random(a);
    hd_id_random(b);
    hd_id_random(c);
    s_batching = 1;
    ASSERT_EQ(submit(a, "newsroom", NINA), HD_APPLY_OK);
    ASSERT_EQ(submit(b, "marketing", MAYA), HD_APPLY_OK);
    ev_t pe, ps, pf;
    Huddle__V1__PolicyEvaluated pb;
    Huddle__V1__PublishSucceeded sb;
    Huddle__V1__PublishFailed fb;
    ASSERT_EQ(evaluate(&pe, &pb, a, "newsroom", "pass", NULL, 0), HD_APPLY_OK);
    ASSERT_EQ(publish(&ps, &sb, NULL, a), HD_APPLY_OK);
    /* a later permanent failure must not undo the success before it */
    ASSERT_EQ(publish(&pf, NULL, &fb, a), HD_APPLY_OK);
    ASSERT_EQ(submit(b, "marketing", MAYA), HD_APPLY_OK); /* a replay, same batch */
    ASSERT_EQ(submit(c, "marketing", MAYA), HD_APPLY_OK);
    /* a UUID is the same item in either case */
    char u[HD_ID_LEN], upper[HD_ID_LEN];
    hd_id_random(u);
    for (size_t i = 0; i < HD_ID_LEN; i++)
        upper[i] = (char)toupper((unsigned char)u[i]);
    ASSERT_EQ(submit(upper, "newsroom", NINA), HD_APPLY_OK);
    ev_t pu;
    Huddle__V1__PolicyEvaluated pub_;
    ASSERT_EQ(evaluate(&pu, &pub_, u, "newsroom", "pass", NULL, 0), HD_APPLY_OK);
    ASSERT_EQ(items_among(a, b), 0); /* nothing before the batch runs */
    ASSERT_EQ(run_gathered(), HD_APPLY_OK);
    ASSERT(state_is(u, "approved"));
    ASSERT(state_is(a, "published"));
    ASSERT(state_is(b, "evaluating"));
    ASSERT(state_is(c, "evaluating"));
    ASSERT(roles_are(a, "{}"));
    hd_envelope_t *ok = emitted(&pe.env, "content.approved");
    ASSERT(ok != NULL);
    int text_ok = strstr(ok->content_approved->text, "spring") != NULL &&
                  strcmp(ok->content_approved->author_id, NINA) == 0;
    hd_envelope_free(ok);
    ASSERT(text_ok);

    /* a batch rolled back leaves nothing, and its retry writes it all */
    char d[HD_ID_LEN];
    hd_id_random(d);
    s_batching = 1;
    ASSERT_EQ(submit(d, "marketing", MAYA), HD_APPLY_OK);
    ASSERT_EQ(hd_db_begin(s_db), 0);
    ASSERT_EQ(run((const hd_envelope_t *const *)s_gathered, s_ngathered), HD_APPLY_OK);
    hd_db_rollback(s_db);
    ASSERT_EQ(items_among(d, d), 0);
    ASSERT_EQ(run_gathered(), HD_APPLY_OK);
    ASSERT(state_is(d, "evaluating"));
}

static void verdict_ev(ev_t *e, Huddle__V1__PolicyEvaluated *b, const char *content_id,
                       const char *verdict) {
    Huddle__V1__PolicyEvaluated init = HUDDLE__V1__POLICY_EVALUATED__INIT;
    *b = init;
    b->content_id = (char *)content_id;
    b->verdict = (char *)verdict;
    b->policy_version = 3;
    ev_init(e, HUDDLE__V1__ENVELOPE__BODY_POLICY_EVALUATED, "newsroom", content_id);
    e->env.policy_evaluated = b;
}

/* A second verdict of the same batch finds its item already decided by
   the first; a decision in the batch sees the approval requested before
   it; and a poison event makes the batch dead at its own index. */
HD_TEST(a_batch_sees_its_own_effects) {
    ASSERT_EQ(setup(), 0);
    char p[HD_ID_LEN], q[HD_ID_LEN], r[HD_ID_LEN];
    hd_id_random(p);
    hd_id_random(q);
    hd_id_random(r);
    ASSERT_EQ(submit(p, "newsroom", NINA), HD_APPLY_OK);
    ASSERT_EQ(submit(q, "newsroom", NINA), HD_APPLY_OK);
    ev_t e1, e2, e3, e4;
    Huddle__V1__PolicyEvaluated b1, b2, b3;
    Huddle__V1__PublishSucceeded sb;
    verdict_ev(&e1, &b1, p, "pass");
    verdict_ev(&e2, &b2, q, "block");
    verdict_ev(&e3, &b3, q, "pass"); /* a second verdict: q is blocked by then */
    s_batching = 1;
    ASSERT_EQ(publish(&e4, &sb, NULL, p), HD_APPLY_OK);
    s_batching = 0;
    const hd_envelope_t *evs[4] = {&e1.env, &e2.env, &e3.env, s_gathered[0]};
    ASSERT_EQ(run_batch(evs, 4), HD_APPLY_OK);
    hd_envelope_free(s_gathered[0]);
    s_ngathered = 0;
    ASSERT(state_is(p, "published"));
    ASSERT(state_is(q, "blocked"));
    hd_envelope_t *ok = emitted(&e1.env, "content.approved");
    ASSERT(ok != NULL);
    int body_ok = strcmp(ok->department, "newsroom") == 0 &&
                  strcmp(ok->content_approved->channel, "sandbox") == 0;
    hd_envelope_free(ok);
    ASSERT(body_ok);
    hd_envelope_t *stale = emitted(&e3.env, "content.approved");
    ASSERT(stale == NULL);

    /* submitted, reviewed and approved by the coach in one batch */
    s_batching = 1;
    ASSERT_EQ(submit(r, "marketing", MAYA), HD_APPLY_OK);
    ev_t re, rd, bad;
    Huddle__V1__PolicyEvaluated rb, badb;
    Huddle__V1__DecisionRecorded db;
    ASSERT_EQ(evaluate(&re, &rb, r, "marketing", "pass", NULL, 0), HD_APPLY_OK);
    ASSERT_EQ(decide(&rd, &db, r, CARL, "approve", ""), HD_APPLY_OK);
    ASSERT_EQ(run_gathered(), HD_APPLY_OK);
    ASSERT(state_is(r, "approved"));
    ASSERT_EQ(scalar("SELECT count(*) FROM workflow_approval WHERE content_id = $1", r), 1);

    /* two decisions on a stored item with two roles, in one batch */
    char t[HD_ID_LEN];
    hd_id_random(t);
    ASSERT_EQ(submit(t, "marketing", MAYA), HD_APPLY_OK);
    ev_t te, t1, t2;
    Huddle__V1__PolicyEvaluated tb;
    Huddle__V1__DecisionRecorded tb1, tb2;
    char *legal[] = {"legal"};
    ASSERT_EQ(evaluate(&te, &tb, t, "marketing", "review", legal, 1), HD_APPLY_OK);
    s_batching = 1;
    ASSERT_EQ(decide(&t1, &tb1, t, CARL, "approve", "coach"), HD_APPLY_OK);
    ASSERT_EQ(decide(&t2, &tb2, t, LENA, "approve", "legal"), HD_APPLY_OK);
    ASSERT_EQ(run_gathered(), HD_APPLY_OK);
    ASSERT(state_is(t, "approved"));
    ASSERT(roles_are(t, "{coach,legal}"));
    ASSERT_EQ(scalar("SELECT count(*) FROM workflow_approval WHERE content_id = $1", t), 2);

    /* an unknown verdict in the middle: dead, at its index, nothing written */
    char z[HD_ID_LEN];
    hd_id_random(z);
    s_batching = 1;
    ASSERT_EQ(submit(z, "marketing", MAYA), HD_APPLY_OK);
    ASSERT_EQ(evaluate(&bad, &badb, z, "marketing", "maybe", NULL, 0), HD_APPLY_OK);
    ASSERT_EQ(run_gathered(), HD_APPLY_DEAD);
    size_t at;
    const char *why;
    ASSERT(hd_batch_dead_mark(s_out, &at, &why));
    ASSERT_EQ(at, 1);
    ASSERT(strstr(why, "unknown verdict") != NULL);
    ASSERT_EQ(items_among(z, z), 0);
}

static void teardown(void) {
    hd_db_destroy(&s_db);
    hd_batch_out_destroy(&s_out);
    wf_ctx_free(&s_ctx);
}

HD_TEST(cleanup) { teardown(); }

/* The chains are read per batch: a change applies from the next one. */
HD_TEST(chain_changes_apply_from_the_next_batch) {
    ASSERT_EQ(setup(), 0);
    char a[HD_ID_LEN], b[HD_ID_LEN];
    hd_id_random(a);
    hd_id_random(b);
    ASSERT_EQ(submit(a, "newsroom", NINA), HD_APPLY_OK);
    ASSERT_EQ(submit(b, "newsroom", NINA), HD_APPLY_OK);
    ev_t ea, eb;
    Huddle__V1__PolicyEvaluated ba, bb;
    verdict_ev(&ea, &ba, a, "pass");
    const hd_envelope_t *one[1] = {&ea.env};
    ASSERT_EQ(run_batch(one, 1), HD_APPLY_OK);
    ASSERT(state_is(a, "approved")); /* newsroom's chain is 'auto' */
    ASSERT_EQ(hd_db_cmd(s_db,
                        "UPDATE approval_step SET role = 'coach' WHERE department_id = "
                        "'newsroom'",
                        0, NULL),
              0);
    verdict_ev(&eb, &bb, b, "pass");
    one[0] = &eb.env;
    ASSERT_EQ(run_batch(one, 1), HD_APPLY_OK);
    ASSERT(state_is(b, "awaiting_approval"));
    ASSERT(roles_are(b, "{coach}"));
    ASSERT_EQ(hd_db_cmd(s_db,
                        "UPDATE approval_step SET role = 'auto' WHERE department_id = "
                        "'newsroom'",
                        0, NULL),
              0);
}

HD_TEST_MAIN(HD_CASE(submitted_evaluated_decided_approved_published),
             HD_CASE(chain_changes_apply_from_the_next_batch),
             HD_CASE(a_replay_after_sequencing_records_nothing), HD_CASE(blocked_by_policy),
             HD_CASE(rejected_by_the_coach), HD_CASE(auto_approval_only_where_configured),
             HD_CASE(an_empty_chain_needs_the_fallback_role),
             HD_CASE(malformed_or_early_events_become_dead_letters),
             HD_CASE(mentions_are_routed_and_never_lost),
             HD_CASE(a_batch_applies_its_events_in_order), HD_CASE(a_batch_sees_its_own_effects),
             HD_CASE(cleanup))
