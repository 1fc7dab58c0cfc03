/*  policy_proposal: proposals and reviews in the policy consumer (see the
    header). */
#include "policy_proposal.h"

#include "hd_id.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_pgarray.h"
#include "policy.h"
#include "policy_diff.h"
#include "policy_review.h"
#include "policy_simulate.h"
#include "policy_store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_ROLES 32
#define EXAMPLES 3

/* Role names, owned. */
typedef struct {
    char *v[MAX_ROLES];
    size_t n;
} roles_t;

/* One proposal of the batch: as read, then as the batch's events change it. */
typedef struct {
    const char *id; /* borrowed from the first event naming it */
    int known;      /* ingest's row exists */
    const char *source, *why, *proposer_id, *proposer_email; /* borrowed from the read */
    size_t source_len;
    int emergency;
    long long base_version;
    roles_t required, approved;
    pol_proposal_state_t state;
    char *diff;         /* owned; NULL: unchanged */
    json_t *simulation; /* owned; NULL: none */
    long long version;  /* activated as (0: none) */
    char *reason;       /* owned */
    int dirty;          /* its state row is to be written */
} prop_t;

typedef struct {
    PGresult *r;
    prop_t *props;
    size_t nprops;
    int *prop_of;      /* per event: its proposal (-1: not one of ours) */
    roles_t *reviewer; /* per event: the reviewer's roles */
    long long active;
    char *active_src; /* owned; read when first needed */
    int have_src;
} batch_t;

int pol_proposal_wants(const hd_envelope_t *ev) {
    return (ev->body_case == HUDDLE__V1__ENVELOPE__BODY_POLICY_PROPOSED && ev->policy_proposed) ||
           (ev->body_case == HUDDLE__V1__ENVELOPE__BODY_POLICY_REVIEW_SUBMITTED &&
            ev->policy_review_submitted);
}

static const char *proposal_id(const hd_envelope_t *ev) {
    return ev->body_case == HUDDLE__V1__ENVELOPE__BODY_POLICY_PROPOSED
               ? ev->policy_proposed->proposal_id
               : ev->policy_review_submitted->proposal_id;
}

static void roles_free(roles_t *r) {
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i]);
    r->n = 0;
}

static void roles_add(roles_t *r, const char *s) {
    if (r->n < MAX_ROLES)
        r->v[r->n++] = hd_strdup(s);
}

/* The JSON array of strings in column c of row i into r (NULL: none). */
static void roles_parse(PGresult *res, int i, int c, roles_t *r) {
    if (PQgetisnull(res, i, c))
        return;
    json_t *a = json_loads(PQgetvalue(res, i, c), 0, NULL);
    size_t k;
    json_t *v;
    json_array_foreach(a, k, v) if (json_is_string(v)) roles_add(r, json_string_value(v));
    json_decref(a);
}

static json_t *roles_json(const roles_t *r) {
    json_t *a = json_array();
    for (size_t i = 0; i < r->n; i++)
        json_array_append_new(a, json_string(r->v[i]));
    return a;
}

static void batch_free(batch_t *b, size_t n) {
    for (size_t i = 0; i < b->nprops; i++) {
        prop_t *p = &b->props[i];
        roles_free(&p->required);
        roles_free(&p->approved);
        free(p->diff);
        free(p->reason);
        json_decref(p->simulation);
    }
    for (size_t i = 0; b->reviewer && i < n; i++)
        roles_free(&b->reviewer[i]);
    free(b->props);
    free(b->prop_of);
    free(b->reviewer);
    free(b->active_src);
    if (b->r)
        PQclear(b->r);
}

/* The batch's proposals, one per distinct id (props, prop_of). */
static int collect(batch_t *b, const hd_envelope_t *const *evs, size_t n, hd_batch_out_t *out) {
    b->props = hd_calloc(n, sizeof *b->props);
    b->prop_of = hd_calloc(n, sizeof *b->prop_of);
    b->reviewer = hd_calloc(n, sizeof *b->reviewer);
    for (size_t i = 0; i < n; i++) {
        b->prop_of[i] = -1;
        if (!pol_proposal_wants(evs[i]))
            continue;
        const char *id = proposal_id(evs[i]);
        if (!hd_id_valid(id))
            return hd_batch_dead(out, i, "%s without a valid proposal_id", evs[i]->type);
        size_t k = 0;
        while (k < b->nprops && strcasecmp(b->props[k].id, id))
            k++;
        if (k == b->nprops)
            b->props[b->nprops++].id = id;
        b->prop_of[i] = (int)k;
    }
    return HD_APPLY_OK;
}

/* The one read: per event, its proposal as submitted, its state, the
   reviewer's roles, and the active version. */
static const char *READ_SQL =
    "SELECT e.i, i.id IS NOT NULL, i.source, i.why, i.emergency, i.proposed_by, "
    " i.proposer_email, i.base_version, array_to_json(i.required_roles), s.state, "
    " array_to_json(s.approved), array_to_json(a.roles), "
    " coalesce((SELECT version FROM policy_version WHERE active), 0), s.version "
    "FROM unnest($1::int[], $2::uuid[], $3::uuid[]) AS e(i, pid, rid) "
    "LEFT JOIN policy_proposal_input i ON i.id = e.pid "
    "LEFT JOIN policy_proposal_state s ON s.proposal_id = e.pid "
    /* a reviewer deactivated since the review was submitted holds no role:
       the review is refused, as workflow refuses such a person's decision */
    "LEFT JOIN read_actor a ON a.person_id = e.rid AND a.active "
    "ORDER BY e.i";

static void take_row(batch_t *b, int row, prop_t *p) {
    PGresult *r = b->r;
    p->known = PQgetvalue(r, row, 1)[0] == 't';
    if (!p->known)
        return;
    p->source = PQgetvalue(r, row, 2);
    p->source_len = (size_t)PQgetlength(r, row, 2);
    p->why = PQgetvalue(r, row, 3);
    p->emergency = PQgetvalue(r, row, 4)[0] == 't';
    p->proposer_id = PQgetvalue(r, row, 5);
    p->proposer_email = PQgetvalue(r, row, 6);
    p->base_version = atoll(PQgetvalue(r, row, 7));
    roles_parse(r, row, 8, &p->required);
    p->state = POL_PROPOSAL_ANALYZING;
    if (!PQgetisnull(r, row, 9) && pol_proposal_state_parse(PQgetvalue(r, row, 9), &p->state) < 0)
        p->state = POL_PROPOSAL_INVALID;
    roles_parse(r, row, 10, &p->approved);
    p->version = PQgetisnull(r, row, 13) ? 0 : atoll(PQgetvalue(r, row, 13));
}

static int read_batch(hd_db_t *db, batch_t *b, const hd_envelope_t *const *evs, size_t n) {
    hd_pgarray_t col[3] = {{0}};
    for (size_t i = 0; i < n; i++) {
        if (b->prop_of[i] < 0)
            continue;
        char idx[24];
        snprintf(idx, sizeof idx, "%zu", i);
        hd_pgarray_add(&col[0], idx);
        hd_pgarray_add(&col[1], b->props[b->prop_of[i]].id);
        const char *rid = evs[i]->body_case == HUDDLE__V1__ENVELOPE__BODY_POLICY_REVIEW_SUBMITTED
                              ? evs[i]->policy_review_submitted->reviewer_id
                              : NULL;
        hd_pgarray_add(&col[2], rid && hd_id_valid(rid) ? rid : NULL);
    }
    b->r = hd_db_exec_arrays(db, READ_SQL, col, 3);
    if (!b->r)
        return -1;
    int *seen = hd_calloc(b->nprops ? b->nprops : 1, sizeof *seen);
    for (int row = 0; row < PQntuples(b->r); row++) {
        size_t i = (size_t)atoll(PQgetvalue(b->r, row, 0));
        int k = i < n ? b->prop_of[i] : -1;
        if (k < 0)
            continue;
        b->active = atoll(PQgetvalue(b->r, row, 12));
        roles_parse(b->r, row, 11, &b->reviewer[i]);
        if (!seen[k]++)
            take_row(b, row, &b->props[k]);
    }
    free(seen);
    return 0;
}

/* ---------- what is emitted ---------- */

typedef struct {
    const char *event, *role, *reviewer, *reason;
    long long changed;
} update_t;

static void emit_update(hd_batch_out_t *out, const hd_envelope_t *cause, const prop_t *p,
                        const update_t *u, const char *label) {
    const char *left[MAX_ROLES];
    pol_review_proposal_t rp = {.required = (const char *const *)p->required.v,
                                .nrequired = p->required.n,
                                .approved = (const char *const *)p->approved.v,
                                .napproved = p->approved.n};
    size_t nleft = pol_review_remaining(&rp, NULL, left, MAX_ROLES);
    Huddle__V1__PolicyProposalUpdated body = HUDDLE__V1__POLICY_PROPOSAL_UPDATED__INIT;
    body.proposal_id = (char *)p->id;
    body.state = (char *)pol_proposal_state_name(p->state);
    body.event = (char *)u->event;
    body.role = (char *)(u->role ? u->role : "");
    body.reviewer_email = (char *)(u->reviewer ? u->reviewer : "");
    body.reason = (char *)(u->reason ? u->reason : "");
    body.remaining_roles = (char **)left;
    body.n_remaining_roles = p->state == POL_PROPOSAL_IN_REVIEW ? nleft : 0;
    body.version = p->version;
    body.changed_verdicts = u->changed;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_POLICY_PROPOSAL_UPDATED;
    env.policy_proposal_updated = &body;
    env.actor = (char *)(u->reviewer && *u->reviewer ? u->reviewer : "policy");
    env.correlation_id = (char *)p->id;
    hd_batch_emit(out, cause, &env, "", label);
}

/* Makes p's source the next active version, in the open transaction, and
   emits policy.activated and the proposal's "activated" update. */
static int activate(hd_db_t *db, batch_t *b, prop_t *p, const hd_envelope_t *cause, const char *by,
                    hd_batch_out_t *out) {
    const char *prm[3] = {p->source, p->proposer_email, p->id};
    PGresult *r = NULL;
    if (hd_db_cmd(db, "LOCK TABLE policy_version IN SHARE ROW EXCLUSIVE MODE", 0, NULL) < 0 ||
        hd_db_cmd(db, "UPDATE policy_version SET active = false WHERE active", 0, NULL) < 0 ||
        !(r = hd_db_exec(db,
                         "INSERT INTO policy_version (version, source, created_by, active, "
                         "proposal_id) SELECT coalesce(max(version), 0) + 1, $1, $2, true, $3 "
                         "FROM policy_version RETURNING version",
                         3, prm)))
        return -1;
    p->version = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    p->state = POL_PROPOSAL_ACTIVATED;
    p->dirty = 1;
    b->active = p->version;
    free(b->active_src);
    b->active_src = hd_strdup(p->source);
    b->have_src = 1;
    Huddle__V1__PolicyActivated body = HUDDLE__V1__POLICY_ACTIVATED__INIT;
    body.version = p->version;
    body.activated_by = (char *)by;
    body.proposal_id = (char *)p->id;
    body.emergency = p->emergency;
    body.reason = (char *)p->why;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_POLICY_ACTIVATED;
    env.policy_activated = &body;
    env.actor = (char *)by;
    env.correlation_id = (char *)p->id;
    hd_batch_emit(out, cause, &env, "", "policy.activated");
    update_t u = {.event = "activated", .reviewer = by, .reason = p->why};
    emit_update(out, cause, p, &u, "policy.proposal_updated.activated");
    hd_log(HD_LOG_INFO, "proposal_activated", cause->id, p->id, "version %lld%s, by %s", p->version,
           p->emergency ? " (emergency)" : "", by);
    return 0;
}

/* ---------- analysis ---------- */

/* The active version's source, read once per batch ("" when none). */
static int active_source(hd_db_t *db, batch_t *b) {
    if (b->have_src)
        return 0;
    size_t len = 0;
    if (b->active > 0 && pol_store_source(db, b->active, &b->active_src, &len) < 0)
        return -1;
    b->have_src = 1;
    return 0;
}

/* A stream writing into *buf (the caller frees it after fclose). */
static FILE *memstream(char **buf, size_t *len) {
    FILE *f = open_memstream(buf, len);
    if (!f) {
        hd_error("out_of_memory", "open_memstream");
        abort();
    }
    return f;
}

/* The diff of p against the active version, as text (caller frees). */
static char *diff_text(const batch_t *b, const prop_t *p) {
    static const char empty[] = "rules: []\n";
    const char *base = b->active_src ? b->active_src : empty;
    char *buf = NULL, err[2048] = "";
    size_t len = 0;
    FILE *f = memstream(&buf, &len);
    int n = pol_diff(base, strlen(base), p->source, p->source_len, f, err, sizeof err);
    if (n == 0)
        fprintf(f, "no differences from version %lld\n", b->active);
    else if (n < 0)
        fprintf(f, "no diff: %s", err);
    fclose(f);
    return buf;
}

/* The simulation over the last 30 days into p->simulation; its changed
   count, or -1 on a database error (the batch retries). */
static long simulate(hd_db_t *db, prop_t *p) {
    char *buf = NULL, err[2048] = "";
    size_t len = 0;
    FILE *f = memstream(&buf, &len);
    long secs = pol_parse_period(POL_PROPOSAL_SIMULATE_SINCE);
    long changed = pol_simulate(db, p->source, p->source_len, secs, EXAMPLES, f, err, sizeof err);
    fclose(f);
    if (changed < 0 && PQtransactionStatus(hd_db_conn(db)) == PQTRANS_INERROR) {
        free(buf);
        return -1;
    }
    p->simulation =
        changed >= 0 ? json_pack("{s:s, s:I, s:s}", "since", POL_PROPOSAL_SIMULATE_SINCE, "changed",
                                 (json_int_t)changed, "report", buf)
                     : json_pack("{s:s, s:s}", "since", POL_PROPOSAL_SIMULATE_SINCE, "error", err);
    free(buf);
    return changed < 0 ? 0 : changed;
}

/* Diff (and, unless with_sim is 0, the simulation) of p against the active
   version; p becomes in_review, or invalid when its source does not
   compile here. Returns the changed count (0 without simulation), -1 on a
   database error. */
static long analyze(hd_db_t *db, batch_t *b, prop_t *p, int with_sim) {
    char err[2048] = "", why[4096];
    pol_t *cand = pol_new(p->source, p->source_len, err, sizeof err);
    p->dirty = 1;
    if (!cand) {
        p->state = POL_PROPOSAL_INVALID;
        snprintf(why, sizeof why, "the source does not compile: %s", err);
        p->reason = hd_strdup(why);
        return 0;
    }
    pol_destroy(&cand);
    if (active_source(db, b) < 0)
        return -1;
    p->diff = diff_text(b, p);
    p->state = POL_PROPOSAL_IN_REVIEW;
    if (p->base_version != b->active) {
        snprintf(why, sizeof why,
                 "written against version %lld; version %lld is active now: the diff and the "
                 "simulation are against version %lld",
                 p->base_version, b->active, b->active);
        p->reason = hd_strdup(why);
    }
    return with_sim ? simulate(db, p) : 0;
}

/* ---------- the events ---------- */

static int on_proposed(hd_db_t *db, batch_t *b, prop_t *p, const hd_envelope_t *ev,
                       hd_batch_out_t *out) {
    if (p->state != POL_PROPOSAL_ANALYZING) {
        hd_log(HD_LOG_INFO, "proposal_seen", ev->id, p->id, "already %s",
               pol_proposal_state_name(p->state));
        return HD_APPLY_OK;
    }
    long changed = analyze(db, b, p, !p->emergency);
    if (changed < 0)
        return HD_APPLY_RETRY;
    if (p->state == POL_PROPOSAL_IN_REVIEW && p->emergency)
        return activate(db, b, p, ev, p->proposer_email, out) < 0 ? HD_APPLY_RETRY : HD_APPLY_OK;
    update_t u = {.event = "analyzed", .reason = p->reason, .changed = changed};
    emit_update(out, ev, p, &u, "policy.proposal_updated");
    hd_log(HD_LOG_INFO, "proposal_analyzed", ev->id, p->id, "%s, %ld verdict(s) would change",
           pol_proposal_state_name(p->state), changed);
    return HD_APPLY_OK;
}

static int on_review(hd_db_t *db, batch_t *b, prop_t *p, size_t i, const hd_envelope_t *ev,
                     hd_batch_out_t *out) {
    const Huddle__V1__PolicyReviewSubmitted *rs = ev->policy_review_submitted;
    pol_review_proposal_t rp = {.proposer_id = p->proposer_id,
                                .state = p->state,
                                .required = (const char *const *)p->required.v,
                                .nrequired = p->required.n,
                                .approved = (const char *const *)p->approved.v,
                                .napproved = p->approved.n};
    pol_review_t rv = {.reviewer_id = rs->reviewer_id,
                       .reviewer_email = rs->reviewer_email,
                       .roles = (const char *const *)b->reviewer[i].v,
                       .nroles = b->reviewer[i].n,
                       .role = rs->role && *rs->role ? rs->role : NULL,
                       .decision = rs->decision,
                       .comment = rs->comment};
    char role[POL_REVIEW_ROLE_LEN], why[512];
    const char *field;
    update_t u = {.role = rs->role, .reviewer = rs->reviewer_email};
    if (pol_review_check(&rp, &rv, role, why, sizeof why, &field) != POL_REVIEW_OK) {
        u.event = "review_refused";
        u.reason = why;
        emit_update(out, ev, p, &u, "policy.proposal_updated");
        hd_log(HD_LOG_INFO, "review_refused", ev->id, p->id, "%s", why);
        return HD_APPLY_OK;
    }
    u.role = role;
    p->dirty = 1;
    if (!strcmp(rs->decision, "reject")) {
        p->state = POL_PROPOSAL_REJECTED;
        free(p->reason);
        p->reason = hd_strdup(rs->comment);
        u.event = "rejected";
        u.reason = rs->comment;
        emit_update(out, ev, p, &u, "policy.proposal_updated");
        return HD_APPLY_OK;
    }
    roles_add(&p->approved, role);
    u.event = "review_recorded";
    u.reason = rs->comment;
    emit_update(out, ev, p, &u, "policy.proposal_updated");
    rp.approved = (const char *const *)p->approved.v;
    rp.napproved = p->approved.n;
    if (pol_review_remaining(&rp, NULL, NULL, 0) > 0)
        return HD_APPLY_OK;
    return activate(db, b, p, ev, rs->reviewer_email, out) < 0 ? HD_APPLY_RETRY : HD_APPLY_OK;
}

/* Every changed proposal's state in one statement. */
static int write_states(hd_db_t *db, batch_t *b) {
    hd_pgarray_t col[7] = {{0}};
    size_t n = 0;
    for (size_t k = 0; k < b->nprops; k++) {
        prop_t *p = &b->props[k];
        if (!p->dirty)
            continue;
        char v[24], *sim = p->simulation ? json_dumps(p->simulation, JSON_COMPACT) : NULL;
        json_t *ap = roles_json(&p->approved);
        char *aps = json_dumps(ap, JSON_COMPACT);
        snprintf(v, sizeof v, "%lld", p->version);
        hd_pgarray_add(&col[0], p->id);
        hd_pgarray_add(&col[1], pol_proposal_state_name(p->state));
        hd_pgarray_add(&col[2], p->diff);
        hd_pgarray_add(&col[3], sim);
        hd_pgarray_add(&col[4], aps);
        hd_pgarray_add(&col[5], p->version ? v : NULL);
        hd_pgarray_add(&col[6], p->reason ? p->reason : "");
        free(sim);
        free(aps);
        json_decref(ap);
        n++;
    }
    if (n == 0) {
        for (int c = 0; c < 7; c++)
            hd_pgarray_free(&col[c]);
        return 0;
    }
    return hd_db_cmd_arrays(
        db,
        "INSERT INTO policy_proposal_state AS s (proposal_id, state, diff, simulation, approved, "
        " version, reason, updated_at) "
        "SELECT u.id, u.state, coalesce(u.diff, ''), u.sim, "
        " ARRAY(SELECT jsonb_array_elements_text(u.approved)), u.version, u.reason, now() "
        "FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::jsonb[], $6::bigint[], "
        " $7::text[]) AS u(id, state, diff, sim, approved, version, reason) "
        "ON CONFLICT (proposal_id) DO UPDATE SET state = excluded.state, "
        " diff = CASE WHEN excluded.diff = '' THEN s.diff ELSE excluded.diff END, "
        " simulation = coalesce(excluded.simulation, s.simulation), "
        " approved = excluded.approved, version = coalesce(excluded.version, s.version), "
        " reason = excluded.reason, updated_at = now()",
        col, 7);
}

int pol_proposal_apply(hd_db_t *db, const hd_envelope_t *const *evs, size_t n,
                       hd_batch_out_t *out) {
    size_t ours = 0;
    for (size_t i = 0; i < n; i++)
        ours += (size_t)pol_proposal_wants(evs[i]);
    if (ours == 0)
        return HD_APPLY_OK;
    batch_t b = {0};
    int rc = collect(&b, evs, n, out);
    if (rc == HD_APPLY_OK && read_batch(db, &b, evs, n) < 0)
        rc = HD_APPLY_RETRY;
    for (size_t i = 0; rc == HD_APPLY_OK && i < n; i++) {
        if (b.prop_of[i] < 0)
            continue;
        prop_t *p = &b.props[b.prop_of[i]];
        if (!p->known)
            rc = hd_batch_dead(out, i, "no policy proposal %s", p->id);
        else if (evs[i]->body_case == HUDDLE__V1__ENVELOPE__BODY_POLICY_PROPOSED)
            rc = on_proposed(db, &b, p, evs[i], out);
        else
            rc = on_review(db, &b, p, i, evs[i], out);
    }
    if (rc == HD_APPLY_OK && write_states(db, &b) < 0)
        rc = HD_APPLY_RETRY;
    batch_free(&b, n);
    return rc;
}
