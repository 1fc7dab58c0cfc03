/*  hang: the "hang" fault without stopping the world. A hung request waits
    on a thread of its own and is then handled as usual on the server
    thread, so only that request is late, as with a real channel's slow
    answer. (Sleeping on the server thread, as the fault first did, stalled
    every connection at once: with a publisher posting on 16 connections,
    one hang timed out 16 posts, and jobs ran out of attempts.) */
#ifndef SB_HANG_H
#define SB_HANG_H

#include "hd_http.h"

/* Called on the server thread once the hang is over (at once when the
   process is stopping). The callee owns `later` and gives it back with
   hd_http_later_done. */
typedef void(sb_hang_resume_fn)(hd_http_later_t *later, void *arg);

/* Handler only: defers req and resumes it after ms. 0, or -1 when it
   cannot (the caller then handles the request at once). */
int sb_hang_start(hd_http_req_t *req, long ms, sb_hang_resume_fn *resume, void *arg);

/* Waits for every hang still running (each ends within 10 ms once hd_stop
   is set, posting its resume). Call before destroying the server. */
void sb_hang_join_all(void);

#endif
