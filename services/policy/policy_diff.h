/*  policy_diff: what changed between two policy sources, rule by rule
    (added, removed, changed, and for lists which entries), so a reviewer
    reads the meaning of a change rather than a text diff. */
#ifndef POL_DIFF_H
#define POL_DIFF_H

#include <stddef.h>
#include <stdio.h>

/* Prints the differences from a to b on out. Returns how many there are,
   or -1 when a source does not parse (errors in err, prefixed by which). */
int pol_diff(const char *a, size_t alen, const char *b, size_t blen, FILE *out, char *err,
             size_t err_len);

#endif
