#!/usr/bin/env python3
"""End to end: the organization administered by its own people
(docs/admin.md), against real processes and the sample organization
(olivia@ orchestrator in hub, carl@ marketing coach, cora@ customer-care
coach, maya@ and ben@ marketing players).

Departments, invitations (a coach into their own department only; the
invitation token works at once), changes with If-Match (428 without, 409
stale), deactivation (the token stops at the next request; the last
orchestrator cannot go; a deactivated coach's item waits for another
coach), roles and grants (what is in use cannot be deleted; the grants
cannot be left without an administrator), and the history: every change
exactly once with who did it and before/after, a coach's limited to their
department. The CLI drives a few of the same routes."""
import json
import os
import sys
import threading
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from huddle_system import System, check  # noqa: E402

OLIVIA, CARL, CORA = "olivia@example.org", "carl@example.org", "cora@example.org"
MAYA, BEN = "maya@example.org", "ben@example.org"


def req(s, method, path, as_=None, body=None, headers=None, token=None):
    """(status, body, headers) of a call: token or as_ picks the bearer."""
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    tok = token or (s.token(as_) if as_ else None)
    if tok:
        h["Authorization"] = f"Bearer {tok}"
    data = json.dumps(body).encode() if body is not None else None
    r = urllib.request.Request(f"http://127.0.0.1:{s.ports['api']}{path}", data=data,
                               method=method, headers=h)
    try:
        with urllib.request.urlopen(r, timeout=10) as a:
            status, text, hdrs = a.status, a.read().decode(), dict(a.headers)
    except urllib.error.HTTPError as e:
        status, text, hdrs = e.code, e.read().decode(), dict(e.headers)
    return status, (json.loads(text) if text else None), hdrs


def expect(got, status, what):
    check(got[0] == status, f"{what}: wanted {status}, got {got[0]} {got[1]}")
    return got[1]


def field(answer):
    return (answer or {}).get("error", {}).get("field")


def message(answer):
    return (answer or {}).get("error", {}).get("message", "")


def departments(s):
    d = expect(req(s, "GET", "/v1/admin/departments", OLIVIA), 200, "list departments")
    check({"hub", "marketing", "customer-care"} <= {x["id"] for x in d["items"]}, str(d))
    body = {"id": "research", "name": "Research"}
    a = expect(req(s, "POST", "/v1/admin/departments", CARL, body), 403, "coach creates dept")
    check("departments" in message(a), f"names the permission: {a}")
    a = expect(req(s, "POST", "/v1/admin/departments", OLIVIA, {"id": "Bad Id", "name": "x"}),
               422, "bad slug")
    check(field(a) == "id", str(a))
    a = expect(req(s, "POST", "/v1/admin/departments", OLIVIA, dict(body, colour="red")), 422,
               "unknown field")
    check(field(a) == "colour", str(a))
    d = expect(req(s, "POST", "/v1/admin/departments", OLIVIA, body), 201, "create dept")
    check(d["id"] == "research" and d["version"] == 1, str(d))
    expect(req(s, "POST", "/v1/admin/departments", OLIVIA, body), 409, "create twice")
    path = "/v1/admin/departments/research"
    st, d, h = req(s, "GET", path, OLIVIA)
    check(st == 200 and h.get("ETag") == '"1"', f"ETag: {st} {h}")
    a = expect(req(s, "PATCH", path, OLIVIA, {"name": "R&D"}), 428, "no If-Match")
    check(field(a) == "If-Match", str(a))
    d = expect(req(s, "PATCH", path, OLIVIA, {"name": "R&D"}, {"If-Match": '"1"'}), 200, "rename")
    check(d["name"] == "R&D" and d["version"] == 2, str(d))
    expect(req(s, "PATCH", path, OLIVIA, {"name": "Stale"}, {"If-Match": '"1"'}), 409, "stale")
    expect(req(s, "GET", "/v1/admin/departments/nowhere", OLIVIA), 404, "unknown dept")


def invitations(s):
    body = {"email": "pat@example.org", "name": "Pat Doe", "department": "marketing",
            "roles": ["player"]}
    expect(req(s, "POST", "/v1/admin/people", MAYA, body), 403, "player invites")
    a = expect(req(s, "POST", "/v1/admin/people", CARL, dict(body, department="customer-care")),
               404, "coach invites into another department")
    a = expect(req(s, "POST", "/v1/admin/people", CARL, dict(body, roles=["orchestrator"])), 403,
               "coach hands out orchestrator")
    check("orchestrator" in message(a) and "roles" in message(a), str(a))
    a = expect(req(s, "POST", "/v1/admin/people", CARL, dict(body, roles=["wizard"])), 422,
               "unknown role")
    check(field(a) == "roles" and "wizard" in message(a), str(a))
    a = expect(req(s, "POST", "/v1/admin/people", CARL, dict(body, email="MAYA@example.org")),
               409, "email taken whatever its case")
    check(field(a) == "email", str(a))
    inv = expect(req(s, "POST", "/v1/admin/people", CARL, body), 201, "coach invites")
    pat, tok = inv["person"], inv["invitation_token"]
    check(tok.startswith("hdt_") and len(tok) == 36 and inv["expires_at"], str(inv))
    check(pat["roles"] == ["player"] and pat["department"] == "marketing" and pat["active"],
          str(pat))
    me = expect(req(s, "GET", "/v1/me", token=tok), 200, "invitation token at once")
    check(me["email"] == "pat@example.org" and "admin" in me["scopes"], str(me))
    # A coach sees and administers their own department's people only.
    people = expect(req(s, "GET", "/v1/admin/people", CARL), 200, "coach lists people")
    check({p["department"] for p in people["items"]} == {"marketing"}, str(people))
    check("pat@example.org" in {p["email"] for p in people["items"]}, str(people))
    expect(req(s, "GET", "/v1/admin/people/rita@example.org", CARL), 404, "other dept's person")
    expect(req(s, "GET", "/v1/admin/people?department=customer-care", CARL), 404,
           "other dept's list")
    allp = expect(req(s, "GET", "/v1/admin/people", OLIVIA), 200, "orchestrator lists all")
    check(len({p["department"] for p in allp["items"]}) >= 4, str(allp))
    return pat, tok


def changes(s, pat, tok):
    path = f"/v1/admin/people/{pat['id']}"
    a = expect(req(s, "PATCH", path, CARL, {"department": "customer-care", "version": 1}), 404,
               "coach moves a person out of their department")
    p = expect(req(s, "PATCH", path, CARL, {"name": "Pat Q. Doe", "version": 1}), 200, "rename")
    check(p["version"] == 2 and p["name"] == "Pat Q. Doe", str(p))
    deact = f"{path}/deactivate"
    a = expect(req(s, "POST", deact, CARL, {"reason": "left"}), 428, "deactivate without version")
    expect(req(s, "POST", deact, CARL, {"reason": "left", "version": 1}), 409, "stale version")
    p = expect(req(s, "POST", deact, CARL, {"reason": "left the team", "version": 2}), 200,
               "deactivate")
    check(not p["active"] and p["deactivated_at"], str(p))
    st, a, h = req(s, "GET", "/v1/me", token=tok)
    check(st == 401 and "WWW-Authenticate" in h, f"token of a deactivated person: {st} {a}")
    expect(req(s, "POST", deact, CARL, {"reason": "again", "version": 3}), 409, "twice")
    p = expect(req(s, "POST", f"{path}/activate", CARL, headers={"If-Match": '"3"'}), 200,
               "activate")
    check(p["active"] and p["version"] == 4, str(p))
    expect(req(s, "GET", "/v1/me", token=tok), 200, "token works again")
    # The last orchestrator stays.
    o = expect(req(s, "GET", f"/v1/admin/people/{OLIVIA}", OLIVIA), 200, "olivia")
    a = expect(req(s, "POST", f"/v1/admin/people/{OLIVIA}/deactivate", OLIVIA,
                   {"reason": "bye", "version": o["version"]}), 409, "last orchestrator")
    check("orchestrator" in message(a), str(a))
    a = expect(req(s, "DELETE", f"/v1/admin/people/{OLIVIA}/roles/orchestrator", OLIVIA,
                   {"version": o["version"]}), 409, "last orchestrator's role")
    g = expect(req(s, "GET", "/v1/admin/grants", OLIVIA), 200, "grants")
    star = [x for x in g["items"] if x["role"] == "orchestrator" and x["permission"] == "*"][0]
    expect(req(s, "DELETE", "/v1/admin/grants/orchestrator/*", OLIVIA,
               {"version": star["version"]}), 409, "the last '*' grant")
    expect(req(s, "PUT", "/v1/admin/grants/orchestrator/*", OLIVIA,
               {"scope": "department", "version": star["version"]}), 409, "narrowing it")
    return path


def roles_and_grants(s, path):
    a = expect(req(s, "POST", "/v1/admin/roles", CARL, {"name": "social-analyst"}), 403,
               "coach creates a role")
    r = expect(req(s, "POST", "/v1/admin/roles", OLIVIA,
                   {"name": "social-analyst", "description": "reads the social figures"}), 201,
               "create role")
    check(not r["builtin"] and r["holders"] == 0, str(r))
    p = expect(req(s, "GET", path, CARL), 200, "pat")
    p = expect(req(s, "PUT", f"{path}/roles/social-analyst", CARL, {"version": p["version"]}),
               200, "coach gives a role")
    check("social-analyst" in p["roles"], str(p))
    a = expect(req(s, "DELETE", "/v1/admin/roles/social-analyst", OLIVIA, {"version": 1}), 409,
               "role in use")
    check("person_role" in message(a), str(a))
    expect(req(s, "PUT", f"{path}/roles/orchestrator", CARL, {"version": p["version"]}), 403,
           "coach gives orchestrator")
    p = expect(req(s, "DELETE", f"{path}/roles/social-analyst", CARL, {"version": p["version"]}),
               200, "coach takes a role")
    check("social-analyst" not in p["roles"], str(p))
    a = expect(req(s, "DELETE", "/v1/admin/roles/player", OLIVIA, {"version": 1}), 409, "builtin")
    expect(req(s, "DELETE", "/v1/admin/roles/social-analyst", OLIVIA), 428, "no If-Match")
    r = expect(req(s, "DELETE", "/v1/admin/roles/social-analyst", OLIVIA, {"version": 1}), 200,
               "delete role")
    check(r["name"] == "social-analyst", str(r))
    # Grants: organization-wide objects.
    expect(req(s, "GET", "/v1/admin/grants", CARL), 403, "coach lists grants")
    a = expect(req(s, "PUT", "/v1/admin/grants/coach/juggling", OLIVIA, {"scope": "department"}),
               422, "unknown permission")
    check(field(a) == "permission", str(a))
    g = expect(req(s, "PUT", "/v1/admin/grants/coach/departments", OLIVIA,
                   {"scope": "department"}), 201, "new grant")
    check(g["version"] == 1, str(g))
    expect(req(s, "PUT", "/v1/admin/grants/coach/departments", OLIVIA,
               {"scope": "organization"}), 428, "changing a grant without If-Match")
    g = expect(req(s, "PUT", "/v1/admin/grants/coach/departments", OLIVIA,
                   {"scope": "organization", "version": 1}), 200, "widen grant")
    check(g["scope"] == "organization" and g["version"] == 2, str(g))
    expect(req(s, "POST", "/v1/admin/departments", CARL, {"id": "carls", "name": "C"}), 201,
           "the grant is data: the coach may now create a department")
    expect(req(s, "DELETE", "/v1/admin/grants/coach/departments", OLIVIA, {"version": 2}), 200,
           "withdraw grant")


def deactivated_coach(s):
    """carl approves an item, and is deactivated before workflow applies his
    decision (workflow is stopped meanwhile): workflow refuses it, his token
    stops, the item waits, and a new coach of marketing sees and approves
    it."""
    st, a = s.api("POST", "/v1/content", as_=MAYA,
                  body={"channel": "sandbox", "text": "Our spring collection is here"})
    check(st == 201, f"submit: {st} {a}")
    cid = a["id"]
    s.wait_state(cid, "awaiting_approval")
    s.stop("workflow")
    st, a = s.api("POST", f"/v1/content/{cid}/decisions", as_=CARL, body={"decision": "approve"})
    check(st == 202, f"carl's decision accepted: {st} {a}")
    c = expect(req(s, "GET", f"/v1/admin/people/{CARL}", OLIVIA), 200, "carl")
    expect(req(s, "POST", f"/v1/admin/people/{CARL}/deactivate", OLIVIA,
               {"reason": "on leave", "version": c["version"]}), 200, "deactivate carl")
    expect(req(s, "GET", "/v1/queue", CARL), 401, "carl's token")
    s.start("workflow")
    s.wait_healthy("workflow")
    refused = s.wait_for("workflow refusing carl's decision", lambda: [
        e for e in s.item(cid)["history"] if e.get("type") == "decision.refused"])
    check("not active" in json.dumps(refused), f"refused as inactive: {refused}")
    check(s.item(cid)["state"] == "awaiting_approval", "the item waits for another coach")
    b = expect(req(s, "GET", f"/v1/admin/people/{BEN}", OLIVIA), 200, "ben")
    expect(req(s, "PUT", f"/v1/admin/people/{BEN}/roles/coach", OLIVIA,
               {"version": b["version"]}), 200, "ben becomes coach")
    q = expect(req(s, "GET", "/v1/queue", BEN), 200, "ben's queue")
    check(cid in {x["id"] for x in q["items"]}, f"item in the new coach's queue: {q}")
    check(s.item(cid)["state"] == "awaiting_approval", "still awaiting")
    st, a = s.api("POST", f"/v1/content/{cid}/decisions", as_=BEN, body={"decision": "approve"})
    check(st in (200, 202), f"ben approves: {st} {a}")
    s.wait_state(cid, ["approved", "published"])
    c = expect(req(s, "GET", f"/v1/admin/people/{CARL}", OLIVIA), 200, "carl")
    expect(req(s, "POST", f"/v1/admin/people/{CARL}/activate", OLIVIA,
               {"version": c["version"]}), 200, "carl back")


def history(s, pat):
    def pats():
        st, h, _ = req(s, "GET", "/v1/admin/history?limit=500", OLIVIA)
        return [e for e in h["items"] if e["object_id"] == pat["id"]] if st == 200 else None

    # invited, updated, deactivated, activated, role created, role deleted
    events = s.wait_for("pat's six changes in the history", lambda: len(pats() or []) >= 6 and
                        pats())
    types = [e["type"] for e in reversed(events)]
    check(types == ["org.person.invited", "org.person.updated", "org.person.deactivated",
                    "org.person.activated", "org.person_role.created", "org.person_role.deleted"],
          f"each change exactly once, in order: {types}")
    inv, upd, de = events[-1], events[-2], events[-3]
    check(inv["actor"] == CARL and inv["before"] is None and inv["after"]["email"] ==
          "pat@example.org" and inv["token_id"] and inv["department"] == "marketing", str(inv))
    check("hdt_" not in json.dumps(inv), "never the token")
    check(upd["before"]["name"] == "Pat Doe" and upd["after"]["name"] == "Pat Q. Doe", str(upd))
    check(de["reason"] == "left the team" and de["before"]["active"] and not de["after"]["active"],
          str(de))
    check(events[0]["before"]["roles"] == ["player", "social-analyst"] and
          events[0]["after"]["roles"] == ["player"], str(events[0]))
    h = expect(req(s, "GET", "/v1/admin/history?limit=500", OLIVIA), 200, "history")
    kinds = {e["type"] for e in h["items"]}
    check({"org.department.created", "org.department.updated", "org.role.created",
           "org.role.deleted", "org.grant.created", "org.grant.updated", "org.grant.deleted"} <=
          kinds, str(kinds))
    seqs = [e["seq"] for e in h["items"]]
    check(seqs == sorted(seqs, reverse=True) and len(seqs) == len(set(seqs)), "newest first")
    page = expect(req(s, "GET", "/v1/admin/history?limit=2", OLIVIA), 200, "a page")
    check(len(page["items"]) == 2 and page["next"], str(page))
    older = expect(req(s, "GET", f"/v1/admin/history?limit=2&before={page['next']}", OLIVIA),
                   200, "the next page")
    check(older["items"][0]["seq"] < page["items"][1]["seq"], str(older))
    # A coach's history: their department's only.
    mine = expect(req(s, "GET", "/v1/admin/history?limit=500", CORA), 200, "cora's history")
    check(all(e["department"] == "customer-care" for e in mine["items"]), str(mine))
    expect(req(s, "GET", "/v1/admin/history?department=marketing", CORA), 404, "other dept")
    expect(req(s, "GET", "/v1/admin/history", MAYA), 403, "a player")
    mk = expect(req(s, "GET", "/v1/admin/history?department=marketing&limit=500", CARL), 200,
                "carl's")
    check(pat["id"] in {e["object_id"] for e in mk["items"]}, "carl sees his department's")


def concurrent_keepers(s):
    """Two orchestrators deactivate each other at the same moment: exactly one
    of them succeeds, the organization keeps an orchestrator."""
    body = {"email": "otto@example.org", "name": "Otto", "department": "hub",
            "roles": ["orchestrator"]}
    a = expect(req(s, "POST", "/v1/admin/people", CARL, dict(body, department="marketing")), 403,
               "a coach makes an orchestrator")
    inv = expect(req(s, "POST", "/v1/admin/people", OLIVIA, body), 201, "second orchestrator")
    otto = inv["invitation_token"]
    o = expect(req(s, "GET", f"/v1/admin/people/{OLIVIA}", OLIVIA), 200, "olivia")
    results, barrier = [], threading.Barrier(2)

    def deactivate(path, version, **who):
        barrier.wait()
        results.append(req(s, "POST", f"{path}/deactivate", body={"reason": "race",
                                                                  "version": version}, **who)[0])
    ts = [threading.Thread(target=deactivate,
                           args=(f"/v1/admin/people/{OLIVIA}", o["version"]),
                           kwargs={"token": otto}),
          threading.Thread(target=deactivate,
                           args=(f"/v1/admin/people/{inv['person']['id']}", 1),
                           kwargs={"as_": OLIVIA})]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    check(sorted(results) in ([200, 401], [200, 409]), f"exactly one wins: {results}")
    n = s.psql("SELECT count(*) FROM person p JOIN person_role r ON r.person_id = p.id "
               "WHERE p.active AND r.role = 'orchestrator'")
    check(n == "1", f"one active orchestrator left: {n}")
    if s.psql(f"SELECT active FROM person WHERE email = '{OLIVIA}'") != "t":
        o = expect(req(s, "GET", f"/v1/admin/people/{OLIVIA}", token=otto), 200, "olivia")
        expect(req(s, "POST", f"/v1/admin/people/{OLIVIA}/activate", token=otto,
                   body={"version": o["version"]}), 200, "olivia back")
        # and otto goes, so that olivia is the last orchestrator again
        t = expect(req(s, "GET", f"/v1/admin/people/{inv['person']['id']}", as_=OLIVIA), 200,
                   "otto")
        expect(req(s, "POST", f"/v1/admin/people/{inv['person']['id']}/deactivate", as_=OLIVIA,
                   body={"reason": "race over", "version": t["version"]}), 200, "otto gone")


def cli(s):
    out = s.cli("admin", "department", "list", "--as", OLIVIA).stdout
    check("research" in out and "marketing" in out, out)
    s.cli("admin", "department", "update", "research", "--name", "Research Lab", "--as", OLIVIA)
    d = json.loads(s.cli("admin", "department", "show", "research", "--json", "--as",
                         OLIVIA).stdout)
    check(d["name"] == "Research Lab" and d["version"] == 3, str(d))
    out = s.cli("admin", "person", "invite", "quinn@example.org", "--name", "Quinn",
                "--department", "research", "--role", "player", "--as", OLIVIA).stdout
    check("hdt_" in out and "quinn@example.org" in out, out)
    s.cli("admin", "person", "grant-role", "quinn@example.org", "responder", "--as", OLIVIA)
    s.cli("admin", "person", "deactivate", "quinn@example.org", "--reason", "test", "--as",
          OLIVIA)
    p = json.loads(s.cli("admin", "person", "show", "quinn@example.org", "--json", "--as",
                         OLIVIA).stdout)
    check(not p["active"] and p["roles"] == ["player", "responder"], str(p))
    r = s.cli("admin", "person", "deactivate", OLIVIA, "--reason", "x", "--as", OLIVIA,
              check_rc=False)
    check(r.returncode == 1 and "409" in r.stderr, f"{r.returncode} {r.stderr}")
    s.cli("admin", "role", "create", "vip", "--description", "very", "--as", OLIVIA)
    s.cli("admin", "grant", "set", "vip", "history", "--scope", "department", "--as", OLIVIA)
    s.cli("admin", "grant", "delete", "vip", "history", "--as", OLIVIA)
    s.cli("admin", "role", "delete", "vip", "--as", OLIVIA)
    out = s.cli("admin", "history", "--department", "research", "--as", OLIVIA).stdout
    check("org.person.deactivated" in out and "org.department.updated" in out, out)
    h = json.loads(s.cli("admin", "history", "--limit", "3", "--json", "--as", OLIVIA).stdout)
    check(len(h["items"]) == 3, str(h))
    r = s.cli("admin", "grant", "list", "--as", CARL, check_rc=False)
    check(r.returncode == 1 and "grants" in r.stderr, r.stderr)


def main():
    with System("e2e_admin_people") as s:
        s.start_all()
        departments(s)
        pat, tok = invitations(s)
        path = changes(s, pat, tok)
        roles_and_grants(s, path)
        deactivated_coach(s)
        history(s, pat)
        concurrent_keepers(s)
        cli(s)
        rc, _ = s.stop("ingest")
        check(rc == 0, f"ingest exits cleanly (no leak): {rc}")
    print("ok")


if __name__ == "__main__":
    main()
