/*  content: accepting a piece of content into the governed path. The item
    and its content.submitted event commit in one transaction; only then is
    the sender answered. An idempotency key makes a retry return the original
    answer instead of a second item. Shared by the HTTP API and the ZeroMQ
    door. */
#ifndef ING_CONTENT_H
#define ING_CONTENT_H

#include "auth.h"
#include "hd_db.h"

typedef struct {
    const char *channel;
    const char *text;
    const char *kind;            /* NULL: post */
    const char *idempotency_key; /* NULL: none (every call is a new item) */
    const char *scheduled_at;    /* RFC 3339 or NULL */
} ing_submission_t;

/* The outcome of a request: an HTTP-like status, the id on success, and on
   refusal the reason and the offending field. */
typedef struct {
    int status; /* 201 created, 200 original answer, 4xx refused, 503 retry */
    char id[HD_ID_LEN];
    char error[512];
    char field[64];
} ing_result_t;

/* Sets a refusal on res. */
void ing_result_refuse(ing_result_t *res, int status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Validates and records a submission by `author`. All strings borrowed. */
void ing_content_submit(hd_db_t *db, const ing_person_t *author, const ing_submission_t *in,
                        ing_result_t *res);

#endif
