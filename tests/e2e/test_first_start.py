#!/usr/bin/env python3
"""End to end: the first start of a real organization (HUDDLE_SEED=none).
An empty database gets its first orchestrator from `huddle-migrate --admin
EMAIL`, whose one-time token is printed once; a second run issues nothing;
the orchestrator then works only through the API: makes tokens of their
own, revokes the first-start token, lets a short-lived token expire, and
makes an integration that posts a mention. Every step is on the record as
org.* events. (Departments, people and channels over the API come with
the administration routes; until then the channel is inserted here.)"""
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


def integration(s, tok):
    # (the channel comes over the API once the channel routes land)
    s.psql("INSERT INTO channel (id, kind, base_url, max_length) "
           "VALUES ('sandbox', 'mastodon', 'http://127.0.0.1:9', 500)")
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
        s.start("ingest")
        s.wait_healthy("ingest")
        lasting = as_orchestrator(s, tok)
        integration(s, lasting)
        check(s.psql("SELECT count(*) FROM outbox WHERE type = 'org.token.created'") == "4",
              "first-start, laptop, brief and the integration: four tokens made")
        check(s.psql("SELECT count(*) FROM outbox WHERE type = 'org.token.revoked'") == "1",
              "one revoked")
        rc, _ = s.stop("ingest")
        check(rc == 0, f"ingest exit {rc}")
        print("ok first start: --admin once, own tokens, revocation, expiry, integration")


if __name__ == "__main__":
    main()
