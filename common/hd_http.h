/*  hd_http: huddle's HTTP, as one include: the server (hd_http_server.h:
    listening, connections, parsing, workers), the request a handler
    answers (hd_http_req.h) and the small blocking client
    (hd_http_client.h). */
#ifndef HD_HTTP_H
#define HD_HTTP_H

#include "hd_http_client.h"
#include "hd_http_req.h"
#include "hd_http_server.h"

#endif
