/*  feed_http: the one request a feed's poll makes (libcurl, blocking: the
    feed runner's own thread): a GET with the account's bearer token when
    it has one and, for RSS, the validators of the last answer (ETag,
    Last-Modified: a conditional GET, answered 304 when nothing changed).
    The answer's body is kept up to ING_FEED_MAX_BODY bytes (a larger one
    is no answer), with its validators. Redirects are followed (three at
    most, http and https only; curl sends no Authorization to another
    host). A stop (hd_stop) abandons the transfer at once. */
#ifndef ING_FEED_HTTP_H
#define ING_FEED_HTTP_H

#include <stddef.h>

#define ING_FEED_MAX_BODY (4 * 1024 * 1024)

typedef struct {
    int status; /* the HTTP status; -1 when no answer came */
    char *body; /* NUL-terminated (the caller frees: ing_feed_answer_clear) */
    size_t len;
    char etag[256];          /* the answer's validators ("" when none, or too long) */
    char last_modified[128]; /* */
    char error[256];         /* no answer: why */
} ing_feed_answer_t;

/* GETs url (timeout_ms for the whole transfer; connecting within 3 s of
   it) into *out. token (NULL: none) goes as "Authorization: Bearer";
   etag / last_modified (NULL or "": none) as If-None-Match /
   If-Modified-Since; accept is the Accept header. Returns out->status. */
int ing_feed_http_get(const char *url, const char *token, const char *etag,
                      const char *last_modified, const char *accept, int timeout_ms,
                      ing_feed_answer_t *out);

/* Frees the body; safe twice. */
void ing_feed_answer_clear(ing_feed_answer_t *a);

#endif
