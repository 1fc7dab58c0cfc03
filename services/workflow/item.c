/*  item: the batch's items. A batch holds at most a few hundred items, so
    a linear search is cheaper than keeping an index. */
#include "item.h"

#include "hd_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

wf_item_t *wf_items_find(wf_items_t *self, const char *content_id) {
    for (size_t i = 0; i < self->n; i++)
        if (strcasecmp(self->items[i].a.content_id, content_id) == 0)
            return &self->items[i];
    return NULL;
}

wf_item_t *wf_items_add(wf_items_t *self, const char *content_id) {
    self->items = hd_grow(self->items, &self->cap, self->n + 1, sizeof *self->items);
    wf_item_t *it = &self->items[self->n++];
    memset(it, 0, sizeof *it);
    snprintf(it->a.content_id, sizeof it->a.content_id, "%s", content_id);
    return it;
}

void wf_item_set_text(wf_item_t *item, const char *text) {
    free(item->text);
    item->text = hd_strdup(text);
}

void wf_items_clear(wf_items_t *self) {
    for (size_t i = 0; i < self->n; i++)
        free(self->items[i].text);
    self->n = 0;
}

void wf_items_free(wf_items_t *self) {
    wf_items_clear(self);
    free(self->items);
    memset(self, 0, sizeof *self);
}
