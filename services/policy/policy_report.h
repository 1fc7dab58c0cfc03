/*  policy_report: a result in the forms others read: JSON for the
    policy_verdict.findings column and the API, protobuf for the
    policy.evaluated event, and marked text for people (`huddle check`). */
#ifndef POL_REPORT_H
#define POL_REPORT_H

#include "policy.h"

#include "huddle/v1/event.pb-c.h"

#include <jansson.h>
#include <stdio.h>

/* The findings as a JSON array of {rule_id, kind, severity, action, role,
   message, matched, start, end}; a new reference (caller decrefs), NULL on
   out of memory. text is the evaluated text. */
json_t *pol_findings_json(const pol_result_t *res, const char *text);

/* Storage behind a PolicyEvaluated message built from a result. */
typedef struct {
    Huddle__V1__Finding *items;
    Huddle__V1__Finding **ptrs;
    char **matched;
    char **roles;
    size_t n, nroles;
} pol_pb_t;

/* Fills msg (initialized by the caller) from res; msg borrows from pb and
   res until pol_pb_free(pb). Aborts on out-of-memory. */
void pol_pb_fill(pol_pb_t *pb, Huddle__V1__PolicyEvaluated *msg, const pol_result_t *res,
                 const char *text, int64_t version);
void pol_pb_free(pol_pb_t *pb);

/* Prints text with each finding's span marked "[[...]]<n>" (ANSI underline
   when color), then the verdict and one line per finding. */
void pol_print_marked(FILE *out, const char *text, size_t len, const pol_result_t *res, int color);

#endif
