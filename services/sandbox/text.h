/*  text: a status's text as Mastodon reads it. The entities it holds
    (links, @mentions, #hashtags), found with the rules of Mastodon's
    Extractor (Account::MENTION_RE, Tag::HASHTAG_RE, twitter-text's links
    simplified: docs/sandbox.md says how), and the HTML Mastodon's
    TextFormatter renders from it: text escaped, links shortened, mentions of
    known accounts and hashtags linked, paragraphs and line breaks as Rails'
    simple_format. Character classes ([[:word:]], [[:alpha:]],
    [[:space:]]) are Unicode's, from ICU. Pure: no I/O, no clock. */
#ifndef SB_TEXT_H
#define SB_TEXT_H

#include <stddef.h>

typedef enum { SB_TEXT_URL, SB_TEXT_MENTION, SB_TEXT_HASHTAG } sb_text_kind_t;

typedef struct {
    sb_text_kind_t kind;
    size_t start, end;     /* the entity's bytes [start, end), '@' or '#' included */
    size_t name, name_len; /* mention: the username (no domain); hashtag: the name
                                after the '#'; link: the link itself */
    int remote;            /* a mention with "@domain": never a sandbox account */
} sb_text_entity_t;

/* The entities of text (UTF-8, NUL-terminated), by position, none
   overlapping another (the first one wins, as twitter-text's
   remove_overlapping_entities). *n is their number; the array is the
   caller's to free (NULL when there are none). */
sb_text_entity_t *sb_text_entities(const char *text, size_t *n);

/* A hashtag's name as Mastodon stores and looks it up: lower-cased
   (Unicode, ICU's root locale). A new string, the caller's to free. */
char *sb_text_tag_normalize(const char *name, size_t n);

/* The username of the local account a mention names (`name`, n bytes,
   matched without regard to case), or NULL when there is none. The
   returned string must outlive the call that asked. */
typedef const char *(sb_text_account_fn)(void *arg, const char *name, size_t n);

/* The status's HTML as Mastodon renders text: "" for a blank text, else
   <p> paragraphs (split at blank lines) with <br /> for single line
   breaks; links as <a ... rel="nofollow noopener" translate="no"> with
   the scheme and "www." hidden and the rest cut at 30 characters; a
   mention of an account `account` knows as an h-card link to
   base_url/@username (another stays text); hashtags linked to
   base_url/tags/NAME. A new string, the caller's to free. */
char *sb_text_html(const char *text, const char *base_url, sb_text_account_fn *account, void *arg);

#endif
