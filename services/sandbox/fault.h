/*  fault: the sandbox's injected failures, so tests can prove the publisher
    survives a channel that errs, throttles, hangs and hangs up. A fraction
    `rate` of posts get a fault, chosen uniformly among the four kinds. The
    generator is seeded, so a failing run can be replayed. */
#ifndef SB_FAULT_H
#define SB_FAULT_H

#include <stdint.h>

typedef enum {
    SB_FAULT_NONE = 0,
    SB_FAULT_500,  /* answer 500 */
    SB_FAULT_429,  /* answer 429 with Retry-After: 1 */
    SB_FAULT_HANG, /* wait the fault timeout, then handle the post normally */
    SB_FAULT_DROP, /* close the connection without answering */
} sb_fault_t;

typedef struct {
    double rate;
    uint64_t state;
} sb_faults_t;

/* rate in [0,1]; seed 0 picks one from the clock and pid. */
void sb_faults_init(sb_faults_t *self, double rate, uint64_t seed);

/* The fault for the next post (SB_FAULT_NONE most of the time). */
sb_fault_t sb_faults_pick(sb_faults_t *self);

/* "none", "500", "429", "hang", "drop". */
const char *sb_fault_name(sb_fault_t fault);

/* Parses a rate "0".."1" (e.g. "0.25"). 0 / -1 if not a number in range. */
int sb_fault_parse_rate(const char *text, double *rate);

#endif
