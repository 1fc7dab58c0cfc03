/*  policy_count: channel length rules (see the header). */
#include "policy_count.h"

#include "policy_detect.h"

#include <ctype.h>
#include <string.h>

int pol_count_known(const char *c) {
    return c && (!strcmp(c, "mastodon") || !strcmp(c, "x") || !strcmp(c, "plain") ||
                 !strcmp(c, "bytes"));
}

/* twitter-text v3 weights: these ranges weigh 1, everything else 2. */
static int x_weight(long cp) {
    return (cp >= 0 && cp <= 0x10FF) || (cp >= 0x2000 && cp <= 0x200D) ||
                   (cp >= 0x2010 && cp <= 0x201F) || (cp >= 0x2032 && cp <= 0x2037)
               ? 1
               : 2;
}

static int is_user_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* Mastodon: at a mention "@user@domain", the bytes of "@domain" to skip. */
static size_t remote_domain_len(const char *t, size_t len, size_t i) {
    if (t[i] != '@' || pol_detect_word_before(t, i) || (i > 0 && t[i - 1] == '@'))
        return 0;
    size_t j = i + 1;
    while (j < len && is_user_char(t[j]))
        j++;
    if (j == i + 1 || j >= len || t[j] != '@')
        return 0;
    size_t k = j + 1, dots = 0;
    while (k < len && (isalnum((unsigned char)t[k]) || t[k] == '-' || t[k] == '.')) {
        dots += t[k] == '.';
        k++;
    }
    while (k > j + 1 && t[k - 1] == '.') {
        k--;
        dots--;
    }
    return dots ? k - j : 0;
}

long pol_count_length(const char *counting, const char *text, size_t len, const pol_pspan_t *urls,
                      size_t nurls, long max, uint32_t *over_at) {
    int mode = !counting                       ? 0
               : !strcmp(counting, "mastodon") ? 1
               : !strcmp(counting, "x")        ? 2
               : !strcmp(counting, "bytes")    ? 3
                                               : 0;
    long n = 0;
    size_t u = 0;
    *over_at = (uint32_t)len;
    int over = 0;
    for (size_t i = 0; i < len;) {
        size_t step, w;
        while (u < nurls && urls[u].end <= i)
            u++;
        if (mode != 0 && mode != 3 && u < nurls && urls[u].start == i &&
            (mode == 2 || urls[u].scheme)) {
            step = urls[u].end - i;
            w = 23;
        } else if (mode == 3) {
            step = 1;
            w = 1;
        } else {
            long cp = pol_utf8_decode((const unsigned char *)text + i, len - i, &step);
            w = mode == 2 ? (size_t)x_weight(cp) : 1;
            if (mode == 1) {
                size_t skip = remote_domain_len(text, len, i);
                if (skip) { /* "@user" counts, "@domain" does not */
                    size_t j = i + 1;
                    while (is_user_char(text[j]))
                        j++;
                    w = j - i;
                    step = j - i + skip;
                }
            }
        }
        n += (long)w;
        if (!over && max > 0 && n > max) {
            *over_at = (uint32_t)i;
            over = 1;
        }
        i += step;
    }
    return n;
}

long pol_count_tokens(char sigil, const char *text, size_t len, const pol_pspan_t *urls,
                      size_t nurls, long limit, uint32_t *ov_start, uint32_t *ov_end) {
    long n = 0;
    size_t u = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] != sigil)
            continue;
        while (u < nurls && urls[u].end <= i)
            u++;
        if (u < nurls && urls[u].start <= i)
            continue; /* inside a link */
        if (pol_detect_word_before(text, i) ||
            (i > 0 && (text[i - 1] == '@' || text[i - 1] == '#')))
            continue; /* an email address, or "a#b" */
        size_t j = i + 1;
        while (j < len && pol_detect_word_at(text, len, j)) {
            size_t l;
            pol_utf8_decode((const unsigned char *)text + j, len - j, &l);
            j += l;
        }
        if (j == i + 1)
            continue;
        if (sigil == '@') { /* a remote mention: @user@domain.tld */
            size_t k = j;
            if (k < len && text[k] == '@')
                for (k++; k < len &&
                          (isalnum((unsigned char)text[k]) || text[k] == '-' || text[k] == '.');)
                    k++;
            while (k > j && text[k - 1] == '.')
                k--;
            j = k > j + 1 ? k : j;
        }
        n++;
        if (limit >= 0 && n == limit + 1) {
            *ov_start = (uint32_t)i;
            *ov_end = (uint32_t)j;
        }
        i = j - 1;
    }
    return n;
}
