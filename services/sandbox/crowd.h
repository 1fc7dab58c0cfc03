/*  crowd: the public, simulated, so that `make up` has a live feed to
    listen to. Every SANDBOX_CROWD_EVERY_MS one of the SANDBOX_CROWD
    accounts (in turn) posts a customer-like status mentioning one of
    SANDBOX_CROWD_TARGETS (in turn), now and then with a hashtag
    (SANDBOX_CROWD_TAG). It posts through the sandbox's own API on loopback,
    as any client would, so its statuses are stored, mentioned and listed
    like everyone's. Its own thread; it stops when hd_stop is set or it is
    stopped. */
#ifndef SB_CROWD_H
#define SB_CROWD_H

#include "accounts.h"

#include <stddef.h>

typedef struct sb_crowd sb_crowd_t;

/* The text of the crowd's n-th status: one of a few complaints, questions
   and thanks, mentioning @target, with an order number that changes with
   n; every third one ends with " #tag" when tag is given (not NULL or "").
   Pure. A new string, the caller's to free. */
char *sb_crowd_text(unsigned long n, const char *target, const char *tag);

/* Reads SANDBOX_CROWD_TARGETS: handles separated by ',' (a leading '@'
   allowed), each one of accounts. The list (NULL-terminated, handles
   borrowed from accounts) is the caller's to free; NULL with the reason in
   err when one is not an account or there is none. */
const char **sb_crowd_targets(const char *spec, const sb_accounts_t *accounts, char *err,
                              size_t err_len);

/* Starts the crowd: `crowd`'s accounts post to statuses_url (the
   sandbox's POST /api/v1/statuses on loopback) every every_ms (> 0),
   mentioning targets (NULL-terminated) in turn. crowd and targets are
   borrowed and must outlive the crowd; the strings are copied. NULL when
   there is nobody to post or mention, or the thread cannot start
   (logged). The caller stops it. */
sb_crowd_t *sb_crowd_start(const char *statuses_url, const sb_accounts_t *crowd,
                           const char **targets, const char *tag, long every_ms);

/* Stops the crowd and joins its thread (a post under way is finished
   first, so the server must still run). Safe on NULL; nulls the caller's
   pointer. */
void sb_crowd_stop(sb_crowd_t **self_p);

#endif
