/*  policy_count: how long a post is in the eyes of a channel, and how many
    hashtags and mentions it carries. Counting rules:
      mastodon  code points; every http(s) link counts 23; a remote mention
                @user@domain counts as @user
      x         weighted code points (most scripts 1, CJK and emoji 2);
                every link, bare domains included, counts 23
      plain     code points
      bytes     bytes */
#ifndef POL_COUNT_H
#define POL_COUNT_H

#include <stddef.h>
#include <stdint.h>

/* A link found in the text: byte span, and whether it has a scheme. */
typedef struct {
    uint32_t start, end;
    int scheme;
} pol_pspan_t;

/* 1 if counting names known rules. */
int pol_count_known(const char *counting);

/* The length of text under counting (NULL = plain). When the length goes
   past max (> 0), *over_at receives the byte offset where the excess
   begins; else len. urls must be sorted and disjoint. */
long pol_count_length(const char *counting, const char *text, size_t len, const pol_pspan_t *urls,
                      size_t nurls, long max, uint32_t *over_at);

/* Hashtags (sigil '#') or mentions ('@') outside links. When there are
   more than limit (>= 0), the span of the first one past the limit goes
   into *ov_start and *ov_end. */
long pol_count_tokens(char sigil, const char *text, size_t len, const pol_pspan_t *urls,
                      size_t nurls, long limit, uint32_t *ov_start, uint32_t *ov_end);

#endif
