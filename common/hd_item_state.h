/*  hd_item_state: the states of a content item (DESIGN.md, "What it
    governs"), one enum and one name table. workflow owns the transitions;
    every other service that reads or shows a state (the read side, the
    CLI) names it through this table, never with a literal.

      evaluating         submitted, waiting for policy's verdict
      awaiting_approval  policy passed or asked for review; people decide
      approved           every required role approved (or the chain's auto)
      rejected           a person rejected it (final)
      blocked            policy blocked it (final)
      published          the publisher delivered it (final)
      failed             delivery failed permanently (final)
      held               approved, but a crisis holds its scope: the publisher
                         will not deliver it until the crisis resumes (shown by
                         the read side from the publisher's job; workflow's
                         own row stays approved)
      expired            held, and its crisis's resume rule expired it (final)
      recalled           published, then deleted by a crisis's recall (final) */
#ifndef HD_ITEM_STATE_H
#define HD_ITEM_STATE_H

typedef enum {
    HD_ITEM_EVALUATING = 0,
    HD_ITEM_AWAITING_APPROVAL,
    HD_ITEM_APPROVED,
    HD_ITEM_REJECTED,
    HD_ITEM_BLOCKED,
    HD_ITEM_PUBLISHED,
    HD_ITEM_FAILED,
    HD_ITEM_HELD,
    HD_ITEM_EXPIRED,
    HD_ITEM_RECALLED,
    HD_ITEM_STATE_COUNT
} hd_item_state_t;

/* The state's name as stored and shown ("awaiting_approval"); "unknown"
   for a value out of range. Static. */
const char *hd_item_state_name(hd_item_state_t s);

/* The state named `name`; -1 when no state has that name (or name is
   NULL). */
int hd_item_state_parse(const char *name);

/* 1 for a state no event moves the item out of (rejected, blocked,
   failed, expired, recalled; published too, except by a recall). */
int hd_item_state_final(hd_item_state_t s);

#endif
