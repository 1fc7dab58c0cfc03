/*  Tests for what the sandbox derives from its posts (timeline.h): threads
    and Mastodon's in_reply_to_account rule, mentions (never of oneself),
    hashtags, authors and their live counts, following the store only as
    far as it is durable; who may see a status (entity.h); the accounts'
    lookups, merge and ids; the crowd's texts and targets; and an RSS feed
    that libxml2 reads back as well-formed XML whatever the text holds.
    Real files in a temporary directory. */
#include "accounts.h"
#include "crowd.h"
#include "entity.h"
#include "rss.h"
#include "store.h"
#include "timeline.h"

#include "hd_test.h"

#include <libxml/parser.h>
#include <stdlib.h>
#include <unistd.h>

static char s_dir[64];
static char s_path[128];

static sb_store_t *fresh_store(void) {
    snprintf(s_dir, sizeof s_dir, "/tmp/hd-sandbox-tl-XXXXXX");
    if (!mkdtemp(s_dir))
        return NULL;
    snprintf(s_path, sizeof s_path, "%s/statuses.jsonl", s_dir);
    return sb_store_open(s_path);
}

static void cleanup(sb_store_t **st) {
    sb_store_destroy(st);
    unlink(s_path);
    rmdir(s_dir);
}

static sb_accounts_t *accounts(void) {
    char err[128];
    return sb_accounts_parse("care:t1,sam:t2,jo:t3,Big_Co:t4", err, sizeof err);
}

/* Appends and syncs; the post's position. */
static size_t add(sb_store_t *st, const char *acct, const char *text, const char *visibility,
                  const char *reply) {
    const sb_post_t *p = sb_store_append(st, acct, text, visibility, NULL, reply);
    if (!p || sb_store_sync(st) < 0)
        return SIZE_MAX;
    return sb_store_pos(st, p);
}

/* The positions of a list, joined by ' '. */
static const char *positions(sb_poslist_t l) {
    static char out[256];
    out[0] = '\0';
    for (size_t i = 0; i < l.n; i++) {
        size_t n = strlen(out);
        snprintf(out + n, sizeof out - n, "%s%u", i ? " " : "", l.pos[i]);
    }
    return out;
}

HD_TEST(threads_mentions_and_tags) {
    sb_store_t *st = fresh_store();
    sb_accounts_t *ac = accounts();
    sb_timeline_t *tl = sb_timeline_new(st, ac);
    ASSERT(st && ac && tl);
    size_t a = add(st, "sam", "@care @CARE my #Order is late, @nobody", NULL, NULL); /* 0 */
    size_t b = add(st, "care", "@sam sorry #order", NULL, "1");                      /* 1 */
    size_t c = add(st, "care", "and @care notes to self", NULL, "2");                /* 2 */
    size_t d = add(st, "jo", "@big_co #Café", NULL, "99");                           /* 3 */
    ASSERT(a == 0 && b == 1 && c == 2 && d == 3);
    ASSERT_STR(positions(sb_timeline_mentions(tl, "care")), "0"); /* once; never by itself */
    ASSERT_STR(positions(sb_timeline_mentions(tl, "sam")), "1");
    ASSERT_STR(positions(sb_timeline_mentions(tl, "Big_Co")), "3");
    ASSERT_STR(positions(sb_timeline_mentions(tl, "nobody")), "");
    ASSERT(sb_timeline_mentions_acct(tl, 0, "care") && !sb_timeline_mentions_acct(tl, 1, "care"));
    int used = 0;
    ASSERT_STR(positions(sb_timeline_tagged(tl, "order", &used)), "0 1");
    ASSERT(used);
    ASSERT_STR(positions(sb_timeline_tagged(tl, "café", &used)), "3");
    sb_timeline_tagged(tl, "never", &used);
    ASSERT(!used);
    /* threads: 99 is no post; the carried-over account of a self-thread */
    ASSERT_EQ(sb_timeline_parent(tl, 1), 0);
    ASSERT_EQ(sb_timeline_parent(tl, 3), SIZE_MAX);
    ASSERT_STR(positions(sb_timeline_replies(tl, 0)), "1");
    ASSERT_STR(positions(sb_timeline_replies(tl, 1)), "2");
    ASSERT_STR(sb_timeline_reply_account(tl, 1), "sam");
    ASSERT_STR(sb_timeline_reply_account(tl, 2), "sam"); /* care answers care's reply to sam */
    ASSERT(sb_timeline_reply_account(tl, 3) == NULL);
    ASSERT_STR(positions(sb_timeline_authored(tl, "care")), "1 2");
    ASSERT(sb_timeline_known(tl, "jo") && !sb_timeline_known(tl, "nobody"));
    /* a deletion counts once it is on disk */
    ASSERT_EQ(sb_timeline_live_count(tl, "care"), 2);
    ASSERT_EQ(sb_store_delete(st, sb_store_at(st, 2)), 0);
    ASSERT_EQ(sb_timeline_live_count(tl, "care"), 2);
    ASSERT_EQ(sb_store_sync(st), 0);
    ASSERT_EQ(sb_timeline_live_count(tl, "care"), 1);
    sb_timeline_destroy(&tl);
    sb_accounts_destroy(&ac);
    cleanup(&st);
}

HD_TEST(only_durable_posts_are_indexed) {
    sb_store_t *st = fresh_store();
    sb_accounts_t *ac = accounts();
    sb_timeline_t *tl = sb_timeline_new(st, ac);
    ASSERT(sb_store_append(st, "sam", "@care first", NULL, NULL, NULL) != NULL);
    ASSERT_STR(positions(sb_timeline_mentions(tl, "care")), ""); /* not yet on disk */
    ASSERT_EQ(sb_store_sync(st), 0);
    ASSERT_STR(positions(sb_timeline_mentions(tl, "care")), "0");
    /* a new timeline over the reloaded file sees the same */
    sb_timeline_destroy(&tl);
    sb_store_destroy(&st);
    st = sb_store_open(s_path);
    tl = sb_timeline_new(st, ac);
    ASSERT_STR(positions(sb_timeline_mentions(tl, "care")), "0");
    sb_timeline_destroy(&tl);
    sb_accounts_destroy(&ac);
    cleanup(&st);
}

HD_TEST(who_sees_a_status) {
    sb_store_t *st = fresh_store();
    sb_accounts_t *ac = accounts();
    sb_timeline_t *tl = sb_timeline_new(st, ac);
    sb_view_t v = {st, tl, "http://s.test"};
    add(st, "sam", "@care between us", "direct", NULL);
    add(st, "sam", "hello", "unlisted", NULL);
    const sb_post_t *direct = sb_store_at(st, 0), *unlisted = sb_store_at(st, 1);
    ASSERT(sb_entity_visible(&v, direct, "sam") && sb_entity_visible(&v, direct, "care"));
    ASSERT(!sb_entity_visible(&v, direct, "jo") && !sb_entity_visible(&v, direct, NULL));
    ASSERT(sb_entity_visible(&v, unlisted, NULL));
    ASSERT(!sb_entity_visible(&v, NULL, "sam"));
    ASSERT_EQ(sb_store_delete(st, unlisted), 0);
    ASSERT(sb_entity_visible(&v, unlisted, NULL)); /* until the deletion is on disk */
    ASSERT_EQ(sb_store_sync(st), 0);
    ASSERT(!sb_entity_visible(&v, unlisted, "sam"));
    sb_timeline_destroy(&tl);
    sb_accounts_destroy(&ac);
    cleanup(&st);
}

HD_TEST(accounts_find_merge_and_ids) {
    char err[128], id[SB_ACCOUNT_ID_LEN], again[SB_ACCOUNT_ID_LEN];
    sb_accounts_t *ac = accounts();
    ASSERT_STR(sb_accounts_find(ac, "BIG_CO", 6), "Big_Co");
    ASSERT(sb_accounts_find(ac, "big", 3) == NULL);
    sb_accounts_t *crowd = sb_accounts_parse("pat:t9,sam:t2", err, sizeof err);
    ASSERT_EQ(sb_accounts_merge(ac, crowd, err, sizeof err), 0);
    ASSERT_EQ(sb_accounts_count(ac), 5); /* sam was there with its token already */
    ASSERT_STR(sb_accounts_handle(ac, 4), "pat");
    ASSERT_STR(sb_accounts_token(ac, 4), "t9");
    sb_accounts_destroy(&crowd);
    crowd = sb_accounts_parse("sam:other", err, sizeof err);
    ASSERT_EQ(sb_accounts_merge(ac, crowd, err, sizeof err), -1);
    sb_accounts_destroy(&crowd);
    crowd = sb_accounts_parse("lee:t1", err, sizeof err); /* care's token */
    ASSERT_EQ(sb_accounts_merge(ac, crowd, err, sizeof err), -1);
    ASSERT(strstr(err, "lee"));
    sb_accounts_destroy(&crowd);
    sb_account_id("care", id);
    sb_account_id("care", again);
    ASSERT_STR(id, again);
    ASSERT(strspn(id, "0123456789") == strlen(id) && strtoull(id, NULL, 10) < (1ULL << 53));
    sb_account_id("Care", again);
    ASSERT(strcmp(id, again) != 0);
    sb_accounts_destroy(&ac);
}

HD_TEST(the_crowd_speaks_in_turn) {
    char err[128];
    char *t0 = sb_crowd_text(0, "care", "shop"), *t1 = sb_crowd_text(1, "care", "shop");
    char *t3 = sb_crowd_text(3, "care", NULL), *t8 = sb_crowd_text(8, "care", "");
    ASSERT(strstr(t0, "@care") && strstr(t1, "@care"));
    ASSERT(strlen(t0) > 6 && strcmp(t0 + strlen(t0) - 6, " #shop") == 0);
    ASSERT(!strstr(t1, "#shop") && !strstr(t3, "#") && !strstr(t8, "#"));
    ASSERT(strcmp(t0, t1) != 0);
    free(t0);
    free(t1);
    free(t3);
    free(t8);
    sb_accounts_t *ac = accounts();
    const char **targets = sb_crowd_targets(" @CARE, jo ,", ac, err, sizeof err);
    ASSERT(targets && targets[0] && targets[1] && !targets[2]);
    ASSERT_STR(targets[0], "care");
    ASSERT_STR(targets[1], "jo");
    free(targets);
    ASSERT(sb_crowd_targets("care,nobody", ac, err, sizeof err) == NULL);
    ASSERT(strstr(err, "nobody"));
    ASSERT(sb_crowd_targets("", ac, err, sizeof err) == NULL);
    sb_accounts_destroy(&ac);
}

HD_TEST(rss_is_well_formed_whatever_the_text) {
    sb_store_t *st = fresh_store();
    sb_accounts_t *ac = accounts();
    sb_timeline_t *tl = sb_timeline_new(st, ac);
    sb_view_t v = {st, tl, "http://s.test"};
    add(st, "sam", "<b>&amp;</b> \"q\" \x01\x1f \xEF\xBF\xBE ]]> #Tag #tag", NULL, NULL);
    add(st, "sam", "second", NULL, NULL);
    size_t pos[] = {1, 0};
    sb_rss_channel_t ch = {"sam <&>", "Public posts from @sam@s.test", "http://s.test/@sam",
                           "http://s.test/avatars/original/missing.png", 0};
    char *xml = sb_rss_render(&v, &ch, pos, 2);
    ASSERT(xml != NULL);
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "feed.xml", NULL, XML_PARSE_NONET);
    ASSERT(doc != NULL);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    ASSERT_STR((const char *)root->name, "rss");
    xmlFreeDoc(doc);
    ASSERT(strstr(xml, "<category>Tag</category>") && !strstr(xml, "<category>tag</category>"));
    ASSERT(strstr(xml, "<pubDate>") && strstr(xml, " +0000</pubDate>"));
    ASSERT(strstr(xml, "<title>sam &lt;&amp;&gt;</title>"));
    free(xml);
    sb_timeline_destroy(&tl);
    sb_accounts_destroy(&ac);
    cleanup(&st);
}

HD_TEST_MAIN(HD_CASE(threads_mentions_and_tags), HD_CASE(only_durable_posts_are_indexed),
             HD_CASE(who_sees_a_status), HD_CASE(accounts_find_merge_and_ids),
             HD_CASE(the_crowd_speaks_in_turn), HD_CASE(rss_is_well_formed_whatever_the_text))
