/*  adapter: the table of channel kinds the publisher can deliver to, and
    the per-thread connection the adapters share. */
#include "adapter.h"

#include "adapter_mastodon.h"
#include "hd_mem.h"

#include <stdlib.h>
#include <string.h>

struct pub_conn {
    CURL *easy;
};

pub_conn_t *pub_conn_new(void) {
    pub_conn_t *self = hd_calloc(1, sizeof *self);
    self->easy = curl_easy_init();
    if (!self->easy) {
        free(self);
        return NULL;
    }
    return self;
}

void pub_conn_destroy(pub_conn_t **self_p) {
    if (!self_p || !*self_p)
        return;
    curl_easy_cleanup((*self_p)->easy);
    free(*self_p);
    *self_p = NULL;
}

CURL *pub_conn_easy(pub_conn_t *self) {
    /* A reset forgets the last call's options (its body, its headers) but
       keeps the connection cache: that is the point of reusing the handle. */
    curl_easy_reset(self->easy);
    return self->easy;
}

static const pub_adapter_t *const s_adapters[] = {&pub_adapter_mastodon};

const pub_adapter_t *pub_adapter_find(const char *kind) {
    for (size_t i = 0; kind && i < sizeof s_adapters / sizeof s_adapters[0]; i++)
        if (strcmp(s_adapters[i]->kind, kind) == 0)
            return s_adapters[i];
    return NULL;
}
