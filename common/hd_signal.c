/*  hd_signal: SIGTERM/SIGINT to a flag. */
#include "hd_signal.h"

#include <string.h>
#include <time.h>

volatile sig_atomic_t hd_stop = 0;

static void on_signal(int sig) {
    (void)sig;
    hd_stop = 1;
}

void hd_signal_init(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int hd_sleep_ms(int ms) {
    while (ms > 0 && !hd_stop) {
        int step = ms < 50 ? ms : 50;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
    return hd_stop ? 1 : 0;
}
