/*  hd_utf8: well-formed UTF-8 (RFC 3629) checked byte by byte. */
#include "hd_utf8.h"

#include <string.h>

size_t hd_utf8_seq(const unsigned char *p, size_t n) {
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t len;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80; /* no overlong forms */
        hi = c == 0xED ? 0x9F : 0xBF; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF; /* nothing past U+10FFFF */
    } else
        return 0;
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

int hd_utf8_valid(const char *p, size_t n) {
    const unsigned char *u = (const unsigned char *)p;
    for (size_t i = 0, k; i < n; i += k)
        if (!u[i] || !(k = hd_utf8_seq(u + i, n - i)))
            return 0;
    return 1;
}

void hd_utf8_escape(const char *s, char *out, size_t len) {
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t o = 0, n = strlen((const char *)p);
    if (len == 0)
        return;
    for (size_t i = 0; i < n;) {
        size_t k = p[i] >= 0x20 && p[i] != 0x7f ? hd_utf8_seq(p + i, n - i) : 0;
        if (k && o + k < len) {
            memcpy(out + o, p + i, k);
            o += k;
            i += k;
        } else if (!k && o + 4 < len) {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[p[i] >> 4];
            out[o++] = hex[p[i] & 15];
            i++;
        } else
            break;
    }
    out[o] = 0;
}
