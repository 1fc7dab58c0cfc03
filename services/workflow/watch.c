/*  watch: spike counting and detection, and the crises' reroute, for a
    workflow batch's mentions. */
#include "watch.h"

#include "decide.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_pgarray.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------- the playbooks and crises of a batch ---------- */

static char **copy_list(const char *const *v, size_t n) {
    char **c = hd_calloc(n + 1, sizeof *c);
    for (size_t i = 0; i < n; i++)
        c[i] = hd_strdup(v[i] ? v[i] : "");
    return c;
}

static void free_list(char **v, size_t n) {
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void wf_watch_clear(wf_watch_t *w) {
    for (size_t i = 0; i < w->nplaybooks; i++)
        free_list(w->playbooks[i].terms, w->playbooks[i].nterms);
    for (size_t i = 0; i < w->ncrises; i++) {
        wf_watch_crisis_t *c = &w->crises[i];
        free_list(c->terms, c->nterms);
        free_list(c->departments, c->ndepartments);
        free_list(c->channels, c->nchannels);
    }
    w->nplaybooks = w->ncrises = w->ncounts = 0;
    w->terms = NULL;
    w->scanned = NULL;
}

void wf_watch_free(wf_watch_t *w) {
    wf_watch_clear(w);
    wf_terms_cache_free(&w->cache);
    wf_terms_thread_done();
    free(w->playbooks);
    free(w->crises);
    free(w->hits);
    free(w->counts);
    memset(w, 0, sizeof *w);
}

void wf_watch_add_playbook(wf_watch_t *w, const char *name, const wf_spike_cfg_t *cfg,
                           hd_crisis_state_t then, int busy, int64_t last_fired_ms,
                           const char *const *terms, size_t nterms) {
    w->playbooks = hd_grow(w->playbooks, &w->cappb, w->nplaybooks + 1, sizeof *w->playbooks);
    wf_watch_playbook_t *p = &w->playbooks[w->nplaybooks++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->cfg = *cfg;
    p->then = then;
    p->busy = busy;
    p->last_fired_ms = last_fired_ms;
    p->terms = copy_list(terms, nterms);
    p->nterms = nterms;
    w->terms = NULL;
}

void wf_watch_add_crisis(wf_watch_t *w, const char *id, const char *playbook,
                         const char *department, const char *const *terms, size_t nterms,
                         const char *const *departments, size_t ndepartments,
                         const char *const *channels, size_t nchannels) {
    w->crises = hd_grow(w->crises, &w->capcr, w->ncrises + 1, sizeof *w->crises);
    wf_watch_crisis_t *c = &w->crises[w->ncrises++];
    memset(c, 0, sizeof *c);
    snprintf(c->id, sizeof c->id, "%s", id);
    snprintf(c->playbook, sizeof c->playbook, "%s", playbook);
    snprintf(c->department, sizeof c->department, "%s", department);
    c->terms = copy_list(terms, c->nterms = nterms);
    c->departments = copy_list(departments, c->ndepartments = ndepartments);
    c->channels = copy_list(channels, c->nchannels = nchannels);
    w->terms = NULL;
}

int wf_watch_build(wf_watch_t *w, char *why, size_t n) {
    size_t nsets = w->nplaybooks + w->ncrises;
    wf_terms_set_t *sets = hd_calloc(nsets + 1, sizeof *sets);
    for (size_t i = 0; i < w->nplaybooks; i++)
        sets[i] =
            (wf_terms_set_t){(const char *const *)w->playbooks[i].terms, w->playbooks[i].nterms};
    for (size_t i = 0; i < w->ncrises; i++)
        sets[w->nplaybooks + i] =
            (wf_terms_set_t){(const char *const *)w->crises[i].terms, w->crises[i].nterms};
    w->terms = wf_terms_cache_get(&w->cache, sets, nsets, why, n);
    free(sets);
    w->hits = hd_grow(w->hits, &w->caphits, nsets + 1, 1);
    w->scanned = NULL;
    return w->terms ? 0 : -1;
}

/* ---------- reading them (read.c sends it with the batch's reads) ---------- */

/* The active playbooks with a spike trigger, then the crises in force
   that reroute, oldest declaration first (the first that matches takes a
   mention). */
static const char *WATCH_SQL =
    "SELECT 'p', pb.name, pb.name, (pb.spec->'terms')::text, "
    "  (pb.spec->'triggers'->'spike')::text, "
    "  coalesce((extract(epoch FROM w.last_fired_at) * 1000)::bigint, 0), "
    "  EXISTS (SELECT 1 FROM crisis c WHERE c.playbook = pb.name AND c.state = ANY($1::text[])), "
    "  NULL::text, NULL::text, NULL::text, NULL::timestamptz "
    "FROM playbook_version pb LEFT JOIN crisis_watch w ON w.playbook = pb.name "
    "WHERE pb.active AND jsonb_typeof(pb.spec->'triggers'->'spike') = 'object' "
    "UNION ALL "
    "SELECT 'c', f.id::text, f.playbook, array_to_json(f.reroute_terms)::text, NULL, 0, false, "
    "  f.reroute_department, array_to_json(f.departments)::text, "
    "  array_to_json(f.channels)::text, f.declared_at "
    "FROM crisis_in_force f "
    "WHERE coalesce(f.reroute_department, '') <> '' AND cardinality(f.reroute_terms) > 0 "
    "ORDER BY 1 DESC, 11, 2";

int wf_watch_send(hd_db_t *db) {
    hd_pgarray_t busy = {0};
    hd_pgarray_add(&busy, hd_crisis_state_name(HD_CRISIS_PROPOSED));
    hd_pgarray_add(&busy, hd_crisis_state_name(HD_CRISIS_DECLARED));
    return hd_db_send_arrays(db, WATCH_SQL, &busy, 1);
}

/* The strings of a JSON array (other elements left out) as a list the
   caller frees with free_list; *n set. NULL or malformed text: none. */
static char **json_strings(const char *text, size_t *n) {
    json_t *a = text ? json_loads(text, 0, NULL) : NULL;
    size_t cap = json_is_array(a) ? json_array_size(a) : 0;
    char **v = hd_calloc(cap + 1, sizeof *v);
    *n = 0;
    for (size_t i = 0; i < cap; i++)
        if (json_is_string(json_array_get(a, i)))
            v[(*n)++] = hd_strdup(json_string_value(json_array_get(a, i)));
    json_decref(a);
    return v;
}

static int json_int(const json_t *o, const char *key) {
    const json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int)json_integer_value(v) : 0;
}

/* A spec's triggers.spike (docs/playbooks.md) into cfg and then; 0, or -1
   with why set. */
static int spike_spec(const char *text, wf_spike_cfg_t *cfg, hd_crisis_state_t *then, char *why,
                      size_t n) {
    json_t *o = json_loads(text, 0, NULL);
    const char *t = json_string_value(json_object_get(o, "then"));
    *cfg = (wf_spike_cfg_t){.window_minutes = json_int(o, "window_minutes"),
                            .min_count = json_int(o, "min_count"),
                            .sigma = json_is_number(json_object_get(o, "sigma"))
                                         ? json_number_value(json_object_get(o, "sigma"))
                                         : -1,
                            .baseline_weeks = json_int(o, "baseline_weeks"),
                            .baseline_hours = json_int(o, "baseline_hours"),
                            .cooldown_minutes = json_int(o, "cooldown_minutes")};
    int ok = wf_spike_cfg_valid(cfg, why, n);
    if (ok && (!t || (strcmp(t, "propose") && strcmp(t, "declare")))) {
        snprintf(why, n, "then must be propose or declare");
        ok = 0;
    }
    *then = t && strcmp(t, "declare") == 0 ? HD_CRISIS_DECLARED : HD_CRISIS_PROPOSED;
    json_decref(o);
    return ok ? 0 : -1;
}

static void parse_playbook(wf_watch_t *w, PGresult *r, int row) {
    const char *name = PQgetvalue(r, row, 1);
    wf_spike_cfg_t cfg;
    hd_crisis_state_t then;
    char why[128];
    if (strlen(name) >= WF_PLAYBOOK_LEN) {
        hd_warn("playbook_spike_skipped", "playbook %.80s...: name too long", name);
        return;
    }
    if (spike_spec(PQgetvalue(r, row, 4), &cfg, &then, why, sizeof why) < 0) {
        hd_warn("playbook_spike_skipped", "playbook %s: triggers.spike: %s", name, why);
        return;
    }
    size_t nterms;
    char **terms = json_strings(PQgetisnull(r, row, 3) ? NULL : PQgetvalue(r, row, 3), &nterms);
    wf_watch_add_playbook(w, name, &cfg, then, PQgetvalue(r, row, 6)[0] == 't',
                          strtoll(PQgetvalue(r, row, 5), NULL, 10), (const char *const *)terms,
                          nterms);
    free_list(terms, nterms);
}

static void parse_crisis(wf_watch_t *w, PGresult *r, int row) {
    if (PQgetlength(r, row, 2) >= WF_PLAYBOOK_LEN || PQgetlength(r, row, 7) >= HD_DEPT_LEN) {
        hd_warn("crisis_reroute_skipped", "crisis %s: playbook or reroute_department too long",
                PQgetvalue(r, row, 1));
        return;
    }
    size_t nt, nd, nc;
    char **terms = json_strings(PQgetvalue(r, row, 3), &nt);
    char **deps = json_strings(PQgetvalue(r, row, 8), &nd);
    char **chans = json_strings(PQgetvalue(r, row, 9), &nc);
    wf_watch_add_crisis(w, PQgetvalue(r, row, 1), PQgetvalue(r, row, 2), PQgetvalue(r, row, 7),
                        (const char *const *)terms, nt, (const char *const *)deps, nd,
                        (const char *const *)chans, nc);
    free_list(terms, nt);
    free_list(deps, nd);
    free_list(chans, nc);
}

int wf_watch_parse(wf_watch_t *w, PGresult *r) {
    wf_watch_clear(w);
    for (int row = 0; row < PQntuples(r); row++) {
        if (PQgetvalue(r, row, 0)[0] == 'p')
            parse_playbook(w, r, row);
        else
            parse_crisis(w, r, row);
    }
    char why[512];
    if (wf_watch_build(w, why, sizeof why) < 0) {
        hd_error("crisis_terms_unusable", "%s", why);
        return -1;
    }
    return 0;
}

/* ---------- per mention ---------- */

int wf_watch_scan(wf_watch_t *w, const hd_envelope_t *ev) {
    w->scanned = NULL;
    if (!w->terms)
        return 0; /* nothing watched: no hits */
    const Huddle__V1__MentionReceived *b = ev->mention_received;
    if (wf_terms_match(w->terms, b ? b->text : NULL, w->hits) < 0) {
        hd_error("crisis_terms_scan_failed", "mention event %s", ev->id ? ev->id : "");
        return -1;
    }
    w->scanned = ev;
    return 0;
}

const wf_watch_crisis_t *wf_watch_reroute(const wf_watch_t *w, const hd_envelope_t *ev,
                                          const char *channel, const char *department) {
    if (!w || !ev || w->scanned != ev)
        return NULL;
    for (size_t i = 0; i < w->ncrises; i++) {
        const wf_watch_crisis_t *c = &w->crises[i];
        hd_crisis_scope_t scope = {(const char *const *)c->departments, c->ndepartments,
                                   (const char *const *)c->channels, c->nchannels};
        if (w->hits[w->nplaybooks + i] && hd_crisis_covers(&scope, department, channel))
            return c;
    }
    return NULL;
}

/* Floor division: a minute before 1970 is its own too. */
static int64_t minute_of(int64_t ms) { return ms >= 0 ? ms / 60000 : -((-ms + 59999) / 60000); }

void wf_watch_count(wf_watch_t *w, const hd_envelope_t *ev) {
    if (w->scanned != ev)
        return;
    int64_t at = wf_decide_when(ev), minute = minute_of(at);
    for (size_t p = 0; p < w->nplaybooks; p++) {
        if (!w->hits[p])
            continue;
        wf_watch_playbook_t *pb = &w->playbooks[p];
        if (at >= pb->newest_ms) {
            pb->newest_ms = at;
            snprintf(pb->newest_event, sizeof pb->newest_event, "%s", ev->id ? ev->id : "");
        }
        size_t k = 0;
        while (k < w->ncounts && (w->counts[k].playbook != p || w->counts[k].minute != minute))
            k++;
        if (k == w->ncounts) {
            w->counts = hd_grow(w->counts, &w->capcounts, w->ncounts + 1, sizeof *w->counts);
            w->counts[w->ncounts++] = (wf_watch_count_t){p, minute, 0};
        }
        w->counts[k].n++;
    }
}

/* ---------- at the batch's end ---------- */

/* WF_SPIKE_HORIZON_MINUTES as SQL: counts older than that are never read. */
#define HORIZON_SQL "now() - make_interval(mins => 121020)"
_Static_assert(WF_SPIKE_HORIZON_MINUTES == 121020, "HORIZON_SQL is WF_SPIKE_HORIZON_MINUTES");

/* Adds the batch's counts and prunes what no detector reads again (in the
   touched playbooks: the primary key finds them). A mention older than
   that horizon is not counted (it would be pruned at once). */
static const char *COUNT_SQL = "WITH pruned AS (DELETE FROM crisis_mention_count "
                               "  WHERE playbook = ANY($1::text[]) AND minute < " HORIZON_SQL ") "
                               "INSERT INTO crisis_mention_count AS c (playbook, minute, n) "
                               "SELECT x.p, to_timestamp(x.m * 60), x.n "
                               "FROM unnest($1::text[], $2::bigint[], $3::int[]) AS x(p, m, n) "
                               "WHERE to_timestamp(x.m * 60) >= " HORIZON_SQL " "
                               "ON CONFLICT (playbook, minute) DO UPDATE SET n = c.n + EXCLUDED.n";

static int write_counts(hd_db_t *db, const wf_watch_t *w) {
    hd_pgarray_t col[3] = {{0}};
    for (size_t i = 0; i < w->ncounts; i++) {
        char m[24], n[24];
        snprintf(m, sizeof m, "%lld", (long long)w->counts[i].minute);
        snprintf(n, sizeof n, "%lld", (long long)w->counts[i].n);
        hd_pgarray_add(&col[0], w->playbooks[w->counts[i].playbook].name);
        hd_pgarray_add(&col[1], m);
        hd_pgarray_add(&col[2], n);
    }
    return hd_db_cmd_arrays(db, COUNT_SQL, col, 3);
}

/* The counts of every minute the detectors read (one range per row), in
   playbook and minute order. */
static const char *SERIES_SQL =
    "SELECT r.p, floor(extract(epoch FROM c.minute) / 60)::bigint, c.n "
    "FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS r(p, a, b) "
    "JOIN crisis_mention_count c ON c.playbook = r.p "
    "  AND c.minute BETWEEN to_timestamp(r.a * 60) AND to_timestamp(r.b * 60) "
    "ORDER BY 1, 2";

/* A playbook the batch's end evaluates: its index, the crisis id a firing
   gets, and where its counts are in the series read. */
typedef struct {
    size_t playbook;
    char crisis_id[HD_ID_LEN];
    int exists; /* that crisis exists: this batch was applied before */
    size_t from, n;
} candidate_t;

static int send_series(hd_db_t *db, const wf_watch_t *w, candidate_t *c, size_t nc) {
    hd_pgarray_t col[3] = {{0}}, ids = {0};
    for (size_t i = 0; i < nc; i++) {
        const wf_watch_playbook_t *p = &w->playbooks[c[i].playbook];
        wf_spike_range_t rg[WF_SPIKE_MAX_RANGES];
        size_t nr = wf_spike_ranges(&p->cfg, p->newest_ms, rg);
        for (size_t k = 0; k < nr; k++) {
            char a[24], b[24];
            snprintf(a, sizeof a, "%lld", (long long)rg[k].from);
            snprintf(b, sizeof b, "%lld", (long long)rg[k].to);
            hd_pgarray_add(&col[0], p->name);
            hd_pgarray_add(&col[1], a);
            hd_pgarray_add(&col[2], b);
        }
        hd_pgarray_add(&ids, c[i].crisis_id);
    }
    if (hd_db_send_arrays(db, SERIES_SQL, col, 3) < 0)
        return -1;
    return hd_db_send_arrays(db, "SELECT id::text FROM crisis WHERE id = ANY($1::uuid[])", &ids, 1);
}

/* The series rows into one array, each candidate's slice located. Caller
   frees the array. */
static wf_spike_count_t *parse_series(PGresult *r, const wf_watch_t *w, candidate_t *c, size_t nc) {
    int rows = PQntuples(r);
    wf_spike_count_t *all = hd_calloc((size_t)rows + 1, sizeof *all);
    for (int i = 0; i < rows; i++) {
        all[i] = (wf_spike_count_t){strtoll(PQgetvalue(r, i, 1), NULL, 10),
                                    strtoll(PQgetvalue(r, i, 2), NULL, 10)};
        for (size_t k = 0; k < nc; k++)
            if (strcmp(w->playbooks[c[k].playbook].name, PQgetvalue(r, i, 0)) == 0) {
                if (c[k].n++ == 0)
                    c[k].from = (size_t)i;
                break;
            }
    }
    return all;
}

static const char *WATCH_UPSERT_SQL =
    "INSERT INTO crisis_watch (playbook, last_fired_at, last_crisis_id) "
    "VALUES ($1, to_timestamp($2::bigint / 1000.0), $3::uuid) "
    "ON CONFLICT (playbook) DO UPDATE SET last_fired_at = EXCLUDED.last_fired_at, "
    "  last_crisis_id = EXCLUDED.last_crisis_id";

/* A firing: the crisis proposed or declared, its cool-down started. */
static int fire(hd_db_t *db, wf_watch_playbook_t *p, const candidate_t *c,
                const wf_spike_result_t *r) {
    char reason[256], figures[512], at[24];
    wf_spike_reason(&p->cfg, r, reason, sizeof reason);
    wf_spike_figures_json(&p->cfg, r, figures, sizeof figures);
    hd_crisis_declare_t d = {.crisis_id = c->crisis_id,
                             .playbook = p->name,
                             .state = p->then,
                             .reason = reason,
                             .actor_email = WF_SERVICE_ACTOR,
                             .detail_json = figures,
                             .detected_at_ms = p->newest_ms,
                             .causation_id = p->newest_event};
    hd_crisis_rc_t rc = hd_crisis_declare(db, &d);
    if (rc == HD_CRISIS_DB)
        return -1;
    if (rc != HD_CRISIS_OK) {
        hd_log(HD_LOG_WARN, "spike_not_declared", p->newest_event, c->crisis_id,
               "playbook %s: no active version any more (%d)", p->name, (int)rc);
        return 0;
    }
    snprintf(at, sizeof at, "%lld", (long long)p->newest_ms);
    const char *params[3] = {p->name, at, c->crisis_id};
    if (hd_db_cmd(db, WATCH_UPSERT_SQL, 3, params) < 0)
        return -1;
    p->busy = 1;
    p->last_fired_ms = p->newest_ms;
    hd_log(HD_LOG_INFO, "spike_fired", p->newest_event, c->crisis_id, "playbook %s %s: %s %s",
           p->name, hd_crisis_state_name(p->then), reason, figures);
    return 0;
}

/* The touched playbooks without a crisis proposed or declared; their
   crisis ids derive from the newest matching mention and the playbook. */
static size_t candidates(const wf_watch_t *w, candidate_t *c) {
    size_t nc = 0;
    for (size_t p = 0; p < w->nplaybooks; p++) {
        const wf_watch_playbook_t *pb = &w->playbooks[p];
        if (pb->newest_ms == 0 || pb->busy)
            continue;
        char label[WF_PLAYBOOK_LEN + 16];
        snprintf(label, sizeof label, "crisis:%s", pb->name);
        c[nc] = (candidate_t){.playbook = p};
        hd_id_derive(c[nc].crisis_id, pb->newest_event, label);
        nc++;
    }
    return nc;
}

static void mark_existing(PGresult *r, candidate_t *c, size_t nc) {
    for (size_t i = 0; i < nc; i++)
        c[i].exists = hd_db_returned_id(r, 0, c[i].crisis_id);
}

/* Runs the detector on each candidate and fires where it says so. */
static int detect(hd_db_t *db, wf_watch_t *w, candidate_t *c, size_t nc,
                  const wf_spike_count_t *all) {
    for (size_t i = 0; i < nc; i++) {
        wf_watch_playbook_t *p = &w->playbooks[c[i].playbook];
        wf_spike_result_t r;
        wf_spike_detect(&p->cfg, all + c[i].from, c[i].n, p->newest_ms, p->last_fired_ms, &r);
        if (r.verdict == WF_SPIKE_COOLING)
            hd_log(HD_LOG_INFO, "spike_cooling", p->newest_event, NULL,
                   "playbook %s: %lld mentions in %d minutes, above %.1f, within the cool-down",
                   p->name, (long long)r.count, p->cfg.window_minutes, r.threshold);
        if (r.verdict == WF_SPIKE_FIRE && !c[i].exists && fire(db, p, &c[i], &r) < 0)
            return -1;
    }
    return 0;
}

int wf_watch_flush(hd_db_t *db, wf_watch_t *w) {
    if (w->ncounts == 0)
        return 0;
    if (write_counts(db, w) < 0)
        return -1;
    candidate_t *c = hd_calloc(w->nplaybooks + 1, sizeof *c);
    size_t nc = candidates(w, c);
    PGresult *res[2] = {0};
    int rc = 0;
    if (nc && (send_series(db, w, c, nc) < 0 || hd_db_results(db, res, 2) < 0))
        rc = -1;
    if (nc && rc == 0) {
        wf_spike_count_t *all = parse_series(res[0], w, c, nc);
        mark_existing(res[1], c, nc);
        rc = detect(db, w, c, nc, all);
        free(all);
    }
    PQclear(res[0]);
    PQclear(res[1]);
    free(c);
    return rc;
}
