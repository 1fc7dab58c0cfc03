/*  hd_mem: allocation that cannot fail. Out of memory is fatal everywhere in
    huddle (a service that cannot allocate cannot keep its promises, and a
    supervisor restarts it), so these abort instead of returning NULL, and
    the many growing arrays of a batch share one growth rule. */
#ifndef HD_MEM_H
#define HD_MEM_H

#include <stddef.h>

/* calloc of n (at least 1) elements of size bytes; the caller frees it. */
void *hd_calloc(size_t n, size_t size);

/* malloc of size (at least 1) bytes, uninitialized; the caller frees it. */
void *hd_malloc(size_t size);

/* A copy of s ("" for NULL); the caller frees it. */
char *hd_strdup(const char *s);

/* A copy of at most n bytes of s, terminated; the caller frees it. */
char *hd_strndup(const char *s, size_t n);

/* Makes room for `need` elements of `size` bytes in the array p of *cap
   elements (p may be NULL with *cap 0): doubles from 64 until it fits and
   updates *cap. Returns the array, which may have moved (p is then
   invalid); the caller owns it as it owned p. */
void *hd_grow(void *p, size_t *cap, size_t need, size_t size);

#endif
