/*  report: metrics tables -> Prometheus text. */
#include "report.h"

#include "hd_prom.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const mx_family_t mx_families[] = {
    {"huddle_events_total", "counter", "Events on the bus, by type and department."},
    {"huddle_policy_verdicts_total", "counter", "Policy verdicts, by verdict."},
    {"huddle_items_blocked_total", "counter", "Items blocked by policy, by department."},
    {"huddle_decisions_total", "counter",
     "Approval decisions: approve, reject, or refused (not allowed)."},
    {"huddle_items_published_total", "counter",
     "Items delivered to a channel, by department and channel."},
    {"huddle_items_failed_total", "counter",
     "Items that could not be delivered, by department and channel."},
    {"huddle_mentions_routed_total", "counter", "Inbound mentions routed, by department."},
    {"huddle_org_changes_total", "counter",
     "Administrative changes (org.* events), by object, action and department."},
    {"huddle_policy_proposals_total", "counter",
     "Policy proposal steps: analyzed, review_recorded, review_refused, activated, rejected."},
    {"huddle_approval_latency_seconds", "histogram",
     "Time from approval requested to approved or rejected, by department."},
};
const size_t mx_nfamilies = sizeof mx_families / sizeof mx_families[0];

static int write_counters(hd_db_t *db, FILE *out, const char *name) {
    const char *p[1] = {name};
    PGresult *r = hd_db_exec(db,
                             "SELECT labels, value FROM metrics_counter WHERE name = $1 "
                             "ORDER BY labels",
                             1, p);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        hd_prom_sample(out, name, NULL, PQgetvalue(r, i, 0), strtod(PQgetvalue(r, i, 1), NULL));
    PQclear(r);
    return 0;
}

static int write_histogram(hd_db_t *db, FILE *out, const char *name) {
    const char *p[1] = {name};
    PGresult *r = hd_db_exec(db,
                             "SELECT h.labels, h.le, h.count, s.sum, s.count "
                             "FROM metrics_histogram h LEFT JOIN metrics_histogram_sum s "
                             "  ON s.name = h.name AND s.labels = h.labels "
                             "WHERE h.name = $1 ORDER BY h.labels, h.le",
                             1, p);
    if (!r)
        return -1;
    int rows = PQntuples(r);
    for (int i = 0; i < rows; i++) {
        const char *labels = PQgetvalue(r, i, 0);
        /* strtod reads "Infinity" as +Inf */
        hd_prom_bucket_line(out, name, labels, strtod(PQgetvalue(r, i, 1), NULL),
                            strtod(PQgetvalue(r, i, 2), NULL));
        int last = i + 1 == rows || strcmp(PQgetvalue(r, i + 1, 0), labels) != 0;
        if (last) {
            hd_prom_sample(out, name, "_sum", labels, strtod(PQgetvalue(r, i, 3), NULL));
            hd_prom_sample(out, name, "_count", labels, strtod(PQgetvalue(r, i, 4), NULL));
        }
    }
    PQclear(r);
    return 0;
}

int mx_report_write(hd_db_t *db, FILE *out) {
    for (size_t i = 0; i < mx_nfamilies; i++) {
        const mx_family_t *f = &mx_families[i];
        hd_prom_family(out, f->name, f->type, f->help);
        int rc = strcmp(f->type, "histogram") == 0 ? write_histogram(db, out, f->name)
                                                   : write_counters(db, out, f->name);
        if (rc < 0) {
            char why[256];
            snprintf(why, sizeof why, "%s", hd_db_error(db));
            for (char *c = why; *c; c++)
                if (*c == '\n' || *c == '\r')
                    *c = ' ';
            fprintf(out, "# metrics store unavailable: %s\n", why);
            return -1;
        }
    }
    return 0;
}
