/*  crisis_banner: the crises in force, cached, and the banner they give an
    item (see the header). The cache is one immutable snapshot swapped
    under a mutex; the query that refreshes it runs outside the mutex, so a
    slow database never blocks the workers that only read the snapshot. */
#include "crisis_banner.h"

#include "hd_crisis.h"
#include "hd_log.h"
#include "hd_mem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int ing_banner_pick(const ing_banner_crisis_t *list, size_t n, const char *department,
                    const char *channel) {
    int best = -1;
    for (size_t i = 0; i < n; i++) {
        hd_crisis_scope_t sc = {list[i].departments, list[i].ndepartments, list[i].channels,
                                list[i].nchannels};
        if (!hd_crisis_covers(&sc, department, channel))
            continue;
        if (best < 0 || list[i].declared_ms < list[best].declared_ms ||
            (list[i].declared_ms == list[best].declared_ms &&
             strcmp(list[i].id, list[best].id) < 0))
            best = (int)i;
    }
    return best;
}

/* ---------- the snapshot ---------- */

typedef struct {
    size_t n;
    json_t **banner;           /* each crisis's answer object */
    json_t **scope;            /* [departments, channels] per crisis, owning the strings */
    ing_banner_crisis_t *list; /* borrowing from banner and scope */
} snap_t;

static void snap_free(snap_t *s) {
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        json_decref(s->banner[i]);
        json_decref(s->scope[i]);
        free((void *)s->list[i].departments);
        free((void *)s->list[i].channels);
    }
    free(s->banner);
    free(s->scope);
    free(s->list);
    free(s);
}

/* The strings of JSON array a (borrowed from it) as a new vector; *n set. */
static const char *const *strings(json_t *a, size_t *n) {
    *n = json_array_size(a);
    const char **v = hd_calloc(*n ? *n : 1, sizeof *v);
    for (size_t i = 0; i < *n; i++)
        v[i] = json_string_value(json_array_get(a, i)) ?: "";
    return v;
}

static const char *IN_FORCE_SQL =
    "SELECT json_build_object('id', id, 'playbook', playbook, 'name', name, 'reason', reason, "
    "  'declared_by', declared_by, 'since', to_char(declared_at AT TIME ZONE 'UTC', "
    "  'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))::text, "
    "  json_build_array(departments, channels)::text, "
    "  coalesce((extract(epoch FROM declared_at) * 1000)::bigint, 0) "
    "FROM crisis_in_force";

/* The crises in force now, or NULL on a database error. */
static snap_t *snap_load(hd_db_t *db) {
    PGresult *r = hd_db_exec(db, IN_FORCE_SQL, 0, NULL);
    if (!r)
        return NULL;
    snap_t *s = hd_calloc(1, sizeof *s);
    size_t rows = (size_t)PQntuples(r);
    s->banner = hd_calloc(rows ? rows : 1, sizeof *s->banner);
    s->scope = hd_calloc(rows ? rows : 1, sizeof *s->scope);
    s->list = hd_calloc(rows ? rows : 1, sizeof *s->list);
    for (size_t i = 0; i < rows; i++) {
        json_t *b = json_loads(PQgetvalue(r, (int)i, 0), 0, NULL);
        json_t *sc = json_loads(PQgetvalue(r, (int)i, 1), 0, NULL);
        if (!json_is_object(b) || !json_is_array(sc)) {
            json_decref(b);
            json_decref(sc);
            continue;
        }
        ing_banner_crisis_t *c = &s->list[s->n];
        c->departments = strings(json_array_get(sc, 0), &c->ndepartments);
        c->channels = strings(json_array_get(sc, 1), &c->nchannels);
        c->declared_ms = atoll(PQgetvalue(r, (int)i, 2));
        c->id = json_string_value(json_object_get(b, "id")) ?: "";
        s->banner[s->n] = b;
        s->scope[s->n] = sc;
        s->n++;
    }
    PQclear(r);
    return s;
}

/* ---------- the cache ---------- */

struct ing_banner {
    pthread_mutex_t lock;
    snap_t *snap;        /* NULL: never loaded */
    long long loaded_ms; /* monotonic time of the load; 0: stale at once */
    unsigned long gen;   /* bumped by every invalidation */
    long ttl_ms;
};

static long long mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 1; /* never 0 */
}

ing_banner_t *ing_banner_new(long ttl_ms) {
    ing_banner_t *self = hd_calloc(1, sizeof *self);
    pthread_mutex_init(&self->lock, NULL);
    self->ttl_ms = ttl_ms;
    return self;
}

void ing_banner_destroy(ing_banner_t **self_p) {
    if (!self_p || !*self_p)
        return;
    ing_banner_t *self = *self_p;
    snap_free(self->snap);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

void ing_banner_invalidate(ing_banner_t *self) {
    pthread_mutex_lock(&self->lock);
    self->gen++;
    self->loaded_ms = 0;
    pthread_mutex_unlock(&self->lock);
}

/* Loads the crises in force and installs them (with the lock not held);
   a load that an invalidation overtook is installed as stale, so that the
   next lookup loads again. A failed load keeps what was there (logged). */
static void refresh(ing_banner_t *self, hd_db_t *db, unsigned long gen) {
    snap_t *s = hd_db_ensure(db) == 0 ? snap_load(db) : NULL;
    if (!s) {
        hd_warn("crisis_banner_stale", "crises in force not read: %s", hd_db_error(db));
        return;
    }
    pthread_mutex_lock(&self->lock);
    snap_t *old = self->snap;
    self->snap = s;
    self->loaded_ms = self->gen == gen ? mono_ms() : 0;
    pthread_mutex_unlock(&self->lock);
    snap_free(old);
}

json_t *ing_banner_for(ing_banner_t *self, hd_db_t *db, const char *department,
                       const char *channel) {
    pthread_mutex_lock(&self->lock);
    int stale = !self->snap || !self->loaded_ms || mono_ms() - self->loaded_ms > self->ttl_ms;
    unsigned long gen = self->gen;
    pthread_mutex_unlock(&self->lock);
    if (stale)
        refresh(self, db, gen);
    json_t *out = NULL;
    pthread_mutex_lock(&self->lock);
    snap_t *s = self->snap;
    int k = s ? ing_banner_pick(s->list, s->n, department ? department : "", channel ? channel : "")
              : -1;
    if (k >= 0)
        out = json_deep_copy(s->banner[k]);
    pthread_mutex_unlock(&self->lock);
    return out;
}

void ing_banner_attach(ing_banner_t *self, hd_db_t *db, json_t *obj) {
    json_t *b = ing_banner_for(self, db, json_string_value(json_object_get(obj, "department")),
                               json_string_value(json_object_get(obj, "channel")));
    if (b)
        json_object_set_new(obj, "crisis", b);
}
