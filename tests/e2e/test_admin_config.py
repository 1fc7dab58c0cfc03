"""End to end: administering channels, accounts and routing through the
API and the CLI. A channel credential is write-only: no read, no event and
no column of a database dump reveals it, and the publisher still publishes
with the sealed credential. A coach manages their own department's routing
rules only; a stale version is refused."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from huddle_system import System, check  # noqa: E402

OLIVIA, MAYA, CARL, CORA = (f"{n}@example.org" for n in ["olivia", "maya", "carl", "cora"])
SECRET = "e2e-credential-7f3a9c1b-do-not-leak"


def no_leak(s, where):
    """The credential is in no answer, no event, no column of a dump."""
    for table in ("outbox", "event_log"):
        n = s.psql(f"SELECT count(*) FROM {table} WHERE "
                   f"position(convert_to('{SECRET}', 'UTF8') in payload) > 0")
        check(n == "0", f"{where}: the credential is in {table}")
    dump = subprocess.run(["pg_dump", s.db_url], capture_output=True, check=True).stdout
    check(SECRET.encode() not in dump, f"{where}: pg_dump holds the credential")
    check(s.psql("SELECT count(*) FROM channel_account WHERE token IS NOT NULL") == "0",
          f"{where}: a credential is stored in the clear")


def test_channels(s):
    st, body = s.api("POST", "/v1/admin/channels", as_=OLIVIA,
                     body={"id": "e2e-chan", "kind": "fax", "base_url": "http://x"})
    check(st == 422 and body["error"]["field"] == "kind" and "fax" in body["error"]["message"],
          f"kind fax: {st} {body}")
    st, body = s.api("POST", "/v1/admin/channels", as_=OLIVIA,
                     body={"id": "e2e-chan", "kind": "mastodon", "base_url": "ftp://x"})
    check(st == 422 and body["error"]["field"] == "base_url", f"bad url: {st} {body}")
    st, body = s.api("POST", "/v1/admin/channels", as_=OLIVIA,
                     body={"id": "e2e-chan", "kind": "mastodon", "base_url": "http://x",
                           "colour": "red"})
    check(st == 422 and body["error"]["field"] == "colour", f"unknown field: {st} {body}")
    url = f"http://127.0.0.1:{s.ports['sandbox']}"
    st, ch = s.api("POST", "/v1/admin/channels", as_=OLIVIA,
                   body={"id": "e2e-chan", "kind": "mastodon", "base_url": url,
                         "max_length": 280})
    check(st == 201 and ch["version"] == 1 and ch["max_length"] == 280, f"create: {st} {ch}")
    st, _ = s.api("POST", "/v1/admin/channels", as_=OLIVIA,
                  body={"id": "e2e-chan", "kind": "mastodon", "base_url": url})
    check(st == 409, f"duplicate channel: {st}")
    st, body = s.api("PATCH", "/v1/admin/channels/e2e-chan", as_=OLIVIA, body={"max_length": 300})
    check(st == 428, f"PATCH without version: {st} {body}")
    st, ch = s.api("PATCH", "/v1/admin/channels/e2e-chan", as_=OLIVIA,
                   body={"max_length": 300, "version": 1})
    check(st == 200 and ch["version"] == 2 and ch["max_length"] == 300, f"PATCH: {st} {ch}")
    st, body = s.api("PATCH", "/v1/admin/channels/e2e-chan", as_=OLIVIA,
                     body={"max_length": 301}, headers={"If-Match": '"1"'})
    check(st == 409, f"stale PATCH: {st} {body}")
    st, _ = s.api("GET", "/v1/admin/channels", as_=CARL)
    check(st == 403, f"a coach listing channels: {st}")
    st, body = s.api("GET", "/v1/admin/channels/nope", as_=OLIVIA)
    check(st == 404, f"unknown channel: {st}")


def test_accounts(s):
    path = "/v1/admin/channels/e2e-chan/accounts/marketing"
    st, body = s.api("PUT", path, as_=OLIVIA, body={"handle": "m"})
    check(st == 422 and body["error"]["field"] == "credential", f"no credential: {st} {body}")
    st, acc = s.api("PUT", path, as_=OLIVIA, body={"handle": "m", "credential": SECRET})
    check(st == 201 and acc["credential_set"] is True and SECRET not in str(acc),
          f"create account: {st} {acc}")
    sealed = s.psql("SELECT encode(secret, 'hex') FROM channel_account "
                    "WHERE channel_id = 'e2e-chan'")
    st, _ = s.api("PUT", path, as_=OLIVIA, body={"handle": "m2"})
    check(st == 428, f"replacing without version: {st}")
    st, _ = s.api("PUT", path, as_=OLIVIA, body={"handle": "m2", "version": 7})
    check(st == 409, f"stale account: {st}")
    st, acc = s.api("PUT", path, as_=OLIVIA, body={"handle": "m2", "version": 1})
    check(st == 200 and acc["handle"] == "m2" and acc["version"] == 2, f"update: {st} {acc}")
    check(s.psql("SELECT encode(secret, 'hex') FROM channel_account "
                 "WHERE channel_id = 'e2e-chan'") == sealed, "the kept credential changed")
    st, lst = s.api("GET", "/v1/admin/channels/e2e-chan/accounts", as_=OLIVIA)
    check(st == 200 and len(lst["items"]) == 1 and SECRET not in str(lst), f"list: {st} {lst}")
    check(s.psql("SELECT count(*) FROM outbox WHERE type = 'org.channel_account.created'") != "0"
          or s.psql("SELECT count(*) FROM event_log WHERE type = 'org.channel_account.created'")
          != "0", "no org.channel_account.created event")
    st, _ = s.api("PUT", "/v1/admin/channels/e2e-chan/accounts/nowhere", as_=OLIVIA,
                  body={"handle": "m", "credential": "x"})
    check(st == 404, f"unknown department: {st}")
    st, _ = s.api("PUT", path, as_=CARL, body={"handle": "m", "credential": "x", "version": 2})
    check(st == 403, f"a coach setting an account: {st}")
    no_leak(s, "after setting the account")
    st, gone = s.api("DELETE", path, as_=OLIVIA, headers={"If-Match": "2"})
    check(st == 200 and gone["handle"] == "m2", f"delete: {st} {gone}")


def test_sealed_credential_publishes(s):
    """The sample's sandbox account, sealed by huddle-migrate, then set
    again through the API: both publish."""
    check(s.psql("SELECT count(*) FROM channel_account WHERE secret IS NULL") == "0",
          "migrate left an account unsealed")
    for n, reset in enumerate([False, True]):
        if reset:
            st, lst = s.api("GET", "/v1/admin/channels/sandbox/accounts", as_=OLIVIA)
            acc = [a for a in lst["items"] if a["department"] == "marketing"][0]
            with tempfile.NamedTemporaryFile("w", delete=False) as f:
                f.write("sbx-marketing\n")
            s.cli("admin", "account", "set", "sandbox", "marketing", "--handle",
                  "example_marketing", "--credential-file", f.name, "--version",
                  str(acc["version"]), "--as", OLIVIA)
            os.unlink(f.name)
        text = f"Sealed credentials still publish, round {n}. e2e-sealed"
        cid = s.cli("submit", "--as", MAYA, "--channel", "sandbox", text).stdout.strip()
        s.wait_state(cid, "awaiting_approval")
        s.cli("approve", cid, "--as", CARL)
        s.wait_state(cid, "published")
        check(any(p["text"] == text for p in s.sandbox()), f"not in the sandbox: {text}")
    no_leak(s, "after publishing")


def test_routing_by_a_coach(s):
    rule = {"id": "e2e-mk", "priority": 35, "keywords": ["launch", "promo"],
            "department": "marketing"}
    st, r = s.api("POST", "/v1/admin/routing-rules", as_=CARL, body=rule)
    check(st == 201 and r["keywords"] == ["launch", "promo"] and r["channel"] is None,
          f"coach creates own rule: {st} {r}")
    st, body = s.api("POST", "/v1/admin/routing-rules", as_=CARL,
                     body=dict(rule, id="e2e-x", keywords=["*", "x"]))
    check(st == 422 and body["error"]["field"] == "keywords", f"'*' with others: {st} {body}")
    st, body = s.api("POST", "/v1/admin/routing-rules", as_=CARL,
                     body=dict(rule, id="e2e-care", department="customer-care"))
    check(st == 404, f"coach creating another department's rule: {st} {body}")
    st, lst = s.api("GET", "/v1/admin/routing-rules", as_=CARL)
    depts = {x["department"] for x in lst["items"]}
    check(st == 200 and depts == {"marketing"}, f"coach's list: {st} {depts}")
    st, _ = s.api("GET", "/v1/admin/routing-rules/support", as_=CARL)
    check(st == 404, f"another department's rule: {st}")
    st, _ = s.api("PATCH", "/v1/admin/routing-rules/support", as_=CARL,
                  body={"priority": 1, "version": 1})
    check(st == 404, f"patching another department's rule: {st}")
    st, _ = s.api("PATCH", "/v1/admin/routing-rules/e2e-mk", as_=CARL,
                  body={"department": "legal", "version": 1})
    check(st == 404, f"moving a rule to another department: {st}")
    st, r = s.api("PATCH", "/v1/admin/routing-rules/e2e-mk", as_=CARL,
                  body={"priority": 36, "channel": "sandbox", "version": 1})
    check(st == 200 and r["priority"] == 36 and r["channel"] == "sandbox" and r["version"] == 2,
          f"coach patches own rule: {st} {r}")
    st, _ = s.api("PATCH", "/v1/admin/routing-rules/e2e-mk", as_=CARL,
                  body={"priority": 37, "version": 1})
    check(st == 409, f"stale rule: {st}")
    st, r = s.api("GET", "/v1/admin/routing-rules/e2e-mk", as_=OLIVIA)
    check(st == 200 and r["version"] == 2, f"orchestrator reads it: {st} {r}")
    st, _ = s.api("DELETE", "/v1/admin/routing-rules/e2e-mk", as_=CARL)
    check(st == 428, f"delete without version: {st}")
    st, r = s.api("DELETE", "/v1/admin/routing-rules/e2e-mk", as_=CARL, headers={"If-Match": "2"})
    check(st == 200 and r["id"] == "e2e-mk", f"delete: {st} {r}")
    st, _ = s.api("POST", "/v1/admin/approval-steps", as_=CARL,
                  body={"department": "marketing", "role": "legal"})
    check(st == 403, f"a coach changing chains: {st}")


def test_chains_and_facts(s):
    st, step = s.api("POST", "/v1/admin/approval-steps", as_=OLIVIA,
                     body={"department": "hr", "role": "legal", "same_department": False})
    check(st == 201 and step["role"] == "legal", f"step: {st} {step}")
    st, _ = s.api("POST", "/v1/admin/approval-steps", as_=OLIVIA,
                  body={"department": "hr", "role": "astronaut"})
    check(st == 422, f"unknown role: {st}")
    st, _ = s.api("DELETE", f"/v1/admin/approval-steps/{step['id']}", as_=OLIVIA,
                  headers={"If-Match": "1"})
    check(st == 200, f"delete step: {st}")
    st, rr = s.api("PUT", "/v1/admin/review-roles/hr", as_=OLIVIA, body={"same_department": True})
    check(st == 201 and rr["same_department"] is True, f"review role: {st} {rr}")
    st, pr = s.api("PUT", "/v1/admin/policy-reviewers/analyst", as_=OLIVIA, body={"ord": 3})
    check(st == 201 and pr["ord"] == 3, f"policy reviewer: {st} {pr}")
    st, _ = s.api("PUT", "/v1/admin/policy-reviewers/legal", as_=OLIVIA, body={"ord": 1})
    check(st == 428, f"changing a reviewer without its version: {st}")
    st, lst = s.api("GET", "/v1/admin/policy-reviewers", as_=OLIVIA)
    check(st == 200 and [x["role"] for x in lst["items"]] == ["legal", "hr", "analyst"],
          f"reviewers: {lst}")
    legal = lst["items"][0]
    st, pr = s.api("PUT", "/v1/admin/policy-reviewers/legal", as_=OLIVIA,
                   body={"ord": 4, "version": legal["version"]})
    check(st == 200 and pr["ord"] == 4, f"reviewer moved last: {st} {pr}")
    st, _ = s.api("DELETE", "/v1/admin/policy-reviewers/analyst", as_=OLIVIA,
                  headers={"If-Match": '"1"'})
    check(st == 200, f"reviewer removed: {st}")
    st, cert = s.api("POST", "/v1/admin/certifications", as_=CARL,
                     body={"person": MAYA, "channel": "sandbox",
                           "expires_at": "2030-01-31T00:00:00Z"})
    check(st == 201 and cert["email"] == MAYA, f"coach certifies own person: {st} {cert}")
    st, _ = s.api("POST", "/v1/admin/certifications", as_=CARL, body={"person": CORA})
    check(st == 404, f"coach certifying another department's person: {st}")
    st, body = s.api("POST", "/v1/admin/certifications", as_=OLIVIA,
                     body={"person": CORA, "expires_at": "next week"})
    check(st == 422 and body["error"]["field"] == "expires_at", f"bad date: {st} {body}")
    st, cert = s.api("PATCH", f"/v1/admin/certifications/{cert['id']}", as_=CARL,
                     body={"expires_at": None, "version": 1})
    check(st == 200 and cert["expires_at"] is None, f"no expiry: {st} {cert}")
    st, d = s.api("POST", "/v1/admin/delegations", as_=CARL,
                  body={"principal": CARL, "delegate": MAYA,
                        "valid_until": "2031-01-01T00:00:00Z"})
    check(st == 201 and d["delegate_email"] == MAYA, f"delegation: {st} {d}")
    st, body = s.api("POST", "/v1/admin/delegations", as_=CARL,
                     body={"principal": CARL, "delegate": MAYA,
                           "valid_from": "2031-01-01T00:00:00Z",
                           "valid_until": "2030-01-01T00:00:00Z"})
    check(st == 422 and body["error"]["field"] == "valid_until", f"backwards: {st} {body}")
    st, _ = s.api("DELETE", f"/v1/admin/delegations/{d['id']}", as_=CARL,
                  headers={"If-Match": "1"})
    check(st == 200, f"delete delegation: {st}")


def test_cli(s):
    out = s.cli("admin", "channel", "list", "--as", OLIVIA).stdout
    check("e2e-chan" in out and "sandbox" in out, f"channel list: {out}")
    out = s.cli("admin", "account", "list", "sandbox", "--as", OLIVIA).stdout
    check("example_marketing" in out and "sbx-" not in out, f"account list: {out}")
    out = s.cli("admin", "account", "set", "sandbox", "hub", "--handle", "x",
                "--credential", "leak", "--as", OLIVIA, check_rc=False)
    check(out.returncode == 2, f"a credential on the command line: {out.returncode} {out.stderr}")
    out = s.cli("admin", "routing", "create", "e2e-cli", "--priority", "50", "--keywords",
                "alpha,beta", "--department", "marketing", "--as", CARL).stdout
    check("e2e-cli" in out, f"routing create: {out}")
    out = s.cli("admin", "routing", "list", "--as", CARL).stdout
    check("e2e-cli" in out and "support" not in out, f"coach's routing list: {out}")
    out = s.cli("admin", "routing", "show", "support", "--as", CARL, check_rc=False)
    check(out.returncode == 1 and "404" in out.stderr, f"another's rule: {out.stderr}")
    out = s.cli("admin", "channel", "list", "--as", CARL, check_rc=False)
    check(out.returncode == 1 and "403" in out.stderr, f"coach channel list: {out.stderr}")


def test_migrate_seals_clear_credentials(s):
    """A credential left in the clear (an older version) is sealed by the
    next huddle-migrate, which refuses to run without a key to seal it."""
    s.psql("INSERT INTO channel_account (channel_id, department_id, handle, token) "
           f"VALUES ('e2e-chan', 'legal', 'l', '{SECRET}')")
    env = dict(s.env, HUDDLE_KEYS_DIR="", HUDDLE_SEED="none",
               HUDDLE_MIGRATIONS_DIR=os.path.join(s.src, "migrations"))
    migrate = os.path.join(s.bin, "huddle-migrate")
    out = subprocess.run([migrate], env=env, capture_output=True, text=True, timeout=60)
    check(out.returncode != 0 and "HUDDLE_KEYS_DIR" in out.stderr,
          f"migrate without a key: {out.returncode} {out.stderr}")
    env["HUDDLE_KEYS_DIR"] = s.env["HUDDLE_KEYS_DIR"]
    for _ in range(2):  # the second run has nothing left to do
        out = subprocess.run([migrate], env=env, capture_output=True, text=True, timeout=60)
        check(out.returncode == 0, f"migrate: {out.stderr}")
    st, lst = s.api("GET", "/v1/admin/channels/e2e-chan/accounts", as_=OLIVIA)
    check([a["credential_set"] for a in lst["items"]] == [True], f"sealed account: {lst}")
    no_leak(s, "after sealing a clear credential")


def main():
    with System("e2e_admin_config") as s:
        s.start_all()
        test_channels(s)
        test_accounts(s)
        test_sealed_credential_publishes(s)
        test_routing_by_a_coach(s)
        test_chains_and_facts(s)
        test_cli(s)
        test_migrate_seals_clear_credentials(s)
    print("ok   e2e admin config")


if __name__ == "__main__":
    main()
