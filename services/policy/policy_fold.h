/*  policy_fold: the folded copy of a text that the scan runs on.
    Case is kept (the scan is case-insensitive by flag); Latin letters lose
    their accents ("é" -> "e", "ß" -> "ss", "Æ" -> "AE"); combining marks,
    zero-width characters and soft hyphens disappear (a classic way around a
    word filter); typographic quotes, dashes and spaces become their ASCII
    forms; bytes that are not UTF-8 become '?' so the scanner only ever sees
    valid UTF-8. A byte offset map takes every folded span back to the
    original text. Pure ASCII text is used as is: no copy, no map. */
#ifndef POL_FOLD_H
#define POL_FOLD_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *text; /* the folded text: the original when identity */
    size_t len;
    size_t orig_len;
    int identity;
    char *buf; /* owned storage, reused across runs */
    size_t cap;
    uint32_t *from; /* folded byte i comes from original [from[i], to[i]) */
    uint32_t *to;
    size_t map_cap;
} pol_fold_t;

/* Folds text into f (replacing what it held). Always 0: out of memory
   aborts (hd_mem). text must outlive f's use (identity borrows it). */
int pol_fold_run(pol_fold_t *f, const char *text, size_t len);

/* Maps a folded span [fs, fe) back to the original text. */
void pol_fold_span(const pol_fold_t *f, size_t fs, size_t fe, uint32_t *os, uint32_t *oe);

/* Frees f's storage (f itself is the caller's). */
void pol_fold_free(pol_fold_t *f);

/* The folded form of a NUL-terminated string, malloc'd (caller frees);
   never NULL (out of memory aborts). */
char *pol_fold_string(const char *s);

#endif
