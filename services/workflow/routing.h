/*  routing: which department must act on an inbound mention.

    Rules are data (table routing_rule): the first rule, by ascending
    priority (then id), whose channel matches (NULL: any channel) and one of
    whose keywords occurs in the text decides. A keyword matches
    case-insensitively (ASCII) as a whole word: it is not preceded or
    followed by a letter, digit, '_' or a non-ASCII byte; a keyword that
    starts or ends with punctuation ("#acme", "c++") needs no boundary on
    that side. The keyword "*" matches every text: an organization uses it
    for a catch-all rule.

    Mentions no rule takes are never lost: they go to the triage queue,
    worked by the information gatherers (work.h: inbox_item.department_id
    '', triage true, rule_id ''; mention.routed with department "" and
    triage set, so that the hub's orchestrators see it). */
#ifndef WF_ROUTING_H
#define WF_ROUTING_H

#include <stddef.h>

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
   others are passed over, and a mention none of them takes goes to triage. */
int wf_routing_match(const wf_rule_t *rules, size_t n, const char *channel, const char *text,
                     char *const *departments, size_t ndepartments);

#endif
