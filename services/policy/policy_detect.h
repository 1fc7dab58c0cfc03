/*  policy_detect: the checks that follow a Vectorscan match when a match
    alone is not proof: checksums of payment cards (Luhn), IBANs (ISO 7064
    mod 97) and the structure of US SSNs and phone numbers; and what links
    need: host extraction, IDN to punycode, allow/deny list matching and the
    list of URL shorteners. Pure functions, no allocation. */
#ifndef POL_DETECT_H
#define POL_DETECT_H

#include <stddef.h>

/* Each takes a candidate span (digits with separators) and says whether it
   is what it looks like: 1 yes, 0 no. */
int pol_detect_card(const char *s, size_t n);
int pol_detect_iban(const char *s, size_t n);
int pol_detect_ssn(const char *s, size_t n);
int pol_detect_phone(const char *s, size_t n);

/* 1 if the byte at s[i] (a UTF-8 sequence start) begins a word character:
   ASCII letters, digits, '_' and letters of other scripts. */
int pol_detect_word_at(const char *s, size_t n, size_t i);
/* 1 if the code point ending right before s[i] is a word character. */
int pol_detect_word_before(const char *s, size_t i);

/* Normalizes a host name: lowercase, trailing dot removed, each non-ASCII
   label converted to punycode ("xn--..."). 0, or -1 if it is not a host
   (empty, too long, bad UTF-8). */
int pol_detect_host_normalize(const char *host, size_t n, char *out, size_t out_len);

/* Extracts and normalizes the host of a URL or bare domain ("https://user@
   Host:8080/path", "www.example.com/x", "example.com"). 0 / -1. */
int pol_detect_url_host(const char *url, size_t n, char *out, size_t out_len);

/* 1 if host is domain or a subdomain of it (both normalized). */
int pol_detect_domain_match(const char *host, const char *domain);

/* 1 if host (normalized) is a known URL shortener. */
int pol_detect_shortener(const char *host);

/* Decodes one UTF-8 sequence at s (n bytes available): the code point, and
   its length in *len; -1 (with *len = 1) if the bytes are not valid UTF-8. */
long pol_utf8_decode(const unsigned char *s, size_t n, size_t *len);

#endif
