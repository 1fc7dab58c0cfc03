/*  hd_http_internal: hooks for other common/ modules built on hd_http
    (hd_health). Not for services: they use hd_http.h only. */
#ifndef HD_HTTP_INTERNAL_H
#define HD_HTTP_INTERNAL_H

#include "hd_http.h"

/* Called with `arg` by hd_http_server_destroy after the server thread has
   stopped, so a module that built the handler's argument can free it. */
typedef void(hd_http__cleanup_fn)(void *arg);
void hd_http__server_set_cleanup(hd_http_server_t *self, hd_http__cleanup_fn *fn, void *arg);

#endif
