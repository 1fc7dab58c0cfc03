/*  routing: which department must act on an inbound mention.

    Rules are data (table routing_rule): the first rule, by ascending
    priority (then id), whose channel matches (NULL: any channel) and one of
    whose keywords occurs in the text decides. A keyword matches
    case-insensitively (ASCII) as a whole word: it is not preceded or
    followed by a letter, digit, '_' or a non-ASCII byte; a keyword that
    starts or ends with punctuation ("#acme", "c++") needs no boundary on
    that side. The keyword "*" matches every text: an organization uses it
    for a catch-all rule.

    Unrouted mentions are never lost: with no matching rule a mention goes
    to the organization-wide inbox (WF_UNROUTED: inbox_item.department_id and
    rule_id 'unrouted', mention.routed with department "" so that the hub's
    orchestrators see it). */
#ifndef WF_ROUTING_H
#define WF_ROUTING_H

#include <stddef.h>

#define WF_UNROUTED "unrouted"

typedef struct {
    const char *id;
    const char *channel; /* NULL or "": any channel */
    const char *department;
    const char *const *keywords;
    size_t nkeywords;
} wf_rule_t;

/* 1 if `keyword` occurs in `text` as a whole word (rules above), else 0. */
int wf_routing_word_match(const char *text, const char *keyword);

/* The index of the first rule of `rules` (already in priority order) that
   takes a mention on `channel` with `text`; -1 when none does. When
   departments[0..ndepartments) is given (the departments an integration
   token is limited to), only rules routing to one of them may take it:
   others are passed over, and a mention none of them takes is unrouted. */
int wf_routing_match(const wf_rule_t *rules, size_t n, const char *channel, const char *text,
                     char *const *departments, size_t ndepartments);

#endif
