/*  sla: the first-response timers' pass (sla.h). */
#include "sla.h"

#include "hd_envelope.h"
#include "hd_id.h"
#include "hd_log.h"
#include "hd_outbox.h"
#include "hd_stmtcache.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OPEN_ITEM "first_response_at IS NULL AND state <> 'resolved' AND NOT sla_breached"
#define CEIL_MS(col) "ceil(extract(epoch FROM " col ") * 1000)::bigint"

/* The due items of both timers (the partial indexes of 020_sla.sql),
   locked, marked and returned in one statement: warned is set with a
   breach too, so an item whose breach came first never warns after. A
   row another transaction holds is left for the next pass. */
static const char *PASS_SQL =
    "WITH now AS (SELECT to_timestamp($1::bigint / 1000.0) AS t), "
    "w AS (SELECT mention_id FROM inbox_item WHERE NOT sla_warned AND " OPEN_ITEM
    "      AND sla_warn_at <= (SELECT t FROM now) "
    "      ORDER BY sla_warn_at LIMIT $2 FOR UPDATE SKIP LOCKED), "
    "b AS (SELECT mention_id FROM inbox_item WHERE " OPEN_ITEM
    "      AND sla_due_at <= (SELECT t FROM now) "
    "      ORDER BY sla_due_at LIMIT $2 FOR UPDATE SKIP LOCKED) "
    "UPDATE inbox_item i SET sla_warned = true, "
    "  sla_breached = coalesce(i.sla_due_at <= (SELECT t FROM now), false), "
    "  version = i.version + 1 "
    "FROM (SELECT mention_id FROM w UNION SELECT mention_id FROM b) AS due "
    "WHERE i.mention_id = due.mention_id "
    "RETURNING i.mention_id, i.department_id, i.state, coalesce(i.assignee_id::text, ''), "
    "  coalesce((SELECT p.email FROM person p WHERE p.id = i.assignee_id), ''), "
    "  i.sla_breached, " CEIL_MS("i.sla_due_at") ", i.channel_id, coalesce(i.feed_id, '')";

/* The earliest deadline still ahead after the pass (NULL: none). Planned
   at each call (HD_STMT_REPLAN): the table starts empty. */
static const char *NEXT_SQL = HD_STMT_REPLAN
    "SELECT least("
    "  (SELECT " CEIL_MS(
        "min(sla_warn_at)") " FROM inbox_item WHERE NOT sla_warned AND " OPEN_ITEM
                            "), (SELECT " CEIL_MS(
                                "min(sla_due_at)") " FROM inbox_item WHERE " OPEN_ITEM "))";

enum {
    C_MENTION,
    C_DEPARTMENT,
    C_STATE,
    C_ASSIGNEE,
    C_EMAIL,
    C_BREACHED,
    C_DUE,
    C_CHANNEL,
    C_FEED
};

/* "2025-01-07T10:00:00Z" of a UTC ms instant into buf. */
static void rfc3339(int64_t ms, char *buf, size_t n) {
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The event of marked row `row` onto q: inbox.sla_breached or
   inbox.sla_warning, its id derived from the mention, the label and the
   deadline. */
static void queue_event(PGresult *r, int row, hd_outbox_queue_t *q) {
    int breached = PQgetvalue(r, row, C_BREACHED)[0] == 't';
    const char *mention = PQgetvalue(r, row, C_MENTION), *state = PQgetvalue(r, row, C_STATE);
    int64_t due = strtoll(PQgetvalue(r, row, C_DUE), NULL, 10);
    char when[32], reason[96], type[HD_TYPE_LEN], id[HD_ID_LEN], label[64];
    rfc3339(due, when, sizeof when);
    snprintf(reason, sizeof reason, "%s %s",
             breached ? "no first response by" : "first response due by", when);
    Huddle__V1__InboxChanged b = HUDDLE__V1__INBOX_CHANGED__INIT;
    b.mention_id = (char *)mention;
    b.what = breached ? "sla_breached" : "sla_warning";
    b.state = b.from_state = (char *)state;
    b.assignee_id = PQgetvalue(r, row, C_ASSIGNEE);
    b.assignee_email = PQgetvalue(r, row, C_EMAIL);
    b.reason = reason;
    b.sla_due_at_ms = due;
    b.channel = PQgetvalue(r, row, C_CHANNEL);
    b.feed = PQgetvalue(r, row, C_FEED);
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_INBOX_CHANGED;
    env.inbox_changed = &b;
    env.type = (char *)hd_envelope_inbox_type(&b, type, sizeof type);
    env.department = PQgetvalue(r, row, C_DEPARTMENT);
    env.correlation_id = (char *)mention;
    env.actor = "workflow";
    hd_envelope_stamp(&env, id, "workflow", NULL, NULL);
    /* a timer has no causing event: the id comes from what it is about */
    snprintf(label, sizeof label, "inbox.%s@%" PRId64, b.what, due);
    hd_id_derive(id, mention, label);
    hd_outbox_queue_add(q, &env);
}

/* Sends the pass and the next-deadline read, reads both. */
static int mark_due(hd_db_t *db, int64_t now_ms, size_t limit, PGresult **res) {
    char now[24], lim[24];
    snprintf(now, sizeof now, "%" PRId64, now_ms);
    snprintf(lim, sizeof lim, "%zu", limit);
    const char *p[2] = {now, lim};
    if (hd_db_send(db, PASS_SQL, 2, p) < 0 || hd_db_send(db, NEXT_SQL, 0, NULL) < 0)
        return -1;
    return hd_db_results(db, res, 2);
}

static int record(hd_db_t *db, PGresult *marked, wf_sla_pass_t *res) {
    hd_outbox_queue_t *q = hd_outbox_queue_new();
    for (int row = 0; row < PQntuples(marked); row++) {
        queue_event(marked, row, q);
        if (PQgetvalue(marked, row, C_BREACHED)[0] == 't')
            res->breaches++;
        else
            res->warnings++;
    }
    int rc = hd_outbox_queue_count(q) ? hd_outbox_queue_write(q, db) : 0;
    hd_outbox_queue_destroy(&q);
    return rc;
}

int wf_sla_pass(hd_db_t *db, int64_t now_ms, size_t limit, wf_sla_pass_t *res) {
    memset(res, 0, sizeof *res);
    PGresult *r[2] = {0};
    if (hd_db_begin(db) < 0 || mark_due(db, now_ms, limit ? limit : 1, r) < 0)
        goto fail;
    if (!PQgetisnull(r[1], 0, 0))
        res->next_ms = strtoll(PQgetvalue(r[1], 0, 0), NULL, 10);
    if (record(db, r[0], res) < 0 || hd_db_commit(db) < 0)
        goto fail;
    PQclear(r[0]);
    PQclear(r[1]);
    if (res->warnings || res->breaches)
        hd_info("sla_pass", "%zu warnings, %zu breaches recorded", res->warnings, res->breaches);
    return 0;
fail:
    hd_error("sla_pass_failed", "%s", hd_db_error(db));
    PQclear(r[0]);
    PQclear(r[1]);
    hd_db_rollback(db);
    memset(res, 0, sizeof *res);
    return -1;
}

int wf_sla_wait(const wf_sla_pass_t *res, size_t limit, int64_t now_ms) {
    if (res->warnings + res->breaches >= limit)
        return 0;
    if (res->next_ms <= 0 || res->next_ms - now_ms >= WF_SLA_MAX_WAIT_MS)
        return WF_SLA_MAX_WAIT_MS;
    if (res->next_ms - now_ms <= WF_SLA_MIN_WAIT_MS)
        return WF_SLA_MIN_WAIT_MS;
    return (int)(res->next_ms - now_ms);
}

int wf_sla_idle(hd_db_t *db, wf_sla_t *sla) {
    int64_t now = hd_now_ms();
    if (now < sla->next_run_ms)
        return (int)(sla->next_run_ms - now);
    wf_sla_pass_t res;
    int wait = wf_sla_pass(db, now, WF_SLA_LIMIT, &res) == 0 ? wf_sla_wait(&res, WF_SLA_LIMIT, now)
                                                             : WF_SLA_MAX_WAIT_MS;
    sla->next_run_ms = now + wait;
    return wait;
}
