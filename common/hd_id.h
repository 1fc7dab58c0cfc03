/*  hd_id: event and item ids. Outputs derive their ids from their cause
    (UUIDv5 of the cause id and a label), so a replay produces the same ids
    and the unique index on event id refuses a second copy. */
#ifndef HD_ID_H
#define HD_ID_H

#include <stddef.h>
#include <stdint.h>

#define HD_ID_LEN 37 /* 36 characters + NUL */

/* A random (v4) id into out. */
void hd_id_random(char out[HD_ID_LEN]);

/* A deterministic (v5) id from `parent` (any string, typically a cause id)
   and `label`: the same inputs always give the same id. */
void hd_id_derive(char out[HD_ID_LEN], const char *parent, const char *label);

/* 1 if s is a canonical UUID (8-4-4-4-12 hex), else 0. */
int hd_id_valid(const char *s);

/* Wall-clock Unix time in milliseconds. */
int64_t hd_now_ms(void);

/* The wall-clock time now as RFC 3339 in UTC with milliseconds
   ("2026-12-06T21:37:10.123Z") into buf (len bytes, at least 25). */
void hd_now_rfc3339(char *buf, size_t len);

#endif
