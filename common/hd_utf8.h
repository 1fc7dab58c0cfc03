/*  hd_utf8: the one rule for "is this text?". Bytes from the network reach
    PostgreSQL text columns, JSON strings and log lines only when they are
    well-formed UTF-8 without NUL (what all three accept); anything else is
    refused or quoted with its bytes escaped. Pure. */
#ifndef HD_UTF8_H
#define HD_UTF8_H

#include <stddef.h>

/* Length of the well-formed UTF-8 character at p (n bytes left: n >= 1),
   or 0: no overlong forms, no surrogates, nothing past U+10FFFF. */
size_t hd_utf8_seq(const unsigned char *p, size_t n);

/* 1 when p[0..n) is well-formed UTF-8 with no NUL byte, else 0. */
int hd_utf8_valid(const char *p, size_t n);

/* Copies s (NUL-terminated; NULL is "") into out (len bytes, always
   NUL-terminated when len > 0, cut at a character boundary) as text that is
   always UTF-8: each byte not part of a well-formed character, and each
   control character, is written as the four characters \xNN (upper-case
   hex). For reasons, logs and errors that quote what a sender wrote. */
void hd_utf8_escape(const char *s, char *out, size_t len);

#endif
