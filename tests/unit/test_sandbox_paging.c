/*  Tests for the sandbox's Mastodon paging (paging.h): the query as Rails
    reads it, max_id / since_id / min_id / limit as Mastodon reads them,
    the page to_a_paginated_by_id chooses, and the Link header. */
#include "paging.h"

#include "hd_test.h"

#include <stdlib.h>
#include <string.h>

/* Candidates 1 2 3 5 8 13 (oldest first); 5 is deleted. */
static const long long IDS[] = {1, 2, 3, 5, 8, 13};

static long long id_at(void *arg, size_t i) {
    (void)arg;
    return IDS[i];
}

static int keep(void *arg, size_t i) {
    (void)arg;
    return IDS[i] != 5;
}

/* The ids of the page the query chooses, joined by ' '. */
static const char *page(const char *query, long def) {
    static char out[256];
    sb_query_t q;
    sb_page_t p;
    const char *bad = NULL;
    size_t idx[16];
    out[0] = '\0';
    if (sb_query_parse(query, &q) < 0)
        return "bad query";
    int rc = sb_page_parse(&q, def, &p, &bad);
    sb_query_free(&q);
    if (rc < 0)
        return bad;
    size_t n = sb_page_select(&p, 6, id_at, keep, NULL, idx);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(out);
        snprintf(out + len, sizeof out - len, "%s%lld", i ? " " : "", IDS[idx[i]]);
    }
    return out;
}

HD_TEST(the_query_is_read_as_rails_reads_it) {
    sb_query_t q;
    ASSERT_EQ(sb_query_parse("types%5B%5D=mention&types[]=follow&a+b=c%20d&x&limit=1&limit=2", &q),
              0);
    ASSERT_EQ(q.n, 6);
    ASSERT_STR(q.v[0].name, "types[]");
    ASSERT_STR(sb_query_get(&q, "a b"), "c d");
    ASSERT_STR(sb_query_get(&q, "x"), "");
    ASSERT_STR(sb_query_get(&q, "limit"), "2"); /* the last of a repeated scalar */
    ASSERT(sb_query_has(&q, "types[]", "follow"));
    ASSERT(!sb_query_has(&q, "types[]", "poll"));
    ASSERT(sb_query_given(&q, "types[]") && !sb_query_given(&q, "exclude_types[]"));
    sb_query_free(&q);
    ASSERT_EQ(sb_query_parse("a=%00", &q), -1);
    ASSERT_EQ(sb_query_parse("a=%FF", &q), -1);
    ASSERT_EQ(sb_query_parse("", &q), 0);
    ASSERT_EQ(q.n, 0);
}

HD_TEST(limits_as_limit_param) {
    ASSERT_STR(page("", 2), "13 8");              /* the default */
    ASSERT_STR(page("limit=100", 2), "13 8 3 2"); /* at most twice the default */
    ASSERT_STR(page("limit=-3", 20), "13 8 3");   /* the absolute value */
    ASSERT_STR(page("limit=3abc", 20), "13 8 3"); /* to_i */
    ASSERT_STR(page("limit=abc", 20), "");        /* to_i is 0 */
    ASSERT_STR(page("limit=", 20), "");
}

HD_TEST(pages_as_to_a_paginated_by_id) {
    ASSERT_STR(page("max_id=8", 20), "3 2 1"); /* below, the deleted 5 skipped */
    ASSERT_STR(page("max_id=9", 20), "8 3 2 1");
    ASSERT_STR(page("since_id=2", 20), "13 8 3"); /* the newest above */
    ASSERT_STR(page("since_id=2&limit=2", 20), "13 8");
    ASSERT_STR(page("min_id=2&limit=2", 20), "8 3"); /* right above, without a gap */
    ASSERT_STR(page("min_id=1&max_id=8", 20), "3 2");
    ASSERT_STR(page("min_id=2&since_id=8", 20), "13 8 3"); /* min_id wins */
    ASSERT_STR(page("min_id=13", 20), "");
    ASSERT_STR(page("min_id=0&limit=2", 20), "2 1"); /* a cursor before everything */
    ASSERT_STR(page("max_id=1", 20), "");
    ASSERT_STR(page("max_id=&min_id=&since_id=", 20), "13 8 3 2 1"); /* empty: absent */
    ASSERT_STR(page("max_id=x1", 20), "max_id");
    ASSERT_STR(page("min_id=-1", 20), "min_id");
}

HD_TEST(the_link_header_as_set_pagination_headers) {
    static const char *const echo[] = {"limit", "account_id", "types[]", "exclude_types[]", NULL};
    sb_query_t q;
    ASSERT_EQ(sb_query_parse("types[]=mention&limit=2&exclude_types[]=follow&exclude_types[]=a%20b"
                             "&max_id=99&other=1",
                             &q),
              0);
    char *link = sb_page_link("https://s.test/api/v1/notifications", &q, echo, "5", "9");
    ASSERT_STR(link, "<https://s.test/api/v1/notifications?exclude_types%5B%5D=follow&"
                     "exclude_types%5B%5D=a+b&limit=2&max_id=5&types%5B%5D=mention>; "
                     "rel=\"next\", <https://s.test/api/v1/notifications?exclude_types%5B%5D="
                     "follow&exclude_types%5B%5D=a+b&limit=2&min_id=9&types%5B%5D=mention>; "
                     "rel=\"prev\"");
    free(link);
    sb_query_free(&q);
    ASSERT_EQ(sb_query_parse("", &q), 0);
    link = sb_page_link("https://s.test/api/v1/timelines/tag/cats", &q, echo, "1", "2");
    ASSERT_STR(link, "<https://s.test/api/v1/timelines/tag/cats?max_id=1>; rel=\"next\", "
                     "<https://s.test/api/v1/timelines/tag/cats?min_id=2>; rel=\"prev\"");
    free(link);
    sb_query_free(&q);
}

HD_TEST_MAIN(HD_CASE(the_query_is_read_as_rails_reads_it), HD_CASE(limits_as_limit_param),
             HD_CASE(pages_as_to_a_paginated_by_id),
             HD_CASE(the_link_header_as_set_pagination_headers))
