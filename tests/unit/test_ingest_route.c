/*  The API's route matching (services/ingest/route.c): parameters, 404
    versus 405 with the methods the path has, HEAD as GET, scope names;
    and the org.* event family of hd_envelope. */
#include "hd_envelope.h"
#include "hd_test.h"
#include "route.h"

static void h(ing_call_t *c) { (void)c; }

static const ing_route_t a[] = {
    {"GET", "/v1/admin/people", ING_SCOPE_ADMIN, h, ""},
    {"POST", "/v1/admin/people", ING_SCOPE_ADMIN, h, ""},
    {"GET", "/v1/admin/people/{id}", ING_SCOPE_ADMIN, h, ""},
    {"PUT", "/v1/admin/people/{id}/roles/{role}", ING_SCOPE_ADMIN, h, ""},
    {NULL, NULL, 0, NULL, NULL}};
static const ing_route_t b[] = {{"DELETE", "/v1/admin/people/{id}/roles/{role}", 8, h, ""},
                                {NULL, NULL, 0, NULL, NULL}};
static const ing_route_t *const tables[] = {a, b, NULL};

HD_TEST(params) {
    const ing_route_t *r = NULL;
    ing_call_t c = {0};
    char allow[64];
    ASSERT_EQ(ing_route_match(tables, "PUT", "/v1/admin/people/p@x.org/roles/coach", &r, &c, allow,
                              sizeof allow),
              ING_ROUTE_FOUND);
    ASSERT_EQ(c.nparams, 2);
    ASSERT_STR(c.params[0], "p@x.org");
    ASSERT_STR(c.params[1], "coach");
    ASSERT_EQ(ing_route_match(tables, "DELETE", "/v1/admin/people/x/roles/y", &r, &c, allow,
                              sizeof allow),
              ING_ROUTE_FOUND);
    ASSERT_STR(r->method, "DELETE");
    ASSERT_EQ(ing_route_match(tables, "HEAD", "/v1/admin/people", &r, &c, allow, sizeof allow),
              ING_ROUTE_FOUND);
}

HD_TEST(not_found_versus_method) {
    const ing_route_t *r = NULL;
    ing_call_t c = {0};
    char allow[64];
    ASSERT_EQ(ing_route_match(tables, "GET", "/v1/admin/peoples", &r, &c, allow, sizeof allow),
              ING_ROUTE_NO_PATH);
    ASSERT_EQ(ing_route_match(tables, "GET", "/v1/admin/people/", &r, &c, allow, sizeof allow),
              ING_ROUTE_NO_PATH); /* an empty {id} is no id */
    ASSERT_EQ(ing_route_match(tables, "GET", "/v1/admin/people/a/b", &r, &c, allow, sizeof allow),
              ING_ROUTE_NO_PATH);
    ASSERT_EQ(ing_route_match(tables, "DELETE", "/v1/admin/people", &r, &c, allow, sizeof allow),
              ING_ROUTE_NO_METHOD);
    ASSERT_STR(allow, "GET, POST");
    ASSERT_EQ(
        ing_route_match(tables, "GET", "/v1/admin/people/x/roles/y", &r, &c, allow, sizeof allow),
        ING_ROUTE_NO_METHOD);
    ASSERT_STR(allow, "PUT, DELETE");
}

HD_TEST(scopes) {
    ASSERT_STR(ing_scope_name(ING_SCOPE_DECIDE), "decide");
    ASSERT_EQ(ing_scope_parse("admin"), ING_SCOPE_ADMIN);
    ASSERT_EQ(ing_scope_parse("root"), ING_SCOPE_NONE);
    ASSERT(ing_scope_name((ing_scope_t)3) == NULL);
}

HD_TEST(org_event_family) {
    Huddle__V1__OrgChanged body = HUDDLE__V1__ORG_CHANGED__INIT;
    body.object = "person";
    body.action = "deactivated";
    body.object_id = "x";
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_ORG_CHANGED;
    env.org_changed = &body;
    char type[HD_TYPE_LEN], id[HD_ID_LEN];
    env.type = (char *)hd_envelope_org_type(&body, type, sizeof type);
    hd_envelope_stamp(&env, id, "test", NULL, NULL);
    ASSERT_STR(env.type, "org.person.deactivated");
    size_t len;
    uint8_t *buf = hd_envelope_pack(&env, &len);
    hd_envelope_t *back = hd_envelope_unpack(buf, len);
    ASSERT(back != NULL);
    ASSERT_STR(back->type, "org.person.deactivated");
    hd_envelope_free(back);
    free(buf);
    /* a type that disagrees with its body is refused on the way in */
    env.type = "org.person.created";
    buf = hd_envelope_pack(&env, &len);
    ASSERT(hd_envelope_unpack(buf, len) == NULL);
    free(buf);
    ASSERT_EQ(hd_envelope_type_case("org.role.deleted"), HUDDLE__V1__ENVELOPE__BODY_ORG_CHANGED);
    ASSERT_EQ(hd_envelope_type_case("org."), HUDDLE__V1__ENVELOPE__BODY__NOT_SET);
    ASSERT_EQ(hd_envelope_type_case("policy.proposed"), HUDDLE__V1__ENVELOPE__BODY_POLICY_PROPOSED);
}

HD_TEST_MAIN(HD_CASE(params), HD_CASE(not_found_versus_method), HD_CASE(scopes),
             HD_CASE(org_event_family))
