/*  decision: recording approvals and rejections. */
#include "decision.h"

#include "hd_approval.h"
#include "hd_envelope.h"
#include "hd_log.h"
#include "hd_outbox.h"
#include "read_side.h"

#include <stdio.h>
#include <string.h>

static int validate(const ing_decision_t *in, ing_result_t *res) {
    if (!hd_id_valid(in->content_id))
        ing_result_refuse(res, 404, "id", "'%s' is not a content id", in->content_id);
    else if (!in->decision || (strcmp(in->decision, "approve") && strcmp(in->decision, "reject")))
        ing_result_refuse(res, 422, "decision", "decision must be 'approve' or 'reject'");
    else if (!strcmp(in->decision, "reject") && (!in->reason || !*in->reason))
        ing_result_refuse(res, 422, "reason", "a rejection needs a reason for the author");
    else if (in->reason && strlen(in->reason) > 2000)
        ing_result_refuse(res, 422, "reason", "reason is longer than 2000 bytes");
    else if (in->role && (!*in->role || strlen(in->role) >= HD_ROLE_LEN))
        ing_result_refuse(res, 422, "role", "role must be 1..%d bytes", HD_ROLE_LEN - 1);
    else
        return 0;
    return -1;
}

/* 1 if this very decision was recorded before (a client retry). */
static int already(hd_db_t *db, const char *id) {
    return hd_db_count(db, "SELECT 1 FROM decision WHERE id = $1", 1, (const char *[]){id}) == 1;
}

/* The early courtesy check, from what the read side shows: whether the
   actor may decide as `role` (filled) now. workflow checks again when
   decision.recorded arrives, and its answer is the one that counts. */
static int check(hd_db_t *read_db, const ing_person_t *actor, const ing_decision_t *in, char *role,
                 ing_result_t *res) {
    hd_approval_item_t item;
    hd_actor_t who;
    char why[256] = "";
    int rc = ing_read_approval(read_db, in->content_id, &item, why, sizeof why);
    if (rc == 1) {
        int known = ing_read_item_visible(read_db, actor, in->content_id);
        if (known == 1)
            ing_result_refuse(res, 409, "id",
                              "item %s is still being checked by policy; "
                              "try again shortly",
                              in->content_id);
        else if (known == 0)
            ing_result_refuse(res, 404, "id", "no content item %s", in->content_id);
        else
            ing_result_refuse(res, 503, NULL, "database unavailable, retry");
        return -1;
    }
    if (rc < 0 || ing_read_actor(read_db, actor->id, &who) != 0) {
        if (rc < 0)
            hd_log(HD_LOG_WARN, "decision_check_failed", NULL, in->content_id, "%s", why);
        ing_result_refuse(res, 503, NULL, "database unavailable, retry");
        return -1;
    }
    if (!hd_approval_involved(&item, &who) && !ing_read_sees_all(actor)) {
        /* no part in it: answered as an unknown id, so a caller learns
           nothing of another department's items, not even that they exist */
        ing_result_refuse(res, 404, "id", "no content item %s", in->content_id);
        return -1;
    }
    if (item.state != HD_ITEM_AWAITING_APPROVAL) {
        ing_result_refuse(res, 409, "id", "item %s is %s, not awaiting approval", in->content_id,
                          hd_item_state_name(item.state));
        return -1;
    }
    if (in->role)
        snprintf(role, HD_ROLE_LEN, "%s", in->role);
    else if (hd_approval_pick_role(&item, &who, role, HD_ROLE_LEN) < 0) {
        ing_result_refuse(res, 403, "role", "%s holds none of the roles this item needs",
                          actor->email);
        return -1;
    }
    if (!hd_approval_may_decide(&item, &who, role, why, sizeof why)) {
        ing_result_refuse(res, 403, "role", "%s", why);
        return -1;
    }
    return 0;
}

static int record(hd_db_t *db, const ing_person_t *actor, const ing_decision_t *in,
                  const char *role, const char *id) {
    const char *reason = in->reason ? in->reason : "";
    const char *tok = hd_id_valid(actor->token_id) ? actor->token_id : NULL;
    const char *p[7] = {id, in->content_id, actor->id, in->decision, role, reason, tok};
    if (hd_db_cmd(db,
                  "INSERT INTO decision (id, content_id, actor_id, decision, role, reason, "
                  "token_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                  7, p) < 0)
        return -1;
    const char *dept = NULL;
    PGresult *r = hd_db_exec(db, "SELECT department_id FROM content WHERE id = $1", 1,
                             (const char *[]){in->content_id});
    if (!r || PQntuples(r) != 1) {
        if (r)
            PQclear(r);
        return -1;
    }
    dept = PQgetvalue(r, 0, 0);
    Huddle__V1__DecisionRecorded body = HUDDLE__V1__DECISION_RECORDED__INIT;
    body.content_id = (char *)in->content_id;
    body.decision_id = (char *)id;
    body.actor_id = (char *)actor->id;
    body.actor_email = (char *)actor->email;
    body.decision = (char *)in->decision;
    body.role = (char *)role;
    body.reason = (char *)reason;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_DECISION_RECORDED;
    env.decision_recorded = &body;
    env.department = (char *)dept;
    env.correlation_id = (char *)in->content_id;
    env.actor = (char *)actor->email;
    env.token_id = (char *)actor->token_id;
    char eid[HD_ID_LEN];
    hd_envelope_stamp(&env, eid, "ingest", id, "decision.recorded");
    env.causation_id = "";
    int rc = hd_outbox_put(db, &env) < 0 ? -1 : 0;
    PQclear(r);
    return rc;
}

/* The decision's id, derived so that a client's retry finds it: the same
   person, role and decision in the same approval round (the item's
   requested_at, which a crisis's resume moves when it sends a held item
   back to approval: a decision then is a new one). */
static int decision_id(hd_db_t *read_db, const ing_person_t *actor, const ing_decision_t *in,
                       char id[HD_ID_LEN]) {
    char label[256], round[32];
    if (ing_read_approval_round(read_db, in->content_id, round, sizeof round) < 0)
        return -1;
    snprintf(label, sizeof label, "decision:%s:%s:%s:%s", actor->id, in->role ? in->role : "",
             in->decision ? in->decision : "", round);
    hd_id_derive(id, in->content_id, label);
    return 0;
}

/* A refusal (403, 409) of a decision that was already recorded is a
   client's retry: answered 200, not refused. */
static void answer_retry(hd_db_t *db, ing_result_t *res) {
    if ((res->status == 409 || res->status == 403) && already(db, res->id)) {
        res->status = 200;
        res->error[0] = res->field[0] = 0;
    }
}

void ing_decision_submit(hd_db_t *db, hd_db_t *read_db, const ing_person_t *actor,
                         const ing_decision_t *in, ing_result_t *res) {
    memset(res, 0, sizeof *res);
    if (validate(in, res) < 0)
        return;
    char role[HD_ROLE_LEN] = "";
    if (check(read_db, actor, in, role, res) < 0) {
        if (res->status != 503 && decision_id(read_db, actor, in, res->id) == 0)
            answer_retry(db, res);
        return;
    }
    if (decision_id(read_db, actor, in, res->id) < 0 || hd_db_begin(db) < 0) {
        ing_result_refuse(res, 503, NULL, "database unavailable, retry");
        return;
    }
    if (already(db, res->id)) {
        res->status = 200;
        hd_db_rollback(db);
        return;
    }
    if (record(db, actor, in, role, res->id) < 0 || hd_db_commit(db) < 0) {
        hd_db_rollback(db);
        ing_result_refuse(res, 503, NULL, "database unavailable, retry");
        return;
    }
    res->status = 202;
    hd_log(HD_LOG_INFO, "decision_recorded", res->id, in->content_id, "%s %s as %s", actor->email,
           in->decision, role);
}
