/*  paging: Mastodon's paging of lists, as its Rails controllers do it.
    A request's query read as Rails reads it (repeated names, "name[]"
    arrays); max_id / since_id / min_id / limit read as Api::BaseController
    and Paginable read them; the page chosen as to_a_paginated_by_id
    chooses it (newest first; min_id pages forward from a cursor without
    gaps, since_id only bounds); and the Link header with the next and prev
    pages as set_pagination_headers writes it. Pure. */
#ifndef SB_PAGING_H
#define SB_PAGING_H

#include <stddef.h>

typedef struct {
    char *name, *value; /* percent-decoded, '+' a space */
} sb_param_t;

typedef struct {
    sb_param_t *v;
    size_t n;
} sb_query_t;

/* Reads a query string ("a=1&types%5B%5D=x&..."; "" for none) into q, in
   order. 0, or -1 when a name or value decodes to a NUL byte or to text
   that is not UTF-8 (q is then empty). The caller frees q with
   sb_query_free. */
int sb_query_parse(const char *query, sb_query_t *q);

void sb_query_free(sb_query_t *q);

/* The value of a scalar parameter: the last one given, as Rails keeps it;
   NULL when absent. Borrowed from q. */
const char *sb_query_get(const sb_query_t *q, const char *name);

/* Whether an array parameter ("types[]") holds value. */
int sb_query_has(const sb_query_t *q, const char *name, const char *value);

/* Whether an array parameter was given at all. */
int sb_query_given(const sb_query_t *q, const char *name);

/* Ruby's String#to_i: leading blanks, a sign, digits; 0 when there are
   none ("", "x"). Magnitudes stop growing past 10^9. */
long sb_query_to_i(const char *s);

typedef struct {
    long long max_id, since_id, min_id; /* -1: absent */
    long limit;
} sb_page_t;

/* Reads a page request. An id given empty is absent (Rails' present?);
   one given must be digits (the sandbox's ids are numbers; "0" is a
   cursor before every status), else -1 with *bad naming it. limit is Api::BaseController#limit_param: absent, def;
   else the absolute value of its leading integer (Ruby's to_i: "" and
   "x" are 0) capped at 2 * def. */
int sb_page_parse(const sb_query_t *q, long def, sb_page_t *p, const char **bad);

/* The i-th candidate's id (candidates are given oldest first, ids
   growing), and whether it may be listed (not deleted, not filtered). */
typedef long long(sb_page_id_fn)(void *arg, size_t i);
typedef int(sb_page_keep_fn)(void *arg, size_t i);

/* Chooses the page from n candidates as to_a_paginated_by_id: with
   min_id, the `limit` kept candidates right above min_id (and below
   max_id); else the `limit` newest kept below max_id and above since_id.
   Writes their indices newest first into out (room for p->limit) and
   returns their number. */
size_t sb_page_select(const sb_page_t *p, size_t n, sb_page_id_fn *id, sb_page_keep_fn *keep,
                      void *arg, size_t *out);

/* The Link header of a page whose oldest and newest ids are given:
     <URL?Q&max_id=OLDEST>; rel="next", <URL?Q&min_id=NEWEST>; rel="prev"
   where Q is the request's own values of the names in `echo` (NULL-
   terminated; what the controller permits: "limit", "types[]", ...) and
   the query is written as Rails' to_query writes it: each pair
   CGI-escaped, an array's pairs kept together, the pairs sorted. A new
   string, the caller's to free. */
char *sb_page_link(const char *url, const sb_query_t *q, const char *const *echo,
                   const char *oldest, const char *newest);

#endif
