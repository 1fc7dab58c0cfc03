#!/usr/bin/env python3
"""End to end: the first start of a real organization (HUDDLE_SEED=none).
An empty database gets its first orchestrator from `huddle-migrate --admin
EMAIL`, whose one-time token is printed once; a second run issues nothing;
the orchestrator then works only through the API: makes tokens of their
own, revokes the first-start token, lets a short-lived token expire, and
makes an integration that posts a mention. Then the organization is built
with the CLI alone, as a real one would: a department, a channel and its
account, the approval chain, the first policy (the emergency path: nobody
else exists yet to review it), a coach and a player invited, who make
tokens of their own; the player submits, the coach approves, it is
published. Every step is on the record as org.* events, exactly once."""
import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from huddle_system import System, check  # noqa: E402

BOSS = "boss@acme.example"


def bearer(tok):
    return {"Authorization": f"Bearer {tok}"}


def expect(got, status, what):
    check(got[0] == status, f"{what}: wanted {status}, got {got[0]} {got[1]}")
    return got[1]


def first_start(s):
    check(s.psql("SELECT count(*) FROM person") == "0", "the database starts empty")
    bad = s.migrate("--admin", "not-an-email")
    check(bad.returncode != 0 and bad.stdout == "", f"a bad email is refused: {bad}")
    out = s.migrate("--admin", BOSS, "--admin-name", "Bea Oss", check=True)
    lines = out.stdout.splitlines()
    check(len(lines) == 1, f"one line on stdout: {out.stdout!r}")
    email, tok = lines[0].split()
    check(email == BOSS and tok.startswith("hdt_") and len(tok) == 36, f"line {lines[0]}")
    check("shown this once" in out.stderr, f"a note for people on stderr: {out.stderr}")
    # run again (the compose step runs on every `up`): nothing more
    for again in (s.migrate("--admin", BOSS, check=True),
                  s.migrate(check=True, HUDDLE_ADMIN_EMAIL="other@acme.example")):
        check(again.stdout == "", f"no second token: {again.stdout!r}")
        check("does nothing" in again.stderr, f"says why: {again.stderr}")
    check(s.psql("SELECT count(*) FROM api_token") == "1", "exactly one token")
    check(s.psql("SELECT count(*) FROM person") == "1", "exactly one person")
    check(s.psql("SELECT d.name FROM department d JOIN person p ON p.department_id = d.id")
          == "Social Media Center of Excellence", "the hub department")
    types = s.psql("SELECT string_agg(type, ',' ORDER BY oid) FROM outbox "
                   "WHERE type LIKE 'org.%'")
    check(types == "org.department.created,org.person.created,org.token.created",
          f"the first start on the record: {types}")
    check(s.psql("SELECT count(*) FROM outbox WHERE position(convert_to("
                 f"'{tok}', 'UTF8') IN payload) > 0") == "0", "no secret in the events")
    return tok


def as_orchestrator(s, tok):
    me = expect(s.api("GET", "/v1/me", headers=bearer(tok)), 200, "me with the first token")
    check(me["email"] == BOSS and me["roles"] == ["orchestrator"], f"me {me}")
    check(me["department"] == "hub", f"me {me}")
    check(me["scopes"] == ["read", "submit", "decide", "admin"], f"scopes {me}")
    mine = expect(s.api("GET", "/v1/tokens", headers=bearer(tok)), 200, "list")["items"]
    check([t["name"] for t in mine] == ["first-start"], f"{mine}")
    days = (datetime.datetime.fromisoformat(mine[0]["expires_at"].replace("Z", "+00:00"))
            - datetime.datetime.now(datetime.timezone.utc)).days
    check(29 <= days <= 30, f"the first token lasts 30 days: {mine[0]}")
    # a lasting token of their own, then the first one revoked
    cli = expect(s.api("POST", "/v1/tokens", headers=bearer(tok),
                       body={"name": "boss laptop", "expires_in_days": 365}), 201, "own token")
    first = mine[0]["id"]
    expect(s.api("DELETE", f"/v1/tokens/{first}", headers=bearer(cli["token"])), 200,
           "revoke the first-start token")
    expect(s.api("GET", "/v1/me", headers=bearer(tok)), 401, "first token refused")
    # a token that expires a few seconds from now
    at = (datetime.datetime.now(datetime.timezone.utc)
          + datetime.timedelta(seconds=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    brief = expect(s.api("POST", "/v1/tokens", headers=bearer(cli["token"]),
                         body={"name": "brief", "scopes": ["read"], "expires_at": at}), 201,
                   "short-lived token")
    expect(s.api("GET", "/v1/me", headers=bearer(brief["token"])), 200, "in time")
    time.sleep(4.5)
    expect(s.api("GET", "/v1/me", headers=bearer(brief["token"])), 401, "expired")
    return cli["token"]


def admin(s, *args):
    """The CLI as the orchestrator (HUDDLE_AS picks the token)."""
    return s.cli(*args).stdout


def organization(s, tok):
    tokens = s.env["HUDDLE_TOKENS_FILE"]
    with open(tokens, "w") as f:
        f.write(f"{BOSS} {tok}\n")
    s.env["HUDDLE_AS"] = BOSS
    admin(s, "admin", "department", "create", "marketing", "--name", "Marketing")
    sandbox = f"http://127.0.0.1:{s.ports['sandbox']}"
    admin(s, "admin", "channel", "create", "sandbox", "--kind", "mastodon", "--base-url", sandbox)
    cred = os.path.join(s.tmp, "credential")
    with open(cred, "w") as f:
        f.write("acme-marketing-secret\n")
    admin(s, "admin", "account", "set", "sandbox", "marketing", "--handle", "acme_marketing",
          "--credential-file", cred)
    admin(s, "admin", "chain", "add", "--role", "coach", "--same-department", "yes")
    out = admin(s, "policy", "apply", os.path.join(s.src, "examples", "policy", "starter.yaml"),
                "--reason", "our first policy: nobody else is here to review it yet")
    check("is active" in out, f"the first policy: {out}")
    invites = {}
    for email, role in (("carl@acme.example", "coach"), ("maya@acme.example", "player")):
        st, ans = s.api("POST", "/v1/admin/people", headers=bearer(tok), body={
            "email": email, "name": email.split("@")[0].title(), "department": "marketing",
            "roles": [role]})
        check(st == 201 and ans["invitation_token"].startswith("hdt_"), f"invite {email}: {ans}")
        invites[email] = ans["invitation_token"]
    # each makes a token of their own with the invitation, then drops it
    own = {}
    for email, scopes in (("carl@acme.example", ["read", "decide"]),
                          ("maya@acme.example", ["read", "submit"])):
        inv = invites[email]
        made = expect(s.api("POST", "/v1/tokens", headers=bearer(inv),
                            body={"name": "work", "scopes": scopes}), 201, f"{email} token")
        own[email] = made["token"]
        mine = expect(s.api("GET", "/v1/tokens", headers=bearer(made["token"])), 200, "mine")
        inv_id = [t["id"] for t in mine["items"] if t["name"] == "invitation"][0]
        expect(s.api("DELETE", f"/v1/tokens/{inv_id}", headers=bearer(made["token"])), 200,
               "invitation dropped")
        expect(s.api("GET", "/v1/me", headers=bearer(inv)), 401, "invitation no longer works")
    with open(tokens, "a") as f:
        for email, t in own.items():
            f.write(f"{email} {t}\n")
    # the player cannot decide, the coach cannot submit: their tokens' scopes
    cid = s.cli("submit", "--as", "maya@acme.example", "--channel", "sandbox",
                "Hello from Acme: our first governed post!").stdout.strip()
    item = None
    deadline = time.time() + 60
    while time.time() < deadline:
        st, item = s.api("GET", f"/v1/content/{cid}", headers=bearer(own["carl@acme.example"]))
        if st == 200 and item["state"] == "awaiting_approval":
            break
        time.sleep(0.2)
    check(item and item["state"] == "awaiting_approval", f"awaits the coach: {item}")
    st, _ = s.api("POST", f"/v1/content/{cid}/decisions", headers=bearer(own["maya@acme.example"]),
                  body={"decision": "approve"})
    check(st == 403, f"the player's token lacks decide: {st}")
    s.cli("approve", cid, "--as", "carl@acme.example")
    while time.time() < deadline:
        st, item = s.api("GET", f"/v1/content/{cid}", headers=bearer(own["maya@acme.example"]))
        if st == 200 and item["state"] == "published":
            break
        time.sleep(0.2)
    check(item["state"] == "published", f"published: {item}")
    posted = s.sandbox()
    check(any("our first governed post" in p.get("text", "") for p in posted),
          f"on the channel: {posted}")
    hist = s.cli("admin", "history", "--json").stdout
    for t in ("org.department.created", "org.channel.created", "org.channel_account.created",
              "org.approval_step.created", "org.person.invited"):
        check(t in hist, f"{t} in the history: {hist[:2000]}")
    counts = dict(line.split("|") for line in s.psql(
        "SELECT type, count(*) FROM event_log WHERE type LIKE 'org.%' GROUP BY type")
        .splitlines())
    check(counts.get("org.person.invited") == "2" and counts.get("org.department.created") == "2",
          f"each change once (hub and marketing departments, two people): {counts}")
    check("acme-marketing-secret" not in s.psql("SELECT string_agg(encode(payload, 'escape'), '') "
                                                 "FROM event_log"), "no credential in the log")
    # and in the figures
    s.wait_for("org changes in the metrics", lambda: 'huddle_org_changes_total{object="person",'
               'action="invited",department="marketing"} 2' in s.metrics())
    del s.env["HUDDLE_AS"]


def integration(s, tok):
    feed = expect(s.api("POST", "/v1/admin/integrations", headers=bearer(tok),
                        body={"name": "listening", "channels": ["sandbox"]}), 201,
                  "integration")
    got = s.api("POST", "/v1/inbound", headers=bearer(feed["token"]),
                body={"channel": "sandbox", "external_id": "m-1", "author": "@fan",
                      "text": "hello acme"})
    check(got[0] == 201, f"the integration posts a mention: {got}")
    check(s.psql(f"SELECT token_id FROM mention WHERE id = '{got[1]['id']}'") == feed["id"],
          "the mention records the token")
    expect(s.api("POST", "/v1/inbound", headers=bearer(tok),
                 body={"channel": "sandbox", "external_id": "m-2", "author": "@fan",
                       "text": "hi"}), 403, "a person's token posts no mention")


def main():
    with System("e2e_first_start", seed="none") as s:
        tok = first_start(s)
        s.env["SANDBOX_ACCOUNTS"] = "acme_marketing:acme-marketing-secret"
        s.start_all()
        lasting = as_orchestrator(s, tok)
        organization(s, lasting)
        integration(s, lasting)
        made = s.psql("SELECT count(*) FROM event_log WHERE type = 'org.token.created'")
        check(made == "6", "first-start, laptop, brief, two people's own tokens and the "
              f"integration: six tokens made (invitations are org.person.invited), {made}")
        revoked = s.psql("SELECT count(*) FROM event_log WHERE type = 'org.token.revoked'")
        check(revoked == "3", f"the first-start token and two invitations revoked: {revoked}")
        rc, _ = s.stop("ingest")
        check(rc == 0, f"ingest exit {rc}")
        print("ok first start: --admin once, own tokens, revocation, expiry, a whole "
              "organization built through the CLI, a post governed and published, integration")


if __name__ == "__main__":
    main()
