/*  hd_item_state: the content item's state names. */
#include "hd_item_state.h"

#include <string.h>

static const char *const s_names[HD_ITEM_STATE_COUNT] = {
    [HD_ITEM_EVALUATING] = "evaluating", [HD_ITEM_AWAITING_APPROVAL] = "awaiting_approval",
    [HD_ITEM_APPROVED] = "approved",     [HD_ITEM_REJECTED] = "rejected",
    [HD_ITEM_BLOCKED] = "blocked",       [HD_ITEM_PUBLISHED] = "published",
    [HD_ITEM_FAILED] = "failed",         [HD_ITEM_HELD] = "held",
    [HD_ITEM_EXPIRED] = "expired",       [HD_ITEM_RECALLED] = "recalled"};

const char *hd_item_state_name(hd_item_state_t s) {
    return (unsigned)s < HD_ITEM_STATE_COUNT ? s_names[s] : "unknown";
}

int hd_item_state_parse(const char *name) {
    if (!name)
        return -1;
    for (int i = 0; i < HD_ITEM_STATE_COUNT; i++)
        if (strcmp(s_names[i], name) == 0)
            return i;
    return -1;
}

int hd_item_state_final(hd_item_state_t s) {
    return s == HD_ITEM_REJECTED || s == HD_ITEM_BLOCKED || s == HD_ITEM_PUBLISHED ||
           s == HD_ITEM_FAILED || s == HD_ITEM_EXPIRED || s == HD_ITEM_RECALLED;
}
