/*  timeline: what Mastodon keeps in tables of its own and the sandbox
    derives from its posts: threads (a status's replies, the account a reply
    answers), the statuses that mention each account (its notifications),
    the statuses under each hashtag, and each account's own statuses.

    It follows the store: every call first indexes the posts the store has
    made durable since the last (a post the store could still drop is never
    indexed, so no position here ever names a post that is gone). Lists hold
    store positions, oldest first (ids grow with positions); deleted posts
    stay in them, and readers skip them (sb_store_visible). A mention is of
    an account configured now (sb_accounts_find), read from the text as
    text.h does; a post never mentions its own author here (Mastodon does
    not notify anyone of themselves). Server thread only, like the store. */
#ifndef SB_TIMELINE_H
#define SB_TIMELINE_H

#include "accounts.h"
#include "store.h"

#include <stddef.h>
#include <stdint.h>

typedef struct sb_timeline sb_timeline_t;

/* Store positions, oldest first. Borrowed: valid until the next call on
   the timeline. */
typedef struct {
    const uint32_t *pos;
    size_t n;
} sb_poslist_t;

/* A timeline over store and accounts (both borrowed, must outlive it).
   The caller owns it. */
sb_timeline_t *sb_timeline_new(const sb_store_t *store, const sb_accounts_t *accounts);

/* Frees. Safe on NULL; nulls the caller's pointer. */
void sb_timeline_destroy(sb_timeline_t **self_p);

/* The posts that mention acct (each once); none for an unknown account. */
sb_poslist_t sb_timeline_mentions(sb_timeline_t *self, const char *acct);

/* The posts acct wrote. */
sb_poslist_t sb_timeline_authored(sb_timeline_t *self, const char *acct);

/* Those of them not deleted. */
size_t sb_timeline_live_count(sb_timeline_t *self, const char *acct);

/* Whether acct is an account: configured now, or the author of a post. */
int sb_timeline_known(sb_timeline_t *self, const char *acct);

/* The posts under a hashtag (its name as sb_text_tag_normalize gives
   it). *used: whether a post ever carried it (Mastodon knows the tag). */
sb_poslist_t sb_timeline_tagged(sb_timeline_t *self, const char *tag, int *used);

/* The replies to the post at pos, and the post it replies to (SIZE_MAX:
   none, or one the store does not hold). */
sb_poslist_t sb_timeline_replies(sb_timeline_t *self, size_t pos);
size_t sb_timeline_parent(sb_timeline_t *self, size_t pos);

/* The account the post at pos replies to, by Mastodon's rule: the replied
   status's author, unless that author replies to themselves in a thread,
   where it carries over the account their status replied to. NULL when the
   post replies to nothing the store holds. Borrowed. */
const char *sb_timeline_reply_account(sb_timeline_t *self, size_t pos);

/* Whether the post at pos mentions acct. */
int sb_timeline_mentions_acct(sb_timeline_t *self, size_t pos, const char *acct);

/* text.h's account resolver (arg: the timeline): the configured handle a
   mention names. */
const char *sb_timeline_account(void *arg, const char *name, size_t n);

#endif
