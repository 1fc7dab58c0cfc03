/*  hd_crisis against a real PostgreSQL: a declaration copies its playbook's
    spec into the crisis and records crisis.<state>; the fence makes a
    declaration wait for a publisher batch holding it shared, and a batch
    that starts while a declaration is open wait for its commit and then
    see the crisis in force. */
#include "hd_crisis.h"
#include "hd_id.h"
#include "hd_test.h"
#include "hd_testdb.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static char s_url[512];

static const char *SPEC =
    "{\"name\":\"breach\",\"severity\":\"critical\",\"terms\":[\"breach\",\"leak\"],"
    "\"scope\":{\"departments\":[\"marketing\",\"customer-care\"],\"channels\":[]},"
    "\"actions\":{\"hold\":true,\"add_approvals\":[\"legal\",\"orchestrator\"],"
    "\"reroute_to\":\"hub\",\"recall_minutes\":30,\"notify\":[\"crisis-team\"],"
    "\"holding_statement\":\"We are looking into it.\"},"
    "\"team\":{\"roles\":[\"crisis\"],\"booth\":[\"legal\"]},"
    "\"exit\":{\"resume_roles\":[\"orchestrator\",\"crisis\"],\"held_items\":\"publish\","
    "\"late_items\":\"expire\"}}";

static long count(hd_db_t *db, const char *sql, const char *arg) {
    const char *p[1] = {arg};
    PGresult *r = hd_db_exec(db, sql, arg ? 1 : 0, p);
    long v = r && PQntuples(r) == 1 ? atol(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return v;
}

/* The number of advisory lock requests waiting. */
static long waiting(hd_db_t *db) {
    return count(db, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
                 NULL);
}

static void wait_for_waiter(hd_db_t *db) {
    for (int i = 0; i < 500 && waiting(db) < 1; i++)
        usleep(10000);
}

static hd_crisis_rc_t declare(hd_db_t *db, const char *id, hd_crisis_state_t st,
                              const char *const *deps, size_t ndeps) {
    hd_crisis_declare_t d = {.crisis_id = id,
                             .playbook = "breach",
                             .state = st,
                             .reason = "customer data on a paste site",
                             .actor_id = "00000000-0000-4000-8000-000000000001",
                             .actor_email = "olivia@example.org",
                             .departments = deps,
                             .ndepartments = ndeps};
    if (hd_db_begin(db) < 0)
        return HD_CRISIS_DB;
    hd_crisis_rc_t rc = hd_crisis_declare(db, &d);
    if (rc != HD_CRISIS_OK)
        hd_db_rollback(db);
    else if (hd_db_commit(db) < 0)
        return HD_CRISIS_DB;
    return rc;
}

HD_TEST(a_declaration_copies_its_playbook) {
    ASSERT_EQ(hd_testdb_create("test_hd_crisis", 1, s_url, sizeof s_url), 0);
    hd_db_t *db = hd_db_connect(s_url, 5000);
    ASSERT(db);
    const char *p[1] = {SPEC};
    ASSERT_EQ(hd_db_cmd(db,
                        "INSERT INTO playbook_version (name, version, source, spec) "
                        "VALUES ('breach', 1, 'playbook: breach', $1::jsonb)",
                        1, p),
              0);
    char id[HD_ID_LEN];
    hd_id_random(id);
    ASSERT_EQ(declare(db, id, HD_CRISIS_DECLARED, NULL, 0), HD_CRISIS_OK);
    const char *q[1] = {id};
    PGresult *r =
        hd_db_exec(db,
                   "SELECT state, hold, array_to_string(approval_roles, ','), "
                   "array_to_string(departments, ','), array_to_string(reroute_terms, ','), "
                   "reroute_department, recall_minutes, on_resume, on_resume_late, "
                   "array_to_string(resume_roles, ','), statement, declared_at IS NOT NULL, "
                   "playbook_version, declared_by FROM crisis WHERE id = $1::uuid",
                   1, q);
    ASSERT(r && PQntuples(r) == 1);
    const char *want[] = {"declared",
                          "t",
                          "legal,orchestrator",
                          "marketing,customer-care",
                          "breach,leak",
                          "hub",
                          "30",
                          "publish",
                          "expire",
                          "orchestrator,crisis",
                          "We are looking into it.",
                          "t",
                          "1",
                          "olivia@example.org"};
    for (int i = 0; i < 14; i++)
        ASSERT_STR(PQgetvalue(r, 0, i), want[i]);
    PQclear(r);
    ASSERT_EQ(count(db,
                    "SELECT count(*) FROM outbox WHERE type = 'crisis.declared' "
                    "AND correlation_id = $1::uuid",
                    id),
              1);
    ASSERT_EQ(count(db, "SELECT count(*) FROM crisis_in_force WHERE id = $1::uuid", id), 1);
    hd_db_destroy(&db);
}

HD_TEST(refusals_change_nothing) {
    hd_db_t *db = hd_db_connect(s_url, 5000);
    ASSERT(db);
    long before = count(db, "SELECT count(*) FROM crisis", NULL);
    char id[HD_ID_LEN];
    hd_id_random(id);
    const char *narrow[] = {"hr"};
    ASSERT_EQ(declare(db, id, HD_CRISIS_DECLARED, narrow, 1), HD_CRISIS_SCOPE);
    hd_crisis_declare_t d = {.crisis_id = id, .playbook = "nope", .state = HD_CRISIS_DECLARED};
    ASSERT_EQ(hd_db_begin(db), 0);
    ASSERT_EQ(hd_crisis_declare(db, &d), HD_CRISIS_NO_PLAYBOOK);
    d.playbook = "breach";
    d.state = HD_CRISIS_RESUMED;
    ASSERT_EQ(hd_crisis_declare(db, &d), HD_CRISIS_CONFLICT);
    hd_db_rollback(db);
    ASSERT_EQ(count(db, "SELECT count(*) FROM crisis", NULL), before);
    /* a narrower scope inside the playbook's is taken */
    const char *inside[] = {"marketing"};
    ASSERT_EQ(declare(db, id, HD_CRISIS_DRILL, inside, 1), HD_CRISIS_OK);
    ASSERT_EQ(count(db,
                    "SELECT count(*) FROM crisis WHERE id = $1::uuid AND drill "
                    "AND departments = '{marketing}'",
                    id),
              1);
    ASSERT_EQ(count(db, "SELECT count(*) FROM crisis_in_force WHERE id = $1::uuid", id), 0);
    hd_db_destroy(&db);
}

HD_TEST(a_proposal_is_confirmed_once) {
    hd_db_t *db = hd_db_connect(s_url, 5000);
    ASSERT(db);
    char id[HD_ID_LEN];
    hd_id_random(id);
    ASSERT_EQ(declare(db, id, HD_CRISIS_PROPOSED, NULL, 0), HD_CRISIS_OK);
    ASSERT_EQ(count(db, "SELECT count(*) FROM crisis_in_force WHERE id = $1::uuid", id), 0);
    ASSERT_EQ(count(db,
                    "SELECT count(*) FROM crisis WHERE id = $1::uuid AND proposed_at IS NOT NULL "
                    "AND declared_at IS NULL",
                    id),
              1);
    for (int round = 0; round < 2; round++) {
        ASSERT_EQ(hd_db_begin(db), 0);
        hd_crisis_rc_t rc = hd_crisis_confirm(db, id, "00000000-0000-4000-8000-000000000001",
                                              "olivia@example.org", "", NULL);
        ASSERT_EQ(rc, round == 0 ? HD_CRISIS_OK : HD_CRISIS_CONFLICT);
        if (round == 0)
            ASSERT_EQ(hd_db_commit(db), 0);
        else
            hd_db_rollback(db);
    }
    ASSERT_EQ(count(db, "SELECT count(*) FROM crisis_in_force WHERE id = $1::uuid", id), 1);
    ASSERT_EQ(count(db,
                    "SELECT count(*) FROM outbox WHERE correlation_id = $1::uuid "
                    "AND type IN ('crisis.proposed', 'crisis.declared')",
                    id),
              2);
    hd_db_destroy(&db);
}

typedef struct {
    const char *id;
    hd_crisis_rc_t rc;
} declarer_t;

static void *declarer(void *arg) {
    declarer_t *d = arg;
    hd_db_t *db = hd_db_connect(s_url, 5000);
    d->rc = db ? declare(db, d->id, HD_CRISIS_DECLARED, NULL, 0) : HD_CRISIS_DB;
    hd_db_destroy(&db);
    return NULL;
}

HD_TEST(a_declaration_waits_for_the_batch_on_the_wire) {
    hd_db_t *batch = hd_db_connect(s_url, 5000), *watch = hd_db_connect(s_url, 5000);
    ASSERT(batch && watch);
    ASSERT_EQ(hd_crisis_fence_shared(batch), 0);
    char id[HD_ID_LEN];
    hd_id_random(id);
    declarer_t d = {.id = id, .rc = 99};
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, declarer, &d), 0);
    wait_for_waiter(watch);
    ASSERT_EQ(waiting(watch), 1);
    ASSERT_EQ(count(watch, "SELECT count(*) FROM crisis WHERE id = $1::uuid", id), 0);
    /* the batch's calls have returned: the declaration goes through */
    ASSERT_EQ(hd_crisis_fence_release(batch), 0);
    pthread_join(t, NULL);
    ASSERT_EQ(d.rc, HD_CRISIS_OK);
    ASSERT_EQ(count(watch, "SELECT count(*) FROM crisis_in_force WHERE id = $1::uuid", id), 1);
    hd_db_destroy(&batch);
    hd_db_destroy(&watch);
}

typedef struct {
    const char *id;
    long seen; /* crisis_in_force rows for id once the fence was taken */
} batcher_t;

static void *batcher(void *arg) {
    batcher_t *b = arg;
    hd_db_t *db = hd_db_connect(s_url, 5000);
    b->seen = -1;
    if (db && hd_crisis_fence_shared(db) == 0) {
        b->seen = count(db, "SELECT count(*) FROM crisis_in_force WHERE id = $1::uuid", b->id);
        hd_crisis_fence_release(db);
    }
    hd_db_destroy(&db);
    return NULL;
}

HD_TEST(a_batch_starting_during_a_declaration_sees_it) {
    hd_db_t *db = hd_db_connect(s_url, 5000), *watch = hd_db_connect(s_url, 5000);
    ASSERT(db && watch);
    char id[HD_ID_LEN];
    hd_id_random(id);
    hd_crisis_declare_t d = {.crisis_id = id, .playbook = "breach", .state = HD_CRISIS_DECLARED};
    ASSERT_EQ(hd_db_begin(db), 0);
    ASSERT_EQ(hd_crisis_declare(db, &d), HD_CRISIS_OK);
    batcher_t b = {.id = id};
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, batcher, &b), 0);
    wait_for_waiter(watch);
    ASSERT_EQ(waiting(watch), 1);
    ASSERT_EQ(hd_db_commit(db), 0);
    pthread_join(t, NULL);
    ASSERT_EQ(b.seen, 1);
    hd_db_destroy(&db);
    hd_db_destroy(&watch);
}

HD_TEST_MAIN({"a_declaration_copies_its_playbook", a_declaration_copies_its_playbook},
             {"refusals_change_nothing", refusals_change_nothing},
             {"a_proposal_is_confirmed_once", a_proposal_is_confirmed_once},
             {"a_declaration_waits_for_the_batch_on_the_wire",
              a_declaration_waits_for_the_batch_on_the_wire},
             {"a_batch_starting_during_a_declaration_sees_it",
              a_batch_starting_during_a_declaration_sees_it})
