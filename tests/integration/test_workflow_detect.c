/*  Spike detection and the crises' reroute against a real PostgreSQL:
    wf_apply_batch driven with hand-built mention.received events whose
    times the test sets, so an hour of steady traffic takes no hour. A
    playbook with a spike trigger (a playbook_version row, as ingest
    stores it) counts its mentions per minute; a burst proposes its crisis
    with the figures; a crisis already proposed, a cool-down and a replay
    each keep a second one from being declared; a playbook that says
    "declare" declares; old counts are pruned; and a crisis in force
    reroutes the mentions matching its terms within its scope. */
#include "apply.h"
#include "hd_db.h"
#include "hd_id.h"
#include "hd_mem.h"
#include "hd_test.h"
#include "hd_testdb.h"

#include <stdlib.h>

static const char *FIXTURE =
    "INSERT INTO department (id, name) VALUES ('hub','Hub'), ('customer-care','Care'),"
    " ('legal','Legal');"
    "INSERT INTO channel (id, kind, base_url) VALUES ('sandbox','mastodon','http://127.0.0.1:1'),"
    " ('other','mastodon','http://127.0.0.1:1');"
    "INSERT INTO routing_rule (id, priority, keywords, channel_id, department_id) VALUES"
    " ('legal-threats', 10, '{sue}', NULL, 'legal'),"
    " ('support', 20, '{refund,broken}', NULL, 'customer-care');";

/* A normalized playbook spec (docs/playbooks.md) with a spike trigger. */
#define SPEC(name, terms, then, extra)                                                       \
    "{\"name\":\"" name "\",\"description\":\"\",\"severity\":\"critical\",\"terms\":" terms \
    ",\"triggers\":{\"manual\":true,\"spike\":{\"window_minutes\":10,\"min_count\":20,"      \
    "\"sigma\":3,\"baseline_weeks\":0,\"baseline_hours\":1,\"cooldown_minutes\":60,"         \
    "\"then\":\"" then "\"}},\"scope\":{\"departments\":[],\"channels\":[]},"                \
    "\"actions\":{\"hold\":true,\"add_approvals\":[],\"recall_minutes\":0,\"notify\":[],"    \
    "\"holding_statement\":\"\"" extra "},\"team\":{\"roles\":[\"crisis\"],\"booth\":[]},"   \
    "\"exit\":{\"resume_roles\":[\"orchestrator\"],\"held_items\":\"publish\","              \
    "\"late_items\":\"reapprove\"}}"

static const char *PLAYBOOKS =
    "INSERT INTO playbook_version (name, version, source, spec) VALUES "
    "('data-breach', 1, 'playbook: data-breach', '" SPEC(
        "data-breach", "[\"breach\",\"leak\",\"hacked\"]", "propose",
        ",\"reroute_to\":\"hub\"") "'), "
                                   "('outage', 1, 'playbook: outage', '" SPEC(
                                       "outage", "[\"outage\"]", "declare", "") "')";

static hd_db_t *s_db;
static wf_ctx_t s_ctx = {.facts = {.fallback_role = "orchestrator"}};
static hd_batch_out_t *s_out;
static int64_t s_t0; /* three hours ago, on the hour: the tests' time 0 */

static int exec_sql(const char *sql) {
    PGresult *r = PQexec(hd_db_conn(s_db), sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "sql: %s\n", PQresultErrorMessage(r));
    PQclear(r);
    return ok ? 0 : -1;
}

static int setup(void) {
    if (s_db)
        return 0;
    char url[512];
    if (hd_testdb_create("test_workflow_detect", 0, url, sizeof url) < 0)
        return -1;
    s_db = hd_db_connect(url, 5000);
    if (!s_db)
        return -1;
    s_out = hd_batch_out_new("workflow");
    s_t0 = (hd_now_ms() / 3600000 - 3) * 3600000;
    return exec_sql(FIXTURE) < 0 || exec_sql(PLAYBOOKS) < 0 ? -1 : 0;
}

/* A mention.received event and its body. */
typedef struct {
    char id[HD_ID_LEN], mid[HD_ID_LEN];
    Huddle__V1__MentionReceived b;
    hd_envelope_t env;
} mev_t;

static void mev(mev_t *m, const char *channel, const char *text, int64_t at_ms) {
    Huddle__V1__MentionReceived b = HUDDLE__V1__MENTION_RECEIVED__INIT;
    hd_envelope_t e = HUDDLE__V1__ENVELOPE__INIT;
    hd_id_random(m->id);
    hd_id_random(m->mid);
    m->b = b;
    m->b.mention_id = m->mid;
    m->b.channel = (char *)channel;
    m->b.external_id = "x";
    m->b.author_handle = "@fan";
    m->b.text = (char *)text;
    m->b.url = "";
    m->env = e;
    m->env.id = m->id;
    m->env.type = "mention.received";
    m->env.body_case = HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED;
    m->env.mention_received = &m->b;
    m->env.department = "";
    m->env.correlation_id = m->mid;
    m->env.source = "test";
    m->env.occurred_at_ms = at_ms;
}

/* ms[0..n) as one batch in its own transaction, as the consumer loop
   applies it. */
static int run(mev_t *ms, size_t n) {
    const hd_envelope_t **evs = calloc(n, sizeof *evs);
    for (size_t i = 0; i < n; i++)
        evs[i] = &ms[i].env;
    hd_batch_out_clear(s_out);
    int rc = hd_db_begin(s_db) < 0 ? -99 : wf_apply_batch(s_db, evs, n, s_out, &s_ctx);
    if (rc == HD_APPLY_OK && hd_batch_out_write(s_out, s_db) < 0)
        rc = HD_APPLY_RETRY;
    if (rc == HD_APPLY_OK && hd_db_commit(s_db) < 0)
        rc = HD_APPLY_RETRY;
    if (rc != HD_APPLY_OK)
        hd_db_rollback(s_db);
    free(evs);
    return rc;
}

/* n mentions of text, evenly spread over the minute `minute` after s_t0,
   applied as one batch. The last one's event id into last (if given). */
static int burst(int minute, int n, const char *text, char *last) {
    mev_t *ms = calloc((size_t)n, sizeof *ms);
    for (int i = 0; i < n; i++)
        mev(&ms[i], "sandbox", text, s_t0 + minute * 60000LL + i * (60000 / n));
    int rc = run(ms, (size_t)n);
    if (last)
        snprintf(last, HD_ID_LEN, "%s", ms[n - 1].id);
    free(ms);
    return rc;
}

/* The playbook's counts of the 70 minutes before s_t0 as steady traffic
   (below) left them: the past a detector compares with (with none, any
   min_count mentions would be a spike). */
static int history(const char *playbook) {
    char t0[24];
    snprintf(t0, sizeof t0, "%lld", (long long)(s_t0 / 60000));
    const char *p[2] = {playbook, t0};
    return hd_db_cmd(s_db,
                     "INSERT INTO crisis_mention_count (playbook, minute, n) "
                     "SELECT $1, to_timestamp(($2::bigint + g) * 60), "
                     "  CASE WHEN g % 2 = 0 THEN 1 ELSE 3 END FROM generate_series(-70, -1) g",
                     2, p);
}

/* Steady traffic from minute `from` to `to` (excluded): 1 and 3
   mentions of text in alternate minutes, a batch a minute. */
static int steady(int from, int to, const char *text) {
    for (int m = from; m < to; m++)
        if (burst(m, m % 2 ? 3 : 1, text, NULL) != HD_APPLY_OK)
            return -1;
    return 0;
}

static char *value(const char *sql, const char *p1) {
    const char *p[1] = {p1};
    PGresult *r = hd_db_exec(s_db, sql, p1 ? 1 : 0, p);
    char *v = hd_strdup(r && PQntuples(r) && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    return v;
}

static long scalar(const char *sql, const char *p1) {
    char *v = value(sql, p1);
    long n = *v ? atol(v) : -1;
    free(v);
    return n;
}

#define ASSERT_VALUE(sql, p1, want)                 \
    do {                                            \
        char *v_ = value(sql, p1);                  \
        int same_ = strcmp(v_, want) == 0;          \
        if (!same_)                                 \
            fprintf(stderr, "%s -> %s\n", sql, v_); \
        free(v_);                                   \
        ASSERT(same_);                              \
    } while (0)

static long crises(const char *playbook) {
    return scalar("SELECT count(*) FROM crisis WHERE playbook = $1", playbook);
}

HD_TEST(counts_per_minute_only_whole_words) {
    ASSERT_EQ(setup(), 0);
    mev_t m[5];
    mev(&m[0], "sandbox", "a breach?", s_t0 + 1000);
    mev(&m[1], "sandbox", "we got LEAKED... no, hacked", s_t0 + 2000);
    mev(&m[2], "other", "a leak", s_t0 + 59000);
    mev(&m[3], "sandbox", "breaching the wall", s_t0 + 3000);
    mev(&m[4], "sandbox", "the leak", s_t0 + 61000);
    ASSERT_EQ(run(m, 5), HD_APPLY_OK);
    char minute[32];
    snprintf(minute, sizeof minute, "%lld", (long long)(s_t0 / 60000));
    ASSERT_EQ(scalar("SELECT n FROM crisis_mention_count WHERE playbook = 'data-breach' "
                     "AND minute = to_timestamp($1::bigint * 60)",
                     minute),
              3);
    ASSERT_EQ(
        scalar("SELECT sum(n) FROM crisis_mention_count WHERE playbook = 'data-breach'", NULL), 4);
    ASSERT_EQ(scalar("SELECT count(*) FROM crisis_mention_count WHERE playbook = 'outage'", NULL),
              0);
    ASSERT_EQ(crises("data-breach"), 0);
    ASSERT(exec_sql("DELETE FROM crisis_mention_count") == 0);
}

HD_TEST(a_burst_after_steady_traffic_proposes_the_crisis) {
    ASSERT_EQ(setup(), 0);
    ASSERT_EQ(history("data-breach"), 0);
    ASSERT_EQ(steady(0, 75, "is this a breach?"), 0); /* 20 in every 10 minutes: usual */
    ASSERT_EQ(crises("data-breach"), 0);
    char last[HD_ID_LEN], id[HD_ID_LEN];
    ASSERT_EQ(burst(75, 30, "they leaked everything: a leak", last), HD_APPLY_OK);
    hd_id_derive(id, last, "crisis:data-breach");
    ASSERT_EQ(crises("data-breach"), 1);
    ASSERT_VALUE("SELECT state FROM crisis WHERE id = $1", id, "proposed");
    ASSERT_VALUE("SELECT declared_by FROM crisis WHERE id = $1", id, "workflow");
    /* minutes 66..75: 5 x 1 + 4 x 3 + 30 (minute 75 holds the burst alone) */
    ASSERT_VALUE("SELECT detail->>'count' FROM crisis WHERE id = $1", id, "47");
    ASSERT_VALUE("SELECT detail->>'samples' FROM crisis WHERE id = $1", id, "6");
    ASSERT_VALUE("SELECT detail->>'mean' FROM crisis WHERE id = $1", id, "20.000");
    ASSERT_VALUE("SELECT detail->>'stddev' FROM crisis WHERE id = $1", id, "0.000");
    ASSERT_VALUE("SELECT reason FROM crisis WHERE id = $1", id,
                 "spike: 47 mentions in 10 minutes (baseline mean 20.0, sd 0.0)");
    ASSERT_VALUE("SELECT reroute_department FROM crisis WHERE id = $1", id, "hub");
    ASSERT(scalar("SELECT count(*) FROM crisis WHERE id = $1 AND proposed_at IS NOT NULL "
                  "AND declared_at IS NULL AND detected_at IS NOT NULL",
                  id) == 1);
    /* detected at the newest mention's time; the cool-down starts there */
    ASSERT_EQ(scalar("SELECT count(*) FROM crisis c JOIN crisis_watch w "
                     "ON w.playbook = c.playbook AND w.last_crisis_id = c.id "
                     "AND w.last_fired_at = c.detected_at WHERE c.id = $1",
                     id),
              1);
    /* crisis.proposed recorded, caused by that mention */
    ASSERT_EQ(scalar("SELECT count(*) FROM outbox WHERE correlation_id = $1", id), 1);
    char want[64];
    snprintf(want, sizeof want, "crisis.proposed %s", last);
    ASSERT_VALUE("SELECT type || ' ' || causation_id FROM outbox WHERE correlation_id = $1", id,
                 want);
}

HD_TEST(no_second_crisis_while_one_is_proposed_or_cooling) {
    ASSERT_EQ(setup(), 0);
    ASSERT_EQ(burst(76, 40, "hacked hacked", NULL), HD_APPLY_OK);
    ASSERT_EQ(crises("data-breach"), 1); /* the proposal stands */
    /* dismissed: the cool-down (60 minutes from minute 75) still holds */
    ASSERT(exec_sql("UPDATE crisis SET state = 'dismissed' WHERE playbook = 'data-breach'") == 0);
    ASSERT_EQ(burst(80, 60, "hacked", NULL), HD_APPLY_OK);
    ASSERT_EQ(crises("data-breach"), 1);
    /* its cool-down over (as if it had fired two hours ago): a new one */
    ASSERT(exec_sql("UPDATE crisis_watch SET last_fired_at = last_fired_at - interval '2 hours'") ==
           0);
    char last[HD_ID_LEN], id[HD_ID_LEN];
    ASSERT_EQ(burst(81, 90, "hacked", last), HD_APPLY_OK);
    ASSERT_EQ(crises("data-breach"), 2);
    hd_id_derive(id, last, "crisis:data-breach");
    ASSERT_VALUE("SELECT state FROM crisis WHERE id = $1", id, "proposed");
}

/* The same batch applied again (a replay) finds the crisis it declared
   and declares nothing, even with the proposal gone and no cool-down. */
HD_TEST(a_replay_declares_nothing_twice) {
    ASSERT_EQ(setup(), 0);
    ASSERT(exec_sql("UPDATE crisis SET state = 'dismissed' WHERE playbook = 'data-breach'") == 0);
    ASSERT(exec_sql("UPDATE crisis_watch SET last_fired_at = NULL") == 0);
    mev_t *ms = calloc(200, sizeof *ms);
    for (int i = 0; i < 200; i++)
        mev(&ms[i], "sandbox", "a breach", s_t0 + 82 * 60000LL + i * 100);
    ASSERT_EQ(run(ms, 200), HD_APPLY_OK);
    ASSERT_EQ(crises("data-breach"), 3);
    ASSERT(exec_sql("UPDATE crisis SET state = 'dismissed' WHERE playbook = 'data-breach'") == 0);
    ASSERT(exec_sql("UPDATE crisis_watch SET last_fired_at = NULL") == 0);
    ASSERT_EQ(run(ms, 200), HD_APPLY_OK);
    ASSERT_EQ(crises("data-breach"), 3);
    free(ms);
}

HD_TEST(a_playbook_that_says_declare_declares) {
    ASSERT_EQ(setup(), 0);
    ASSERT_EQ(history("outage"), 0);
    ASSERT_EQ(steady(0, 70, "an outage again"), 0);
    ASSERT_EQ(crises("outage"), 0);
    char last[HD_ID_LEN], id[HD_ID_LEN];
    ASSERT_EQ(burst(70, 50, "OUTAGE!", last), HD_APPLY_OK);
    hd_id_derive(id, last, "crisis:outage");
    ASSERT_VALUE("SELECT state FROM crisis WHERE id = $1", id, "declared");
    ASSERT_EQ(scalar("SELECT count(*) FROM crisis_in_force WHERE id = $1", id), 1);
    /* no reroute_to in its playbook: it reroutes nothing */
    ASSERT_VALUE("SELECT cardinality(reroute_terms) FROM crisis WHERE id = $1", id, "0");
    ASSERT(exec_sql("UPDATE crisis SET state = 'resumed' WHERE playbook = 'outage'") == 0);
}

HD_TEST(counts_no_detector_reads_are_pruned) {
    ASSERT_EQ(setup(), 0);
    ASSERT(exec_sql("INSERT INTO crisis_mention_count (playbook, minute, n) VALUES "
                    "('outage', date_trunc('minute', now() - interval '13 weeks'), 5), "
                    "('outage', date_trunc('minute', now() - interval '11 weeks'), 7)") == 0);
    ASSERT_EQ(burst(90, 1, "outage", NULL), HD_APPLY_OK);
    ASSERT_EQ(scalar("SELECT count(*) FROM crisis_mention_count WHERE playbook = 'outage' "
                     "AND minute < now() - interval '12 weeks 1 hour'",
                     NULL),
              0);
    ASSERT_EQ(scalar("SELECT count(*) FROM crisis_mention_count WHERE playbook = 'outage' "
                     "AND n = 7",
                     NULL),
              1);
}

/* The inbox entry of mention m: department, rule and crisis. */
static char *inbox(const mev_t *m) {
    return value("SELECT department_id || ' ' || rule_id || ' ' || coalesce(crisis_id::text, "
                 "'-') FROM inbox_item WHERE mention_id = $1",
                 m->mid);
}

#define ASSERT_INBOX(m, want)                                    \
    do {                                                         \
        char *v_ = inbox(m);                                     \
        int same_ = strcmp(v_, want) == 0;                       \
        if (!same_)                                              \
            fprintf(stderr, "inbox: %s, wanted %s\n", v_, want); \
        free(v_);                                                \
        ASSERT(same_);                                           \
    } while (0)

#define LEGAL_CRISIS "bbbbbbbb-0000-4000-8000-000000000001"
#define DRILL_CRISIS "bbbbbbbb-0000-4000-8000-000000000002"

HD_TEST(a_crisis_in_force_reroutes_what_matches_in_its_scope) {
    ASSERT_EQ(setup(), 0);
    /* the proposal of the last test, confirmed; a legal crisis rerouting
       "lawsuit" from what routing gives legal; a drill rerouting "drill" */
    ASSERT(exec_sql("UPDATE crisis SET state = 'declared', declared_at = now() WHERE id = "
                    "(SELECT id FROM crisis WHERE playbook = 'data-breach' "
                    " ORDER BY started_at DESC LIMIT 1)") == 0);
    ASSERT(exec_sql("INSERT INTO crisis (id, name, playbook, state, departments, reroute_terms, "
                    "  reroute_department, declared_at) VALUES "
                    "('" LEGAL_CRISIS "', 'lawsuits', 'lawsuits', 'declared', '{legal}', "
                    " '{lawsuit}', 'hub', now()), "
                    "('" DRILL_CRISIS "', 'drill', 'drill', 'drill', '{}', '{drill}', 'hub', "
                    " now())") == 0);
    char *breach =
        value("SELECT id::text FROM crisis_in_force WHERE playbook = 'data-breach'", NULL);
    char want[128];
    mev_t m[6];
    int64_t t = s_t0 + 100 * 60000LL;
    mev(&m[0], "sandbox", "my order is broken, was it a leak?", t);
    mev(&m[1], "sandbox", "my order is broken", t);
    mev(&m[2], "sandbox", "I will sue: a lawsuit", t);
    mev(&m[3], "sandbox", "a lawsuit about my refund", t);
    mev(&m[4], "sandbox", "is this a drill?", t);
    mev(&m[5], "other", "HACKED", t);
    ASSERT_EQ(run(m, 6), HD_APPLY_OK);
    snprintf(want, sizeof want, "hub crisis:data-breach %s", breach);
    ASSERT_INBOX(&m[0], want);
    ASSERT_INBOX(&m[5], want);
    ASSERT_INBOX(&m[1], "customer-care support -");
    ASSERT_INBOX(&m[2], "hub crisis:lawsuits " LEGAL_CRISIS);
    ASSERT_INBOX(&m[3], "customer-care support -"); /* routed to care: out of its scope */
    ASSERT_INBOX(&m[4], "  -");                     /* triage: a drill reroutes nothing */
    /* mention.routed says so, in the crisis team's department */
    char routed[HD_ID_LEN];
    hd_id_derive(routed, m[0].id, "mention.routed");
    ASSERT_VALUE("SELECT department FROM outbox WHERE event_id = $1", routed, "hub");
    free(breach);
}

HD_TEST(cleanup) {
    hd_db_destroy(&s_db);
    hd_batch_out_destroy(&s_out);
    wf_ctx_free(&s_ctx);
}

HD_TEST_MAIN(HD_CASE(counts_per_minute_only_whole_words),
             HD_CASE(a_burst_after_steady_traffic_proposes_the_crisis),
             HD_CASE(no_second_crisis_while_one_is_proposed_or_cooling),
             HD_CASE(a_replay_declares_nothing_twice),
             HD_CASE(a_playbook_that_says_declare_declares),
             HD_CASE(counts_no_detector_reads_are_pruned),
             HD_CASE(a_crisis_in_force_reroutes_what_matches_in_its_scope), HD_CASE(cleanup))
