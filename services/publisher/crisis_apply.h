/*  crisis_apply: what the publisher does when a crisis changes
    (hd_crisis.h, docs/crisis-hold.md), in the consumer's transaction.

    crisis.declared (not a drill; the crisis's row says):
      - hold: when its playbook holds and it is still in force, every
        pending job in its scope (hold.h: not its own holding statement)
        becomes held by it, in one statement, each with a crisis_item row
        (held) and a content.held; then one crisis.held: count and the
        first 1000 content ids of every job it holds now (those the
        runner's claim held before this declaration was applied too),
        detail_json {"hold_ms": declared_at -> now};
      - recall: when recall_minutes > 0, a recall job (recall.h) and a
        crisis_item row (recalled) for each delivered job in its scope
        published at or after declared_at - recall_minutes, then one
        crisis.recalled: count and ids.
    crisis.resumed: every job the crisis holds is decided by
      pub_hold_release (hold.h): taken over by another crisis in force
      (still held, crisis_item outcome moved, a content.held for the
      other), or released by the playbook's exit rule: publish (pending at
      the later of now and its slot), reapprove (returned) or expire
      (expired), each with its crisis_item outcome and a content.released
      (outcome, reason, author_email, channel); then one crisis.released,
      detail_json {"publish":N,"reapprove":N,"expire":N,"moved":N}.
    Other crisis.* events (the publisher's own summaries among them) are
    nothing to do. Event ids derive from the crisis event and a label
    naming the item ("content.held:<content id>"), so a replay emits the
    same ids. The crisis's columns are read from table crisis; a
    crisis.declared or crisis.resumed naming no crisis row is dead. */
#ifndef PUB_CRISIS_APPLY_H
#define PUB_CRISIS_APPLY_H

#include "hd_batch.h"
#include "hd_db.h"

/* hd_consumer_batch_fn for the crisis.* events of a batch (others are
   ignored), in order. arg: the pub_jobs_t (unused). */
int pub_crisis_apply_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n,
                           hd_batch_out_t *out, void *arg);

#endif
