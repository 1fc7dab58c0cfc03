/*  strbuf: a growable NUL-terminated string, for the answers the sandbox
    builds piece by piece (a status's HTML, a Link header). Out of memory
    aborts, as everywhere in huddle (hd_mem). */
#ifndef SB_STRBUF_H
#define SB_STRBUF_H

#include <stddef.h>

typedef struct {
    char *s;    /* NUL-terminated once anything was added; NULL before */
    size_t len; /* bytes before the NUL */
    size_t cap;
} sb_strbuf_t;

/* Appends n bytes of p. */
void sb_strbuf_add(sb_strbuf_t *b, const char *p, size_t n);

/* Appends the NUL-terminated s. */
void sb_strbuf_puts(sb_strbuf_t *b, const char *s);

/* Appends n bytes of p HTML-escaped as Rails' ERB::Util#h does:
   & < > " ' become &amp; &lt; &gt; &quot; &#39;. */
void sb_strbuf_add_html(sb_strbuf_t *b, const char *p, size_t n);

/* Appends n bytes of p percent-encoded as Ruby's CGI.escape does (what
   Rails' to_query uses): A-Z a-z 0-9 _ . - ~ kept, space as '+', every
   other byte as %XX (upper-case hex). */
void sb_strbuf_add_query(sb_strbuf_t *b, const char *p, size_t n);

/* Appends n bytes of p as a path segment, as Rails' route helpers write
   one: letters, digits and - . _ ~ ! $ & ' ( ) * + , ; = : @ kept, every
   other byte as %XX. */
void sb_strbuf_add_segment(sb_strbuf_t *b, const char *p, size_t n);

/* The string, handed to the caller (who frees it; "" when nothing was
   added); the buffer is empty again. */
char *sb_strbuf_take(sb_strbuf_t *b);

/* Frees the buffer's string; the buffer is empty again. */
void sb_strbuf_free(sb_strbuf_t *b);

#endif
