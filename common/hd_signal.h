/*  hd_signal: orderly shutdown. SIGTERM and SIGINT set hd_stop; every loop
    checks it and returns within its poll interval (well under 2 s). SIGPIPE
    is ignored: a peer that hangs up is an error code, not a death. */
#ifndef HD_SIGNAL_H
#define HD_SIGNAL_H

#include <signal.h>

extern volatile sig_atomic_t hd_stop;

/* Installs the handlers. Call once from main before starting threads. */
void hd_signal_init(void);

/* Sleeps up to ms, returning early (1) if hd_stop was set. */
int hd_sleep_ms(int ms);

#endif
