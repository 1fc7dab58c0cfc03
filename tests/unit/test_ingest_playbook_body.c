/*  ingest playbooks: which Content-Type a playbook's body may have. Its
    YAML under a YAML media type (whatever its case, with parameters, a
    charset of utf-8 only), {"source": ...} under application/json, nothing
    else. */
#include "hd_test.h"
#include "playbooks.h"

HD_TEST(yaml_types) {
    ASSERT_EQ(ing_playbook_body_type("application/yaml"), ING_PLAYBOOK_BODY_YAML);
    ASSERT_EQ(ing_playbook_body_type("application/x-yaml"), ING_PLAYBOOK_BODY_YAML);
    ASSERT_EQ(ing_playbook_body_type("text/yaml; charset=utf-8"), ING_PLAYBOOK_BODY_YAML);
    ASSERT_EQ(ing_playbook_body_type("Text/Plain;charset=\"UTF-8\""), ING_PLAYBOOK_BODY_YAML);
    ASSERT_EQ(ing_playbook_body_type("  application/yaml "), ING_PLAYBOOK_BODY_YAML);
}

HD_TEST(json_carries_a_source) {
    ASSERT_EQ(ing_playbook_body_type("application/json"), ING_PLAYBOOK_BODY_JSON);
    ASSERT_EQ(ing_playbook_body_type("application/json; charset=utf-8"), ING_PLAYBOOK_BODY_JSON);
}

HD_TEST(anything_else_is_refused) {
    ASSERT_EQ(ing_playbook_body_type(NULL), ING_PLAYBOOK_BODY_OTHER);
    ASSERT_EQ(ing_playbook_body_type(""), ING_PLAYBOOK_BODY_OTHER);
    ASSERT_EQ(ing_playbook_body_type("text/html"), ING_PLAYBOOK_BODY_OTHER);
    ASSERT_EQ(ing_playbook_body_type("application/yamlx"), ING_PLAYBOOK_BODY_OTHER);
    ASSERT_EQ(ing_playbook_body_type("text/plainish"), ING_PLAYBOOK_BODY_OTHER);
    ASSERT_EQ(ing_playbook_body_type("text/yaml; charset=latin1"), ING_PLAYBOOK_BODY_OTHER);
    ASSERT_EQ(ing_playbook_body_type("text/yaml; charset"), ING_PLAYBOOK_BODY_OTHER);
    ASSERT_EQ(ing_playbook_body_type("multipart/form-data; boundary=x"), ING_PLAYBOOK_BODY_OTHER);
}

HD_TEST(only_the_playbook_routes_take_yaml) {
    size_t yaml = 0, n = 0;
    for (const ing_route_t *r = ing_playbook_routes; r->method; r++, n++)
        yaml += ing_playbook_takes_yaml(r);
    ASSERT_EQ(yaml, 2); /* validate and apply */
    ASSERT(n >= 5);
    for (const ing_route_t *r = ing_core_routes; r->method; r++)
        ASSERT(!ing_playbook_takes_yaml(r));
    ASSERT(!ing_playbook_takes_yaml(NULL));
}

HD_TEST_MAIN(HD_CASE(yaml_types), HD_CASE(json_carries_a_source), HD_CASE(anything_else_is_refused),
             HD_CASE(only_the_playbook_routes_take_yaml))
