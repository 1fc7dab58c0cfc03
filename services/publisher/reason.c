/*  reason: a channel's answer as safe text (see reason.h). */
#include "reason.h"

#include "hd_utf8.h"

#include <string.h>

void pub_reason_append(char *dst, size_t size, const char *src, size_t len, size_t max) {
    size_t used = strlen(dst), added = 0;
    const unsigned char *s = (const unsigned char *)src;
    for (size_t i = 0; i < len && used + 1 < size && added < max;) {
        size_t n = s[i] < 0x80 ? 1 : hd_utf8_seq(s + i, len - i);
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
