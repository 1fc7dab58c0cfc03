/*  crisis_timeline: summaries and the merge by time (see the header). */
#include "crisis_timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ing_timeline_shows(const hd_envelope_t *env) {
    return env->body_case == HUDDLE__V1__ENVELOPE__BODY_CRISIS_CHANGED && env->crisis_changed &&
           strcmp(env->crisis_changed->what ? env->crisis_changed->what : "", "acknowledged") != 0;
}

/* "departments a, b" or "every department" into buf. */
static const char *listed(char **v, size_t n, const char *noun, char *buf, size_t len) {
    size_t used = (size_t)snprintf(buf, len, n ? "%ss " : "every %s", noun);
    for (size_t i = 0; i < n && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", v[i]);
        used += w > 0 ? (size_t)w : 0;
    }
    return buf;
}

/* What a person did: "<what> by <who>[ (drill)][: reason]" ("drill
   started by ..." for the start of a drill). */
static void by_person(const Huddle__V1__CrisisChanged *b, const char *who, char *buf, size_t n) {
    const char *reason = b->reason && *b->reason ? b->reason : NULL;
    int start = strcmp(b->what, "drill") == 0;
    snprintf(buf, n, "%s by %s%s%s%s", start ? "drill started" : b->what, who,
             b->drill && !start ? " (drill)" : "", reason ? ": " : "", reason ? reason : "");
}

void ing_timeline_summary(const hd_envelope_t *env, char *buf, size_t n) {
    const Huddle__V1__CrisisChanged *b = env->crisis_changed;
    if (env->body_case != HUDDLE__V1__ENVELOPE__BODY_CRISIS_CHANGED || !b || !b->what) {
        snprintf(buf, n, "%s", env->type ? env->type : "");
        return;
    }
    const char *who = b->actor_email && *b->actor_email ? b->actor_email
                      : env->actor && *env->actor       ? env->actor
                      : env->source                     ? env->source
                                                        : "";
    char d[256], c[256], one[700];
    const char *detail = b->detail_json && *b->detail_json ? b->detail_json : NULL;
    if (!strcmp(b->what, "held"))
        snprintf(buf, n, "publishing held: %lld item(s) held%s%s", (long long)b->count,
                 detail ? " " : "", detail ? detail : "");
    else if (!strcmp(b->what, "released"))
        snprintf(buf, n, "hold released: %lld item(s)%s%s", (long long)b->count, detail ? " " : "",
                 detail ? detail : "");
    else if (!strcmp(b->what, "recalled"))
        snprintf(buf, n, "recall: %lld published post(s) to delete", (long long)b->count);
    else if (!strcmp(b->what, "statement"))
        snprintf(buf, n, "holding statement submitted by %s as item %s", who,
                 b->n_content_ids ? b->content_ids[0] : "?");
    else if (!strcmp(b->what, "proposed") || !strcmp(b->what, "declared") ||
             !strcmp(b->what, "drill")) {
        by_person(b, who, one, sizeof one);
        snprintf(buf, n, "%s; scope: %s, %s%s%s", one,
                 listed(b->departments, b->n_departments, "department", d, sizeof d),
                 listed(b->channels, b->n_channels, "channel", c, sizeof c),
                 detail ? "; detected " : "", detail ? detail : "");
    } else
        by_person(b, who, buf, n);
}

static int by_time(const void *a, const void *b) {
    const ing_tl_entry_t *x = a, *y = b;
    if (x->at_ms != y->at_ms)
        return x->at_ms < y->at_ms ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

void ing_timeline_sort(ing_tl_entry_t *e, size_t n) {
    if (n > 1)
        qsort(e, n, sizeof *e, by_time);
}

json_t *ing_timeline_take(ing_tl_entry_t *e, size_t n, size_t limit, int *truncated) {
    ing_timeline_sort(e, n);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        if (i < limit)
            json_array_append_new(a, e[i].json);
        else
            json_decref(e[i].json);
        e[i].json = NULL;
    }
    *truncated = n > limit;
    return a;
}
