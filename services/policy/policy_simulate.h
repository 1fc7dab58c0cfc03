/*  policy_simulate: what-if. Evaluates the stored content of a period
    (table content) under a candidate policy and under the active version,
    without activating anything, and reports how many verdicts would change
    (pass -> review, ...), by rule, with examples. */
#ifndef POL_SIMULATE_H
#define POL_SIMULATE_H

#include "hd_db.h"

#include <stddef.h>
#include <stdio.h>

/* Parses "30d", "12h", "90m", "45s" or plain seconds; -1 if malformed. */
long pol_parse_period(const char *s);

/* Runs the simulation over content created in the last since_s seconds,
   printing the report on out with up to `examples` examples per rule.
   Returns the number of changed verdicts, or -1 (errors in err: the
   candidate's, one per line, or the database's). */
long pol_simulate(hd_db_t *db, const char *src, size_t len, long since_s, int examples, FILE *out,
                  char *err, size_t err_len);

#endif
