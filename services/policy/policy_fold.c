/*  policy_fold: accent folding with a byte offset map (see the header). */
#include "policy_fold.h"

#include "hd_mem.h"

#include "policy_detect.h"

#include <stdlib.h>
#include <string.h>

/* U+00C0..U+024F: ASCII replacement, or 0 to keep the character. */
static const char *const s_latin[0x250 - 0xC0] = {
    "A", "A", "A",  "A",  "A", "A", "AE", "C", "E",  "E", "E", "E", "I",  "I",  "I", "I", "D", "N",
    "O", "O", "O",  "O",  "O", 0,   "O",  "U", "U",  "U", "U", "Y", "TH", "ss", "a", "a", "a", "a",
    "a", "a", "ae", "c",  "e", "e", "e",  "e", "i",  "i", "i", "i", "d",  "n",  "o", "o", "o", "o",
    "o", 0,   "o",  "u",  "u", "u", "u",  "y", "th", "y", "A", "a", "A",  "a",  "A", "a", "C", "c",
    "C", "c", "C",  "c",  "C", "c", "D",  "d", "D",  "d", "E", "e", "E",  "e",  "E", "e", "E", "e",
    "E", "e", "G",  "g",  "G", "g", "G",  "g", "G",  "g", "H", "h", "H",  "h",  "I", "i", "I", "i",
    "I", "i", "I",  "i",  "I", "i", 0,    0,   "J",  "j", "K", "k", "k",  "L",  "l", "L", "l", "L",
    "l", "L", "l",  "L",  "l", "N", "n",  "N", "n",  "N", "n", 0,   "N",  "n",  "O", "o", "O", "o",
    "O", "o", "OE", "oe", "R", "r", "R",  "r", "R",  "r", "S", "s", "S",  "s",  "S", "s", "S", "s",
    "T", "t", "T",  "t",  "T", "t", "U",  "u", "U",  "u", "U", "u", "U",  "u",  "U", "u", "U", "u",
    "W", "w", "Y",  "y",  "Y", "Z", "z",  "Z", "z",  "Z", "z", "s", 0,    0,    0,   0,   0,   0,
    0,   0,   0,    0,    0,   0,   0,    0,   0,    0,   0,   0,   0,    0,    0,   0,   0,   0,
    0,   0,   0,    0,    0,   0,   0,    0,   "O",  "o", 0,   0,   0,    0,    0,   0,   0,   0,
    0,   0,   0,    0,    0,   "U", "u",  0,   0,    0,   0,   0,   0,    0,    0,   0,   0,   0,
    0,   0,   0,    0,    0,   0,   0,    0,   0,    0,   0,   0,   0,    0,    0,   0,   0,   "A",
    "a", "I", "i",  "O",  "o", "U", "u",  "U", "u",  "U", "u", "U", "u",  "U",  "u", 0,   "A", "a",
    "A", "a", 0,    0,    0,   0,   "G",  "g", "K",  "k", "O", "o", "O",  "o",  0,   0,   "j", 0,
    0,   0,   "G",  "g",  0,   0,   "N",  "n", "A",  "a", 0,   0,   0,    0,    "A", "a", "A", "a",
    "E", "e", "E",  "e",  "I", "i", "I",  "i", "O",  "o", "O", "o", "R",  "r",  "R", "r", "U", "u",
    "U", "u", "S",  "s",  "T", "t", 0,    0,   "H",  "h", 0,   0,   0,    0,    0,   0,   "A", "a",
    "E", "e", "O",  "o",  "O", "o", "O",  "o", "O",  "o", "Y", "y", 0,    0,    0,   0,   0,   0,
    0,   0,   0,    0,    0,   0,   0,    0,   0,    0,   0,   0,   0,    0,    0,   0,   0,   0,
    0,   0,   0,    0,
};
/* U+1E00..U+1EFF (Latin Extended Additional: Vietnamese, ...). */
static const char *const s_latin_add[0x100] = {
    "A", "a", "B", "b", "B", "b", "B",  "b", "C", "c", "D", "d", "D", "d", "D", "d", "D", "d", "D",
    "d", "E", "e", "E", "e", "E", "e",  "E", "e", "E", "e", "F", "f", "G", "g", "H", "h", "H", "h",
    "H", "h", "H", "h", "H", "h", "I",  "i", "I", "i", "K", "k", "K", "k", "K", "k", "L", "l", "L",
    "l", "L", "l", "L", "l", "M", "m",  "M", "m", "M", "m", "N", "n", "N", "n", "N", "n", "N", "n",
    "O", "o", "O", "o", "O", "o", "O",  "o", "P", "p", "P", "p", "R", "r", "R", "r", "R", "r", "R",
    "r", "S", "s", "S", "s", "S", "s",  "S", "s", "S", "s", "T", "t", "T", "t", "T", "t", "T", "t",
    "U", "u", "U", "u", "U", "u", "U",  "u", "U", "u", "V", "v", "V", "v", "W", "w", "W", "w", "W",
    "w", "W", "w", "W", "w", "X", "x",  "X", "x", "Y", "y", "Z", "z", "Z", "z", "Z", "z", "h", "t",
    "w", "y", 0,   0,   0,   0,   "SS", 0,   "A", "a", "A", "a", "A", "a", "A", "a", "A", "a", "A",
    "a", "A", "a", "A", "a", "A", "a",  "A", "a", "A", "a", "A", "a", "E", "e", "E", "e", "E", "e",
    "E", "e", "E", "e", "E", "e", "E",  "e", "E", "e", "I", "i", "I", "i", "O", "o", "O", "o", "O",
    "o", "O", "o", "O", "o", "O", "o",  "O", "o", "O", "o", "O", "o", "O", "o", "O", "o", "O", "o",
    "U", "u", "U", "u", "U", "u", "U",  "u", "U", "u", "U", "u", "U", "u", "Y", "y", "Y", "y", "Y",
    "y", "Y", "y", 0,   0,   0,   0,    0,   0,
};

/* What a code point folds to: a replacement string, "" to drop it, or
   NULL to keep it unchanged. */
static const char *fold_cp(long cp) {
    if (cp >= 0xC0 && cp < 0x250)
        return s_latin[cp - 0xC0];
    if (cp >= 0x1E00 && cp < 0x1F00)
        return s_latin_add[cp - 0x1E00];
    if ((cp >= 0x300 && cp <= 0x36F) || cp == 0xAD || (cp >= 0x200B && cp <= 0x200D) ||
        cp == 0x2060 || cp == 0xFEFF)
        return "";
    if (cp == 0x2018 || cp == 0x2019 || cp == 0x201B || cp == 0x2032 || cp == 0x02BC)
        return "'";
    if (cp == 0x201C || cp == 0x201D || cp == 0x201E || cp == 0x2033)
        return "\"";
    if (cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F ||
        cp == 0x3000)
        return " ";
    if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212)
        return "-";
    if (cp == 0xFF03)
        return "#";
    if (cp == 0xFF20)
        return "@";
    return NULL;
}

static int is_ascii(const char *s, size_t n) {
    size_t i = 0;
    uint64_t acc = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        acc |= w;
    }
    for (; i < n; i++)
        acc |= (unsigned char)s[i];
    return (acc & 0x8080808080808080ULL) == 0;
}

/* Room for `need` bytes and offsets; always 0 (out of memory aborts). */
static int reserve(pol_fold_t *f, size_t need) {
    size_t c1 = f->cap, c2 = f->cap; /* the three grow alike */
    f->buf = hd_grow(f->buf, &c1, need, 1);
    f->from = hd_grow(f->from, &c2, need, sizeof *f->from);
    f->to = hd_grow(f->to, &f->cap, need, sizeof *f->to);
    return 0;
}

int pol_fold_run(pol_fold_t *f, const char *text, size_t len) {
    f->orig_len = len;
    if (is_ascii(text, len)) {
        f->identity = 1;
        f->text = text;
        f->len = len;
        return 0;
    }
    f->identity = 0;
    /* A code point of 2+ bytes folds to at most 2 bytes ("ss", "AE"). */
    if (reserve(f, len + 1) < 0)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t l;
        long cp = pol_utf8_decode((const unsigned char *)text + i, len - i, &l);
        const char *rep = cp < 0 ? "?" : fold_cp(cp);
        const char *src = rep ? rep : text + i;
        size_t n = rep ? strlen(rep) : l;
        for (size_t k = 0; k < n; k++) {
            f->buf[o] = src[k];
            f->from[o] = (uint32_t)i;
            f->to[o] = (uint32_t)(i + l);
            o++;
        }
        i += l;
    }
    f->buf[o] = 0;
    f->text = f->buf;
    f->len = o;
    return 0;
}

void pol_fold_span(const pol_fold_t *f, size_t fs, size_t fe, uint32_t *os, uint32_t *oe) {
    if (f->identity) {
        *os = (uint32_t)fs;
        *oe = (uint32_t)fe;
        return;
    }
    if (fe <= fs || fs >= f->len) {
        uint32_t p = fs < f->len ? f->from[fs] : (uint32_t)f->orig_len;
        *os = *oe = p;
        return;
    }
    *os = f->from[fs];
    *oe = f->to[fe - 1];
}

void pol_fold_free(pol_fold_t *f) {
    free(f->buf);
    free(f->from);
    free(f->to);
    memset(f, 0, sizeof *f);
}

char *pol_fold_string(const char *s) {
    pol_fold_t f = {0};
    size_t n = strlen(s);
    if (pol_fold_run(&f, s, n) < 0) {
        pol_fold_free(&f);
        return NULL;
    }
    char *out = hd_calloc(f.len + 1, 1);
    memcpy(out, f.text, f.len);
    pol_fold_free(&f);
    return out;
}
