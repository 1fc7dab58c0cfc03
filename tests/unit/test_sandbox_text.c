/*  Tests for the sandbox's reading of a status's text (text.h): the
    entities Mastodon's Extractor finds and the HTML its TextFormatter
    renders, checked against Mastodon's own output for the same text. */
#include "text.h"

#include "hd_test.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The sandbox's accounts in these tests: bob and Care_Team. */
static const char *account(void *arg, const char *name, size_t n) {
    static const char *known[] = {"bob", "Care_Team"};
    (void)arg;
    for (size_t i = 0; i < 2; i++)
        if (strlen(known[i]) == n && strncasecmp(known[i], name, n) == 0)
            return known[i];
    return NULL;
}

static char *html(const char *text) {
    return sb_text_html(text, "https://sandbox.test", account, NULL);
}

#define ASSERT_HTML(text, want)  \
    do {                         \
        char *got_ = html(text); \
        ASSERT_STR(got_, want);  \
        free(got_);              \
    } while (0)

/* "kind:name" of each entity, joined by ' '. */
static const char *entities(const char *text) {
    static char out[1024];
    size_t n = 0;
    sb_text_entity_t *e = sb_text_entities(text, &n);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(out);
        snprintf(out + len, sizeof out - len, "%s%c:%.*s%s", i ? " " : "",
                 e[i].kind == SB_TEXT_URL       ? 'u'
                 : e[i].kind == SB_TEXT_MENTION ? 'm'
                                                : 't',
                 (int)e[i].name_len, text + e[i].name, e[i].remote ? "(remote)" : "");
    }
    free(e);
    return out;
}

HD_TEST(mastodon_renders_a_status_like_this) {
    /* A mention of a known account, one of nobody, HTML to escape, a long
       link, a hashtag, a line break and a second paragraph. */
    ASSERT_HTML(
        "Hi @bob & @nobody <b>\nsee https://example.com/a/very/long/path/indeed #Fediverse\n\nbye",
        "<p>Hi <span class=\"h-card\" translate=\"no\"><a href=\"https://sandbox.test/@bob\" "
        "class=\"u-url mention\">@<span>bob</span></a></span> &amp; @nobody &lt;b&gt;<br />see "
        "<a href=\"https://example.com/a/very/long/path/indeed\" target=\"_blank\" "
        "rel=\"nofollow noopener\" translate=\"no\"><span class=\"invisible\">https://</span>"
        "<span class=\"ellipsis\">example.com/a/very/long/path/i</span><span "
        "class=\"invisible\">ndeed</span></a> <a href=\"https://sandbox.test/tags/Fediverse\" "
        "class=\"mention hashtag\" rel=\"tag\">#<span>Fediverse</span></a></p><p>bye</p>");
}

HD_TEST(mentions_name_the_account_as_it_is_spelled) {
    ASSERT_HTML("@care_team help", "<p><span class=\"h-card\" translate=\"no\"><a "
                                   "href=\"https://sandbox.test/@Care_Team\" class=\"u-url "
                                   "mention\">@<span>Care_Team</span></a></span> help</p>");
    /* a remote account is never one of the sandbox's */
    ASSERT_HTML("@bob@elsewhere.social hi", "<p>@bob@elsewhere.social hi</p>");
}

HD_TEST(short_links_keep_their_whole_text) {
    ASSERT_HTML("http://www.example.org/x.", "<p><a href=\"http://www.example.org/x\" "
                                             "target=\"_blank\" rel=\"nofollow noopener\" "
                                             "translate=\"no\"><span class=\"invisible\">"
                                             "http://www.</span><span class=\"\">example.org/x"
                                             "</span><span class=\"invisible\"></span></a>.</p>");
}

HD_TEST(paragraphs_and_breaks_as_simple_format) {
    ASSERT_HTML("a\r\nb\rc", "<p>a<br />b<br />c</p>");
    ASSERT_HTML("a\n\n\n\nb\n\n", "<p>a</p><p>b</p>");
    ASSERT_HTML("\n\na", "<p></p><p>a</p>");
    ASSERT_HTML("a\n", "<p>a</p>");
    ASSERT_HTML("a\n \nb", "<p>a<br /> <br />b</p>");
    ASSERT_HTML("it's \"fine\"", "<p>it&#39;s &quot;fine&quot;</p>");
    ASSERT_HTML(" \n\t", "");
}

HD_TEST(mentions_follow_account_mention_re) {
    ASSERT_STR(entities("@sam"), "m:sam");
    ASSERT_STR(entities("(@sam)"), "m:sam");
    ASSERT_STR(entities("hi @sam. bye"), "m:sam");
    ASSERT_STR(entities("@a.b- x"), "m:a.b");
    ASSERT_STR(entities("@sam@example.org"), "m:sam(remote)");
    /* preceded by a word character, '=' or '/': an address, a link */
    ASSERT_STR(entities("mail sam@example.org a=@x /@y"), "");
    /* running into '@' or "://" is none */
    ASSERT_STR(entities("@a@b"), "");
    ASSERT_STR(entities("@sam://x"), "");
    ASSERT_STR(entities("@.x @-x @"), "");
    ASSERT_STR(entities("é@sam"), "");
}

HD_TEST(hashtags_follow_tag_hashtag_re) {
    ASSERT_STR(entities("#tag"), "t:tag");
    ASSERT_STR(entities("a #Tag_2, #x"), "t:Tag_2 t:x");
    ASSERT_STR(entities("#123 #1a"), "t:1a");           /* a letter is needed */
    ASSERT_STR(entities("x#tag (#tag"), "");            /* start or a space before */
    ASSERT_STR(entities("#café’s"), "t:café");          /* ’ is no word character */
    ASSERT_STR(entities("\xEF\xBC\x83wide"), "t:wide"); /* the full-width ＃ */
    ASSERT_STR(entities("#foo\xC2\xB7"
                        "bar #foo\xC2\xB7"),
               "t:foo\xC2\xB7"
               "bar t:foo");
    ASSERT_STR(entities("#\xC2\xB7"
                        "foo"),
               "");
}

HD_TEST(links_are_found_with_their_scheme) {
    ASSERT_STR(entities("see https://x.org/a?b=c&d, or HTTP://Y.org."),
               "u:https://x.org/a?b=c&d u:HTTP://Y.org");
    ASSERT_STR(entities("(https://x.org/wiki/A_(b))"), "u:https://x.org/wiki/A_(b)");
    ASSERT_STR(entities("xhttps://x.org https://"), "");
    /* a mention or a hashtag inside a link is part of the link */
    ASSERT_STR(entities("https://x.org/@sam #t"), "u:https://x.org/@sam t:t");
}

HD_TEST(tags_are_looked_up_lower_cased) {
    char *t = sb_text_tag_normalize("CaféÉ", strlen("CaféÉ"));
    ASSERT_STR(t, "caféé");
    free(t);
}

HD_TEST_MAIN(HD_CASE(mastodon_renders_a_status_like_this),
             HD_CASE(mentions_name_the_account_as_it_is_spelled),
             HD_CASE(short_links_keep_their_whole_text),
             HD_CASE(paragraphs_and_breaks_as_simple_format),
             HD_CASE(mentions_follow_account_mention_re), HD_CASE(hashtags_follow_tag_hashtag_re),
             HD_CASE(links_are_found_with_their_scheme), HD_CASE(tags_are_looked_up_lower_cased))
