#!/usr/bin/env python3
"""End to end: an integration token limited to departments. Its mentions are
routed only among its departments (a rule of another department is passed
over, and a mention none of them takes goes to triage, never lost); one not
limited is routed by every rule; the mention and its event record the token
and the integration."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from huddle_system import System, check  # noqa: E402

OLIVIA = "olivia@example.org"


def integration(s, name, departments):
    st, body = s.api("POST", "/v1/admin/integrations", as_=OLIVIA,
                     body={"name": name, "channels": ["sandbox"], "departments": departments})
    check(st == 201, f"integration {name}: {st} {body}")
    return body


def mention(s, feed, ext, text):
    st, body = s.http("POST", f"http://127.0.0.1:{s.ports['api']}/v1/inbound",
                      {"channel": "sandbox", "external_id": ext, "author": "@fan", "text": text},
                      {"Authorization": f"Bearer {feed['token']}"})
    check(st == 201, f"mention {ext}: {st} {body}")
    return body["id"]


def routed(s, mid):
    return s.wait_for(f"mention {mid} routed", lambda: s.psql(
        f"SELECT CASE WHEN triage THEN 'triage' ELSE department_id END FROM inbox_item "
        f"WHERE mention_id = '{mid}'"))


def main():
    with System("e2e_integration_scope") as s:
        s.start_all()
        marketing = integration(s, "marketing-feed", ["marketing"])
        anyone = integration(s, "org-feed", [])
        text = "refund please, and is a partnership possible?"
        # the support rule (customer-care, priority 20) takes it from anyone...
        check(routed(s, mention(s, anyone, "a-1", text)) == "customer-care", "any department")
        # ...but the marketing feed's mention goes to marketing's own rule
        m = mention(s, marketing, "m-1", text)
        check(routed(s, m) == "marketing", "routed among the integration's departments")
        # and one that no marketing rule takes goes to triage, not lost
        u = mention(s, marketing, "m-2", "my order arrived broken")
        check(routed(s, u) == "triage", "no marketing rule: triage")
        check(s.psql(f"SELECT token_id FROM mention WHERE id = '{m}'") == marketing["id"],
              "the mention records its token")
        print("ok integration scope: routed among its departments, triage otherwise")


if __name__ == "__main__":
    main()
