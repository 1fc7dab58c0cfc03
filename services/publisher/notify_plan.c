/*  notify_plan: notified events, their endpoints and payloads (see
    notify_plan.h). */
#include "notify_plan.h"

#include "hd_mem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The crisis changes a team hears of, and the type each is notified as:
   a drill is rehearsed as the declaration it stands for. */
static const struct {
    const char *what, *type;
} s_notified[] = {{"proposed", "crisis.proposed"},   {"declared", "crisis.declared"},
                  {"drill", "crisis.declared"},      {"resumed", "crisis.resumed"},
                  {"dismissed", "crisis.dismissed"}, {"statement", "crisis.statement"}};

#define TEST_TYPE "webhook.test"

const char *pub_notify_label(const char *what, const char *endpoint, char *buf, size_t n) {
    snprintf(buf, n, "%s:%s", what, endpoint);
    return buf;
}

static const char *str(const char *s) { return s ? s : ""; }

const char *pub_notify_type(const hd_envelope_t *ev) {
    if (ev->body_case == HUDDLE__V1__ENVELOPE__BODY_CRISIS_CHANGED && ev->crisis_changed) {
        for (size_t i = 0; i < sizeof s_notified / sizeof s_notified[0]; i++)
            if (strcmp(str(ev->crisis_changed->what), s_notified[i].what) == 0)
                return s_notified[i].type;
        return NULL;
    }
    if (ev->body_case == HUDDLE__V1__ENVELOPE__BODY_CONTENT_RELEASED && ev->content_released)
        return strcmp(str(ev->content_released->outcome), "expire") == 0 ? "content.released"
                                                                         : NULL;
    if (ev->body_case == HUDDLE__V1__ENVELOPE__BODY_ORG_CHANGED && ev->org_changed &&
        strcmp(str(ev->org_changed->object), "webhook") == 0 &&
        strcmp(str(ev->org_changed->action), "tested") == 0)
        return TEST_TYPE;
    return NULL;
}

void pub_notify_crisis_of(const hd_envelope_t *ev, char out[HD_ID_LEN]) {
    const char *id = "";
    if (ev->body_case == HUDDLE__V1__ENVELOPE__BODY_CRISIS_CHANGED && ev->crisis_changed)
        id = str(ev->crisis_changed->crisis_id);
    else if (ev->body_case == HUDDLE__V1__ENVELOPE__BODY_CONTENT_RELEASED && ev->content_released)
        id = str(ev->content_released->crisis_id);
    out[0] = '\0';
    if (!hd_id_valid(id))
        return;
    /* PostgreSQL writes uuids in lower case: the crises read are keyed so */
    for (size_t i = 0; i < HD_ID_LEN; i++)
        out[i] = (char)tolower((unsigned char)id[i]);
}

void pub_notify_rfc3339(int64_t ms, char *buf, size_t len) {
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    char day[32];
    strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03dZ", day, (int)(ms % 1000));
}

static const char *jstr(json_t *o, const char *k) {
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* o's member k if it is an array (a new reference), else []. */
static json_t *jarray(json_t *o, const char *k) {
    json_t *a = json_object_get(o, k);
    return json_is_array(a) ? json_incref(a) : json_array();
}

/* The body {"type","timestamp","data"} as compact JSON (caller frees);
   data taken. */
static char *body_of(const char *type, int64_t ms, json_t *data) {
    char ts[40];
    pub_notify_rfc3339(ms > 0 ? ms : 0, ts, sizeof ts);
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(type));
    json_object_set_new(o, "timestamp", json_string(ts));
    json_object_set_new(o, "data", data);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* What every crisis notification says of its crisis. */
static json_t *crisis_base(json_t *crisis, int drill) {
    json_t *d = json_object();
    json_object_set_new(d, "crisis_id", json_string(jstr(crisis, "id")));
    json_object_set_new(d, "name", json_string(jstr(crisis, "name")));
    json_object_set_new(d, "playbook", json_string(jstr(crisis, "playbook")));
    json_object_set_new(d, "severity", json_string(jstr(crisis, "severity")));
    json_object_set_new(d, "drill", json_boolean(drill));
    return d;
}

/* The state a crisis change leaves the crisis in: the change's own for
   a change of state (a drill's declaration: "drill"), else the crisis's
   (a statement). */
static const char *state_after(const char *what, json_t *crisis, int drill) {
    static const char *const changes[] = {"proposed", "declared", "drill", "resumed", "dismissed"};
    if (drill && strcmp(what, "declared") == 0)
        return "drill";
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++)
        if (strcmp(what, changes[i]) == 0)
            return what;
    return jstr(crisis, "state");
}

static json_t *crisis_data(const hd_envelope_t *ev, json_t *crisis, int drill) {
    const Huddle__V1__CrisisChanged *b = ev->crisis_changed;
    json_t *d = crisis_base(crisis, drill);
    json_object_set_new(d, "state", json_string(state_after(str(b->what), crisis, drill)));
    json_object_set_new(d, "reason",
                        json_string(*str(b->reason) ? b->reason : jstr(crisis, "reason")));
    json_object_set_new(d, "actor", json_string(str(ev->actor)));
    json_object_set_new(d, "departments", jarray(crisis, "departments"));
    json_object_set_new(d, "channels", jarray(crisis, "channels"));
    json_object_set_new(d, "team_roles", jarray(crisis, "team_roles"));
    if (strcmp(str(b->what), "statement") == 0 && b->n_content_ids > 0)
        json_object_set_new(d, "content_id", json_string(str(b->content_ids[0])));
    json_t *detail = *str(b->detail_json) ? json_loads(b->detail_json, 0, NULL) : NULL;
    if (json_is_object(detail))
        json_object_set_new(d, "detail", json_incref(detail));
    json_decref(detail);
    char ack[80];
    snprintf(ack, sizeof ack, "huddle crisis ack %s", jstr(crisis, "id"));
    json_object_set_new(d, "ack", json_string(ack));
    return d;
}

static json_t *expired_data(const hd_envelope_t *ev, json_t *crisis, int drill) {
    const Huddle__V1__ContentReleased *b = ev->content_released;
    json_t *d = crisis_base(crisis, drill);
    json_object_set_new(d, "content_id", json_string(str(b->content_id)));
    json_object_set_new(d, "outcome", json_string(str(b->outcome)));
    json_object_set_new(d, "reason", json_string(str(b->reason)));
    json_object_set_new(d, "author_email", json_string(str(b->author_email)));
    json_object_set_new(d, "channel", json_string(str(b->channel)));
    json_object_set_new(d, "department", json_string(str(ev->department)));
    return d;
}

static json_t *test_data(const hd_envelope_t *ev) {
    json_t *d = json_object();
    json_object_set_new(d, "endpoint", json_string(str(ev->org_changed->object_id)));
    json_object_set_new(d, "actor", json_string(str(ev->actor)));
    json_object_set_new(d, "message",
                        json_string("a test notification from huddle: if its signature "
                                    "verifies, this endpoint receives crisis notifications"));
    return d;
}

/* The endpoints ev is sent to (a new reference, an array of names). */
static json_t *endpoints_of(const hd_envelope_t *ev, json_t *crisis) {
    if (ev->body_case == HUDDLE__V1__ENVELOPE__BODY_ORG_CHANGED) {
        json_t *a = json_array();
        json_array_append_new(a, json_string(str(ev->org_changed->object_id)));
        return a;
    }
    return jarray(crisis, "notify");
}

/* Why a notification to `name` can never be sent, or NULL. */
static const char *unsendable(json_t *endpoints, const char *name) {
    json_t *active = json_object_get(endpoints, name);
    if (!active)
        return "no webhook endpoint has this name";
    return json_is_true(active) ? NULL : "the webhook endpoint was removed";
}

/* 1 when notices[0..n) already go to name. */
static int listed(const pub_notice_t *notices, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(notices[i].endpoint, name) == 0)
            return 1;
    return 0;
}

size_t pub_notify_plan(const hd_envelope_t *ev, json_t *crises, json_t *endpoints,
                       pub_notice_t **out) {
    *out = NULL;
    const char *type = pub_notify_type(ev);
    char cid[HD_ID_LEN];
    pub_notify_crisis_of(ev, cid);
    json_t *crisis = *cid ? json_object_get(crises, cid) : NULL;
    if (!type || (strcmp(type, TEST_TYPE) != 0 && !crisis))
        return 0;
    int drill =
        json_is_true(json_object_get(crisis, "drill")) ||
        (ev->body_case == HUDDLE__V1__ENVELOPE__BODY_CRISIS_CHANGED && ev->crisis_changed->drill);
    json_t *data = ev->body_case == HUDDLE__V1__ENVELOPE__BODY_CRISIS_CHANGED
                       ? crisis_data(ev, crisis, drill)
                   : ev->body_case == HUDDLE__V1__ENVELOPE__BODY_CONTENT_RELEASED
                       ? expired_data(ev, crisis, drill)
                       : test_data(ev);
    char *payload = body_of(type, ev->occurred_at_ms, data);
    json_t *names = endpoints_of(ev, crisis);
    pub_notice_t *v = hd_calloc(json_array_size(names) + 1, sizeof *v);
    size_t n = 0, i;
    json_t *name;
    json_array_foreach(names, i, name) {
        const char *e = json_string_value(name);
        if (!e || !*e || listed(v, n, e))
            continue;
        char label[HD_TYPE_LEN + 64];
        hd_id_derive(v[n].id, str(ev->id), pub_notify_label("notify", e, label, sizeof label));
        memcpy(v[n].crisis_id, cid, sizeof cid);
        v[n].endpoint = hd_strdup(e);
        snprintf(v[n].type, sizeof v[n].type, "%s", type);
        v[n].payload = hd_strdup(payload);
        v[n].drill = drill;
        v[n].failed = unsendable(endpoints, e);
        n++;
    }
    json_decref(names);
    free(payload);
    if (n == 0)
        free(v);
    else
        *out = v;
    return n;
}

void pub_notify_free(pub_notice_t **notices, size_t n) {
    if (!notices || !*notices)
        return;
    for (size_t i = 0; i < n; i++) {
        free((*notices)[i].endpoint);
        free((*notices)[i].payload);
    }
    free(*notices);
    *notices = NULL;
}

void pub_notify_recorded_of(Huddle__V1__NotificationRecorded *b, const char *id,
                            const char *crisis_id, const char *endpoint, const char *type,
                            int delivered, unsigned attempts, int status, const char *reason,
                            int drill) {
    Huddle__V1__NotificationRecorded init = HUDDLE__V1__NOTIFICATION_RECORDED__INIT;
    *b = init;
    b->notification_id = (char *)str(id);
    b->crisis_id = (char *)str(crisis_id);
    b->endpoint = (char *)str(endpoint);
    b->event_type = (char *)str(type);
    b->delivered = delivered != 0;
    b->attempts = attempts;
    b->status = status;
    b->reason = (char *)str(reason);
    b->drill = drill != 0;
}
