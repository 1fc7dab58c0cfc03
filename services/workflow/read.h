/*  read: what a workflow batch needs from the database, read at its start
    inside the batch's transaction: every item its events are about (and
    the replies they supersede), with its required roles and approvals, in
    one statement; and, only when some event needs them, the approval
    chains and review roles and the certifications of reply authors
    (verdicts), the deciding people and which decisions and inbox requests
    were already applied (decisions, requests), the routing rules and,
    when facts->watch is set, the spike-watched playbooks and the crises in
    force (mentions, watch.h), the inbox settings and calendars (mentions,
    requests, verdicts, publications: calendar.h), and the inbox items, the
    authors' recent items and the people who work them (mentions, requests,
    publications: inbox.h), one statement each. All of them are sent
    together and answered in one round trip (hd_db_send). */
#ifndef WF_READ_H
#define WF_READ_H

#include "calendar.h"
#include "facts.h"
#include "hd_db.h"
#include "hd_envelope.h"
#include "inbox.h"
#include "item.h"

#include <stddef.h>

/* Fills items, inbox (each cleared first; stored set on each item) and
   facts (cleared first; fallback_role and watch kept; calendars pointing
   to cals when read, else NULL) for the n events (borrowed). 0, or -1 on
   a database error or a malformed row (logged; the batch is retried). */
int wf_read_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n, wf_items_t *items,
                  wf_inbox_t *inbox, wf_facts_t *facts, wf_calendars_t *cals);

#endif
