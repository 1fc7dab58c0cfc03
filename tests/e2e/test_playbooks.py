"""End to end: crisis playbooks as versioned data (docs/playbooks.md). The
sample organization comes with the six example playbooks as version 1
(seeded once, however often huddle-migrate runs). A playbook is validated
with its problems at their lines and columns; applied as version 1, again
unchanged, changed as version 2, each change one org.playbook.* event; an
apply is refused to a player (403, until the permission is granted to a
role of theirs), for a playbook naming a role,
department, channel or webhook endpoint the organization does not have
(422 at each place), sent to another name, or over a stale If-Match; the
versions are listed and shown; `huddle playbook validate` prints
FILE:LINE:COLUMN offline."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from huddle_system import System, check  # noqa: E402

OLIVIA, MAYA, LENA = "olivia@example.org", "maya@example.org", "lena@example.org"
YAML = {"Content-Type": "application/yaml"}
EXAMPLES = ["account-takeover", "data-breach", "executive-scandal", "offensive-post",
            "product-recall", "service-outage"]

GOOD = """playbook: e2e-drill
description: A playbook of the end-to-end test.
severity: high
terms: [e2e-fire, smoke]
triggers:
  spike: {window_minutes: 5, min_count: 10, baseline: {hours: 6}, then: propose}
scope: {departments: [marketing], channels: [sandbox]}
actions:
  hold: true
  add_approvals: [legal]
  reroute_to: hub
  recall_minutes: 15
  notify: [crisis-team]
  holding_statement: |
    We know. More soon.
team: {roles: [crisis, orchestrator], booth: [legal]}
exit: {resume_roles: [orchestrator], held_items: publish, late_items: expire}
"""

# Line 3: a severity that is none; line 6: an unknown action; line 8: a
# resume rule that is none.
BAD = """playbook: e2e-bad
description: Wrong in three places.
severity: huge
terms: [x]
actions:
  hodl: true
exit:
  held_items: keep
"""

# What the organization does not have: a channel (line 4), a role (line
# 7), a department (line 8), an endpoint and an inactive one (line 9).
UNKNOWN = """playbook: e2e-drill
description: Names what does not exist.
severity: low
scope: {channels: [fax]}
terms: [x]
actions:
  add_approvals: [legal, ceo]
  reroute_to: pr
  notify: [crisis-team, pagerduty, retired-team]
"""


def events(s, typ):
    return int(s.psql(f"SELECT (SELECT count(*) FROM outbox WHERE type = '{typ}') + "
                      f"(SELECT count(*) FROM event_log WHERE type = '{typ}')"))


def put(s, name, text, as_=OLIVIA, headers=None):
    return s.api("PUT", f"/v1/playbooks/{name}", as_=as_, raw=text.encode(),
                 headers=dict(YAML, **(headers or {})))


def test_seeded(s):
    st, lst = s.api("GET", "/v1/playbooks", as_=MAYA)
    check(st == 200, f"list: {st} {lst}")
    names = [p["name"] for p in lst["items"]]
    check(names == EXAMPLES, f"the seeded playbooks: {names}")
    for p in lst["items"]:
        check(p["version"] == 1 and p["created_by"] == "seed", f"seeded as version 1: {p}")
    by = {p["name"]: p for p in lst["items"]}
    check(by["data-breach"]["triggers"] == {"manual": True, "spike": "propose"}
          and by["data-breach"]["severity"] == "critical", f"data-breach: {by['data-breach']}")
    check(by["offensive-post"]["triggers"]["spike"] == "declare", "offensive-post declares")
    check(by["executive-scandal"]["triggers"] == {"manual": True, "spike": None},
          f"executive-scandal: {by['executive-scandal']}")
    s.migrate(check=True)  # the seed again: nothing changes
    check(s.psql("SELECT count(*), max(version) FROM playbook_version") == "6|1",
          "a second seed added versions")
    with open(os.path.join(s.src, "examples", "playbooks", "data-breach.yaml")) as f:
        source = f.read()
    st, pb = s.api("GET", "/v1/playbooks/data-breach", as_=MAYA)
    check(st == 200 and pb["source"] == source and pb["spec"]["name"] == "data-breach"
          and pb["spec"]["actions"]["reroute_to"] == "hub", f"show data-breach: {st} {pb}")


def test_validate(s):
    st, v = s.api("POST", "/v1/playbooks/validate", as_=MAYA, raw=GOOD.encode(), headers=YAML)
    check(st == 200 and v["valid"] is True, f"validate good: {st} {v}")
    spec = v["spec"]
    check(spec["name"] == "e2e-drill" and spec["actions"]["holding_statement"] == "We know. More "
          "soon." and spec["triggers"]["manual"] is True and spec["triggers"]["spike"] == {
              "window_minutes": 5, "min_count": 10, "sigma": 3.0, "baseline_weeks": 0,
              "baseline_hours": 6, "cooldown_minutes": 60, "then": "propose"},
          f"the spec: {spec}")
    st, v2 = s.api("POST", "/v1/playbooks/validate", as_=MAYA, body={"source": GOOD})
    check(st == 200 and v2["spec"] == spec, f"validate as JSON: {st} {v2}")
    st, v = s.api("POST", "/v1/playbooks/validate", as_=MAYA, raw=BAD.encode(),
                  headers={"Content-Type": "text/plain; charset=utf-8"})
    check(st == 422 and v["valid"] is False, f"validate bad: {st} {v}")
    places = [(e["line"], e["column"]) for e in v["errors"]]
    check(places == [(3, 11), (6, 3), (8, 15)], f"the errors' places: {v['errors']}")
    check("severity must be low, medium, high or critical, not 'huge'" in v["errors"][0]["message"]
          and "unknown key 'hodl'" in v["errors"][1]["message"]
          and "exit.held_items must be publish, reapprove or expire" in v["errors"][2]["message"],
          f"the errors' messages: {v['errors']}")
    st, v = s.api("POST", "/v1/playbooks/validate", as_=MAYA, raw=b"a: [1,\n",
                  headers=YAML)
    check(st == 422 and v["errors"][0]["line"] == 2 and "YAML syntax" in v["errors"][0]["message"],
          f"a syntax error: {st} {v}")
    st, e = s.api("POST", "/v1/playbooks/validate", as_=MAYA, raw=GOOD.encode(),
                  headers={"Content-Type": "text/html"})
    check(st == 415 and e["error"]["field"] == "Content-Type", f"text/html: {st} {e}")
    st, e = s.api("POST", "/v1/playbooks/validate", as_=MAYA, raw=b"", headers=YAML)
    check(st == 422 and e["error"]["field"] == "body", f"empty body: {st} {e}")
    st, e = s.api("POST", "/v1/playbooks/validate", as_=MAYA, body={"yaml": GOOD})
    check(st == 422 and e["error"]["field"] == "yaml", f"JSON without source: {st} {e}")


def test_apply(s):
    st, e = put(s, "e2e-drill", GOOD, as_=MAYA)
    check(st == 403 and "playbooks" in e["error"]["message"], f"a player applies: {st} {e}")
    st, e = put(s, "other-name", GOOD)
    check(st == 422 and e["error"]["field"] == "playbook" and "e2e-drill" in e["error"]["message"],
          f"wrong name: {st} {e}")
    st, e = put(s, "e2e-bad", BAD)
    check(st == 422 and [x["line"] for x in e["error"]["errors"]] == [3, 6, 8],
          f"apply of an invalid playbook: {st} {e}")
    st, e = put(s, "e2e-drill", UNKNOWN)
    check(st == 422, f"unknown references: {st} {e}")
    got = [(x["line"], x["column"], x["message"]) for x in e["error"]["errors"]]
    want = [(4, 20, "scope.channels: there is no channel 'fax'"),
            (7, 26, "actions.add_approvals: there is no role 'ceo'"),
            (8, 15, "actions.reroute_to: there is no department 'pr'"),
            (9, 25, "actions.notify: there is no endpoint 'pagerduty'"),
            (9, 36, "actions.notify: there is no endpoint 'retired-team'")]
    check(len(got) == len(want) and all(g[:2] == w[:2] and w[2] in g[2]
                                        for g, w in zip(got, want)),
          f"each unknown name at its place: {got}")
    check(s.psql("SELECT count(*) FROM playbook_version WHERE name = 'e2e-drill'") == "0",
          "a refused apply stored a version")

    st, pb = put(s, "e2e-drill", GOOD)
    check(st == 201 and pb["version"] == 1 and pb["status"] == "created" and pb["active"]
          and pb["created_by"] == OLIVIA and pb["spec"]["severity"] == "high",
          f"apply: {st} {pb}")
    check(events(s, "org.playbook.created") == 1, "one org.playbook.created")
    st, pb = put(s, "e2e-drill", GOOD)
    check(st == 200 and pb["version"] == 1 and pb["status"] == "unchanged", f"again: {st} {pb}")
    changed = GOOD.replace("severity: high", "severity: critical")
    st, pb = s.api("PUT", "/v1/playbooks/e2e-drill", as_=OLIVIA, body={"source": changed})
    check(st == 201 and pb["version"] == 2 and pb["status"] == "updated"
          and pb["spec"]["severity"] == "critical", f"changed: {st} {pb}")
    check(events(s, "org.playbook.created") == 1 and events(s, "org.playbook.updated") == 1,
          "one event per version")
    st, e = put(s, "e2e-drill", GOOD, headers={"If-Match": '"1"'})
    check(st == 409 and e["error"]["field"] == "version", f"stale If-Match: {st} {e}")
    st, pb = put(s, "e2e-drill", GOOD, headers={"If-Match": '"2"'})
    check(st == 201 and pb["version"] == 3 and pb["spec"]["severity"] == "high",
          f"back to high over If-Match 2: {st} {pb}")
    check(s.psql("SELECT string_agg(version || ':' || active, ',' ORDER BY version) "
                 "FROM playbook_version WHERE name = 'e2e-drill'") == "1:false,2:false,3:true",
          "one active version")


def test_reads(s):
    st, vs = s.api("GET", "/v1/playbooks/e2e-drill/versions", as_=MAYA)
    check(st == 200 and [(v["version"], v["active"]) for v in vs["items"]]
          == [(1, False), (2, False), (3, True)], f"versions: {st} {vs}")
    st, pb = s.api("GET", "/v1/playbooks/e2e-drill", as_=MAYA)
    check(st == 200 and pb["version"] == 3 and pb["source"] == GOOD, f"show: {st} {pb}")
    st, pb = s.api("GET", "/v1/playbooks/e2e-drill?version=2", as_=MAYA)
    check(st == 200 and pb["version"] == 2 and not pb["active"]
          and pb["spec"]["severity"] == "critical", f"show version 2: {st} {pb}")
    for path, status, field in [("/v1/playbooks/e2e-drill?version=9", 404, "version"),
                                ("/v1/playbooks/e2e-drill?version=two", 422, "version"),
                                ("/v1/playbooks/nope", 404, "name"),
                                ("/v1/playbooks/nope/versions", 404, "name")]:
        st, e = s.api("GET", path, as_=MAYA)
        check(st == status and e["error"]["field"] == field, f"{path}: {st} {e}")
    st, lst = s.api("GET", "/v1/playbooks", as_=MAYA)
    check([p["name"] for p in lst["items"]] == sorted(EXAMPLES + ["e2e-drill"]),
          f"the list: {lst}")


def test_cli(s):
    d = tempfile.mkdtemp(dir=s.tmp)
    bad, good, unknown = (os.path.join(d, f"{n}.yaml") for n in ["bad", "good", "unknown"])
    for path, text in [(bad, BAD), (good, GOOD.replace("smoke", "smoke, ash")),
                       (unknown, UNKNOWN)]:
        with open(path, "w") as f:
            f.write(text)
    out = s.cli("playbook", "validate", good, bad, check_rc=False)
    check(out.returncode == 1 and f"{bad}:3:11: severity must be" in out.stderr
          and f"{bad}:6:3: actions: unknown key 'hodl'" in out.stderr
          and f"{bad}:8:15: exit.held_items" in out.stderr
          and f"{good}: ok: e2e-drill (high)" in out.stdout, f"validate: {out}")
    examples = [os.path.join(s.src, "examples", "playbooks", f"{n}.yaml") for n in EXAMPLES]
    out = s.cli("playbook", "validate", *examples)
    check(out.stdout.count(": ok: ") == 6, f"the examples validate: {out.stdout}")
    out = s.cli("playbook", "apply", unknown, "--as", OLIVIA, check_rc=False)
    check(out.returncode == 1 and f"{unknown}:7:26: actions.add_approvals: there is no role 'ceo'"
          in out.stderr and "nothing was applied" in out.stderr, f"apply unknown: {out}")
    out = s.cli("playbook", "apply", good, "--as", OLIVIA)
    check("e2e-drill: version 4 is active (updated)" in out.stdout, f"apply: {out.stdout}")
    out = s.cli("playbook", "apply", good, "--as", OLIVIA)
    check("e2e-drill: unchanged, version 4 is active" in out.stdout, f"apply again: {out.stdout}")
    out = s.cli("playbook", "list", "--as", MAYA)
    check("e2e-drill" in out.stdout and "manual, spike (propose)" in out.stdout
          and "data-breach" in out.stdout, f"list: {out.stdout}")
    out = s.cli("playbook", "show", "e2e-drill", "--as", MAYA)
    check("# playbook e2e-drill version 4 (active)" in out.stdout
          and "terms     e2e-fire, smoke, ash" in out.stdout
          and "playbook: e2e-drill\n" in out.stdout, f"show: {out.stdout}")
    out = s.cli("playbook", "show", "e2e-drill", "--version", "1", "--json", "--as", MAYA)
    check(json.loads(out.stdout)["version"] == 1, f"show --version 1 --json: {out.stdout}")
    out = s.cli("playbook", "versions", "e2e-drill", "--as", MAYA)
    check(len(out.stdout.strip().splitlines()) == 5, f"versions: {out.stdout}")


def test_granted(s):
    """The permission is data: granted to legal, Lena (legal) may apply."""
    st, e = put(s, "e2e-drill", GOOD, as_=LENA)
    check(st == 403 and "missing permission 'playbooks'" in e["error"]["message"],
          f"legal before the grant: {st} {e}")
    st, g = s.api("PUT", "/v1/admin/grants/legal/playbooks", as_=OLIVIA,
                  body={"scope": "organization"})
    check(st == 201, f"grant legal playbooks: {st} {g}")
    st, pb = put(s, "e2e-drill", GOOD, as_=LENA)
    check(st == 201 and pb["version"] == 5 and pb["created_by"] == LENA, f"legal applies: {st} {pb}")


def main():
    with System("e2e_playbooks") as s:
        s.psql("INSERT INTO webhook_endpoint (name, url, secret) VALUES "
               "('crisis-team', 'http://127.0.0.1:9/hook', '\\x00') ON CONFLICT DO NOTHING")
        s.psql("INSERT INTO webhook_endpoint (name, url, secret, active) VALUES "
               "('retired-team', 'http://127.0.0.1:9/old', '\\x00', false)")
        s.start("ingest")
        s.wait_healthy("ingest")
        test_seeded(s)
        test_validate(s)
        test_apply(s)
        test_reads(s)
        test_cli(s)
        test_granted(s)
    print("ok   e2e playbooks")


if __name__ == "__main__":
    main()
