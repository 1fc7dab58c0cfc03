/*  crisis_report: a crisis's response times (GET /v1/crises/{id}/report,
    docs/crisis.md "The report"), in pure functions. Every time is ms since
    the epoch, 0 when it did not happen; every span is ms, -1 when it does
    not apply (null in the answer), never negative (clocks of two services
    that disagree by a little give 0, not a negative span). */
#ifndef ING_CRISIS_REPORT_H
#define ING_CRISIS_REPORT_H

/* What happened, when. */
typedef struct {
    long long detected;        /* spike detection saw it (detected_at) */
    long long proposed;        /* proposed (proposed_at) */
    long long declared;        /* declared, confirmed or a drill started (declared_at) */
    long long held;            /* the publisher applied the hold (crisis.held) */
    long long first_ack;       /* the first acknowledgement (crisis_ack) */
    long long first_statement; /* the first holding statement submitted (crisis.statement) */
    long long resumed;         /* resumed (resumed_at) */
} ing_report_times_t;

typedef enum {
    ING_RESPONSE_NONE = 0,
    ING_RESPONSE_ACK,       /* the first response was an acknowledgement */
    ING_RESPONSE_STATEMENT, /* ... the holding statement */
} ing_response_t;

/* "acknowledged", "statement"; NULL for none. */
const char *ing_response_name(ing_response_t r);

typedef struct {
    long long to_detect;         /* detected -> the first of proposed, declared */
    long long to_declare;        /* detected (else proposed) -> declared */
    long long to_hold;           /* declared -> held */
    long long to_first_response; /* declared -> the first of first_ack, first_statement */
    long long to_resume;         /* declared -> resumed */
    long long first_response;    /* when (0: none) */
    ing_response_t response;     /* which */
} ing_report_t;

/* to - from, at least 0; -1 when either is 0. */
long long ing_report_span(long long from, long long to);

/* The report of t. A response before the declaration (the acknowledgement
   of a proposal) counts from the declaration: span 0. */
void ing_report_compute(const ing_report_times_t *t, ing_report_t *out);

#endif
