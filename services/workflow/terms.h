/*  terms: which of several sets of terms a mention's text holds, in one
    Vectorscan scan.

    Workflow asks this of every inbound mention twice over: does it match a
    spike-watched playbook's terms (the mention counts towards that
    playbook's spike, watch.h), and does it match the reroute terms of a
    crisis in force (it goes to the crisis team, watch.h). Both sets live in
    one database, compiled from every set's terms: set i (the caller's
    index: a playbook or a crisis) matches when its text holds any of set
    i's terms.

    A term matches exactly as a routing keyword does (routing.h,
    wf_routing_word_match): ASCII case-insensitively, as a whole word: not
    preceded or followed by a letter, digit, '_' or non-ASCII byte; a term
    that starts or ends with punctuation ("#acme", "c++") needs no
    boundary on that side; "*" matches every text; "" matches none.
    Vectorscan has no look-around, so the boundary is a consumed
    character class or the edge of the text; a set only asks whether a
    match exists, so where it starts does not matter
    (tests/unit/test_workflow_terms.c checks the two agree case by case).

    The database is compiled once per distinct collection of sets: the cache
    (wf_terms_cache_t) is keyed by a hash of every set's terms in order and
    rebuilds only when it changes. Scanning needs scratch space, which
    Vectorscan forbids sharing between threads: each thread keeps its own,
    grown on first use with each database. */
#ifndef WF_TERMS_H
#define WF_TERMS_H

#include <stddef.h>
#include <stdint.h>

/* One set: its terms (borrowed for wf_terms_new / wf_terms_hash). */
typedef struct {
    const char *const *terms;
    size_t nterms;
} wf_terms_set_t;

typedef struct wf_terms wf_terms_t;

/* Compiles sets[0..n) into a matcher (the strings are copied into the
   database). NULL when Vectorscan refuses (why says so). The caller owns
   the matcher. */
wf_terms_t *wf_terms_new(const wf_terms_set_t *sets, size_t n, char *why, size_t whylen);

/* Frees it; safe on NULL, nulls the caller's pointer. */
void wf_terms_destroy(wf_terms_t **self_p);

/* How many sets it was built from. */
size_t wf_terms_nsets(const wf_terms_t *self);

/* Sets hits[i] to 1 for each set i whose terms text (NUL-terminated; NULL
   is "") holds, else 0; hits has room for wf_terms_nsets. Uses the calling
   thread's scratch. 0, or -1 when Vectorscan fails (out of memory). */
int wf_terms_match(const wf_terms_t *self, const char *text, unsigned char *hits);

/* A fingerprint of sets[0..n): their terms, in order, each set delimited
   (FNV-1a, 64 bits). */
uint64_t wf_terms_hash(const wf_terms_set_t *sets, size_t n);

/* The matcher of the collection of sets last asked for. Zero it to start. */
typedef struct {
    wf_terms_t *terms; /* owned */
    uint64_t hash;
} wf_terms_cache_t;

/* The matcher of sets[0..n): the cached one when their hash is the cached
   one's, else newly compiled (the old one freed). Borrowed: valid until
   the next call or wf_terms_cache_free. NULL when compiling failed (why
   says so; the cache is then empty). */
const wf_terms_t *wf_terms_cache_get(wf_terms_cache_t *c, const wf_terms_set_t *sets, size_t n,
                                     char *why, size_t whylen);

/* Frees the cached matcher; c may be used again afterwards. */
void wf_terms_cache_free(wf_terms_cache_t *c);

/* Frees the calling thread's scratch (at the thread's end; a later match
   on the thread allocates it again). */
void wf_terms_thread_done(void);

#endif
