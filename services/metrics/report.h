/*  report: the figures as Prometheus text, read from the metrics tables.
    Every known family is listed with # HELP and # TYPE even before its
    first sample, so dashboards and alerts can be written against an empty
    system. */
#ifndef MX_REPORT_H
#define MX_REPORT_H

#include "hd_db.h"

#include <stdio.h>

typedef struct {
    const char *name;
    const char *type; /* counter, histogram */
    const char *help;
} mx_family_t;

extern const mx_family_t mx_families[];
extern const size_t mx_nfamilies;

/* Writes every family with its samples to out. 0, or -1 on a database
   error (what was written so far stays; a comment line says why). */
int mx_report_write(hd_db_t *db, FILE *out);

#endif
