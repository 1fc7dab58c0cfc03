/*  report: the figures as Prometheus text, read from the metrics tables.
    Every known family is listed with # HELP and # TYPE even before its
    first sample, so dashboards and alerts can be written against an empty
    system. Most families are the rows of their name in metrics_counter /
    metrics_histogram; the crisis families grouped by playbook are a query
    over metrics_crisis and metrics_crisis_count (crisis.h), so a count
    lands under its playbook whenever the crisis's own event arrives. */
#ifndef MX_REPORT_H
#define MX_REPORT_H

#include "hd_db.h"

#include <stdio.h>

#define MX_FAMILY_LABELS 2

typedef struct {
    const char *name;
    const char *type; /* counter, gauge, histogram */
    const char *help;
    /* NULL: the rows of name in metrics_counter / metrics_histogram. Else a
       query (no parameters) answering one sample per row: the values of
       the labels named below (NULL-terminated), then the sample's value. */
    const char *sql;
    const char *labels[MX_FAMILY_LABELS + 1];
} mx_family_t;

extern const mx_family_t mx_families[];
extern const size_t mx_nfamilies;

/* Writes every family with its samples to out. 0, or -1 on a database
   error (what was written so far stays; a comment line says why). */
int mx_report_write(hd_db_t *db, FILE *out);

#endif
