/*  inbox_reply: answering a mention (docs/inbox.md): POST
    /v1/inbox/{id}/replies. A reply is a content item of kind reply by the
    person who writes it, on the mention's channel, through the one
    submission path (the group commit: policy, the approval chain and the
    publisher follow as for any post). Here: who may answer the item, the
    channel can carry a reply, and the text it goes out with (the author's
    handle, the person's text, the department's signature); the collision
    rule is the group commit's, under a lock per mention (batch_reply.h),
    so that two replies racing cannot both pass. */
#include "inbox_api.h"

#include "api.h"
#include "decode.h"
#include "org.h"
#include "rfc3339.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The mention's channel (and its kind) and author, the signature of the
   item's department ($2, '' for triage: the default's when it has none),
   the replier's name and the name of the department signing ($3). */
static const char *FACTS_SQL =
    "SELECT m.channel_id, ch.kind, m.author_handle, "
    "  coalesce((SELECT s.signature FROM inbox_setting s WHERE s.department_id = $2), "
    "           (SELECT s.signature FROM inbox_setting s WHERE s.department_id = ''), ''), "
    "  p.name, coalesce((SELECT d.name FROM department d WHERE d.id = $3), $3) "
    "FROM mention m JOIN channel ch ON ch.id = m.channel_id, person p "
    "WHERE m.id = $1::uuid AND p.id = $4::uuid";

/* Hands the reply to the group commit: the text composed, the mention's
   channel. Answered (the batch answers later, or a refusal now). */
static void submit(ing_call_t *c, const char *id, const char *text, int supersede,
                   const ing_inbox_item_t *item) {
    int triage = ing_inbox_in_triage(item);
    const char *p[4] = {id, triage ? "" : item->department,
                        triage ? c->who->department : item->department, c->who->id};
    PGresult *r = hd_db_exec(c->db, FACTS_SQL, 4, p);
    if (!r || PQntuples(r) != 1) {
        if (r)
            PQclear(r);
        ing_api_refuse(c, 503, NULL, "unavailable", "database unavailable, retry");
        return;
    }
    char *full = NULL;
    if (strcmp(PQgetvalue(r, 0, 1), "mastodon") != 0) {
        ing_api_refuse(c, 422, "id", "invalid",
                       "mention %s came on channel %s (kind %s), which cannot carry replies", id,
                       PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
    } else if (strlen(full = ing_inbox_reply_text(PQgetvalue(r, 0, 2), text, PQgetvalue(r, 0, 3),
                                                  PQgetvalue(r, 0, 4), PQgetvalue(r, 0, 5))) >
               ING_MAX_TEXT) {
        ing_api_refuse(c, 422, "text", "invalid",
                       "with the author's handle and the signature the reply is %zu "
                       "bytes, over %d",
                       strlen(full), ING_MAX_TEXT);
    } else {
        ing_submission_t in = {.channel = PQgetvalue(r, 0, 0),
                               .text = full,
                               .kind = "reply",
                               .idempotency_key = hd_http_req_header(c->req, "Idempotency-Key"),
                               .key_field = "Idempotency-Key",
                               .reply_to_mention_id = id,
                               .supersede = supersede};
        ing_refusal_t why;
        if (ing_check_submission(&in, ing_rfc3339_now_ms(), &why) < 0)
            ing_api_refuse(c, why.status, why.field, why.code, "%s", why.message);
        else
            ing_api_submit(c, ing_item_new(&in), "/v1/inbox/{id}/replies");
    }
    free(full);
    PQclear(r);
}

void ing_inbox_reply(ing_call_t *c) {
    static const char *const known[] = {"text", "supersede", NULL};
    const char *text, *supersede = "f";
    json_t *body = ing_org_body(c, known, 0);
    ing_inbox_loaded_t l = {0};
    char why[300];
    if (!body)
        return;
    if (ing_org_text(c, body, "text", 1, 1, ING_MAX_TEXT, &text) == 0 &&
        ing_org_bool(c, body, "supersede", &supersede) == 0 &&
        ing_inbox_load(c, c->params[0], &l) == 1) {
        if (ing_inbox_may_reply(c->who, &l.item, why, sizeof why))
            ing_api_refuse(c, 403, NULL, "forbidden", "%s", why);
        else
            submit(c, c->params[0], text, supersede[0] == 't', &l.item);
    }
    ing_inbox_loaded_free(&l);
    json_decref(body);
}
