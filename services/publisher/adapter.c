/*  adapter: the table of channel kinds the publisher can deliver to. */
#include "adapter.h"

#include "adapter_mastodon.h"

#include <string.h>

static const pub_adapter_t *const s_adapters[] = {&pub_adapter_mastodon};

const pub_adapter_t *pub_adapter_find(const char *kind) {
    for (size_t i = 0; kind && i < sizeof s_adapters / sizeof s_adapters[0]; i++)
        if (strcmp(s_adapters[i]->kind, kind) == 0)
            return s_adapters[i];
    return NULL;
}
