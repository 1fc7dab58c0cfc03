/*  inbox: the inbox items (routed mentions, table inbox_item) and the people
    who work them, as one workflow batch sees them (docs/inbox-work.md).

    The batch reads, in its first round trip (read.c), the items its events
    name (the mentions received, the items requested, the items a published
    reply answers), the author's recent items for each mention received
    (the conversation it may continue), and the people who may work items
    with their load. Each event's decision (work.h) changes them in memory;
    the batch's end inserts the new items and updates the changed ones
    (write.h). So the events of a batch see each other's effects in order,
    and the counts auto-assignment goes by stay true within the batch. */
#ifndef WF_INBOX_H
#define WF_INBOX_H

#include "assign.h"
#include "hd_db.h"
#include "hd_inbox.h"
#include "hd_pgarray.h"

#include <stddef.h>
#include <stdint.h>

#define WF_RULE_LEN (2 * HD_ROLE_LEN)
#define WF_CONVERSATION_MS (7LL * 24 * 3600 * 1000) /* how far back an author's item reopens */

/* One inbox item. */
typedef struct {
    char mention_id[HD_ID_LEN];
    char department[HD_DEPT_LEN]; /* "" in triage */
    int triage;
    char rule_id[WF_RULE_LEN]; /* the routing rule, crisis:<playbook>, or "" (triage) */
    hd_inbox_state_t state;
    char assignee_id[HD_ID_LEN]; /* "" nobody */
    int escalated;
    char channel[HD_DEPT_LEN];
    char *author_handle, *feed, *external_id; /* owned */
    const char *text, *url; /* a new item's: borrowed from its event until written */
    char crisis_id[HD_ID_LEN];
    char conversation_of[HD_ID_LEN];
    int64_t received_ms, routed_ms, state_ms, assigned_ms; /* 0: not set */
    int64_t sla_due_ms, sla_warn_ms;                       /* 0: no deadline */
    int64_t first_response_at_ms, first_response_ms;       /* 0 at: no reply yet */
    char reply_content_id[HD_ID_LEN];
    char replied_by[WF_EMAIL_LEN];
    int64_t version;
    int stored;  /* the row existed when the batch began */
    int changed; /* the batch's end writes it */
} wf_inbox_item_t;

typedef struct {
    wf_inbox_item_t *items;
    size_t n, cap;
    wf_person_t *people;
    size_t npeople, cappeople;
} wf_inbox_t;

/* The item of mention_id (compared without regard to case), or NULL.
   Borrowed: valid until the next wf_inbox_add or wf_inbox_clear. */
wf_inbox_item_t *wf_inbox_find(wf_inbox_t *self, const char *mention_id);

/* A new, zeroed item (version 1), added to the set. Borrowed as above.
   Aborts on out-of-memory. */
wf_inbox_item_t *wf_inbox_add(wf_inbox_t *self, const char *mention_id);

/* Sets one of an item's owned strings to a copy of s (NULL: ""). */
void wf_inbox_set(char **field, const char *s);

/* The author's newest item in a queue: on channel, by author_handle, in
   department (triage: ""), routed at or after since_ms, other than
   `except` (a mention id); NULL when none. Borrowed as above. */
wf_inbox_item_t *wf_inbox_newest(wf_inbox_t *self, const char *channel, const char *author_handle,
                                 const char *department, int64_t since_ms, const char *except);

/* The person with id, or NULL. */
wf_person_t *wf_inbox_person(wf_inbox_t *self, const char *id);

/* The reads (hd_db_send_arrays: pipelined with the batch's others). Items:
   those of the mention ids and those the replies of content ids answer.
   Conversations: for each (channel, author handle), the newest item of
   each queue among the author's 16 newest on the channel routed in the
   last 7 days. People: everyone holding responder, coach or
   information-gatherer, and the people of ids. The arrays are freed.
   0, or -1 (the connection is gone). */
int wf_inbox_send_items(hd_db_t *db, hd_pgarray_t *mention_ids, hd_pgarray_t *content_ids);
int wf_inbox_send_conversations(hd_db_t *db, hd_pgarray_t *channels, hd_pgarray_t *handles);
int wf_inbox_send_people(hd_db_t *db, hd_pgarray_t *ids);

/* Adds the rows of a items or conversations read (an item already in the
   set is kept as it is), or of a people read. r borrowed. 0, or -1 on a
   malformed row (logged). */
int wf_inbox_parse_items(wf_inbox_t *self, PGresult *r);
int wf_inbox_parse_people(wf_inbox_t *self, PGresult *r);

/* Forgets every item and person (the memory is kept for the next batch). */
void wf_inbox_clear(wf_inbox_t *self);

/* Frees everything; the set may be reused afterwards. */
void wf_inbox_free(wf_inbox_t *self);

#endif
