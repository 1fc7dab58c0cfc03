"""End to end: the sandbox's webhook sink and the webhook endpoint the
sample seed makes for it (docs/webhooks.md "Trying it on make up").
After start, crisis-team exists and points at this system's sandbox; a test
notification from the real publisher lands in the sink with its Standard
Webhooks headers and its body as sent (a signature over it verifies once a
rotation shows the secret); the sink refuses a bad name (404) and a body
over 64 KiB (413) and answers [] for a name never posted to; an example
playbook applied through the API is accepted (unchanged: the seed applied
it). The seed is idempotent, and without a credentials key it fails and
stores nothing."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from huddle_system import System, check  # noqa: E402
from test_webhooks import verify  # noqa: E402

OLIVIA = "olivia@example.org"
PATH = "/v1/admin/webhooks/crisis-team"


def sink_url(s, name):
    return f"http://127.0.0.1:{s.ports['sandbox']}/webhooks/{name}"


def test_seeded_endpoint(s):
    st, ep = s.api("GET", PATH, as_=OLIVIA)
    check(st == 200 and ep["url"] == sink_url(s, "crisis-team") and ep["active"] is True
          and ep["description"] ==
          "the crisis team's chat bridge (the sandbox's webhook sink on make up)"
          and "secret" not in ep, f"the seeded endpoint: {st} {ep}")
    # Sealed, as ingest seals: nonce (24) + the 50-byte secret + MAC (16).
    check(s.psql("SELECT length(secret), position('whsec_'::bytea in secret) "
                 "FROM webhook_endpoint WHERE name = 'crisis-team'") == "90|0",
          "the seeded secret is not sealed as ingest seals one")
    return ep


def test_delivered_to_sink(s):
    st, got = s.http("GET", sink_url(s, "crisis-team"))
    check(st == 200 and got == [], f"the sink before any notification: {st} {got}")
    st, body = s.api("POST", PATH + "/test", as_=OLIVIA)
    check(st == 202, f"test: {st} {body}")
    got = s.wait_for("the test notification in the sink",
                     lambda: s.http("GET", sink_url(s, "crisis-team"))[1])
    check(len(got) == 1, f"one message expected: {got}")
    m = got[0]
    check(m["webhook-id"] and m["webhook-timestamp"].isdigit()
          and m["webhook-signature"].startswith("v1,") and m["received_at"].endswith("Z")
          and len(m["received_at"]) == 24, f"the headers: {m}")
    msg = json.loads(m["body"])
    check(msg["type"] == "webhook.test" and msg["data"]["endpoint"] == "crisis-team"
          and m["bytes"] == len(m["body"].encode()), f"the body: {m}")
    s.wait_for("the delivery recorded", lambda: s.psql(
        f"SELECT state FROM notification WHERE id = '{m['webhook-id']}'") == "delivered")
    # With a secret one knows, the kept bytes verify as the receiver's would.
    st, ep = s.api("POST", PATH + "/rotate", as_=OLIVIA)
    check(st == 200 and ep["secret"].startswith("whsec_"), f"rotate: {st} {ep}")
    st, _ = s.api("POST", PATH + "/test", as_=OLIVIA)
    check(st == 202, f"second test: {st}")
    got = s.wait_for("the second message", lambda: (
        lambda a: a if len(a) == 2 else None)(s.http("GET", sink_url(s, "crisis-team"))[1]))
    m2 = got[1]
    headers = {k: m2[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}
    check(verify(ep["secret"], headers, m2["body"].encode()),
          f"the sink's copy does not verify: {m2}")
    check(got[0]["webhook-id"] == m["webhook-id"], "the listing is not oldest first")


def test_sink_bounds(s):
    for name in ("Crisis", "1team", "crisis_team", "a" * 64, "a/b", ""):
        st, body = s.http("POST", sink_url(s, name), body={})
        check(st == 404, f"POST to sink name {name!r}: {st} {body}")
    st, body = s.http("GET", sink_url(s, "Crisis"))
    check(st == 404 and body["error"]["field"] == "name", f"GET a bad name: {st} {body}")
    st, body = s.http("POST", sink_url(s, "big"), raw=b"x" * (64 * 1024 + 1),
                      headers={"Content-Type": "text/plain"})
    check(st == 413, f"a body over 64 KiB: {st} {body}")
    st, _ = s.http("POST", sink_url(s, "big"), raw=b"x" * (64 * 1024),
                   headers={"Content-Type": "text/plain"})
    check(st == 204, f"a body of 64 KiB: {st}")
    st, got = s.http("GET", sink_url(s, "big"))
    check(st == 200 and len(got) == 1 and got[0]["bytes"] == 65536 and got[0]["body"] is None
          and got[0]["webhook-id"] is None, f"what the sink kept: {st} {got}")
    st, got = s.http("GET", sink_url(s, "never-posted"))
    check(st == 200 and got == [], f"a name never posted to: {st} {got}")
    st, body = s.http("DELETE", sink_url(s, "big"))
    check(st == 405, f"DELETE on the sink: {st} {body}")


def test_example_applies(s):
    with open(os.path.join(s.src, "examples", "playbooks", "data-breach.yaml"), "rb") as f:
        yaml = f.read()
    st, body = s.api("PUT", "/v1/playbooks/data-breach", as_=OLIVIA, raw=yaml,
                     headers={"Content-Type": "application/yaml"})
    check(st == 200 and body["status"] == "unchanged", f"applying the example: {st} {body}")


def test_seed_again_and_without_key(s, ep):
    sealed = "SELECT encode(secret, 'hex') FROM webhook_endpoint WHERE name = 'crisis-team'"
    before = s.psql(sealed)
    s.migrate(check=True)
    st, again = s.api("GET", PATH, as_=OLIVIA)
    check(st == 200 and again["version"] == ep["version"] + 1 and s.psql(sealed) == before,
          f"a second seed changed the endpoint: {again}")  # + 1: the rotation above
    s.psql("DELETE FROM webhook_endpoint WHERE name = 'crisis-team'")
    out = s.migrate(HUDDLE_KEYS_DIR="", HUDDLE_CREDENTIALS_KEY_FILE="")
    check(out.returncode == 1 and "credentials_key_missing" in out.stderr
          and "crisis-team" in out.stderr, f"a seed without a key: {out.returncode} {out.stderr}")
    check(s.psql("SELECT count(*) FROM webhook_endpoint WHERE name = 'crisis-team'") == "0",
          "a seed without a key stored the endpoint")
    s.migrate(check=True)
    st, made = s.api("GET", PATH, as_=OLIVIA)
    check(st == 200 and made["url"] == sink_url(s, "crisis-team") and made["version"] == 1,
          f"made again from the channel's address: {st} {made}")


def main():
    with System("e2e_webhook_sink") as s:
        s.start_all()
        ep = test_seeded_endpoint(s)
        test_delivered_to_sink(s)
        test_sink_bounds(s)
        test_example_applies(s)
        test_seed_again_and_without_key(s, ep)
    print("ok   e2e webhook sink")


if __name__ == "__main__":
    main()
