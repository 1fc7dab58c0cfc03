/*  sink: the webhook sink's bounded store (see sink.h). A ring of the
    newest records; a listing walks it oldest first. */
#include "sink.h"
#include "hd_mem.h"
#include "hd_utf8.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    char *name;
    char *received_at;
    char *id;
    char *timestamp;
    char *signature;
    char *body; /* NULL: the body was not UTF-8 JSON */
    size_t bytes;
} record_t;

struct sb_sink {
    record_t *ring;
    size_t keep;
    size_t first; /* the oldest record's slot */
    size_t count;
};

sb_sink_t *sb_sink_new(size_t keep) {
    sb_sink_t *s = keep ? hd_calloc(1, sizeof *s) : NULL;
    if (s && !(s->ring = hd_calloc(keep, sizeof *s->ring))) {
        free(s);
        return NULL;
    }
    if (s)
        s->keep = keep;
    return s;
}

static void record_clear(record_t *r) {
    free(r->name);
    free(r->received_at);
    free(r->id);
    free(r->timestamp);
    free(r->signature);
    free(r->body);
    memset(r, 0, sizeof *r);
}

void sb_sink_destroy(sb_sink_t **s) {
    if (!s || !*s)
        return;
    for (size_t i = 0; i < (*s)->keep; i++)
        record_clear(&(*s)->ring[i]);
    free((*s)->ring);
    free(*s);
    *s = NULL;
}

int sb_sink_name_ok(const char *name) {
    size_t n = name ? strlen(name) : 0;
    if (n < 1 || n > SB_SINK_NAME_MAX || name[0] < 'a' || name[0] > 'z')
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
              name[i] == '-'))
            return 0;
    return 1;
}

/* The body as a NUL-terminated copy when it is UTF-8 JSON, else NULL. */
static char *json_text(const char *body, size_t len) {
    if (!body || !hd_utf8_valid(body, len))
        return NULL;
    json_t *v = json_loadb(body, len, JSON_DECODE_ANY, NULL);
    if (!v)
        return NULL;
    json_decref(v);
    char *copy = hd_malloc(len + 1);
    if (copy) {
        memcpy(copy, body, len);
        copy[len] = '\0';
    }
    return copy;
}

/* A copy of s as text (bytes that are not UTF-8 written as \xNN, so that
   any header can be shown); *failed set when s was given but could not be
   copied. */
static char *dup_opt(const char *s, int *failed) {
    size_t n = s ? strlen(s) : 0;
    char *d = !s ? NULL : hd_utf8_valid(s, n) ? hd_strdup(s) : hd_malloc(4 * n + 1);
    if (d && !hd_utf8_valid(s, n))
        hd_utf8_escape(s, d, 4 * n + 1);
    *failed |= s && !d;
    return d;
}

int sb_sink_add(sb_sink_t *s, const sb_sink_msg_t *m) {
    int failed = 0;
    record_t r = {.name = dup_opt(m->name, &failed),
                  .received_at = dup_opt(m->received_at, &failed),
                  .id = dup_opt(m->id, &failed),
                  .timestamp = dup_opt(m->timestamp, &failed),
                  .signature = dup_opt(m->signature, &failed),
                  .body = json_text(m->body, m->body_len),
                  .bytes = m->body_len};
    if (failed || !r.name) {
        record_clear(&r);
        return -1;
    }
    size_t slot = (s->first + s->count) % s->keep;
    if (s->count == s->keep) {
        record_clear(&s->ring[slot]); /* the oldest: slot == first */
        s->first = (s->first + 1) % s->keep;
    } else {
        s->count++;
    }
    s->ring[slot] = r;
    return 0;
}

static json_t *opt_string(const char *v) { return v ? json_string(v) : json_null(); }

json_t *sb_sink_list(const sb_sink_t *s, const char *name) {
    json_t *out = json_array();
    for (size_t i = 0; i < s->count; i++) {
        const record_t *r = &s->ring[(s->first + i) % s->keep];
        if (strcmp(r->name, name) != 0)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "received_at", opt_string(r->received_at));
        json_object_set_new(o, "webhook-id", opt_string(r->id));
        json_object_set_new(o, "webhook-timestamp", opt_string(r->timestamp));
        json_object_set_new(o, "webhook-signature", opt_string(r->signature));
        json_object_set_new(o, "bytes", json_integer((json_int_t)r->bytes));
        json_object_set_new(o, "body", opt_string(r->body));
        json_array_append_new(out, o);
    }
    return out;
}

size_t sb_sink_count(const sb_sink_t *s) { return s->count; }
