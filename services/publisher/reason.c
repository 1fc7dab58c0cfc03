/*  reason: a channel's answer as safe text (see reason.h). */
#include "reason.h"

#include <string.h>

/* Length of the well-formed UTF-8 character at s (left bytes available), or
   0: no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t left) {
    size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (s[0] > 0xf4 || n == 0 || n > left)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
        (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
        return 0;
    return n;
}

void pub_reason_append(char *dst, size_t size, const char *src, size_t len, size_t max) {
    size_t used = strlen(dst), added = 0;
    const unsigned char *s = (const unsigned char *)src;
    for (size_t i = 0; i < len && used + 1 < size && added < max;) {
        size_t n = s[i] < 0x80 ? 1 : utf8_len(s + i, len - i);
        if (n == 0 || (n == 1 && (s[i] < 0x20 || s[i] == 0x7f))) {
            dst[used++] = '?';
            added++;
            i += n ? n : 1;
            continue;
        }
        if (used + n >= size || added + n > max)
            break;
        memcpy(dst + used, s + i, n);
        used += n;
        added += n;
        i += n;
    }
    dst[used] = 0;
}
