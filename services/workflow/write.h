/*  write: a workflow batch's own table writes at its end, one array
    statement per kind: the changed items that existed (UPDATE), the new
    items (INSERT), the approvals cleared (DELETE: items sent back to
    approval), the approvals, the new inbox items (INSERT, every column
    inbox work sets) and the changed ones that existed (UPDATE, with their
    version). Items go before the approvals that reference them, and
    clearing before recording. */
#ifndef WF_WRITE_H
#define WF_WRITE_H

#include "hd_approval.h"
#include "hd_db.h"
#include "inbox.h"
#include "item.h"

#include <stddef.h>
#include <stdint.h>

/* An approval to record. actor_id borrowed until wf_write_batch (from
   the batch's event or item). */
typedef struct {
    char content_id[HD_ID_LEN];
    char role[HD_ROLE_LEN];
    const char *actor_id;
    int64_t at_ms;
} wf_approval_row_t;

typedef struct {
    wf_approval_row_t *approvals;
    size_t napprovals, capapprovals;
    char (*cleared)[HD_ID_LEN]; /* items whose approvals are deleted */
    size_t ncleared, capcleared;
} wf_writes_t;

/* Adds a row (copied by value; its strings stay borrowed). Aborts on
   out-of-memory. */
void wf_writes_approval(wf_writes_t *w, const wf_approval_row_t *row);

/* Every approval of content_id is to be deleted: those stored, and those
   added to w so far (an approval added afterwards is kept). Aborts on
   out-of-memory. */
void wf_writes_clear_approvals(wf_writes_t *w, const char *content_id);

/* Forgets the rows (the memory is kept). */
void wf_writes_clear(wf_writes_t *w);

/* Frees the memory; w may be reused afterwards. */
void wf_writes_free(wf_writes_t *w);

/* Writes the changed items of `items` and of `inbox` and the rows of w
   inside the open transaction. 0, or -1 on a database error (the caller
   rolls back). */
int wf_write_batch(hd_db_t *db, const wf_items_t *items, const wf_inbox_t *inbox,
                   const wf_writes_t *w);

#endif
