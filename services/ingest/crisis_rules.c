/*  crisis_rules: the crisis routes' decisions (see the header). */
#include "crisis_rules.h"

#include <stdio.h>
#include <string.h>

#define BIT(s) (1u << (s))

static const struct {
    const char *name;
    unsigned from; /* the states (bits) that allow it */
    const char *phrase;
} s_actions[ING_CRISIS_ACTION_COUNT] = {
    [ING_CRISIS_CONFIRM] = {"confirm", BIT(HD_CRISIS_PROPOSED), "proposed"},
    [ING_CRISIS_DISMISS] = {"dismiss", BIT(HD_CRISIS_PROPOSED), "proposed"},
    [ING_CRISIS_RESUME] = {"resume", BIT(HD_CRISIS_DECLARED) | BIT(HD_CRISIS_DRILL),
                           "declared or drill"},
    [ING_CRISIS_ACK] = {"ack",
                        BIT(HD_CRISIS_PROPOSED) | BIT(HD_CRISIS_DECLARED) | BIT(HD_CRISIS_DRILL),
                        "proposed, declared or drill"},
    [ING_CRISIS_STATEMENT] = {"statement", BIT(HD_CRISIS_DECLARED), "declared"},
};

const char *ing_crisis_action_name(ing_crisis_action_t a) {
    return (unsigned)a < ING_CRISIS_ACTION_COUNT ? s_actions[a].name : "unknown";
}

int ing_crisis_action_allowed(ing_crisis_action_t a, hd_crisis_state_t s) {
    return (unsigned)a < ING_CRISIS_ACTION_COUNT && (unsigned)s < HD_CRISIS_STATE_COUNT &&
           (s_actions[a].from & BIT(s)) != 0;
}

const char *ing_crisis_action_states(ing_crisis_action_t a) {
    return (unsigned)a < ING_CRISIS_ACTION_COUNT ? s_actions[a].phrase : "";
}

int ing_crisis_may(const ing_person_t *who, const char *const *roles, size_t n) {
    const char *held[1];
    return ing_crisis_roles_held(who, roles, n, held, 1) > 0;
}

size_t ing_crisis_roles_held(const ing_person_t *who, const char *const *roles, size_t n,
                             const char **out, size_t max) {
    size_t k = 0;
    for (int i = 0; i < who->nroles && k < max; i++) {
        int listed = strcmp(who->roles[i], "orchestrator") == 0;
        for (size_t j = 0; j < n && !listed; j++)
            listed = roles[j] && strcmp(roles[j], who->roles[i]) == 0;
        if (listed)
            out[k++] = who->roles[i];
    }
    return k;
}

const char *ing_crisis_join(const char *const *list, size_t n, char *buf, size_t len) {
    size_t used = 0;
    if (len)
        buf[0] = 0;
    for (size_t i = 0; i < n && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", list[i]);
        used += w > 0 ? (size_t)w : 0;
    }
    return buf;
}

static int in_list(const char *v, const char *const *list, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (list[i] && strcmp(list[i], v) == 0)
            return 1;
    return 0;
}

const char *ing_crisis_outside(const char *const *asked, size_t nasked, const char *const *allowed,
                               size_t nallowed) {
    for (size_t i = 0; nallowed && i < nasked; i++)
        if (!in_list(asked[i], allowed, nallowed))
            return asked[i];
    return NULL;
}

const char *ing_crisis_statement_channel(const char *asked, const char *const *channels,
                                         size_t nchannels, const char *const *accounts,
                                         size_t naccounts) {
    if (asked)
        return asked;
    for (size_t i = 0; i < nchannels; i++)
        if (in_list(channels[i], accounts, naccounts))
            return channels[i];
    return nchannels == 0 && naccounts == 1 ? accounts[0] : NULL;
}
