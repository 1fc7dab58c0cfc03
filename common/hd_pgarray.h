/*  hd_pgarray: PostgreSQL array literals ("{...}") built from C values, so
    one parameterized statement can carry a whole batch of rows
    (`INSERT ... SELECT * FROM unnest($1::uuid[], $2::text[], ...)`). Every
    element is quoted and escaped, so no value is ever read as SQL or as
    array syntax; NULL elements are SQL NULL. */
#ifndef HD_PGARRAY_H
#define HD_PGARRAY_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *data;
    size_t len, cap;
    size_t n; /* elements so far */
} hd_pgarray_t;

/* Appends a text element; s NULL appends SQL NULL. s is copied. */
void hd_pgarray_add(hd_pgarray_t *a, const char *s);

/* Appends a bytea element (hex form); p is copied. */
void hd_pgarray_add_bytea(hd_pgarray_t *a, const uint8_t *p, size_t len);

/* The literal so far, closed ("{}" when empty). Borrowed: valid until the
   next add or _free. */
const char *hd_pgarray_str(hd_pgarray_t *a);

/* Frees the buffer; the array may be reused afterwards. */
void hd_pgarray_free(hd_pgarray_t *a);

#endif
