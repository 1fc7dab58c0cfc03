/*  The first-response timers (sla.h) against a real PostgreSQL, as
    workflow's own database role (huddle_workflow: its grants are part of
    what is proved). Items are written with their deadlines around a fixed
    instant T and passes run as of chosen instants: an open item warns
    once when its warning comes and breaches once when its deadline does,
    however often the pass runs; a resolved item or one with a first
    response never does; an item found past both records the breach only;
    the events carry what the inbox shows (state, assignee, department,
    deadline) with ids derived from the mention; a pass is bounded and
    says how long until the next deadline. */
#include "hd_db.h"
#include "hd_envelope.h"
#include "hd_id.h"
#include "hd_test.h"
#include "hd_testdb.h"
#include "sla.h"

#include <inttypes.h>

#define T 1767261600000LL /* 2026-01-01T10:00:00Z */
#define S 1000LL
#define RITA "00000000-0000-4000-8000-0000000000a1"

#define A "aaaaaaaa-0000-4000-8000-000000000001" /* open, assigned: warns, then breaches */
#define B "aaaaaaaa-0000-4000-8000-000000000002" /* resolved: never */
#define C "aaaaaaaa-0000-4000-8000-000000000003" /* answered: never */
#define D "aaaaaaaa-0000-4000-8000-000000000004" /* past both at the first pass: breach only */
#define E "aaaaaaaa-0000-4000-8000-000000000005" /* in triage, warns at T + 5 s */
#define F "aaaaaaaa-0000-4000-8000-000000000006" /* no deadline: never */
#define G "aaaaaaaa-0000-4000-8000-000000000007" /* waiting, not answered: still runs */

static hd_db_t *s_db;

static int sql(const char *text) {
    PGresult *r = PQexec(hd_db_conn(s_db), text);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "%s: %s\n", text, PQresultErrorMessage(r));
    PQclear(r);
    return ok ? 0 : -1;
}

/* An inbox item of department ("" triage) with deadlines at warn/due
   (ms; 0: none), owned by assignee (NULL: nobody), answered when
   answered is set. */
static int item(const char *id, const char *department, const char *state, int64_t warn,
                int64_t due, const char *assignee, int answered) {
    char w[24], d[24];
    snprintf(w, sizeof w, "%" PRId64, warn);
    snprintf(d, sizeof d, "%" PRId64, due);
    const char *p[7] = {id,       department,          state, warn ? w : NULL, due ? d : NULL,
                        assignee, answered ? "t" : "f"};
    return hd_db_cmd(
        s_db,
        "INSERT INTO inbox_item (mention_id, department_id, rule_id, channel_id, author_handle, "
        "  text, state, triage, feed_id, received_at, sla_warn_at, sla_due_at, assignee_id, "
        "  first_response_at) "
        "VALUES ($1, $2, 'r', 'sandbox', 'sam', 'hello', $3, $2 = '', 'care-mentions', "
        "  now() - interval '1 hour', to_timestamp($4::bigint / 1000.0), "
        "  to_timestamp($5::bigint / 1000.0), $6, CASE WHEN $7::bool THEN now() END)",
        7, p);
}

static int setup(void) {
    char url[512];
    if (hd_testdb_create("test_workflow_sla", 0, url, sizeof url) < 0)
        return -1;
    s_db = hd_db_connect(url, 5000);
    if (!s_db || sql("INSERT INTO department (id, name) VALUES ('customer-care', 'Customer care');"
                     "INSERT INTO person (id, email, name, department_id) VALUES"
                     " ('" RITA "', 'rita@example.org', 'Rita', 'customer-care')") < 0)
        return -1;
    const char *care = "customer-care";
    if (item(A, care, "assigned", T - 1 * S, T + 60 * S, RITA, 0) < 0 ||
        item(B, care, "resolved", T - 90 * S, T - 30 * S, NULL, 0) < 0 ||
        item(C, care, "waiting", T - 90 * S, T - 30 * S, NULL, 1) < 0 ||
        item(D, care, "new", T - 90 * S, T - 30 * S, NULL, 0) < 0 ||
        item(E, "", "new", T + 5 * S, T + 65 * S, NULL, 0) < 0 ||
        item(F, care, "new", 0, 0, NULL, 0) < 0 ||
        item(G, care, "waiting", T + 70 * S, T + 80 * S, NULL, 0) < 0)
        return -1;
    return 0;
}

/* How many outbox rows the mention has, of type (NULL: any). */
static long recorded(const char *mention, const char *type) {
    const char *p[2] = {mention, type};
    PGresult *r = hd_db_exec(s_db,
                             "SELECT count(*) FROM outbox WHERE correlation_id = $1 "
                             "AND ($2::text IS NULL OR type = $2)",
                             2, p);
    long n = r && PQntuples(r) ? atol(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return n;
}

/* The mention's event of type, decoded, or NULL. Free it. */
static hd_envelope_t *event(const char *mention, const char *type) {
    const char *p[2] = {mention, type};
    PGresult *r =
        hd_db_execv(s_db, "SELECT payload FROM outbox WHERE correlation_id = $1 AND type = $2", 2,
                    p, NULL, NULL, 1);
    hd_envelope_t *ev = NULL;
    if (r && PQntuples(r) == 1)
        ev = hd_envelope_unpack((const uint8_t *)PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
    PQclear(r);
    return ev;
}

static int flag(const char *mention, const char *col) {
    char text[160];
    snprintf(text, sizeof text, "SELECT %s::int FROM inbox_item WHERE mention_id = $1", col);
    const char *p[1] = {mention};
    PGresult *r = hd_db_exec(s_db, text, 1, p);
    int v = r && PQntuples(r) ? atoi(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return v;
}

/* A pass as workflow's role (the checks read the outbox as the owner). */
static int pass_as_workflow(int64_t now, size_t limit, wf_sla_pass_t *res) {
    if (sql("SET ROLE huddle_workflow") < 0)
        return -1;
    int rc = wf_sla_pass(s_db, now, limit, res);
    return sql("RESET ROLE") < 0 ? -1 : rc;
}

static wf_sla_pass_t pass(int64_t now) {
    wf_sla_pass_t res;
    if (pass_as_workflow(now, WF_SLA_LIMIT, &res) < 0)
        res.warnings = res.breaches = 999;
    return res;
}

HD_TEST(an_open_item_warns_once_then_breaches_once) {
    wf_sla_pass_t p = pass(T);
    /* A warns; D is past its deadline: breached, without a warning */
    ASSERT_EQ(p.warnings, 1);
    ASSERT_EQ(p.breaches, 1);
    ASSERT_EQ(p.next_ms, T + 5 * S); /* E's warning */
    ASSERT_EQ(recorded(A, "inbox.sla_warning"), 1);
    ASSERT_EQ(recorded(A, "inbox.sla_breached"), 0);
    ASSERT_EQ(flag(A, "sla_warned"), 1);
    ASSERT_EQ(flag(A, "sla_breached"), 0);
    ASSERT_EQ(recorded(D, "inbox.sla_breached"), 1);
    ASSERT_EQ(recorded(D, "inbox.sla_warning"), 0);
    ASSERT_EQ(flag(D, "sla_warned"), 1);
    /* again, at the same instant and later: nothing new */
    p = pass(T);
    ASSERT_EQ(p.warnings + p.breaches, 0);
    p = pass(T + 4 * S);
    ASSERT_EQ(p.warnings + p.breaches, 0);
    ASSERT_EQ(recorded(A, NULL), 1);
    ASSERT_EQ(recorded(D, NULL), 1);
    /* E warns at its instant, to the millisecond */
    p = pass(T + 5 * S - 1);
    ASSERT_EQ(p.warnings, 0);
    ASSERT_EQ(wf_sla_wait(&p, WF_SLA_LIMIT, T + 5 * S - 1), WF_SLA_MIN_WAIT_MS);
    p = pass(T + 5 * S);
    ASSERT_EQ(p.warnings, 1);
    ASSERT_EQ(recorded(E, "inbox.sla_warning"), 1);
    ASSERT_EQ(p.next_ms, T + 60 * S); /* A's breach */
    /* A breaches at its deadline, once */
    p = pass(T + 60 * S);
    ASSERT_EQ(p.breaches, 1);
    ASSERT_EQ(p.warnings, 0);
    ASSERT_EQ(flag(A, "sla_breached"), 1);
    p = pass(T + 61 * S);
    ASSERT_EQ(p.warnings + p.breaches, 0);
    ASSERT_EQ(recorded(A, "inbox.sla_warning"), 1);
    ASSERT_EQ(recorded(A, "inbox.sla_breached"), 1);
    /* a waiting item nobody answered still runs: G warns then breaches */
    p = pass(T + 100 * S);
    ASSERT_EQ(p.warnings + p.breaches, 2); /* E's breach and G's */
    ASSERT_EQ(recorded(G, "inbox.sla_breached"), 1);
    ASSERT_EQ(p.next_ms, 0);
    ASSERT_EQ(wf_sla_wait(&p, WF_SLA_LIMIT, T + 100 * S), WF_SLA_MAX_WAIT_MS);
}

HD_TEST(resolved_answered_and_deadline_free_items_never_run) {
    pass(T + 3600 * S);
    ASSERT_EQ(recorded(B, NULL), 0);
    ASSERT_EQ(recorded(C, NULL), 0);
    ASSERT_EQ(recorded(F, NULL), 0);
    ASSERT_EQ(flag(B, "sla_warned"), 0);
    ASSERT_EQ(flag(C, "sla_breached"), 0);
}

HD_TEST(the_events_say_what_the_inbox_shows) {
    hd_envelope_t *w = event(A, "inbox.sla_warning"), *b = event(A, "inbox.sla_breached");
    hd_envelope_t *t = event(E, "inbox.sla_warning");
    ASSERT(w && b && t);
    char want[HD_ID_LEN];
    char label[64];
    snprintf(label, sizeof label, "inbox.sla_warning@%lld", T + 60 * S);
    hd_id_derive(want, A, label);
    ASSERT_STR(w->id, want);
    ASSERT_STR(w->department, "customer-care");
    ASSERT_STR(w->correlation_id, A);
    ASSERT_STR(w->source, "workflow");
    const Huddle__V1__InboxChanged *x = w->inbox_changed;
    ASSERT(x);
    ASSERT_STR(x->what, "sla_warning");
    ASSERT_STR(x->mention_id, A);
    ASSERT_STR(x->state, "assigned");
    ASSERT_STR(x->from_state, "assigned");
    ASSERT_STR(x->assignee_id, RITA);
    ASSERT_STR(x->assignee_email, "rita@example.org");
    ASSERT_STR(x->actor_id, "");
    ASSERT_EQ(x->sla_due_at_ms, T + 60 * S);
    ASSERT_STR(x->reason, "first response due by 2026-01-01T10:01:00Z");
    ASSERT_STR(x->channel, "sandbox");
    ASSERT_STR(x->feed, "care-mentions");
    ASSERT_STR(b->inbox_changed->what, "sla_breached");
    ASSERT_STR(b->inbox_changed->reason, "no first response by 2026-01-01T10:01:00Z");
    ASSERT_STR(t->department, ""); /* triage */
    ASSERT_STR(t->inbox_changed->assignee_id, "");
    hd_envelope_free(w);
    hd_envelope_free(b);
    hd_envelope_free(t);
}

HD_TEST(a_pass_is_bounded_and_the_rest_follows_at_once) {
    for (int i = 0; i < 12; i++) {
        char id[HD_ID_LEN];
        snprintf(id, sizeof id, "bbbbbbbb-0000-4000-8000-%012d", i);
        ASSERT_EQ(item(id, "customer-care", "new", T + 7200 * S + i, T + 7300 * S + i, NULL, 0), 0);
    }
    wf_sla_pass_t p;
    ASSERT_EQ(pass_as_workflow(T + 8000 * S, 5, &p), 0);
    ASSERT_EQ(p.breaches, 5);
    ASSERT_EQ(wf_sla_wait(&p, 5, T + 8000 * S), 0);
    ASSERT_EQ(p.next_ms, T + 7200 * S + 5); /* the earliest left: its warning */
    ASSERT_EQ(pass_as_workflow(T + 8000 * S, 5, &p), 0);
    ASSERT_EQ(p.breaches, 5);
    ASSERT_EQ(pass_as_workflow(T + 8000 * S, 5, &p), 0);
    ASSERT_EQ(p.breaches, 2);
    ASSERT_EQ(wf_sla_wait(&p, 5, T + 8000 * S), WF_SLA_MAX_WAIT_MS);
}

HD_TEST(the_wait_runs_to_the_next_deadline) {
    wf_sla_pass_t p = {.next_ms = T + 300};
    ASSERT_EQ(wf_sla_wait(&p, 10, T), 300);
    p.next_ms = T + 5 * S;
    ASSERT_EQ(wf_sla_wait(&p, 10, T), WF_SLA_MAX_WAIT_MS);
    p.next_ms = T - 5; /* due, but held by another transaction */
    ASSERT_EQ(wf_sla_wait(&p, 10, T), WF_SLA_MIN_WAIT_MS);
    p.next_ms = 0;
    p.warnings = 9;
    ASSERT_EQ(wf_sla_wait(&p, 10, T), WF_SLA_MAX_WAIT_MS);
    p.breaches = 1;
    ASSERT_EQ(wf_sla_wait(&p, 10, T), 0);
}

HD_TEST(idle_paces_the_passes) {
    wf_sla_t pace = {0};
    ASSERT_EQ(sql("SET ROLE huddle_workflow"), 0);
    int wait = wf_sla_idle(s_db, &pace); /* the wall clock: every deadline above has passed */
    ASSERT(wait >= 0 && wait <= WF_SLA_MAX_WAIT_MS);
    ASSERT(pace.next_run_ms > 0);
    pace.next_run_ms = hd_now_ms() + 400; /* asked to wait: no pass, the rest of the wait */
    wait = wf_sla_idle(s_db, &pace);
    ASSERT(wait > 300 && wait <= 400);
    ASSERT_EQ(sql("RESET ROLE"), 0);
}

int main(void) {
    if (setup() < 0)
        return 1;
    hd_test_case_t cases[] = {HD_CASE(an_open_item_warns_once_then_breaches_once),
                              HD_CASE(resolved_answered_and_deadline_free_items_never_run),
                              HD_CASE(the_events_say_what_the_inbox_shows),
                              HD_CASE(a_pass_is_bounded_and_the_rest_follows_at_once),
                              HD_CASE(the_wait_runs_to_the_next_deadline),
                              HD_CASE(idle_paces_the_passes)};
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        hd_test_failed = 0;
        cases[i].fn();
        printf("%s %s\n", hd_test_failed ? "FAIL" : "ok  ", cases[i].name);
        failures += hd_test_failed;
    }
    hd_db_destroy(&s_db);
    return failures ? 1 : 0;
}

int hd_test_failed;
