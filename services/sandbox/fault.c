/*  fault: seeded choice of injected failures (see fault.h). */
#include "fault.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* splitmix64: tiny, seedable, good enough to spread faults. */
static uint64_t next(sb_faults_t *self) {
    uint64_t z = (self->state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void sb_faults_init(sb_faults_t *self, double rate, uint64_t seed) {
    self->rate = rate < 0 ? 0 : rate > 1 ? 1 : rate;
    if (seed == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
    }
    self->state = seed;
}

sb_fault_t sb_faults_pick(sb_faults_t *self) {
    if (self->rate <= 0)
        return SB_FAULT_NONE;
    double u = (double)(next(self) >> 11) / (double)(1ULL << 53);
    if (u >= self->rate)
        return SB_FAULT_NONE;
    return (sb_fault_t)(SB_FAULT_500 + (int)(next(self) % 4));
}

const char *sb_fault_name(sb_fault_t fault) {
    switch (fault) {
    case SB_FAULT_500:
        return "500";
    case SB_FAULT_429:
        return "429";
    case SB_FAULT_HANG:
        return "hang";
    case SB_FAULT_DROP:
        return "drop";
    default:
        return "none";
    }
}

int sb_fault_parse_rate(const char *text, double *rate) {
    if (!text || !*text)
        return -1;
    char *end;
    errno = 0;
    double r = strtod(text, &end);
    if (errno || *end || !(r >= 0 && r <= 1))
        return -1;
    *rate = r;
    return 0;
}
