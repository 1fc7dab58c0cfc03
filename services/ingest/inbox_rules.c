/*  inbox_rules: the inbox's decisions at ingest's door (inbox_rules.h). */
#include "inbox_rules.h"

#include "hd_item_state.h"
#include "hd_mem.h"
#include "read_side.h"
#include "rfc3339.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *str(const char *s) { return s ? s : ""; }

int ing_inbox_in_triage(const ing_inbox_item_t *item) { return !*str(item->department); }

int ing_inbox_visible(const ing_person_t *viewer, const ing_inbox_item_t *item) {
    if (ing_read_sees_all(viewer))
        return 1;
    if (ing_inbox_in_triage(item))
        return ing_auth_has_role(viewer, "information-gatherer");
    return strcmp(viewer->department, item->department) == 0;
}

void ing_inbox_actor(const ing_person_t *who, hd_actor_t *out) {
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", who->id);
    snprintf(out->department, sizeof out->department, "%s", who->department);
    out->active = 1;
    for (int i = 0; i < who->nroles && out->nroles < HD_MAX_ROLES; i++)
        snprintf(out->roles[out->nroles++], HD_ROLE_LEN, "%s", who->roles[i]);
}

static int say(char *why, size_t n, int status, const char *fmt, const char *arg) {
    if (why && n)
        snprintf(why, n, fmt, arg);
    return status;
}

/* What the item alone refuses, before its state is asked (hd_inbox_next). */
static int item_refuses(const hd_actor_t *actor, const ing_inbox_item_t *item, hd_inbox_action_t a,
                        const hd_inbox_target_t *target, const char *route_to, char *why,
                        size_t n) {
    int triage = ing_inbox_in_triage(item);
    const char *to = target && target->who ? target->who->id : actor->id;
    if (a == HD_INBOX_ASSIGN && strcmp(str(item->assignee_id), to) == 0)
        return say(why, n, 409, "the item is already assigned to %s",
                   *str(item->assignee_email) ? item->assignee_email : to);
    if (a == HD_INBOX_ESCALATE && triage)
        return say(why, n, 409, "%s", "a triage item has no coach to escalate to: route it first");
    if (a == HD_INBOX_ROUTE && (!route_to || !*route_to))
        return say(why, n, 422, "%s", "route needs the department to send the item to");
    if (a == HD_INBOX_ROUTE && !triage && strcmp(route_to, item->department) == 0)
        return say(why, n, 422, "the item is in department '%s' already", route_to);
    return 0;
}

int ing_inbox_action_check(const hd_actor_t *actor, const ing_inbox_item_t *item,
                           hd_inbox_action_t a, const hd_inbox_target_t *target,
                           const char *route_to, char *why, size_t why_len) {
    hd_inbox_item_ref_t ref = {ing_inbox_in_triage(item) ? "" : str(item->department),
                               str(item->assignee_id)};
    int status = hd_inbox_may(actor, &ref, a, target, why, why_len);
    if (status)
        return status;
    if ((status = item_refuses(actor, item, a, target, route_to, why, why_len)))
        return status;
    int from = hd_inbox_state_parse(item->state);
    if (from < 0)
        return say(why, why_len, 409, "the item is in an unknown state '%s'", str(item->state));
    int owner = a == HD_INBOX_ASSIGN || a == HD_INBOX_ESCALATE ||
                (a != HD_INBOX_UNASSIGN && a != HD_INBOX_ROUTE && *str(item->assignee_id));
    hd_inbox_state_t to;
    return hd_inbox_next((hd_inbox_state_t)from, a, owner, &to, why, why_len) < 0 ? 409 : 0;
}

int ing_inbox_may_reply(const ing_person_t *who, const ing_inbox_item_t *item, char *why,
                        size_t why_len) {
    if (ing_auth_has_role(who, "orchestrator"))
        return 0;
    if (ing_inbox_in_triage(item))
        return ing_auth_has_role(who, "information-gatherer")
                   ? 0
                   : say(why, why_len, 403, "%s",
                         "only information gatherers (and the orchestrator) answer the triage "
                         "queue");
    if (strcmp(who->department, item->department) == 0 &&
        (ing_auth_has_role(who, "responder") || ing_auth_has_role(who, "coach")))
        return 0;
    return say(why, why_len, 403,
               "only the responders and coaches of department '%s' (and the orchestrator) "
               "answer its mentions",
               item->department);
}

/* ---------- the reply's text ---------- */

typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

static void put(buf_t *b, const char *s, size_t n) {
    b->p = hd_grow(b->p, &b->cap, b->len + n + 1, 1);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void puts_(buf_t *b, const char *s) { put(b, s, strlen(s)); }

/* 1 if text starts with the mention "@acct" (any case) as a word. */
static int starts_with_mention(const char *text, const char *acct) {
    size_t n = strlen(acct);
    if (text[0] != '@' || strncasecmp(text + 1, acct, n) != 0)
        return 0;
    char next = text[1 + n];
    return !next || isspace((unsigned char)next) || strchr(",:;!?", next);
}

char *ing_inbox_reply_text(const char *handle, const char *text, const char *signature,
                           const char *name, const char *department) {
    buf_t b = {0};
    const char *acct = str(handle);
    while (*acct == '@')
        acct++;
    put(&b, "", 0);
    if (*acct && !starts_with_mention(str(text), acct)) {
        puts_(&b, "@");
        puts_(&b, acct);
        puts_(&b, " ");
    }
    puts_(&b, str(text));
    size_t first = strcspn(str(name), " \t");
    for (const char *s = str(signature); *s;) {
        if (!strncmp(s, "{name}", 6)) {
            puts_(&b, str(name));
            s += 6;
        } else if (!strncmp(s, "{first_name}", 12)) {
            put(&b, str(name), first);
            s += 12;
        } else if (!strncmp(s, "{department}", 12)) {
            puts_(&b, str(department));
            s += 12;
        } else
            put(&b, s++, 1);
    }
    return b.p;
}

/* ---------- pending replies and collisions ---------- */

int ing_inbox_reply_pending(const char *state) {
    if (!strcmp(str(state), "submitted"))
        return 1;
    int s = hd_item_state_parse(state);
    return s >= 0 && !hd_item_state_final((hd_item_state_t)s);
}

int ing_inbox_reply_approved(const char *state) {
    int s = hd_item_state_parse(state);
    return s == HD_ITEM_APPROVED || s == HD_ITEM_HELD;
}

static void refuse(ing_reply_verdict_t *v, const char *code, const char *by, int64_t since,
                   const char *fmt, const char *mention_id) {
    char at[40];
    ing_rfc3339_format(since, at, sizeof at);
    v->status = 409;
    v->code = code;
    v->by = by;
    v->since_ms = since;
    snprintf(v->why, sizeof v->why, fmt, mention_id, by, at);
}

void ing_inbox_reply_judge(const hd_inbox_reply_state_t *st, const char *pending_state,
                           const char *mention_id, const char *caller_id, int supersede,
                           ing_reply_verdict_t *v) {
    memset(v, 0, sizeof *v);
    v->supersedes = "";
    const char *by = "";
    int64_t since = 0;
    switch (hd_inbox_reply_check(st, caller_id, supersede, &by, &since)) {
    case HD_REPLY_PENDING:
        refuse(v, "reply_pending", by, since,
               "a reply to mention %s by %s is pending since %s: wait for it, or supersede it "
               "(\"supersede\": true)",
               mention_id);
        break;
    case HD_REPLY_OWNED:
        refuse(v, "assigned_elsewhere", by, since,
               "mention %s is assigned to %s since %s: they are answering it (supersede "
               "explicitly to answer anyway)",
               mention_id);
        break;
    case HD_REPLY_OK_SUPERSEDING:
        if (ing_inbox_reply_approved(pending_state))
            refuse(v, "reply_approved", str(st->pending_by), st->pending_since_ms,
                   "the pending reply to mention %s by %s (since %s) is approved already: it "
                   "can no longer be superseded",
                   mention_id);
        else
            v->supersedes = str(st->pending_content_id);
        break;
    case HD_REPLY_OK:
        break;
    }
}
