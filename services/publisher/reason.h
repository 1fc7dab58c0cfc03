/*  reason: what a channel said, made fit for a failure reason. A channel's
    error body is foreign bytes; the reason is stored in a text column and
    shown to the author, so it must be valid UTF-8 without control
    characters, and a truncation must never split a character (PostgreSQL
    refuses the whole statement otherwise, and the job's outcome with it). */
#ifndef PUB_REASON_H
#define PUB_REASON_H

#include <stddef.h>

/* Appends at most max bytes taken from src (len bytes, any content) to the
   string in dst (size bytes, always terminated): whole UTF-8 characters
   only; bytes that are not well-formed UTF-8, and control characters,
   become '?'. */
void pub_reason_append(char *dst, size_t size, const char *src, size_t len, size_t max);

#endif
