/*  report: metrics tables -> Prometheus text. */
#include "report.h"

#include "hd_prom.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A crisis's counts joined with its row, whose playbook they are shown
   under. */
#define CRISIS_COUNTS \
    "FROM metrics_crisis_count k JOIN metrics_crisis c ON c.crisis_id = k.crisis_id "

/* A family of metrics_counter / metrics_histogram rows, and one of a query
   with its label names. */
#define FAMILY(name, type, help)         \
    {                                    \
        name, type, help, NULL, { NULL } \
    }
#define QUERY(name, type, help, sql, ...)            \
    {                                                \
        name, type, help, sql, { __VA_ARGS__, NULL } \
    }

const mx_family_t mx_families[] = {
    FAMILY("huddle_events_total", "counter", "Events on the bus, by type and department."),
    FAMILY("huddle_policy_verdicts_total", "counter", "Policy verdicts, by verdict."),
    FAMILY("huddle_items_blocked_total", "counter", "Items blocked by policy, by department."),
    FAMILY("huddle_decisions_total", "counter",
           "Approval decisions: approve, reject, or refused (not allowed)."),
    FAMILY("huddle_items_published_total", "counter",
           "Items delivered to a channel, by department and channel."),
    FAMILY("huddle_items_failed_total", "counter",
           "Items that could not be delivered, by department and channel."),
    FAMILY("huddle_mentions_routed_total", "counter", "Inbound mentions routed, by department."),
    FAMILY("huddle_org_changes_total", "counter",
           "Administrative changes (org.* events), by object, action and department."),
    FAMILY(
        "huddle_policy_proposals_total", "counter",
        "Policy proposal steps: analyzed, review_recorded, review_refused, activated, rejected."),
    FAMILY("huddle_approval_latency_seconds", "histogram",
           "Time from approval requested to approved or rejected, by department."),
    QUERY("huddle_crises", "gauge", "Crises by playbook and state.",
          "SELECT playbook, state, count(*) FROM metrics_crisis "
          "WHERE playbook <> '' AND state <> '' GROUP BY playbook, state ORDER BY playbook, state",
          "playbook", "state"),
    QUERY("huddle_crisis_held_items", "gauge", "Items a crisis holds now, by playbook.",
          "SELECT c.playbook, sum(CASE WHEN k.figure = 'held' THEN k.value ELSE -k.value "
          "END) " CRISIS_COUNTS
          "WHERE k.figure IN ('held', 'released') AND c.playbook <> '' GROUP BY 1 ORDER BY 1",
          "playbook"),
    QUERY("huddle_crisis_items_held_total", "counter", "Items held by a crisis, by playbook.",
          "SELECT c.playbook, sum(k.value) " CRISIS_COUNTS
          "WHERE k.figure = 'held' AND c.playbook <> '' GROUP BY 1 ORDER BY 1",
          "playbook"),
    QUERY("huddle_crisis_items_released_total", "counter",
          "Held items released when their crisis resumed, by playbook and outcome.",
          "SELECT c.playbook, k.outcome, sum(k.value) " CRISIS_COUNTS
          "WHERE k.figure = 'released' AND c.playbook <> '' GROUP BY 1, 2 ORDER BY 1, 2",
          "playbook", "outcome"),
    QUERY("huddle_crisis_recalls_total", "counter",
          "Published posts a crisis recalled, by playbook and outcome: deleted, failed.",
          "SELECT c.playbook, k.outcome, sum(k.value) " CRISIS_COUNTS
          "WHERE k.figure = 'recalled' AND c.playbook <> '' GROUP BY 1, 2 ORDER BY 1, 2",
          "playbook", "outcome"),
    FAMILY("huddle_crisis_notifications_total", "counter",
           "Crisis webhook notifications at their end, by endpoint, outcome and drill."),
    FAMILY("huddle_crisis_detect_to_declare_seconds", "histogram",
           "Time from a crisis detected (proposed) to declared, by playbook."),
    FAMILY("huddle_crisis_hold_seconds", "histogram",
           "Time from a crisis declared to its hold applied by the publisher, by playbook."),
    FAMILY("huddle_mentions_total", "counter",
           "Inbound mentions routed, by channel, feed and department (triage: no rule took it)."),
    FAMILY("huddle_inbox_items", "gauge", "Inbox items now, by department and state."),
    FAMILY("huddle_inbox_first_response_seconds", "histogram",
           "Business time from a mention received to its first published reply, by department."),
    FAMILY("huddle_inbox_sla_warnings_total", "counter",
           "First-response warnings (the breach is near), by department."),
    FAMILY("huddle_inbox_sla_breaches_total", "counter",
           "First-response deadlines passed without a reply, by department."),
    FAMILY("huddle_inbox_replies_total", "counter",
           "Replies published to mentions, by department."),
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

/* f's query: its label values, then the value, per row. */
static int write_query(hd_db_t *db, FILE *out, const mx_family_t *f) {
    size_t nl = 0;
    while (nl < MX_FAMILY_LABELS && f->labels[nl])
        nl++;
    PGresult *r = hd_db_exec(db, f->sql, 0, NULL);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        const char *values[MX_FAMILY_LABELS];
        char labels[HD_PROM_LABELS_LEN];
        for (size_t k = 0; k < nl; k++)
            values[k] = PQgetvalue(r, i, (int)k);
        if (hd_prom_labels(labels, sizeof labels, f->labels, values, nl) == 0)
            hd_prom_sample(out, f->name, NULL, labels, strtod(PQgetvalue(r, i, (int)nl), NULL));
    }
    PQclear(r);
    return 0;
}

int mx_report_write(hd_db_t *db, FILE *out) {
    for (size_t i = 0; i < mx_nfamilies; i++) {
        const mx_family_t *f = &mx_families[i];
        hd_prom_family(out, f->name, f->type, f->help);
        int rc = f->sql                              ? write_query(db, out, f)
                 : strcmp(f->type, "histogram") == 0 ? write_histogram(db, out, f->name)
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
