"""End to end: policy by committee with the real processes and the sample
organization (review chain: legal, then hr; lena@ is legal, hank@ holds hr,
olivia@ is the orchestrator). A proposal gets its diff and a simulation of
the last 30 days; its proposer's own approval is refused (four-eyes); it
activates only when legal and hr have both approved, and new content is then
evaluated under it. A rejected proposal stays inactive. The emergency path
(huddle policy apply) is an orchestrator's, recorded as an emergency with
its reason; without the permission 'policy-emergency' it is refused."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from huddle_system import System, check  # noqa: E402

OLIVIA, LENA, HANK = "olivia@example.org", "lena@example.org", "hank@example.org"
MAYA, CARL = "maya@example.org", "carl@example.org"

V2 = """name: committee
channels:
  sandbox: {counting: mastodon, max_length: 500}
rules:
  - id: banned-terms
    kind: lexicon
    action: block
    terms: [guaranteed returns, lawsuit]
"""

V3 = V2.replace("lawsuit", "lawsuit, settlement")
V4 = V2.replace("name: committee", "name: emergency").replace("lawsuit", "lawsuit, recall")

BAD = """rules:
  - id: broken
    kind: pattern
    action: review
    patterns: ['x']
"""


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def wait_proposal(s, pid, want):
    def settled():
        st, p = s.api("GET", f"/v1/policy/proposals/{pid}", as_=OLIVIA)
        check(st == 200, f"GET proposal: {st} {p}")
        return p if want(p) else None
    return s.wait_for(f"proposal {pid}", settled)


def versions(s):
    st, body = s.api("GET", "/v1/policy/versions", as_=MAYA)
    check(st == 200, f"versions: {st} {body}")
    return body["items"]


def review(s, pid, who, decision, comment=None, role=None):
    body = {"decision": decision}
    if comment is not None:
        body["comment"] = comment
    if role:
        body["role"] = role
    return s.api("POST", f"/v1/policy/proposals/{pid}/reviews", as_=who, body=body)


def committee(s, tmp):
    text = "About the lawsuit: we are confident. e2e-committee-1"
    cid = s.cli("submit", "--as", MAYA, "--channel", "sandbox", text).stdout.strip()
    check(s.wait_state(cid, "awaiting_approval")["verdict"] == "review", "v1 verdict")

    out = s.cli("policy", "propose", write(tmp, "v2.yaml", V2), "--why", "lawsuits are blocked",
                "--as", OLIVIA)
    pid = out.stdout.strip()
    check("reviews required: legal, hr" in out.stderr, out.stderr)
    p = wait_proposal(s, pid, lambda p: p["state"] != "analyzing")
    check(p["state"] == "in_review", f"state {p['state']}: {p}")
    check(p["required_roles"] == ["legal", "hr"] and p["base_version"] == 1, str(p))
    check('+"lawsuit"' in p["diff"], p["diff"])
    check(p["simulation"]["changed"] >= 1 and "review -> block" in p["simulation"]["report"],
          str(p["simulation"]))

    st, body = review(s, pid, OLIVIA, "approve", role="legal")
    check(st == 403 and "four-eyes" in body["error"]["message"], f"own approval: {st} {body}")
    st, body = review(s, pid, MAYA, "approve")
    check(st == 403 and body["error"]["field"] == "role", f"maya: {st} {body}")
    st, body = review(s, pid, HANK, "reject")
    check(st == 422 and body["error"]["field"] == "comment", f"reject without comment: {st}")

    out = s.cli("policy", "review", pid, "approve", "--comment", "fine by legal", "--as", LENA)
    check("approve recorded as legal" in out.stdout, out.stdout)
    wait_proposal(s, pid, lambda p: p["approved"] == ["legal"])
    check(max(v["version"] for v in versions(s)) == 1, "activated after one review")
    st, body = review(s, pid, LENA, "approve", role="legal")
    check(st == 409, f"second legal approval: {st} {body}")

    s.cli("policy", "review", pid, "approve", "--as", HANK)
    p = wait_proposal(s, pid, lambda p: p["state"] == "activated")
    check(p["version"] == 2, str(p))
    active = [v for v in versions(s) if v["active"]]
    check(len(active) == 1 and active[0]["version"] == 2 and active[0]["proposal_id"] == pid,
          str(active))
    out = s.cli("policy", "proposal", pid, "--as", OLIVIA)
    check("by lena@example.org" in out.stdout and "by hank@example.org" in out.stdout, out.stdout)

    text = "About the lawsuit: we are confident. e2e-committee-2"
    cid2 = s.cli("submit", "--as", MAYA, "--channel", "sandbox", text).stdout.strip()
    item = s.wait_state(cid2, "blocked")
    check(item["policy_version"] == "2", f"evaluated under {item['policy_version']}")
    return pid


def rejected(s, tmp):
    key = {"Idempotency-Key": "settlements-1"}
    st, p = s.api("POST", "/v1/policy/proposals", as_=OLIVIA, headers=key,
                  body={"source": V3, "why": "settlements too"})
    check(st == 201 and p["state"] == "analyzing", f"propose: {st} {p}")
    pid = p["id"]
    # A retry of a lost answer finds the proposal; the key on another request is refused.
    st, again = s.api("POST", "/v1/policy/proposals", as_=OLIVIA, headers=key,
                      body={"source": V3, "why": "settlements too"})
    check(st == 200 and again == {"id": pid, "status": "duplicate"}, f"retry: {st} {again}")
    st, other = s.api("POST", "/v1/policy/proposals", as_=OLIVIA, headers=key,
                      body={"source": V3, "why": "something else"})
    check(st == 422 and other["error"]["field"] == "Idempotency-Key", f"reuse: {st} {other}")
    check(s.psql("SELECT count(*) FROM event_log WHERE type = 'policy.proposed' AND "
                 f"correlation_id = '{pid}'") in ("0", "1"), "a retry proposed twice")
    wait_proposal(s, pid, lambda p: p["state"] == "in_review")
    out = s.cli("policy", "review", pid, "reject", "--comment", "too broad", "--as", LENA)
    check("reject recorded as legal" in out.stdout, out.stdout)
    p = wait_proposal(s, pid, lambda p: p["state"] == "rejected")
    check(p["reason"] == "too broad" and p["version"] is None, str(p))
    st, body = review(s, pid, HANK, "approve")
    check(st == 409, f"approval after rejection: {st} {body}")
    check([v["version"] for v in versions(s) if v["active"]] == [2], "rejected became active")
    out = s.cli("policy", "proposals", "--state", "rejected", "--as", OLIVIA)
    check(pid in out.stdout, out.stdout)


def emergency(s, tmp):
    v4 = write(tmp, "v4.yaml", V4)
    st, body = s.api("POST", "/v1/policy/proposals", as_=CARL,
                     body={"source": V4, "why": "now", "emergency": True})
    check(st == 403 and "policy-emergency" in body["error"]["message"], f"carl: {st} {body}")
    st, body = s.api("POST", "/v1/policy/proposals", as_=CARL, body={"source": V4, "why": "x"})
    check(st == 403 and "orchestrator" in body["error"]["message"], f"carl proposes: {st} {body}")
    out = s.cli("policy", "apply", v4, "--as", OLIVIA, check_rc=False)
    check(out.returncode == 2, "apply without --reason")
    out = s.cli("policy", "apply", v4, "--reason", "product recall tonight", "--as", OLIVIA)
    check("version 3 is active" in out.stdout, out.stdout)
    st, items = s.api("GET", "/v1/policy/proposals?state=activated", as_=OLIVIA)
    p = [p for p in items["items"] if p["emergency"]]
    check(len(p) == 1 and p[0]["why"] == "product recall tonight" and p[0]["version"] == 3,
          str(items))
    check(s.psql("SELECT count(*) FROM event_log WHERE type = 'policy.activated' "
                 f"AND correlation_id = '{p[0]['id']}'") == "1", "policy.activated not logged")


def refusals(s):
    st, body = s.api("POST", "/v1/policy/validate", as_=MAYA, body={"source": BAD})
    check(st == 422 and body["error"]["field"] == "source"
          and "rule broken: review needs a role" in body["error"]["message"], f"{st} {body}")
    st, body = s.api("POST", "/v1/policy/validate", as_=MAYA, body={"source": V2})
    check(st == 200 and body == {"ok": True, "rules": 1}, f"{st} {body}")
    st, body = s.api("POST", "/v1/policy/proposals", as_=OLIVIA,
                     body={"source": BAD, "why": "x"})
    check(st == 422 and "line" in body["error"]["message"], f"bad proposal: {st} {body}")
    st, body = s.api("POST", "/v1/policy/proposals", as_=OLIVIA, body={"source": V2})
    check(st == 422 and body["error"]["field"] == "why", f"no why: {st} {body}")
    st, body = s.api("POST", "/v1/policy/proposals", as_=OLIVIA,
                     body={"source": V2, "why": "x", "extra": 1})
    check(st == 422 and body["error"]["field"] == "extra", f"unknown field: {st} {body}")
    st, body = s.api("GET", "/v1/policy/proposals/00000000-0000-4000-8000-00000000dead",
                     as_=OLIVIA)
    check(st == 404, f"unknown proposal: {st}")
    st, body = s.api("GET", "/v1/policy/diff?from=1&to=2", as_=MAYA)
    check(st == 200 and body["changes"] > 0, f"diff: {st} {body}")
    st, body = s.api("GET", "/v1/policy/diff?from=1", as_=MAYA)
    check(st == 422 and body["error"]["field"] == "to", f"diff without to: {st} {body}")


def deactivated_reviewer(s):
    """A review submitted by a person deactivated before policy applies it
    does not count: the proposal stays in review."""
    V5 = V2.replace("lawsuit", "lawsuit, subpoena")
    st, p = s.api("POST", "/v1/policy/proposals", as_=OLIVIA,
                  body={"source": V5, "why": "subpoenas too"})
    check(st == 201, f"propose: {st} {p}")
    pid = p["id"]
    wait_proposal(s, pid, lambda p: p["state"] == "in_review")
    s.stop("policy")
    st, body = review(s, pid, LENA, "approve")
    check(st == 202, f"lena's review accepted for now: {st} {body}")
    st, who = s.api("GET", f"/v1/admin/people/{LENA}", as_=OLIVIA)
    check(st == 200, f"lena: {st} {who}")
    st, body = s.api("POST", f"/v1/admin/people/{LENA}/deactivate", as_=OLIVIA,
                     body={"reason": "left the company", "version": who["version"]})
    check(st == 200, f"deactivate lena: {st} {body}")
    s.start("policy", HUDDLE_DATABASE_URL=s.db_url)  # (the CLI's is a dead address)
    s.wait_healthy("policy")
    s.wait_for("the review refused", lambda: s.psql(
        "SELECT count(*) FROM event_log WHERE type = 'policy.proposal_updated' "
        f"AND correlation_id = '{pid}'") == "2")
    p = wait_proposal(s, pid, lambda p: p["state"] == "in_review")
    check(p["approved"] == [], f"the deactivated reviewer's approval does not count: {p}")
    st, who = s.api("GET", f"/v1/admin/people/{LENA}", as_=OLIVIA)
    st, body = s.api("POST", f"/v1/admin/people/{LENA}/activate", as_=OLIVIA,
                     body={"version": who["version"]})
    check(st == 200, f"lena back: {st} {body}")


def main():
    with System("e2e_policy_committee") as s:
        tmp = tempfile.mkdtemp()
        s.start_all()
        # The CLI reaches policy through the API only: no database address.
        s.env["HUDDLE_DATABASE_URL"] = "postgresql://127.0.0.1:1/nowhere"
        t0 = time.time()
        committee(s, tmp)
        rejected(s, tmp)
        emergency(s, tmp)
        refusals(s)
        deactivated_reviewer(s)
        print(f"ok ({time.time() - t0:.1f}s)")


if __name__ == "__main__":
    main()
