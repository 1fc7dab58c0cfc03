/*  rfc3339: RFC 3339 date-times to and from milliseconds since the Unix
    epoch, in pure functions (no time zone database, no locale, no libc
    time parsing), so that a client's time never reaches SQL as text: the
    API reads it here and hands the database a number. (token_rule.h's
    ing_rfc3339_parse reads the same syntax to whole seconds.) */
#ifndef ING_RFC3339_H
#define ING_RFC3339_H

#include <stddef.h>

/* Parses `s` (the whole string) as an RFC 3339 date-time:
   YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), 'T' and 'Z' in either
   case, a four-digit year from 0001, a day that exists in its month, a
   second up to 60 (a leap second counts as the next minute's first), a
   fraction of 1 to 9 digits (kept to the millisecond, cut, not rounded).
   0 with *ms set (UTC); -1 for anything else ("now", "infinity", a date
   alone, a space for 'T', a year of five digits). */
int ing_rfc3339_ms(const char *s, long long *ms);

/* Writes ms as YYYY-MM-DDTHH:MM:SS.mmmZ (UTC) into out (at least 32
   bytes), for years 0001..9999; "" otherwise. */
void ing_rfc3339_format(long long ms, char *out, size_t len);

/* The wall clock now, in ms since the epoch (the range a scheduled time
   must fall in is measured from it). */
long long ing_rfc3339_now_ms(void);

#endif
