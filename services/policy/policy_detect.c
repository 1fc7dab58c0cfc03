/*  policy_detect: validators for PII candidates and link helpers (see the
    header). Everything here runs after the Vectorscan scan, on short spans. */
#include "policy_detect.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

long pol_utf8_decode(const unsigned char *s, size_t n, size_t *len) {
    *len = 1;
    if (n == 0)
        return -1;
    unsigned c = s[0];
    if (c < 0x80)
        return (long)c;
    size_t need;
    unsigned long cp;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        cp = c & 0x07;
    } else {
        return -1;
    }
    if (n < need)
        return -1;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    /* Overlongs, surrogates and values past U+10FFFF are not UTF-8. */
    if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *len = need;
    return (long)cp;
}

static int cp_is_word(long cp) {
    if (cp < 0)
        return 0;
    if (cp < 0x80)
        return isalnum((int)cp) || cp == '_';
    if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7)
        return cp == 0xAA || cp == 0xB5 || cp == 0xBA;
    if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
        (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xFF00 && cp <= 0xFF0F) ||
        (cp >= 0xE000 && cp <= 0xF8FF) || cp >= 0x1F000)
        return 0;
    return 1;
}

int pol_detect_word_at(const char *s, size_t n, size_t i) {
    if (i >= n)
        return 0;
    size_t l;
    return cp_is_word(pol_utf8_decode((const unsigned char *)s + i, n - i, &l));
}

int pol_detect_word_before(const char *s, size_t i) {
    if (i == 0)
        return 0;
    size_t j = i - 1, back = 0;
    while (j > 0 && back < 3 && ((unsigned char)s[j] & 0xC0) == 0x80) {
        j--;
        back++;
    }
    size_t l;
    long cp = pol_utf8_decode((const unsigned char *)s + j, i - j, &l);
    if (cp < 0 || j + l != i)
        return 0;
    return cp_is_word(cp);
}

/* Digits of a span with ' ' and '-' separators, into out; count or -1. */
static int digits_of(const char *s, size_t n, char *out, size_t cap) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (isdigit((unsigned char)s[i])) {
            if (k == cap)
                return -1;
            out[k++] = s[i];
        } else if (s[i] != ' ' && s[i] != '-') {
            return -1;
        }
    }
    return (int)k;
}

int pol_detect_card(const char *s, size_t n) {
    char d[32];
    int k = digits_of(s, n, d, sizeof d);
    if (k < 13 || k > 19 || d[0] < '2' || d[0] > '6')
        return 0;
    int sum = 0;
    for (int i = k - 1, alt = 0; i >= 0; i--, alt ^= 1) {
        int v = d[i] - '0';
        if (alt) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
    }
    return sum % 10 == 0;
}

/* IBAN lengths of the countries most often met; others: 15..34. */
static const struct {
    char cc[3];
    int len;
} s_iban_len[] = {
    {"AT", 20}, {"BE", 16}, {"CH", 21}, {"CZ", 24}, {"DE", 22}, {"DK", 18}, {"ES", 24}, {"FI", 18},
    {"FR", 27}, {"GB", 22}, {"GR", 27}, {"HU", 28}, {"IE", 22}, {"IT", 27}, {"LU", 20}, {"NL", 18},
    {"NO", 15}, {"PL", 28}, {"PT", 25}, {"RO", 24}, {"SE", 24}, {"SK", 24}, {"SI", 19}, {"TR", 26},
};

int pol_detect_iban(const char *s, size_t n) {
    char c[40];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ')
            continue;
        if (!isalnum((unsigned char)s[i]) || k == sizeof c)
            return 0;
        c[k++] = (char)toupper((unsigned char)s[i]);
    }
    if (k < 15 || k > 34 || !isalpha((unsigned char)c[0]) || !isalpha((unsigned char)c[1]) ||
        !isdigit((unsigned char)c[2]) || !isdigit((unsigned char)c[3]))
        return 0;
    for (size_t i = 0; i < sizeof s_iban_len / sizeof s_iban_len[0]; i++)
        if (c[0] == s_iban_len[i].cc[0] && c[1] == s_iban_len[i].cc[1] &&
            (int)k != s_iban_len[i].len)
            return 0;
    unsigned r = 0;
    for (size_t i = 0; i < k; i++) {
        char ch = c[(i + 4) % k];
        if (isdigit((unsigned char)ch))
            r = (r * 10 + (unsigned)(ch - '0')) % 97;
        else
            r = (r * 100 + (unsigned)(ch - 'A' + 10)) % 97;
    }
    return r == 1;
}

int pol_detect_ssn(const char *s, size_t n) {
    if (n != 11 || (s[3] != '-' && s[3] != ' ') || s[6] != s[3])
        return 0;
    for (size_t i = 0; i < n; i++)
        if (i != 3 && i != 6 && !isdigit((unsigned char)s[i]))
            return 0;
    int area = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    int group = (s[4] - '0') * 10 + (s[5] - '0');
    int serial = (s[7] - '0') * 1000 + (s[8] - '0') * 100 + (s[9] - '0') * 10 + (s[10] - '0');
    return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
}

int pol_detect_phone(const char *s, size_t n) {
    int digits = 0, seps = 0, open = 0, plus = n > 0 && s[0] == '+';
    char prev = 0;
    for (size_t i = plus; i < n; i++) {
        char ch = s[i];
        if (isdigit((unsigned char)ch)) {
            digits++;
        } else if (ch == '(') {
            if (open)
                return 0;
            open = 1;
            seps++;
        } else if (ch == ')') {
            if (!open)
                return 0;
            open = 0;
            seps++;
        } else if (ch == ' ' || ch == '-' || ch == '.') {
            /* One separator between groups; ") " is the only pair allowed. */
            if (prev == ' ' || prev == '-' || prev == '.')
                return 0;
            seps++;
        } else {
            return 0;
        }
        prev = ch;
    }
    if (open)
        return 0;
    if (plus)
        return digits >= 8 && digits <= 15;
    if (seps == 0)
        return digits == 10 || digits == 11;
    return digits >= 10 && digits <= 15;
}

/* ---- hosts ---- */

static long lower_cp(long cp) {
    if (cp >= 'A' && cp <= 'Z')
        return cp + 32;
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
        return cp + 32;
    if (((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177)) && cp % 2 == 0)
        return cp + 1;
    if (((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) && cp % 2 == 1)
        return cp + 1;
    if (cp >= 0x410 && cp <= 0x42F) /* Cyrillic capitals */
        return cp + 32;
    return cp;
}

static char puny_digit(unsigned d) { return (char)(d < 26 ? 'a' + d : '0' + d - 26); }

static unsigned puny_adapt(unsigned delta, unsigned npoints, int first) {
    delta = first ? delta / 700 : delta / 2;
    delta += delta / npoints;
    unsigned k = 0;
    while (delta > ((36 - 1) * 26) / 2) {
        delta /= 36 - 1;
        k += 36;
    }
    return k + (36 * delta) / (delta + 38);
}

/* RFC 3492 encoding of one label's code points, "xn--" prefixed. */
static int punycode(const long *cp, size_t n, char *out, size_t cap) {
    size_t o = 0;
#define PUT(ch)           \
    do {                  \
        if (o + 1 >= cap) \
            return -1;    \
        out[o++] = (ch);  \
    } while (0)
    PUT('x');
    PUT('n');
    PUT('-');
    PUT('-');
    size_t b = 0;
    for (size_t i = 0; i < n; i++)
        if (cp[i] < 0x80) {
            PUT((char)cp[i]);
            b++;
        }
    if (b > 0)
        PUT('-');
    unsigned long nn = 128, delta = 0, bias = 72, h = b;
    while (h < n) {
        unsigned long m = 0x110000;
        for (size_t i = 0; i < n; i++)
            if ((unsigned long)cp[i] >= nn && (unsigned long)cp[i] < m)
                m = (unsigned long)cp[i];
        delta += (m - nn) * (h + 1);
        nn = m;
        for (size_t i = 0; i < n; i++) {
            if ((unsigned long)cp[i] < nn)
                delta++;
            if ((unsigned long)cp[i] != nn)
                continue;
            unsigned long q = delta;
            for (unsigned long k = 36;; k += 36) {
                unsigned long t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
                if (q < t)
                    break;
                PUT(puny_digit((unsigned)(t + (q - t) % (36 - t))));
                q = (q - t) / (36 - t);
            }
            PUT(puny_digit((unsigned)q));
            bias = puny_adapt((unsigned)delta, (unsigned)(h + 1), h == b);
            delta = 0;
            h++;
        }
        delta++;
        nn++;
    }
    out[o] = 0;
    return (int)o;
#undef PUT
}

int pol_detect_host_normalize(const char *host, size_t n, char *out, size_t out_len) {
    while (n > 0 && host[n - 1] == '.')
        n--;
    if (n == 0 || n > 253 || out_len < 2)
        return -1;
    size_t o = 0, i = 0;
    while (i <= n) {
        size_t j = i;
        int ascii = 1;
        while (j < n && host[j] != '.') {
            if ((unsigned char)host[j] >= 0x80)
                ascii = 0;
            j++;
        }
        if (j == i)
            return -1; /* empty label */
        if (o && o + 1 < out_len)
            out[o++] = '.';
        if (ascii) {
            if (o + (j - i) + 1 > out_len)
                return -1;
            for (size_t k = i; k < j; k++)
                out[o++] = (char)tolower((unsigned char)host[k]);
        } else {
            long cps[64];
            size_t ncp = 0;
            for (size_t k = i; k < j;) {
                size_t l;
                long cp = pol_utf8_decode((const unsigned char *)host + k, j - k, &l);
                if (cp < 0 || ncp == 64)
                    return -1;
                cps[ncp++] = lower_cp(cp);
                k += l;
            }
            int w = punycode(cps, ncp, out + o, out_len - o);
            if (w < 0)
                return -1;
            o += (size_t)w;
        }
        i = j + 1;
    }
    out[o] = 0;
    return 0;
}

int pol_detect_url_host(const char *url, size_t n, char *out, size_t out_len) {
    size_t a = 0;
    for (size_t i = 0; i + 2 < n && i < 12; i++)
        if (url[i] == ':' && url[i + 1] == '/' && url[i + 2] == '/') {
            a = i + 3;
            break;
        }
    size_t e = a;
    while (e < n && url[e] != '/' && url[e] != '?' && url[e] != '#')
        e++;
    for (size_t i = e; i > a; i--)
        if (url[i - 1] == '@') {
            a = i;
            break;
        }
    if (a < e && url[a] == '[') { /* IPv6 literal */
        const char *rb = memchr(url + a, ']', e - a);
        if (!rb)
            return -1;
        size_t l = (size_t)(rb - (url + a)) + 1;
        if (l + 1 > out_len)
            return -1;
        memcpy(out, url + a, l);
        out[l] = 0;
        return 0;
    }
    for (size_t i = e; i > a; i--) {
        if (url[i - 1] == ':') {
            e = i - 1;
            break;
        }
        if (!isdigit((unsigned char)url[i - 1]))
            break;
    }
    return pol_detect_host_normalize(url + a, e - a, out, out_len);
}

int pol_detect_domain_match(const char *host, const char *domain) {
    size_t h = strlen(host), d = strlen(domain);
    if (d == 0 || h < d || strcmp(host + h - d, domain) != 0)
        return 0;
    return h == d || host[h - d - 1] == '.';
}

static const char *const s_shorteners[] = {
    "bit.ly",  "bitly.com",  "t.co",    "tinyurl.com", "goo.gl",  "ow.ly",  "is.gd",
    "buff.ly", "rebrand.ly", "cutt.ly", "shorturl.at", "tiny.cc", "rb.gy",  "t.ly",
    "lnkd.in", "s.id",       "bl.ink",  "v.gd",        "dlvr.it", "ift.tt", "trib.al",
    "tr.im",   "qr.ae",      "adf.ly",  "shorte.st",   "x.co",    "soo.gd", "clck.ru",
    "u.to",    "po.st",      "mcaf.ee", "su.pr",       NULL,
};

int pol_detect_shortener(const char *host) {
    for (size_t i = 0; s_shorteners[i]; i++)
        if (pol_detect_domain_match(host, s_shorteners[i]))
            return 1;
    return 0;
}
