/*  write: a workflow batch's own table writes at its end, one array
    statement per kind: the changed items that existed (UPDATE), the new
    items (INSERT), the approvals cleared (DELETE: items sent back to
    approval), the approvals, the inbox entries (with the crisis that
    rerouted each, if any). Items go before the approvals that reference
    them, and clearing before recording. */
#ifndef WF_WRITE_H
#define WF_WRITE_H

#include "hd_approval.h"
#include "hd_db.h"
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

/* An inbox entry to record. The pointers are borrowed until
   wf_write_batch (from the batch's event). */
typedef struct {
    const char *mention_id, *channel, *author_handle, *text, *url;
    char department[HD_DEPT_LEN];
    char rule_id[2 * HD_ROLE_LEN];
    char crisis_id[HD_ID_LEN]; /* the crisis that rerouted it, or "" */
} wf_inbox_row_t;

typedef struct {
    wf_approval_row_t *approvals;
    size_t napprovals, capapprovals;
    wf_inbox_row_t *inbox;
    size_t ninbox, capinbox;
    char (*cleared)[HD_ID_LEN]; /* items whose approvals are deleted */
    size_t ncleared, capcleared;
} wf_writes_t;

/* Adds a row (copied by value; its strings stay borrowed). Aborts on
   out-of-memory. */
void wf_writes_approval(wf_writes_t *w, const wf_approval_row_t *row);
void wf_writes_inbox(wf_writes_t *w, const wf_inbox_row_t *row);

/* Every approval of content_id is to be deleted: those stored, and those
   added to w so far (an approval added afterwards is kept). Aborts on
   out-of-memory. */
void wf_writes_clear_approvals(wf_writes_t *w, const char *content_id);

/* Forgets the rows (the memory is kept). */
void wf_writes_clear(wf_writes_t *w);

/* Frees the memory; w may be reused afterwards. */
void wf_writes_free(wf_writes_t *w);

/* Writes the changed items of `items` and the rows of w inside the open
   transaction. 0, or -1 on a database error (the caller rolls back). */
int wf_write_batch(hd_db_t *db, const wf_items_t *items, const wf_writes_t *w);

#endif
