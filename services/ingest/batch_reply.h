/*  batch_reply: what a group commit (batch_sql.c) does for a reply to a
    mention (an item whose submission carries reply_to_mention_id: POST
    /v1/inbox/{id}/replies). The collision rule (docs/inbox.md: a mention
    with a pending reply, or owned by someone else, is answered only by
    superseding explicitly) is decided here, in the batch's transaction,
    after taking a transaction-level advisory lock per mention: two replies
    to one mention, from two writers or two ingests, are judged one after
    the other, the second seeing the first's committed row; two in one
    batch are judged in order, the second seeing the first. A batch
    without a reply costs nothing more. */
#ifndef ING_BATCH_REPLY_H
#define ING_BATCH_REPLY_H

#include "batch.h"

/* The advisory lock class of a mention's replies: pg_advisory_xact_lock
   (ING_REPLY_LOCK_CLASS, hashtext(mention id)) (the two-key space, apart
   from every one-key lock). */
#define ING_REPLY_LOCK_CLASS "16016"

/* In the open transaction: for every item with in.reply_to_mention_id and
   no outcome yet, locks its mention, reads the mention (its id on the
   channel), its item's owner and its newest pending reply (the read
   side's read_inbox, read_inbox_reply), and refuses it (res 409 with code
   reply_pending, assigned_elsewhere or reply_approved, res.by and
   res.since; 404 for an unknown mention) or fills rp[i] (n entries,
   zeroed by the caller): the mention's external id and the reply it
   supersedes. A retry of a recorded request (its id exists) goes on, to be
   answered by the insert. 0, or -1 on a database error. */
int ing_reply_check(hd_db_t *db, ing_item_t **it, size_t n, ing_content_reply_t *rp);

#endif
