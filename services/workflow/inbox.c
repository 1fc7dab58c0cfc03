/*  inbox: mention.received -> the inbox of the department that must act
    (routing.h decides which), and mention.routed so that department's
    spoke and people hear of it. */
#include "chain.h"
#include "hd_id.h"
#include "hd_log.h"
#include "machine.h"
#include "routing.h"

#include <stdio.h>
#include <string.h>

static const char *str(const char *s) { return s ? s : ""; }

int wf_inbox_apply(hd_db_t *db, const hd_envelope_t *ev, char *why, size_t why_len) {
    const Huddle__V1__MentionReceived *b = ev->mention_received;
    if (!b || !hd_id_valid(str(b->mention_id))) {
        snprintf(why, why_len, "mention.received: mention_id is not a UUID");
        return HD_APPLY_DEAD;
    }
    if (!*str(b->channel)) {
        snprintf(why, why_len, "mention.received: channel is required");
        return HD_APPLY_DEAD;
    }
    char rule[HD_ROLE_LEN * 2], dept[HD_DEPT_LEN];
    int rc = wf_routing_route(db, b->channel, str(b->text), rule, sizeof rule, dept, sizeof dept);
    if (rc < 0)
        return HD_APPLY_RETRY;
    const char *p[7] = {b->mention_id,         dept,         rule,       b->channel,
                        str(b->author_handle), str(b->text), str(b->url)};
    if (hd_db_cmd(db,
                  "INSERT INTO inbox_item (mention_id, department_id, rule_id, channel_id, "
                  "  author_handle, text, url) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                  "ON CONFLICT (mention_id) DO NOTHING",
                  7, p) < 0)
        return HD_APPLY_RETRY;
    Huddle__V1__MentionRouted body = HUDDLE__V1__MENTION_ROUTED__INIT;
    body.mention_id = b->mention_id;
    body.rule_id = rule;
    body.channel = b->channel;
    body.author_handle = b->author_handle;
    body.text = b->text;
    body.url = b->url;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_MENTION_ROUTED;
    env.mention_routed = &body;
    /* The mention is what this event belongs to, even if ingest left the
       correlation empty. */
    hd_envelope_t cause = *ev;
    if (!*str(cause.correlation_id))
        cause.correlation_id = b->mention_id;
    hd_log(HD_LOG_INFO, rc == 0 ? "mention_routed" : "mention_unrouted", ev->id, b->mention_id,
           "rule=%s department=%s", rule, dept);
    return wf_emit(db, &cause, &env, rc == 0 ? dept : "", "mention.routed") < 0 ? HD_APPLY_RETRY
                                                                                : HD_APPLY_OK;
}
