/*  text: entities and HTML of a status's text (see text.h). */
#include "text.h"

#include "hd_mem.h"
#include "strbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unicode/ucasemap.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

/* ---- characters ---- */

/* The code point at byte i (< len), its end in *next; U+FFFD for a bad
   sequence, which is never a word character. */
static UChar32 cp_at(const char *t, size_t len, size_t i, size_t *next) {
    int32_t at = (int32_t)i;
    UChar32 c;
    U8_NEXT((const uint8_t *)t, at, (int32_t)len, c);
    *next = (size_t)at;
    return c < 0 ? 0xFFFD : c;
}

/* The code point ending at byte i, or -1 at the start; *start (when
   given) is where it begins. */
static UChar32 cp_back(const char *t, size_t i, size_t *start) {
    if (start)
        *start = i;
    if (i == 0)
        return -1;
    int32_t at = (int32_t)i;
    UChar32 c;
    U8_PREV((const uint8_t *)t, 0, at, c);
    if (start)
        *start = (size_t)at;
    return c < 0 ? 0xFFFD : c;
}

static UChar32 cp_before(const char *t, size_t i) { return cp_back(t, i, NULL); }

/* Onigmo's [[:word:]] in Unicode: letters, marks, decimal digits and
   connector punctuation ('_'). */
static int is_word(UChar32 c) {
    if (c < 0)
        return 0;
    int8_t k = u_charType(c);
    return u_isUAlphabetic(c) || k == U_NON_SPACING_MARK || k == U_ENCLOSING_MARK ||
           k == U_COMBINING_SPACING_MARK || k == U_DECIMAL_DIGIT_NUMBER ||
           k == U_CONNECTOR_PUNCTUATION;
}

static int is_space(UChar32 c) { return c >= 0 && u_isUWhiteSpace(c); }

static int ascii_alnum(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* ---- mentions: (?<![=/[:word:]])@(USERNAME(?:@[[:word:].-]+[[:word:]]+)?) ---- */

static int username_char(int c) { return ascii_alnum(c) || c == '_' || c == '.' || c == '-'; }

/* The end of a domain part starting at j: [[:word:].-]+[[:word:]]+ (the
   longest run, backtracked to its last word character, two characters at
   least), or j when there is none. */
static size_t domain_end(const char *t, size_t len, size_t j) {
    size_t k = j, last_word = j, chars = 0, kept = 0, next;
    while (k < len) {
        UChar32 c = cp_at(t, len, k, &next);
        if (!is_word(c) && c != '.' && c != '-')
            break;
        chars++;
        if (is_word(c)) {
            last_word = next;
            kept = chars;
        }
        k = next;
    }
    return kept >= 2 ? last_word : j;
}

/* A mention at t[i] == '@'; 1 with *e filled, else 0. *resume is where
   the scan goes on either way (past what the pattern matched). */
static int mention_at(const char *t, size_t len, size_t i, sb_text_entity_t *e, size_t *resume) {
    UChar32 before = cp_before(t, i);
    *resume = i + 1;
    if (before == '=' || before == '/' || is_word(before))
        return 0;
    size_t u = i + 1, end = u;
    while (end < len && username_char(t[end]))
        end++;
    while (end > u && (t[end - 1] == '.' || t[end - 1] == '-'))
        end--;
    if (end == u || t[u] == '.' || t[u] == '-')
        return 0;
    *e = (sb_text_entity_t){
        .kind = SB_TEXT_MENTION, .start = i, .name = u, .name_len = end - u, .remote = 0};
    if (end < len && t[end] == '@') {
        size_t d = domain_end(t, len, end + 1);
        if (d > end + 1) {
            e->remote = 1;
            end = d;
        }
    }
    e->end = *resume = end;
    /* Extractor's end_mention_match: a mention running into '@' or "://"
       is none. */
    return !(end < len && (t[end] == '@' || strncmp(t + end, "://", 3) == 0));
}

/* ---- hashtags: (?<=^|[[:space:]])[#＃](NAME) ---- */

/* Mastodon's HASHTAG_SEPARATORS besides '_': · (U+00B7), ・ (U+30FB),
   zero width non-joiner (U+200C). */
static int tag_separator(UChar32 c) { return c == 0xB7 || c == 0x30FB || c == 0x200C; }

/* A hashtag whose '#' (or '＃') spans [i, name); 1 with *e filled. The
   name is the longest run of word characters and separators ending in a
   word character; without a separator it needs a letter (the pattern's
   last alternative), with one its first character must be a word
   character (the first). */
static int hashtag_at(const char *t, size_t len, size_t i, size_t name, sb_text_entity_t *e) {
    UChar32 before = cp_before(t, i);
    if (before != -1 && !is_space(before))
        return 0;
    size_t k = name, end = name, next;
    int alpha = 0, first_word = 0;
    while (k < len) {
        UChar32 c = cp_at(t, len, k, &next);
        int word = is_word(c);
        if (!word && !tag_separator(c))
            break;
        first_word |= k == name && word;
        if (word) {
            end = next;
            alpha |= u_isUAlphabetic(c);
        }
        k = next;
    }
    int separated = 0;
    for (size_t p = name; p < end; p = next)
        separated |= tag_separator(cp_at(t, len, p, &next));
    if (end == name || (separated ? !first_word : !alpha))
        return 0;
    *e = (sb_text_entity_t){
        .kind = SB_TEXT_HASHTAG, .start = i, .end = end, .name = name, .name_len = end - name};
    return 1;
}

/* ---- links: http(s)://, as twitter-text finds them (simplified) ---- */

/* twitter-text's URL may end in a letter, digit, one of = _ # / + - &, or a
   ')' that closes a '(' of the URL. */
static size_t link_trim(const char *t, size_t start, size_t end) {
    while (end > start) {
        size_t at;
        UChar32 c = cp_back(t, end, &at);
        int opens = 0, closes = 0;
        for (size_t p = start; p < end; p++) {
            opens += t[p] == '(';
            closes += t[p] == ')';
        }
        if ((c < 0x80 && (ascii_alnum(c) || strchr("=_#/+-&", (int)c))) ||
            (c >= 0x80 && u_isUAlphabetic(c)) || (c == ')' && opens >= closes))
            break;
        end = at;
    }
    return end;
}

static int link_at(const char *t, size_t len, size_t i, sb_text_entity_t *e, size_t *resume) {
    size_t scheme = strncasecmp(t + i, "https://", 8) == 0  ? 8
                    : strncasecmp(t + i, "http://", 7) == 0 ? 7
                                                            : 0;
    UChar32 before = cp_before(t, i);
    *resume = i + 1;
    if (!scheme || (before >= 0 && before < 0x80 && (ascii_alnum(before) || strchr("@$#", before))))
        return 0;
    size_t end = i + scheme, next;
    while (end < len) {
        UChar32 c = cp_at(t, len, end, &next);
        if (is_space(c) || c < 0x20 || c == '<' || c == '>' || c == '"' || c == 0x7F)
            break;
        end = next;
    }
    end = link_trim(t, i + scheme, end);
    if (end == i + scheme)
        return 0;
    *e = (sb_text_entity_t){
        .kind = SB_TEXT_URL, .start = i, .end = end, .name = i, .name_len = end - i};
    *resume = end;
    return 1;
}

/* ---- entities ---- */

static void push(sb_text_entity_t **v, size_t *n, size_t *cap, const sb_text_entity_t *e) {
    /* Found in order of position: a new one overlapping the last is
       dropped, as remove_overlapping_entities keeps the earlier. */
    if (*n > 0 && e->start < (*v)[*n - 1].end)
        return;
    *v = hd_grow(*v, cap, *n + 1, sizeof **v);
    (*v)[(*n)++] = *e;
}

sb_text_entity_t *sb_text_entities(const char *text, size_t *n) {
    sb_text_entity_t *v = NULL, e;
    size_t cap = 0, len = strlen(text), i = 0, resume;
    *n = 0;
    while (i < len) {
        resume = i + 1;
        int found = 0;
        if (text[i] == '@')
            found = mention_at(text, len, i, &e, &resume);
        else if (text[i] == '#')
            found = hashtag_at(text, len, i, i + 1, &e);
        else if (strncmp(text + i, "\xEF\xBC\x83", 3) == 0) /* ＃ */
            found = hashtag_at(text, len, i, i + 3, &e);
        else if (text[i] == 'h' || text[i] == 'H')
            found = link_at(text, len, i, &e, &resume);
        if (found) {
            push(&v, n, &cap, &e);
            resume = e.end;
        }
        i = resume;
    }
    return v;
}

char *sb_text_tag_normalize(const char *name, size_t n) {
    UErrorCode err = U_ZERO_ERROR;
    UCaseMap *map = ucasemap_open("", 0, &err);
    char *out = hd_malloc(n * 3 + 1); /* lower-casing grows a code point by at most 3x */
    int32_t got = U_SUCCESS(err)
                      ? ucasemap_utf8ToLower(map, out, (int32_t)(n * 3 + 1), name, (int32_t)n, &err)
                      : -1;
    ucasemap_close(map);
    if (U_FAILURE(err) || got < 0) { /* not UTF-8: as given */
        memcpy(out, name, n);
        got = (int32_t)n;
    }
    out[got] = '\0';
    return out;
}

/* ---- HTML ---- */

static void link_html(sb_strbuf_t *b, const char *url, size_t n) {
    size_t prefix = strncmp(url, "https://www.", 12) == 0  ? 12
                    : strncmp(url, "http://www.", 11) == 0 ? 11
                    : strncmp(url, "https://", 8) == 0     ? 8
                    : strncmp(url, "http://", 7) == 0      ? 7
                                                           : 0;
    size_t cut = prefix, chars = 0, next;
    while (cut < n && chars < 30) {
        cp_at(url, n, cut, &next);
        cut = next;
        chars++;
    }
    sb_strbuf_puts(b, "<a href=\"");
    sb_strbuf_add_html(b, url, n);
    sb_strbuf_puts(b, "\" target=\"_blank\" rel=\"nofollow noopener\" translate=\"no\">"
                      "<span class=\"invisible\">");
    sb_strbuf_add_html(b, url, prefix);
    sb_strbuf_puts(b, cut < n ? "</span><span class=\"ellipsis\">" : "</span><span class=\"\">");
    sb_strbuf_add_html(b, url + prefix, cut - prefix);
    sb_strbuf_puts(b, "</span><span class=\"invisible\">");
    sb_strbuf_add_html(b, url + cut, n - cut);
    sb_strbuf_puts(b, "</span></a>");
}

static void entity_html(sb_strbuf_t *b, const char *text, const sb_text_entity_t *e,
                        const char *base_url, sb_text_account_fn *account, void *arg) {
    const char *name = text + e->name;
    if (e->kind == SB_TEXT_URL) {
        link_html(b, name, e->name_len);
    } else if (e->kind == SB_TEXT_HASHTAG) {
        sb_strbuf_puts(b, "<a href=\"");
        sb_strbuf_add_html(b, base_url, strlen(base_url));
        sb_strbuf_puts(b, "/tags/");
        sb_strbuf_add_segment(b, name, e->name_len);
        sb_strbuf_puts(b, "\" class=\"mention hashtag\" rel=\"tag\">#<span>");
        sb_strbuf_add_html(b, name, e->name_len);
        sb_strbuf_puts(b, "</span></a>");
    } else {
        const char *user = e->remote ? NULL : account(arg, name, e->name_len);
        if (!user) { /* TextFormatter: "@" + the name as written */
            sb_strbuf_puts(b, "@");
            sb_strbuf_add_html(b, name, e->end - e->name);
            return;
        }
        sb_strbuf_puts(b, "<span class=\"h-card\" translate=\"no\"><a href=\"");
        sb_strbuf_add_html(b, base_url, strlen(base_url));
        sb_strbuf_puts(b, "/@");
        sb_strbuf_add_html(b, user, strlen(user));
        sb_strbuf_puts(b, "\" class=\"u-url mention\">@<span>");
        sb_strbuf_add_html(b, user, strlen(user));
        sb_strbuf_puts(b, "</span></a></span>");
    }
}

/* Rails' simple_format (sanitize: false) and TextFormatter's
   .delete("\n"): "\r\n" and "\r" are "\n"; runs of two or more "\n" part
   paragraphs (trailing empty ones dropped, a leading one kept, as Ruby's
   split); a single "\n" with a character on each side is followed by
   <br />; every "\n" then goes. */
static char *paragraphs(const char *h, size_t n) {
    sb_strbuf_t norm = {0}, out = {0};
    for (size_t i = 0; i < n; i++) {
        if (h[i] == '\r' && i + 1 < n && h[i + 1] == '\n')
            continue; /* the "\n" follows */
        sb_strbuf_add(&norm, h[i] == '\r' ? "\n" : &h[i], 1);
    }
    const char *s = norm.s ? norm.s : "";
    size_t len = norm.len, p = 0;
    while (len >= 2 && s[len - 1] == '\n' && s[len - 2] == '\n')
        len--;
    for (;;) {
        size_t q = p;
        while (q < len && !(s[q] == '\n' && q + 1 < len && s[q + 1] == '\n'))
            q++;
        sb_strbuf_puts(&out, "<p>");
        for (size_t i = p; i < q; i++) {
            if (s[i] != '\n')
                sb_strbuf_add(&out, &s[i], 1);
            else if (i > p && i + 1 < q)
                sb_strbuf_puts(&out, "<br />");
        }
        sb_strbuf_puts(&out, "</p>");
        while (q < len && s[q] == '\n')
            q++;
        if (q >= len)
            break;
        p = q;
    }
    sb_strbuf_free(&norm);
    return sb_strbuf_take(&out);
}

static int blank(const char *s) {
    size_t len = strlen(s), i = 0, next;
    while (i < len) {
        if (!is_space(cp_at(s, len, i, &next)))
            return 0;
        i = next;
    }
    return 1;
}

char *sb_text_html(const char *text, const char *base_url, sb_text_account_fn *account, void *arg) {
    if (blank(text))
        return hd_strdup("");
    size_t n = 0, last = 0;
    sb_text_entity_t *ents = sb_text_entities(text, &n);
    sb_strbuf_t b = {0};
    for (size_t i = 0; i < n; i++) {
        sb_strbuf_add_html(&b, text + last, ents[i].start - last);
        entity_html(&b, text, &ents[i], base_url, account, arg);
        last = ents[i].end;
    }
    sb_strbuf_add_html(&b, text + last, strlen(text) - last);
    free(ents);
    char *html = paragraphs(b.s ? b.s : "", b.len);
    sb_strbuf_free(&b);
    return html;
}
