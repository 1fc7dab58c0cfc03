/*  assign: the choice of an inbox item's assignee (assign.h). */
#include "assign.h"

#include <string.h>
#include <strings.h>

int wf_assign_eligible(const wf_person_t *p, const wf_assign_want_t *w) {
    if (!p->a.active || p->away || !hd_inbox_holds(&p->a, w->role))
        return 0;
    if (*w->department && strcmp(p->a.department, w->department) != 0)
        return 0;
    return w->cap <= 0 || p->assigned < w->cap;
}

/* 1 if a should be chosen before b. */
static int before(const wf_person_t *a, const wf_person_t *b) {
    if (a->assigned != b->assigned)
        return a->assigned < b->assigned;
    if (a->last_assigned_ms != b->last_assigned_ms)
        return a->last_assigned_ms < b->last_assigned_ms;
    return strcasecmp(a->email, b->email) < 0;
}

int wf_assign_pick(const wf_person_t *people, size_t n, const wf_assign_want_t *w) {
    int best = -1;
    for (size_t i = 0; i < n; i++)
        if (wf_assign_eligible(&people[i], w) && (best < 0 || before(&people[i], &people[best])))
            best = (int)i;
    return best;
}

wf_person_t *wf_assign_find(wf_person_t *people, size_t n, const char *id) {
    for (size_t i = 0; id && *id && i < n; i++)
        if (strcasecmp(people[i].a.id, id) == 0)
            return &people[i];
    return NULL;
}

void wf_assign_moved(wf_person_t *people, size_t n, const char *from_id, hd_inbox_state_t from,
                     const char *to_id, hd_inbox_state_t to, int64_t at_ms) {
    wf_person_t *was = wf_assign_find(people, n, from_id);
    wf_person_t *now = wf_assign_find(people, n, to_id);
    if (was && hd_inbox_state_counts(from) && was->assigned > 0)
        was->assigned--;
    if (now && hd_inbox_state_counts(to))
        now->assigned++;
    if (now && now != was)
        now->last_assigned_ms = at_ms;
}
