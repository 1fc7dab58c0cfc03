/*  feed parsers: pages as Mastodon and RSS/Atom publishers really write
    them (the shapes of docs.joinmastodon.org's notifications and tag
    timeline, RSS 2.0 with CDATA and dc:creator, RFC 4287's Atom example)
    read into mentions; garbage refused whole; a bad entry in a good page
    set apart with its raw bytes and its reason while the rest is read;
    HTML turned into the text a person reads (libxml2's HTML parser); RSS
    dates. */
#include "feed_html.h"
#include "feed_mastodon.h"
#include "feed_rss.h"
#include "hd_test.h"
#include "rfc3339.h"

#include <stdlib.h>
#include <string.h>

/* ---------------- Mastodon ---------------- */

/* GET /api/v1/notifications?types[]=mention, newest first, as Mastodon
   answers it (a status trimmed of the members huddle does not read, one
   favourite slipped in by a server that ignores types[]). */
static const char *NOTIFICATIONS =
    "[{\"id\":\"34975861\",\"type\":\"mention\",\"created_at\":\"2019-11-23T07:49:02.064Z\","
    "\"account\":{\"id\":\"971724\",\"username\":\"zsc\",\"acct\":\"zsc\"},"
    "\"status\":{\"id\":\"103186126728896492\",\"created_at\":\"2019-11-23T07:49:01.940Z\","
    "\"in_reply_to_id\":\"103186038209478945\",\"in_reply_to_account_id\":\"14715\","
    "\"sensitive\":false,\"spoiler_text\":\"\",\"visibility\":\"public\",\"language\":\"en\","
    "\"uri\":\"https://mastodon.social/users/zsc/statuses/103186126728896492\","
    "\"url\":\"https://mastodon.social/@zsc/103186126728896492\",\"replies_count\":0,"
    "\"content\":\"<p><span class=\\\"h-card\\\"><a href=\\\"https://mastodon.social/@trwnh\\\" "
    "class=\\\"u-url mention\\\">@<span>trwnh</span></a></span> sup! my order &amp; "
    "refund?<br>still broken</p><p>second paragraph</p>\","
    "\"account\":{\"id\":\"971724\",\"username\":\"zsc\",\"acct\":\"zsc\"},"
    "\"mentions\":[{\"id\":\"14715\",\"username\":\"trwnh\",\"acct\":\"trwnh\"}],\"tags\":[]}},"
    "{\"id\":\"34975535\",\"type\":\"favourite\",\"created_at\":\"2019-11-23T07:29:18.903Z\","
    "\"account\":{\"id\":\"297420\",\"acct\":\"haskal@cybre.space\"},"
    "\"status\":{\"id\":\"103186046267791694\",\"content\":\"<p>x</p>\","
    "\"account\":{\"acct\":\"trwnh\"}}},"
    "{\"id\":34975001,\"type\":\"mention\",\"created_at\":\"2019-11-23T07:00:00.000Z\","
    "\"account\":{\"acct\":\"sam@other.example\"},"
    "\"status\":{\"id\":103186000000000001,\"created_at\":\"not a time\",\"in_reply_to_id\":null,"
    "\"spoiler_text\":\"billing\",\"url\":null,"
    "\"uri\":\"https://other.example/users/sam/statuses/1\","
    "\"content\":\"<p>@trwnh hello</p>\",\"account\":{\"acct\":\"sam@other.example\"}}}]";

HD_TEST(mastodon_notifications) {
    ing_feed_page_t page = {0};
    char why[200];
    ASSERT_EQ(ing_feed_mastodon_parse(ING_FEED_MASTODON_MENTIONS, NOTIFICATIONS,
                                      strlen(NOTIFICATIONS), &page, why, sizeof why),
              0);
    ASSERT_EQ(page.entries, 3);
    ASSERT_EQ(page.n, 2); /* the favourite is passed over */
    ASSERT_EQ(page.nbad, 0);
    ASSERT_STR(page.newest, "34975861");
    ing_feed_item_t *a = &page.items[0], *b = &page.items[1];
    ASSERT_STR(a->external_id, "103186126728896492"); /* the status: what a reply answers */
    ASSERT_STR(a->cursor_id, "34975861");             /* the notification: where the cursor goes */
    ASSERT_STR(a->author, "zsc");
    ASSERT_STR(a->text, "@trwnh sup! my order & refund?\nstill broken\n\nsecond paragraph");
    ASSERT_STR(a->url, "https://mastodon.social/@zsc/103186126728896492");
    ASSERT_STR(a->in_reply_to, "103186038209478945");
    long long ms;
    ASSERT_EQ(ing_rfc3339_ms("2019-11-23T07:49:01.940Z", &ms), 0);
    ASSERT_EQ(a->posted_at_ms, ms);
    /* integer ids, a content warning, no url but a uri, a time that is not one */
    ASSERT_STR(b->external_id, "103186000000000001");
    ASSERT_STR(b->cursor_id, "34975001");
    ASSERT_STR(b->author, "sam@other.example");
    ASSERT_STR(b->text, "billing\n\n@trwnh hello");
    ASSERT_STR(b->url, "https://other.example/users/sam/statuses/1");
    ASSERT(b->in_reply_to == NULL);
    ASSERT_EQ(b->posted_at_ms, 0);
    ing_feed_page_clear(&page);
    ing_feed_page_clear(&page); /* twice is safe */
}

/* GET /api/v1/timelines/tag/cats (docs.joinmastodon.org's sample). */
static const char *TAG_PAGE =
    "[{\"id\":\"103206185588894565\",\"created_at\":\"2019-11-26T20:50:15.866Z\","
    "\"visibility\":\"public\",\"url\":\"https://mastodon.social/@a/103206185588894565\","
    "\"account\":{\"acct\":\"a\"},"
    "\"content\":\"<p><a href=\\\"https://mastodon.social/tags/cats\\\" class=\\\"mention "
    "hashtag\\\" rel=\\\"tag\\\">#<span>cats</span></a></p>\","
    "\"tags\":[{\"name\":\"cats\",\"url\":\"https://mastodon.social/tags/cats\"}]},"
    "{\"id\":\"103203659567597966\",\"created_at\":\"2019-11-26T10:07:49.000Z\","
    "\"account\":{\"acct\":\"kernpanik@chaos.social\"},"
    "\"content\":\"<p>Caught on the hop. \\ud83d\\ude3a </p><p><a "
    "href=\\\"https://chaos.social/tags/Qualit%C3%A4tskatzen\\\" class=\\\"mention "
    "hashtag\\\">#<span>Qualitätskatzen</span></a> <a href=\\\"https://chaos.social/tags/cats\\\" "
    "class=\\\"mention hashtag\\\">#<span>cats</span></a><br>(photo: <span "
    "class=\\\"h-card\\\"><a href=\\\"https://chaos.social/@kernpanik\\\" class=\\\"u-url "
    "mention\\\">@<span>kernpanik</span></a></span> | license: CC BY-NC-SA 4.0)</p>\"}]";

HD_TEST(mastodon_tag_timeline) {
    ing_feed_page_t page = {0};
    char why[200];
    ASSERT_EQ(ing_feed_mastodon_parse(ING_FEED_MASTODON_TAG, TAG_PAGE, strlen(TAG_PAGE), &page, why,
                                      sizeof why),
              0);
    ASSERT_EQ(page.n, 2);
    ASSERT_STR(page.newest, "103206185588894565");
    ASSERT_STR(page.items[0].text, "#cats");
    ASSERT_STR(page.items[0].cursor_id, "103206185588894565"); /* a tag moves by status ids */
    ASSERT_STR(page.items[1].text, "Caught on the hop. \xF0\x9F\x98\xBA\n\n#Qualit\xC3\xA4tskatzen "
                                   "#cats\n(photo: @kernpanik | license: CC BY-NC-SA 4.0)");
    ASSERT_STR(page.items[1].author, "kernpanik@chaos.social");
    ASSERT(page.items[1].url == NULL);
    ing_feed_page_clear(&page);
}

HD_TEST(mastodon_garbage_is_refused_whole) {
    const char *bad[] = {"", "<html><body>502 Bad Gateway</body></html>",
                         "{\"error\":\"The access token is invalid\"}",
                         "[{\"id\":\"1\",\"type\":\"mention\"", "null"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ing_feed_page_t page = {0};
        char why[200] = "";
        ASSERT_EQ(ing_feed_mastodon_parse(ING_FEED_MASTODON_MENTIONS, bad[i], strlen(bad[i]), &page,
                                          why, sizeof why),
                  -1);
        ASSERT(why[0] != 0);
        ASSERT_EQ(page.n + page.nbad + page.entries, 0);
        ing_feed_page_clear(&page);
    }
    ing_feed_page_t page = {0};
    char why[200];
    ASSERT_EQ(ing_feed_mastodon_parse(ING_FEED_MASTODON_MENTIONS, NULL, 0, &page, why, sizeof why),
              -1);
}

HD_TEST(mastodon_hashtag_nobody_used) {
    const char *none = "{\"error\":\"Record not found\"}";
    ASSERT(ing_feed_mastodon_no_tag(404, none, strlen(none)));
    ASSERT(!ing_feed_mastodon_no_tag(500, none, strlen(none)));
    ASSERT(!ing_feed_mastodon_no_tag(404, "<html>Not Found</html>", 22)); /* not Mastodon */
    ASSERT(!ing_feed_mastodon_no_tag(404, "{\"error\":\"gone\"}", 16));
    ASSERT(!ing_feed_mastodon_no_tag(404, NULL, 0));
}

HD_TEST(mastodon_bad_entries_are_set_apart) {
    const char *body =
        "[{\"id\":\"50\",\"type\":\"mention\",\"status\":{\"id\":\"500\",\"content\":\"<p>ok</p>\","
        "\"account\":{\"acct\":\"ann\"}}},"
        "{\"id\":\"49\",\"type\":\"mention\"}," /* no status */
        "{\"id\":\"48\",\"type\":\"mention\",\"status\":{\"id\":\"480\",\"content\":\"<p>x</p>\"}},"
        "{\"id\":\"47\",\"type\":\"mention\",\"status\":{\"id\":\"470\",\"content\":\"<p> </p>\","
        "\"account\":{\"acct\":\"bo\"}}},"                    /* no text */
        "{\"type\":\"mention\",\"status\":{\"id\":\"460\"}}," /* no id */
        "{\"id\":\"45\",\"status\":{\"id\":\"450\"}},"        /* no type */
        "42,"
        "{\"id\":\"41\",\"type\":\"mention\",\"status\":{\"id\":\"410\",\"content\":\"<p>fine</"
        "p>\","
        "\"account\":{\"acct\":\"cy\"}}}]";
    ing_feed_page_t page = {0};
    char why[200];
    ASSERT_EQ(ing_feed_mastodon_parse(ING_FEED_MASTODON_MENTIONS, body, strlen(body), &page, why,
                                      sizeof why),
              0);
    ASSERT_EQ(page.entries, 8);
    ASSERT_EQ(page.n, 2);
    ASSERT_STR(page.items[0].external_id, "500");
    ASSERT_STR(page.items[1].external_id, "410");
    ASSERT_EQ(page.nbad, 6);
    ASSERT_STR(page.bad[0].cursor_id, "49");
    ASSERT(strstr(page.bad[0].reason, "status") != NULL);
    ASSERT(strstr(page.bad[0].raw, "\"49\"") != NULL); /* its raw JSON, for the dead letter */
    ASSERT_STR(page.bad[1].external_id, "480");
    ASSERT(strstr(page.bad[1].reason, "account") != NULL);
    ASSERT(strstr(page.bad[2].reason, "no text") != NULL);
    ASSERT(page.bad[3].cursor_id == NULL); /* no id: it cannot move the cursor */
    ASSERT(strstr(page.bad[3].reason, "no id") != NULL);
    ASSERT(strstr(page.bad[4].reason, "no type") != NULL);
    ASSERT_STR(page.bad[5].raw, "42");
    ASSERT_STR(page.newest, "50"); /* the cursor passes the bad entries with ids */
    ing_feed_page_clear(&page);
}

HD_TEST(mastodon_long_text_is_cut_on_a_character) {
    size_t n = 12000;
    char *body = malloc(n + 200);
    int k = sprintf(body, "[{\"id\":\"1\",\"content\":\"<p>");
    for (size_t i = 0; i < n / 2; i++)
        k += sprintf(body + k, "\xC3\xA9"); /* é: two bytes */
    sprintf(body + k, "</p>\",\"account\":{\"acct\":\"x\"}}]");
    ing_feed_page_t page = {0};
    char why[200];
    ASSERT_EQ(
        ing_feed_mastodon_parse(ING_FEED_MASTODON_TAG, body, strlen(body), &page, why, sizeof why),
        0);
    ASSERT_EQ(page.n, 1);
    ASSERT_EQ(strlen(page.items[0].text), ING_FEED_TEXT_MAX);
    ASSERT_EQ((unsigned char)page.items[0].text[ING_FEED_TEXT_MAX - 1], 0xA9);
    ing_feed_page_clear(&page);
    free(body);
}

/* ---------------- RSS and Atom ---------------- */

static const char *RSS =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
    "<channel><title>Example News</title><link>https://news.example/</link>\n"
    "<description>All the news</description>\n"
    "<item><title>Refunds are late</title><link>https://news.example/a/1</link>\n"
    "<guid isPermaLink=\"false\">tag:news.example,2024:1</guid>\n"
    "<dc:creator>Jo Writer</dc:creator>\n"
    "<pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate>\n"
    "<description><![CDATA[<p>Customers of <b>Example</b> say refunds &amp; orders are "
    "late.</p><script>alert(1)</script>]]></description></item>\n"
    "<item><title>Second</title><link>https://news.example/a/2</link>\n"
    "<author>ed@news.example (Ed)</author>\n"
    "<pubDate>Wed, 11 Jun 03 09:30 +0200</pubDate>\n"
    "<description>&lt;p&gt;escaped &lt;i&gt;HTML&lt;/i&gt;&lt;/p&gt;</description></item>\n"
    "<item><title>No id at all</title><description>lost</description></item>\n"
    "<item><link>https://news.example/a/4</link></item>\n"
    "<item><description>only a body</description><guid>g5</guid><pubDate>bogus</pubDate></item>\n"
    "</channel></rss>\n";

HD_TEST(rss_items) {
    ing_feed_page_t page = {0};
    char why[200];
    ASSERT_EQ(ing_feed_rss_parse(RSS, strlen(RSS), &page, why, sizeof why), 0);
    ASSERT_STR(page.title, "Example News");
    ASSERT_EQ(page.entries, 5);
    ASSERT_EQ(page.n, 3);
    ASSERT_EQ(page.nbad, 2);
    ing_feed_item_t *a = &page.items[0], *b = &page.items[1], *c = &page.items[2];
    ASSERT_STR(a->external_id, "tag:news.example,2024:1");
    ASSERT_STR(a->author, "Jo Writer");
    ASSERT_STR(a->url, "https://news.example/a/1");
    ASSERT_STR(a->text, "Refunds are late\n\nCustomers of Example say refunds & orders are late.");
    long long ms;
    ASSERT_EQ(ing_rfc3339_ms("2003-06-10T04:00:00Z", &ms), 0);
    ASSERT_EQ(a->posted_at_ms, ms);
    ASSERT_STR(b->external_id, "https://news.example/a/2"); /* no guid: the link */
    ASSERT_STR(b->author, "ed@news.example (Ed)");
    ASSERT_STR(b->text, "Second\n\nescaped HTML");
    ASSERT_EQ(ing_rfc3339_ms("2003-06-11T07:30:00Z", &ms), 0);
    ASSERT_EQ(b->posted_at_ms, ms);
    ASSERT_STR(c->external_id, "g5");
    ASSERT(c->author == NULL); /* the runner takes the feed's title */
    ASSERT_STR(c->text, "only a body");
    ASSERT_EQ(c->posted_at_ms, 0);
    ASSERT(strstr(page.bad[0].reason, "no id") != NULL);
    ASSERT(strstr(page.bad[0].raw, "<title>No id at all</title>") != NULL);
    ASSERT_STR(page.bad[1].external_id, "https://news.example/a/4");
    ASSERT(strstr(page.bad[1].reason, "no text") != NULL);
    ing_feed_page_clear(&page);
}

/* RFC 4287's extensive example, trimmed. */
static const char *ATOM =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
    "<title type=\"text\">dive into mark</title>\n"
    "<updated>2005-07-31T12:29:29Z</updated><id>tag:example.org,2003:3</id>\n"
    "<author><name>Mark Pilgrim</name></author>\n"
    "<entry><title>Atom draft-07 snapshot</title>\n"
    "<link rel=\"enclosure\" type=\"audio/mpeg\" href=\"http://example.org/audio/ph34r.mp3\"/>\n"
    "<link rel=\"alternate\" type=\"text/html\" href=\"http://example.org/2005/04/02/atom\"/>\n"
    "<id>tag:example.org,2003:3.2397</id>\n"
    "<updated>2005-07-31T12:29:29Z</updated><published>2003-12-13T08:29:29-04:00</published>\n"
    "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><p><i>[Update: The "
    "Atom draft is finished.]</i></p></div></content></entry>\n"
    "<entry><title type=\"html\">&lt;b&gt;Bold&lt;/b&gt; move</title>\n"
    "<id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>\n"
    "<author><name>Sam Ruby</name></author>\n"
    "<updated>2005-08-01T00:00:00Z</updated>\n"
    "<summary type=\"html\">a &lt;em&gt;summary&lt;/em&gt;</summary></entry>\n"
    "</feed>";

HD_TEST(atom_entries) {
    ing_feed_page_t page = {0};
    char why[200];
    ASSERT_EQ(ing_feed_rss_parse(ATOM, strlen(ATOM), &page, why, sizeof why), 0);
    ASSERT_STR(page.title, "dive into mark");
    ASSERT_EQ(page.n, 2);
    ASSERT_EQ(page.nbad, 0);
    ing_feed_item_t *a = &page.items[0], *b = &page.items[1];
    ASSERT_STR(a->external_id, "tag:example.org,2003:3.2397");
    ASSERT_STR(a->url, "http://example.org/2005/04/02/atom"); /* the alternate, not the enclosure */
    ASSERT_STR(a->author, "Mark Pilgrim");                    /* the feed's */
    ASSERT_STR(a->text, "Atom draft-07 snapshot\n\n[Update: The Atom draft is finished.]");
    long long ms;
    ASSERT_EQ(ing_rfc3339_ms("2003-12-13T12:29:29Z", &ms), 0);
    ASSERT_EQ(a->posted_at_ms, ms); /* published before updated */
    ASSERT_STR(b->author, "Sam Ruby");
    ASSERT_STR(b->text, "Bold move\n\na summary");
    ASSERT(b->url == NULL);
    ASSERT_EQ(ing_rfc3339_ms("2005-08-01T00:00:00Z", &ms), 0);
    ASSERT_EQ(b->posted_at_ms, ms);
    ing_feed_page_clear(&page);
}

HD_TEST(xml_garbage_is_refused_whole) {
    const char *bad[] = {
        "",
        "not xml at all",
        "<rss version=\"2.0\"><channel><item><title>cut",
        "<html><body><p>Service Unavailable</p></body></html>",
        "<rss version=\"2.0\"></rss>",            /* no channel */
        "<feed><entry><id>1</id></entry></feed>", /* not in Atom's namespace */
        "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b "
        "\"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><rss version=\"2.0\"><channel><item><guid>1</guid>"
        "<title>&b;</title></item></channel></rss>",
        "[{\"id\":\"1\"}]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ing_feed_page_t page = {0};
        char why[200] = "";
        ASSERT_EQ(ing_feed_rss_parse(bad[i], strlen(bad[i]), &page, why, sizeof why), -1);
        ASSERT(why[0] != 0);
        ASSERT_EQ(page.n + page.nbad, 0);
        ing_feed_page_clear(&page);
    }
}

HD_TEST(rfc822_dates) {
    long long ms, want;
    ASSERT_EQ(ing_feed_rfc822_ms("Sat, 07 Sep 2002 00:00:01 GMT", &ms), 0);
    ASSERT_EQ(ing_rfc3339_ms("2002-09-07T00:00:01Z", &want), 0);
    ASSERT_EQ(ms, want);
    ASSERT_EQ(ing_feed_rfc822_ms("07 Sep 2002 00:00:01 +0000", &ms), 0); /* no day name */
    ASSERT_EQ(ms, want);
    ASSERT_EQ(ing_feed_rfc822_ms("Fri, 06 Sep 2002 20:00:01 EDT", &ms), 0);
    ASSERT_EQ(ms, want);
    ASSERT_EQ(ing_feed_rfc822_ms("Sat, 7 Sep 02 00:00 UT", &ms), 0); /* two-digit year, no s */
    ASSERT_EQ(ms, want - 1000);
    ASSERT_EQ(ing_feed_rfc822_ms("Mon, 01 Jan 1999 00:00:00 -0130", &ms), 0);
    ASSERT_EQ(ing_rfc3339_ms("1999-01-01T01:30:00Z", &want), 0);
    ASSERT_EQ(ms, want);
    const char *bad[] = {"",
                         "yesterday",
                         "Sat, 31 Feb 2002 00:00:00 GMT",
                         "Sat, 07 Sep 2002 25:00:00 GMT",
                         "Sat, 07 Sep 2002 00:00:00 CET",
                         "Sat, 07 Sept 2002 00:00:00 GMT",
                         "2002-09-07T00:00:01Z",
                         "Sat, 07 Sep 2002 00:00:00 GMT trailing"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ASSERT_EQ(ing_feed_rfc822_ms(bad[i], &ms), -1);
}

/* ---------------- HTML ---------------- */

static void html_is(const char *html, const char *want, int *ok) {
    char *t = ing_feed_html_text(html, strlen(html));
    *ok = t && strcmp(t, want) == 0;
    if (!*ok)
        fprintf(stderr, "html %s -> \"%s\", wanted \"%s\"\n", html, t ? t : "(null)", want);
    free(t);
}

HD_TEST(html_to_text) {
    int ok;
    html_is("<p>one</p><p>two</p>", "one\n\ntwo", &ok);
    ASSERT(ok);
    html_is("a<br>b<br/><br>c", "a\nb\n\nc", &ok);
    ASSERT(ok);
    html_is("  lots   of\n\t space  ", "lots of space", &ok);
    ASSERT(ok);
    html_is("&lt;tag&gt; &amp; &quot;q&quot; &#233;&eacute;", "<tag> & \"q\" \xC3\xA9\xC3\xA9",
            &ok);
    ASSERT(ok);
    html_is("<ul><li>x</li><li>y</li></ul>after", "x\n\ny\n\nafter", &ok);
    ASSERT(ok);
    html_is("<style>p{}</style><script>evil()</script>seen", "seen", &ok);
    ASSERT(ok);
    html_is("<p><a href=\"x\">@<span>care</span></a> hi</p>", "@care hi", &ok);
    ASSERT(ok);
    html_is("<p></p><p> </p>", "", &ok);
    ASSERT(ok);
    html_is("unclosed <b>bold <i>both", "unclosed bold both", &ok);
    ASSERT(ok);
    /* nesting costs no stack; libxml2 gives up past its own depth limit */
    for (size_t depth = 200; depth <= 20000; depth *= 100) {
        char *deep = malloc(depth * 3 + 16);
        size_t k = 0;
        for (size_t i = 0; i < depth; i++)
            k += (size_t)sprintf(deep + k, "<b>");
        sprintf(deep + k, "deep");
        char *t = ing_feed_html_text(deep, strlen(deep));
        free(deep);
        ASSERT(t != NULL);
        int seen = strstr(t, "deep") != NULL;
        free(t);
        ASSERT(seen || depth > 256);
    }
    char *t = ing_feed_html_text("", 0);
    ASSERT_STR(t, "");
    free(t);
}

HD_TEST_MAIN(HD_CASE(mastodon_notifications), HD_CASE(mastodon_tag_timeline),
             HD_CASE(mastodon_garbage_is_refused_whole), HD_CASE(mastodon_hashtag_nobody_used),
             HD_CASE(mastodon_bad_entries_are_set_apart),
             HD_CASE(mastodon_long_text_is_cut_on_a_character), HD_CASE(rss_items),
             HD_CASE(atom_entries), HD_CASE(xml_garbage_is_refused_whole), HD_CASE(rfc822_dates),
             HD_CASE(html_to_text))
