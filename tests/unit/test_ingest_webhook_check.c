/*  A webhook endpoint's name and URL as an administrator sets them
    (services/ingest/webhook_check.c). */
#include "hd_test.h"
#include "webhook_check.h"

#include <string.h>

HD_TEST(urls_accepted) {
    const char *ok[] = {"http://127.0.0.1:9000/hook",
                        "https://hooks.example.org/huddle?team=crisis",
                        "https://example.org",
                        "http://[::1]:8080/x",
                        "https://a.example.org:443/path#frag",
                        "http://localhost:65535/"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        ASSERT(ing_webhook_check_url(ok[i]) == NULL);
}

HD_TEST(urls_refused_with_the_reason) {
    ASSERT_STR(ing_webhook_check_url("ftp://example.org/x"), "must be an http:// or https:// URL");
    ASSERT_STR(ing_webhook_check_url("HTTP://example.org"), "must be an http:// or https:// URL");
    ASSERT_STR(ing_webhook_check_url("example.org/hook"), "must be an http:// or https:// URL");
    ASSERT_STR(ing_webhook_check_url("http://"), "must name a host");
    ASSERT_STR(ing_webhook_check_url("https:///path"), "must name a host");
    ASSERT_STR(ing_webhook_check_url("http://:8080/x"), "must name a host");
    ASSERT_STR(ing_webhook_check_url("http://[]:80/"), "must name a host");
    ASSERT_STR(ing_webhook_check_url("http://h:0/"), "must have a port from 1 to 65535 after ':'");
    ASSERT_STR(ing_webhook_check_url("http://h:65536/"),
               "must have a port from 1 to 65535 after ':'");
    ASSERT_STR(ing_webhook_check_url("http://h:8a/"), "must have a port from 1 to 65535 after ':'");
    ASSERT_STR(ing_webhook_check_url("http://h:/"), "must have a port from 1 to 65535 after ':'");
    ASSERT_STR(ing_webhook_check_url("https://user:pw@example.org/"),
               "must not hold a user or password (answers show the URL)");
    ASSERT_STR(ing_webhook_check_url("http://exa mple.org/"),
               "must not hold spaces or control characters");
    ASSERT_STR(ing_webhook_check_url("http://example.org/\x01"),
               "must not hold spaces or control characters");
}

HD_TEST(url_length_bound) {
    char url[ING_WEBHOOK_URL_MAX + 2];
    strcpy(url, "https://example.org/");
    size_t n = strlen(url);
    memset(url + n, 'a', ING_WEBHOOK_URL_MAX - n);
    url[ING_WEBHOOK_URL_MAX] = '\0';
    ASSERT(ing_webhook_check_url(url) == NULL); /* exactly 2048 bytes */
    url[ING_WEBHOOK_URL_MAX] = 'a';
    url[ING_WEBHOOK_URL_MAX + 1] = '\0';
    ASSERT_STR(ing_webhook_check_url(url), "must be at most 2048 bytes");
}

HD_TEST(names) {
    ASSERT(ing_webhook_check_name("crisis-team") == NULL);
    ASSERT(ing_webhook_check_name("booth2") == NULL);
    ASSERT(ing_webhook_check_name("Crisis") != NULL);
    ASSERT(ing_webhook_check_name("") != NULL);
    ASSERT(ing_webhook_check_name("-x") != NULL);
    ASSERT(ing_webhook_check_name("a_b") != NULL);
}

HD_TEST_MAIN(HD_CASE(urls_accepted), HD_CASE(urls_refused_with_the_reason),
             HD_CASE(url_length_bound), HD_CASE(names))
