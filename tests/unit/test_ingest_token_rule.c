/*  token_rule: what a token request may ask (scopes no wider than the
    caller's token, names, expiry in RFC 3339 or days, integrations' slugs
    and lists), decided without a database. */
#include "hd_test.h"
#include "route.h"
#include "token_rule.h"

#include <jansson.h>

#define NOW 1796655600 /* 2026-12-07T15:00:00Z */
#define ALL (ING_SCOPE_READ | ING_SCOPE_SUBMIT | ING_SCOPE_DECIDE | ING_SCOPE_ADMIN)

static int ask(const char *body, unsigned caller, ing_token_req_t *rq, ing_token_err_t *err) {
    json_t *j = json_loads(body, 0, NULL);
    int rc = ing_token_request(j, caller, NOW, rq, err);
    json_decref(j);
    return rc;
}

HD_TEST(rfc3339_dates) {
    int64_t t;
    ASSERT_EQ(ing_rfc3339_parse("2026-12-07T15:00:00Z", &t), 0);
    ASSERT_EQ(t, NOW);
    ASSERT_EQ(ing_rfc3339_parse("2026-12-07T17:00:00.123+02:00", &t), 0);
    ASSERT_EQ(t, NOW);
    ASSERT_EQ(ing_rfc3339_parse("1970-01-01T00:00:00Z", &t), 0);
    ASSERT_EQ(t, 0);
    ASSERT_EQ(ing_rfc3339_parse("2028-02-29T00:00:00Z", &t), 0);
    ASSERT_EQ(ing_rfc3339_parse("2027-02-29T00:00:00Z", &t), -1);
    ASSERT_EQ(ing_rfc3339_parse("2026-12-07 15:00:00Z", &t), -1);
    ASSERT_EQ(ing_rfc3339_parse("2026-12-07T15:00:00", &t), -1);
    ASSERT_EQ(ing_rfc3339_parse("2026-13-07T15:00:00Z", &t), -1);
    ASSERT_EQ(ing_rfc3339_parse("2026-12-07T15:00:00Zjunk", &t), -1);
    ASSERT_EQ(ing_rfc3339_parse("tomorrow", &t), -1);
    ASSERT_EQ(ing_rfc3339_parse(NULL, &t), -1);
}

HD_TEST(defaults_are_the_callers_scopes_and_ninety_days) {
    ing_token_req_t rq;
    ing_token_err_t err;
    ASSERT_EQ(ask("{\"name\":\"laptop\"}", ALL, &rq, &err), 0);
    ASSERT_STR(rq.name, "laptop");
    ASSERT_EQ(rq.scopes, ALL);
    ASSERT_EQ(rq.expires_at, NOW + 90 * 86400);
    ASSERT_EQ(ask("{\"name\":\"ci\"}", ING_SCOPE_READ, &rq, &err), 0);
    ASSERT_EQ(rq.scopes, ING_SCOPE_READ);
}

HD_TEST(scopes_never_wider_than_the_callers) {
    ing_token_req_t rq;
    ing_token_err_t err;
    ASSERT_EQ(ask("{\"name\":\"x\",\"scopes\":[\"read\",\"submit\"]}", ALL, &rq, &err), 0);
    ASSERT_EQ(rq.scopes, ING_SCOPE_READ | ING_SCOPE_SUBMIT);
    ASSERT_EQ(ask("{\"name\":\"x\",\"scopes\":[\"read\",\"admin\"]}", ING_SCOPE_READ, &rq, &err),
              -1);
    ASSERT_EQ(err.status, 403);
    ASSERT_STR(err.field, "scopes");
    ASSERT(strstr(err.message, "'admin'"));
    ASSERT_EQ(ask("{\"name\":\"x\",\"scopes\":[\"inbound\"]}", ALL, &rq, &err), -1);
    ASSERT_EQ(err.status, 422);
    ASSERT_EQ(ask("{\"name\":\"x\",\"scopes\":[\"write\"]}", ALL, &rq, &err), -1);
    ASSERT(strstr(err.message, "'write'"));
    ASSERT_EQ(ask("{\"name\":\"x\",\"scopes\":[]}", ALL, &rq, &err), -1);
    ASSERT_EQ(ask("{\"name\":\"x\",\"scopes\":\"read\"}", ALL, &rq, &err), -1);
    ASSERT_EQ(ask("{\"name\":\"x\",\"scopes\":[1]}", ALL, &rq, &err), -1);
    ASSERT_EQ(err.status, 422);
}

HD_TEST(names_and_unknown_fields) {
    ing_token_req_t rq;
    ing_token_err_t err;
    ASSERT_EQ(ask("{}", ALL, &rq, &err), -1);
    ASSERT_STR(err.field, "name");
    ASSERT_EQ(ask("{\"name\":\"\"}", ALL, &rq, &err), -1);
    ASSERT_EQ(ask("{\"name\":\"a\\nb\"}", ALL, &rq, &err), -1);
    ASSERT_EQ(ask("{\"name\":7}", ALL, &rq, &err), -1);
    char big[200];
    snprintf(big, sizeof big, "{\"name\":\"%0101d\"}", 0);
    ASSERT_EQ(ask(big, ALL, &rq, &err), -1);
    ASSERT_EQ(ask("{\"name\":\"x\",\"secret\":\"y\"}", ALL, &rq, &err), -1);
    ASSERT_EQ(err.status, 422);
    ASSERT(strstr(err.message, "'secret'"));
}

HD_TEST(expiry) {
    ing_token_req_t rq;
    ing_token_err_t err;
    ASSERT_EQ(ask("{\"name\":\"x\",\"expires_in_days\":1}", ALL, &rq, &err), 0);
    ASSERT_EQ(rq.expires_at, NOW + 86400);
    ASSERT_EQ(ask("{\"name\":\"x\",\"expires_at\":null}", ALL, &rq, &err), 0);
    ASSERT_EQ(rq.expires_at, 0);
    ASSERT_EQ(ask("{\"name\":\"x\",\"expires_at\":\"2026-12-07T15:00:05Z\"}", ALL, &rq, &err), 0);
    ASSERT_EQ(rq.expires_at, NOW + 5);
    ASSERT_EQ(ask("{\"name\":\"x\",\"expires_at\":\"2026-12-07T15:00:00Z\"}", ALL, &rq, &err), -1);
    ASSERT_STR(err.field, "expires_at");
    ASSERT_EQ(ask("{\"name\":\"x\",\"expires_at\":\"2046-12-07T15:00:00Z\"}", ALL, &rq, &err), -1);
    ASSERT_EQ(ask("{\"name\":\"x\",\"expires_at\":\"soon\"}", ALL, &rq, &err), -1);
    ASSERT_EQ(ask("{\"name\":\"x\",\"expires_in_days\":0}", ALL, &rq, &err), -1);
    ASSERT_EQ(ask("{\"name\":\"x\",\"expires_in_days\":3651}", ALL, &rq, &err), -1);
    ASSERT_EQ(ask("{\"name\":\"x\",\"expires_in_days\":\"3\"}", ALL, &rq, &err), -1);
    ASSERT_EQ(ask("{\"name\":\"x\",\"expires_in_days\":3,\"expires_at\":null}", ALL, &rq, &err),
              -1);
    ASSERT_STR(err.field, "expires_in_days");
}

static int integ(const char *body, ing_integration_req_t *rq, ing_token_err_t *err, json_t **keep) {
    *keep = json_loads(body, 0, NULL);
    return ing_integration_request(*keep, NOW, rq, err);
}

HD_TEST(integrations) {
    ing_integration_req_t rq;
    ing_token_err_t err;
    json_t *j;
    ASSERT_EQ(integ("{\"name\":\"listening-feed\",\"channels\":[\"sandbox\"]}", &rq, &err, &j), 0);
    ASSERT_STR(rq.name, "listening-feed");
    ASSERT_EQ(json_array_size(rq.channels), 1);
    ASSERT(rq.departments == NULL);
    ASSERT_EQ(rq.expires_at, 0); /* integrations do not expire unless asked */
    json_decref(j);
    ASSERT_EQ(integ("{\"name\":\"Feed\"}", &rq, &err, &j), -1);
    ASSERT_STR(err.field, "name");
    json_decref(j);
    ASSERT_EQ(integ("{\"name\":\"f\",\"channels\":[\"a\",\"a\"]}", &rq, &err, &j), -1);
    ASSERT_STR(err.field, "channels");
    json_decref(j);
    ASSERT_EQ(integ("{\"name\":\"f\",\"departments\":\"sales\"}", &rq, &err, &j), -1);
    ASSERT_STR(err.field, "departments");
    json_decref(j);
    ASSERT_EQ(integ("{\"name\":\"f\",\"scopes\":[\"read\"]}", &rq, &err, &j), -1);
    ASSERT_EQ(err.status, 422);
    json_decref(j);
    ASSERT_EQ(integ("{\"name\":\"f\",\"expires_in_days\":7}", &rq, &err, &j), 0);
    ASSERT_EQ(rq.expires_at, NOW + 7 * 86400);
    json_decref(j);
}

HD_TEST(slugs) {
    ASSERT(ing_token_slug("a"));
    ASSERT(ing_token_slug("crm-2"));
    ASSERT(!ing_token_slug(""));
    ASSERT(!ing_token_slug("2crm"));
    ASSERT(!ing_token_slug("a_b"));
    ASSERT(!ing_token_slug(NULL));
}

HD_TEST_MAIN({"rfc3339_dates", rfc3339_dates},
             {"defaults_are_the_callers_scopes_and_ninety_days",
              defaults_are_the_callers_scopes_and_ninety_days},
             {"scopes_never_wider_than_the_callers", scopes_never_wider_than_the_callers},
             {"names_and_unknown_fields", names_and_unknown_fields}, {"expiry", expiry},
             {"integrations", integrations}, {"slugs", slugs})
