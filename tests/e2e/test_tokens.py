#!/usr/bin/env python3
"""End to end: API tokens people manage themselves, and integration tokens
(docs/tokens.md), against a real ingest on the sample organization.
A person makes tokens no wider than the token they use, sees them listed
without a secret, revokes them; a revoked or expired token is refused at
its next request, also by the group commit of POST /v1/content; a coach
administers their own department's tokens only; integration tokens are the
only tokens that post mentions, only on their channels, and are refused
everywhere else; every creation and revocation is one org.token.* event
that never holds a secret."""
import datetime
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from huddle_system import System, check  # noqa: E402

MAYA, CARL, RITA, OLIVIA = ("maya@example.org", "carl@example.org", "rita@example.org",
                            "olivia@example.org")


def bearer(tok):
    return {"Authorization": f"Bearer {tok}"}


def rfc3339(seconds_ahead):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_ahead)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def expect(got, status, what):
    check(got[0] == status, f"{what}: wanted {status}, got {got[0]} {got[1]}")
    return got[1]


def refused(got, status, what, field=None, words=None):
    body = expect(got, status, what)
    check(isinstance(body, dict) and "error" in body, f"{what}: not an error answer: {body}")
    err = body["error"]
    if field:
        check(err.get("field") == field, f"{what}: field {err}")
    if words:
        check(words in err["message"], f"{what}: message lacks {words!r}: {err}")
    return err


def own_tokens(s):
    mine = expect(s.api("POST", "/v1/tokens", as_=MAYA, body={"name": "laptop",
                                                                "scopes": ["read"]}),
                  201, "create a read token")
    tok = mine["token"]
    check(tok.startswith("hdt_") and len(tok) == 36, f"token shape {tok}")
    check(mine["prefix"] == tok[:12] and mine["scopes"] == ["read"], f"answer {mine}")
    check(mine["person"] == MAYA and mine["state"] == "active", f"answer {mine}")
    days = (datetime.datetime.fromisoformat(mine["expires_at"].replace("Z", "+00:00"))
            - datetime.datetime.now(datetime.timezone.utc)).days
    check(89 <= days <= 90, f"default expiry 90 days, got {mine['expires_at']}")
    me = expect(s.api("GET", "/v1/me", headers=bearer(tok)), 200, "me with the new token")
    check(me["scopes"] == ["read"] and me["token_id"] == mine["id"], f"me {me}")
    # never wider than the token that makes it; by default as wide as it
    refused(s.api("POST", "/v1/tokens", headers=bearer(tok),
                  body={"name": "wider", "scopes": ["read", "submit"]}), 403, "wider scopes",
            "scopes", "'submit'")
    narrow = expect(s.api("POST", "/v1/tokens", headers=bearer(tok), body={"name": "copy"}),
                    201, "default scopes")
    check(narrow["scopes"] == ["read"], f"default scopes are the caller's: {narrow}")
    refused(s.api("POST", "/v1/content", headers=bearer(tok),
                  body={"channel": "sandbox", "text": "read only"}), 403, "submit without scope",
            "Authorization", "'submit'")
    # the refusals name what is wrong
    refused(s.api("POST", "/v1/tokens", as_=MAYA, body={"name": "x", "secret": "y"}), 422,
            "unknown field", "body", "'secret'")
    refused(s.api("POST", "/v1/tokens", as_=MAYA, body={"name": "x", "expires_at": "soon"}),
            422, "bad expiry", "expires_at")
    refused(s.api("POST", "/v1/tokens", as_=MAYA, body={"name": "x",
                                                         "expires_at": rfc3339(-60)}),
            422, "expiry in the past", "expires_at", "future")
    refused(s.api("POST", "/v1/tokens", as_=MAYA, body={"name": "x", "scopes": ["inbound"]}),
            422, "inbound for a person", "scopes")
    refused(s.api("POST", "/v1/tokens", as_=MAYA, raw=b"{nope"), 400, "bad JSON", "body")
    got = s.http("GET", f"http://127.0.0.1:{s.ports['api']}/v1/tokens")
    refused(got, 401, "no token", "Authorization")
    forever = expect(s.api("POST", "/v1/tokens", as_=MAYA,
                           body={"name": "forever", "expires_at": None}), 201, "never expires")
    check(forever["expires_at"] is None, f"expires_at null: {forever}")
    # listed without a secret, with its last use
    listed = expect(s.api("GET", "/v1/tokens", as_=MAYA), 200, "list own")["items"]
    names = [t["name"] for t in listed]
    check({"laptop", "copy", "forever", "sample"} <= set(names), f"own list {names}")
    check(all("token" not in t and "hash" not in t for t in listed), "no secret listed")
    laptop = next(t for t in listed if t["name"] == "laptop")
    check(laptop["last_used_at"], f"last use noted: {laptop}")
    check(all(t["person"] == MAYA for t in listed), "only one's own")
    # revoke: refused at the next request, on every door
    refused(s.api("DELETE", f"/v1/tokens/{mine['id']}", as_=RITA), 404, "another's token", "id")
    refused(s.api("DELETE", "/v1/tokens/not-a-token", as_=MAYA), 404, "not an id")
    gone = expect(s.api("DELETE", f"/v1/tokens/{mine['id']}", as_=MAYA), 200, "revoke own")
    check(gone["state"] == "revoked" and gone["revoked_at"], f"revoked: {gone}")
    refused(s.api("GET", "/v1/me", headers=bearer(tok)), 401, "revoked token")
    refused(s.api("DELETE", f"/v1/tokens/{mine['id']}", as_=MAYA), 409, "revoked twice")
    return tok, forever


def expiry(s):
    soon = expect(s.api("POST", "/v1/tokens", as_=MAYA,
                        body={"name": "brief", "scopes": ["submit", "read"],
                              "expires_at": rfc3339(3)}), 201, "short-lived token")
    tok = soon["token"]
    expect(s.api("POST", "/v1/content", headers=bearer(tok),
                 body={"channel": "sandbox", "text": "before expiry"}), 201, "submit in time")
    deadline = datetime.datetime.fromisoformat(soon["expires_at"].replace("Z", "+00:00"))
    while datetime.datetime.now(datetime.timezone.utc) <= deadline + datetime.timedelta(
            seconds=1):
        time.sleep(0.2)
    refused(s.api("GET", "/v1/me", headers=bearer(tok)), 401, "expired token")
    refused(s.api("POST", "/v1/content", headers=bearer(tok),
                  body={"channel": "sandbox", "text": "after expiry"}), 401,
            "expired token at the group commit")
    listed = expect(s.api("GET", "/v1/tokens", as_=MAYA), 200, "list")["items"]
    check(next(t for t in listed if t["id"] == soon["id"])["state"] == "expired", "expired")


def admin(s):
    refused(s.api("GET", "/v1/admin/tokens", as_=MAYA), 403, "player lists tokens", None,
            "tokens")
    items = expect(s.api("GET", "/v1/admin/tokens?department=marketing", as_=CARL), 200,
                   "coach lists their department")["items"]
    check(items and all(t["department"] == "marketing" for t in items), f"marketing {items}")
    check(any(t["person"] == MAYA for t in items), "maya's tokens among them")
    refused(s.api("GET", "/v1/admin/tokens?department=customer-care", as_=CARL), 404,
            "another department")
    refused(s.api("GET", f"/v1/admin/tokens?person={RITA}", as_=CARL), 404,
            "another department's person")
    refused(s.api("GET", "/v1/admin/tokens", as_=CARL), 403, "coach, whole organization")
    refused(s.api("GET", "/v1/admin/tokens?person=maya@example.org&department=marketing",
                  as_=CARL), 422, "both filters")
    mayas = expect(s.api("GET", f"/v1/admin/tokens?person={MAYA}", as_=CARL), 200,
                   "by person")["items"]
    copy = next(t for t in mayas if t["name"] == "copy")
    gone = expect(s.api("DELETE", f"/v1/admin/tokens/{copy['id']}", as_=CARL), 200,
                  "coach revokes in their department")
    check(gone["state"] == "revoked", f"{gone}")
    ritas = expect(s.api("GET", f"/v1/admin/tokens?person={RITA}", as_=OLIVIA), 200,
                   "orchestrator by person")["items"]
    refused(s.api("DELETE", f"/v1/admin/tokens/{ritas[0]['id']}", as_=CARL), 404,
            "coach, another department's token")
    all_ = expect(s.api("GET", "/v1/admin/tokens", as_=OLIVIA), 200, "orchestrator, all")
    check(len({t["department"] for t in all_["items"]}) >= 4, "every department")
    # the admin scope bounds an orchestrator's token too
    ro = expect(s.api("POST", "/v1/tokens", as_=OLIVIA, body={"name": "ro", "scopes": ["read"]}),
                201, "orchestrator's read token")
    refused(s.api("GET", "/v1/admin/tokens", headers=bearer(ro["token"])), 403,
            "admin route, read token", "Authorization", "'admin'")


def integrations(s, person_token):
    body = {"name": "crm", "channels": ["sandbox"]}
    refused(s.api("POST", "/v1/admin/integrations", as_=CARL, body=body), 403,
            "coach makes an integration", None, "tokens")
    refused(s.api("POST", "/v1/admin/integrations", as_=OLIVIA, body={"name": "CRM"}), 422,
            "bad name", "name")
    refused(s.api("POST", "/v1/admin/integrations", as_=OLIVIA,
                  body={"name": "crm", "channels": ["nowhere"]}), 422, "unknown channel",
            "channels", "'nowhere'")
    refused(s.api("POST", "/v1/admin/integrations", as_=OLIVIA,
                  body={"name": "crm", "departments": ["nowhere"]}), 422, "unknown department",
            "departments", "'nowhere'")
    crm = expect(s.api("POST", "/v1/admin/integrations", as_=OLIVIA, body=body), 201,
                 "integration")
    check(crm["integration"] == "crm" and crm["scopes"] == ["inbound"], f"{crm}")
    check(crm["channels"] == ["sandbox"] and crm["expires_at"] is None, f"{crm}")
    refused(s.api("POST", "/v1/admin/integrations", as_=OLIVIA, body=body), 409, "taken",
            "name")
    listed = expect(s.api("GET", "/v1/admin/integrations", as_=OLIVIA), 200, "list")["items"]
    check({"crm", "sample-listener"} <= {t["integration"] for t in listed}, f"{listed}")
    check(all("token" not in t for t in listed), "no secret listed")
    tok = crm["token"]
    mention = {"channel": "sandbox", "external_id": "crm-1", "author": "@ann",
               "text": "my order is broken"}
    got = s.api("POST", "/v1/inbound", headers=bearer(tok), body=mention)
    check(got[0] in (200, 201, 202), f"integration posts a mention: {got}")
    check(s.psql(f"SELECT token_id FROM mention WHERE id = '{got[1]['id']}'") == crm["id"],
          "the mention records its token")
    refused(s.api("POST", "/v1/inbound", headers=bearer(tok),
                  body=dict(mention, channel="elsewhere", external_id="crm-2")), 403,
            "another channel", "channel", "sandbox")
    refused(s.api("POST", "/v1/inbound", headers=bearer(person_token),
                  body=dict(mention, external_id="p-1")), 403, "a person's token posts a mention",
            "Authorization", "integration")
    for method, path, payload in [("GET", "/v1/inbox", None), ("GET", "/v1/tokens", None),
                                  ("POST", "/v1/tokens", {"name": "x"}),
                                  ("GET", "/v1/admin/integrations", None),
                                  ("POST", "/v1/content", {"channel": "sandbox", "text": "x"})]:
        refused(s.api(method, path, headers=bearer(tok), body=payload), 403,
                f"integration token on {method} {path}")
    expect(s.api("DELETE", f"/v1/admin/tokens/{crm['id']}", as_=OLIVIA), 200,
           "revoke an integration")
    refused(s.api("POST", "/v1/inbound", headers=bearer(tok),
                  body=dict(mention, external_id="crm-3")), 401, "revoked integration")
    again = expect(s.api("POST", "/v1/admin/integrations", as_=OLIVIA, body=body), 201,
                   "the name is free once revoked")
    return [crm["token"], again["token"]]


def events(s, secrets):
    created = int(s.psql("SELECT count(*) FROM api_token WHERE created_by IS NOT NULL"))
    revoked = int(s.psql("SELECT count(*) FROM api_token WHERE revoked_at IS NOT NULL"))
    check(s.psql("SELECT count(*) FROM outbox WHERE type = 'org.token.created'")
          == str(created), "one org.token.created per token made over the API")
    check(s.psql("SELECT count(*) FROM outbox WHERE type = 'org.token.revoked'")
          == str(revoked), "one org.token.revoked per revocation")
    check(s.psql("SELECT count(DISTINCT department) FROM outbox WHERE type LIKE 'org.token.%' "
                 "AND department <> ''") != "0", "events carry the person's department")
    for secret in secrets:
        check(s.psql(f"SELECT count(*) FROM outbox WHERE position(convert_to('{secret}', "
                     "'UTF8') IN payload) > 0") == "0", "no secret in any event")


def cli(s):
    """The same through `huddle token` and `huddle admin tokens|integration`."""
    out = s.cli("token", "create", "--as", MAYA, "--name", "from cli", "--scopes", "read,decide",
                "--expires", "7d")
    email, tok = out.stdout.split()
    check(email == MAYA and tok.startswith("hdt_"), f"a tokens-file line: {out.stdout!r}")
    check("shown this once" in out.stderr, f"note: {out.stderr}")
    s.env["HUDDLE_TOKEN"] = tok  # HUDDLE_TOKEN is the caller's token when no --as is given
    try:
        me = json.loads(s.cli("me").stdout)
        check(me["scopes"] == ["read", "decide"], f"huddle me prints scopes: {me}")
        listed = json.loads(s.cli("token", "list", "--json").stdout)["items"]
    finally:
        del s.env["HUDDLE_TOKEN"]
    made = next(t for t in listed if t["name"] == "from cli")
    table = s.cli("token", "list", "--as", MAYA).stdout
    check(made["id"] in table and "from cli" in table, f"table: {table}")
    check(s.cli("token", "revoke", made["id"], "--as", MAYA).stdout.startswith("revoked"),
          "revoke")
    bad = s.cli("token", "create", "--as", MAYA, "--name", "x", "--scopes", "write",
                check_rc=False)
    check(bad.returncode == 1 and "scopes" in bad.stderr, f"a refusal printed: {bad.stderr}")
    check(s.cli("token", "frobnicate", check_rc=False).returncode == 2, "usage")
    table = s.cli("admin", "tokens", "list", "--department", "marketing", "--as", CARL).stdout
    check(MAYA in table and RITA not in table, f"admin list: {table}")
    refused = s.cli("admin", "tokens", "list", "--person", RITA, "--as", CARL, check_rc=False)
    check(refused.returncode == 1 and "404" in refused.stderr, f"{refused.stderr}")
    out = s.cli("admin", "integration", "create", "feed-two", "--channels", "sandbox",
                "--expires", "never", "--as", OLIVIA)
    check(out.stdout.startswith("integration:feed-two hdt_"), f"{out.stdout!r}")
    table = s.cli("admin", "integration", "list", "--as", OLIVIA).stdout
    check("integration:feed-two" in table, f"{table}")
    fid = next(line.split()[0] for line in table.splitlines() if "feed-two" in line)
    check(s.cli("admin", "tokens", "revoke", fid, "--as", OLIVIA).returncode == 0, "revoke")
    return [tok, out.stdout.split()[1]]


def main():
    with System("e2e_tokens") as s:
        s.start("ingest")
        s.wait_healthy("ingest")
        secrets = list(own_tokens(s)[:1])
        expiry(s)
        admin(s)
        secrets += integrations(s, s.token(MAYA))
        secrets += cli(s)
        events(s, secrets)
        # the first start's --admin does nothing where people exist
        out = s.migrate("--admin", "boss@acme.example")
        check(out.returncode == 0 and out.stdout == "", f"--admin on a seeded db: {out}")
        check("does nothing" in out.stderr, f"says so: {out.stderr}")
        rc, _ = s.stop("ingest")
        check(rc == 0, f"ingest exit {rc}")
        print("ok tokens: own, expiry, revocation, admin, integrations, events")


if __name__ == "__main__":
    main()
