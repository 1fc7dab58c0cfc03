"""End to end: the outgoing webhooks' endpoints (docs/webhooks.md),
administered through the API and the CLI. Creating an endpoint shows its
secret once: no later answer, no event, no log and no column of a database
dump holds it; rotating replaces it; a player may not administer endpoints;
a bad URL or name is refused naming the field; 'webhooks' is a permission
a grant can give. A test notification goes out through the real publisher
to a receiver here and verifies as the Standard Webhooks spec says, with
the secret shown at creation, and after a rotation with the new one only."""
import base64
import hashlib
import hmac
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from huddle_system import System, check  # noqa: E402

OLIVIA, MAYA, CARL = (f"{n}@example.org" for n in ["olivia", "maya", "carl"])


class Receiver(http.server.ThreadingHTTPServer):
    """Records every POST: (path, headers lower-cased, raw body)."""

    def __init__(self):
        self.got = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self, path):
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def wait(self, n, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.got) >= n:
                    return self.got[n - 1]
            time.sleep(0.1)
        raise AssertionError(f"receiver: {n} request(s) expected, got {len(self.got)}")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.server.lock:
            self.server.got.append((self.path, {k.lower(): v for k, v in self.headers.items()},
                                    body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def verify(secret, headers, body, tolerance=300):
    """The receiver's check, step by step as docs/webhooks.md tells it."""
    wid, ts, sigs = (headers.get(h) for h in
                     ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not (wid and ts and sigs and ts.isdigit()) or abs(time.time() - int(ts)) > tolerance:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{wid}.{ts}.".encode() + body, hashlib.sha256).digest()
    want = base64.b64encode(mac).decode()
    return any(s.startswith("v1,") and hmac.compare_digest(s[3:], want) for s in sigs.split())


def no_leak(s, secrets, where):
    """The secrets are in no event, no dump, no log."""
    for secret in secrets:
        for table in ("outbox", "event_log"):
            n = s.psql(f"SELECT count(*) FROM {table} WHERE "
                       f"position(convert_to('{secret}', 'UTF8') in payload) > 0")
            check(n == "0", f"{where}: a secret is in {table}")
    dump = subprocess.run(["pg_dump", s.db_url], capture_output=True, check=True).stdout
    for name in ("ingest", "publisher", "hub"):
        with open(s.log_path(name), "rb") as f:
            log = f.read()
        check(not any(x.encode() in log for x in secrets), f"{where}: a secret in {name}'s log")
    check(not any(x.encode() in dump for x in secrets), f"{where}: pg_dump holds a secret")
    check(b"whsec_" not in dump, f"{where}: pg_dump holds a secret")


def events(s, type_):
    return int(s.psql(f"SELECT (SELECT count(*) FROM outbox WHERE type = '{type_}') + "
                      f"(SELECT count(*) FROM event_log WHERE type = '{type_}')"))


def test_refusals(s, rx):
    path = "/v1/admin/webhooks/crisis-team"
    st, body = s.api("GET", "/v1/admin/webhooks", as_=MAYA)
    check(st == 403, f"a player listing endpoints: {st} {body}")
    st, body = s.api("PUT", path, as_=MAYA, body={"url": rx.url("/hook")})
    check(st == 403, f"a player creating an endpoint: {st} {body}")
    for url, why in [("ftp://example.org/x", "http:// or https://"),
                     ("http://", "host"), ("https://user:pw@example.org/", "user or password"),
                     ("https://example.org/" + "a" * 2030, "2048"),
                     ("http://exa mple.org/", "spaces")]:
        st, body = s.api("PUT", path, as_=OLIVIA, body={"url": url})
        check(st == 422 and body["error"]["field"] == "url" and why in body["error"]["message"],
              f"url {url[:40]!r}: {st} {body}")
    st, body = s.api("PUT", "/v1/admin/webhooks/Crisis_Team", as_=OLIVIA,
                     body={"url": rx.url("/hook")})
    check(st == 422 and body["error"]["field"] == "name", f"bad name: {st} {body}")
    st, body = s.api("PUT", path, as_=OLIVIA, body={"url": rx.url("/hook"), "secret": "x"})
    check(st == 422 and body["error"]["field"] == "secret", f"a secret sent: {st} {body}")
    st, body = s.api("PUT", path, as_=OLIVIA, body={"description": "no url"})
    check(st == 422 and body["error"]["field"] == "url", f"no url: {st} {body}")
    check(s.psql("SELECT count(*) FROM webhook_endpoint") == "0", "a refusal stored something")


def test_create_shows_secret_once(s, rx):
    path = "/v1/admin/webhooks/crisis-team"
    st, ep = s.api("PUT", path, as_=OLIVIA,
                   body={"url": rx.url("/crisis"), "description": "the crisis room"})
    check(st == 201 and ep["version"] == 1 and ep["active"] is True, f"create: {st} {ep}")
    secret = ep.get("secret", "")
    check(re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", secret) is not None
          and len(base64.b64decode(secret[6:])) == 32, f"the secret's form: {secret!r}")
    st, lst = s.api("GET", "/v1/admin/webhooks", as_=OLIVIA)
    check(st == 200 and [e["name"] for e in lst["items"]] == ["crisis-team"]
          and all("secret" not in e for e in lst["items"]) and secret not in json.dumps(lst),
          f"list shows a secret: {lst}")
    st, one = s.api("GET", path, as_=OLIVIA)
    check(st == 200 and "secret" not in one and one["url"] == rx.url("/crisis")
          and one["description"] == "the crisis room", f"get: {st} {one}")
    check(events(s, "org.webhook.created") == 1, "no org.webhook.created")
    sealed = s.psql("SELECT encode(secret, 'hex') FROM webhook_endpoint")
    st, body = s.api("PUT", path, as_=OLIVIA, body={"url": rx.url("/crisis2")})
    check(st == 428, f"changing without the version: {st} {body}")
    st, body = s.api("PUT", path, as_=OLIVIA, body={"url": rx.url("/crisis2"), "version": 7})
    check(st == 409, f"a stale change: {st} {body}")
    st, ep2 = s.api("PUT", path, as_=OLIVIA, body={"url": rx.url("/crisis"), "version": 1,
                                                   "description": "crisis room"})
    check(st == 200 and "secret" not in ep2 and ep2["version"] == 2
          and ep2["description"] == "crisis room", f"update: {st} {ep2}")
    check(s.psql("SELECT encode(secret, 'hex') FROM webhook_endpoint") == sealed,
          "an update changed the secret")
    check(events(s, "org.webhook.updated") == 1, "no org.webhook.updated")
    return secret


def test_notification_verifies(s, rx, secret):
    """POST .../test: the publisher sends a signed webhook.test."""
    st, body = s.api("POST", "/v1/admin/webhooks/crisis-team/test", as_=OLIVIA)
    check(st == 202 and body == {"name": "crisis-team", "queued": True}, f"test: {st} {body}")
    path, headers, raw = rx.wait(1)
    check(path == "/crisis" and headers.get("content-type") == "application/json",
          f"request: {path} {headers}")
    check(verify(secret, headers, raw), f"the signature does not verify: {headers}")
    check(not verify("whsec_" + base64.b64encode(b"x" * 32).decode(), headers, raw),
          "another secret verifies too")
    msg = json.loads(raw)
    check(msg["type"] == "webhook.test" and msg["data"]["endpoint"] == "crisis-team"
          and msg["data"]["actor"] == OLIVIA and msg["timestamp"].endswith("Z"),
          f"payload: {msg}")
    wid = headers["webhook-id"]
    s.wait_for("the delivery recorded", lambda: s.psql(
        f"SELECT state FROM notification WHERE id = '{wid}'") == "delivered")
    s.wait_for("notification.recorded", lambda: events(s, "notification.recorded") >= 1)
    return wid


def test_rotate(s, rx, old):
    st, ep = s.api("POST", "/v1/admin/webhooks/crisis-team/rotate", as_=OLIVIA)
    new = ep.get("secret", "") if st == 200 else ""
    check(st == 200 and new.startswith("whsec_") and new != old and ep["version"] == 3,
          f"rotate: {st} {ep}")
    st, body = s.api("POST", "/v1/admin/webhooks/crisis-team/rotate", as_=OLIVIA,
                     headers={"If-Match": '"1"'})
    check(st == 409, f"a stale rotation: {st} {body}")
    check(events(s, "org.webhook.rotated") == 1, "no org.webhook.rotated")
    st, _ = s.api("POST", "/v1/admin/webhooks/crisis-team/test", as_=OLIVIA)
    check(st == 202, f"test after rotation: {st}")
    _, headers, raw = rx.wait(2)
    check(verify(new, headers, raw), "the new secret does not verify")
    check(not verify(old, headers, raw), "the old secret still verifies")
    return new


def test_cli(s, rx):
    out = s.cli("admin", "webhook", "add", "booth", rx.url("/booth"), "--description",
                "legal and IT", "--as", OLIVIA)
    m = re.search(r"^secret\s+(whsec_\S+)$", out.stdout, re.M)
    check(m and "shown this once" in out.stderr, f"add: {out.stdout} {out.stderr}")
    first = m.group(1)
    out = s.cli("admin", "webhook", "list", "--as", OLIVIA)
    check("booth" in out.stdout and "crisis-team" in out.stdout and "whsec_" not in out.stdout,
          f"list: {out.stdout}")
    out = s.cli("admin", "webhook", "show", "booth", "--as", OLIVIA)
    check("legal and IT" in out.stdout and "whsec_" not in out.stdout, f"show: {out.stdout}")
    out = s.cli("admin", "webhook", "rotate", "booth", "--as", OLIVIA)
    m = re.search(r"^secret\s+(whsec_\S+)$", out.stdout, re.M)
    check(m and m.group(1) != first, f"rotate: {out.stdout}")
    second = m.group(1)
    out = s.cli("admin", "webhook", "test", "booth", "--as", OLIVIA)
    check("queued" in out.stdout, f"test: {out.stdout}")
    _, headers, raw = rx.wait(3)
    check(verify(second, headers, raw), "the CLI's rotated secret does not verify")
    out = s.cli("admin", "webhook", "add", "booth", rx.url("/b2"), "--as", OLIVIA,
                check_rc=False)
    check(out.returncode == 1 and "If-Match" in out.stderr, f"add over: {out.stderr}")
    out = s.cli("admin", "webhook", "remove", "booth", "--as", OLIVIA)
    check("active       no" in out.stdout, f"remove: {out.stdout}")
    out = s.cli("admin", "webhook", "list", "--as", MAYA, check_rc=False)
    check(out.returncode == 1 and "refused (403)" in out.stderr,
          f"a player's list: {out.returncode} {out.stderr}")
    out = s.cli("admin", "webhook", "frobnicate", "--as", OLIVIA, check_rc=False)
    check(out.returncode == 2, f"unknown verb: {out.returncode}")
    return [first, second]


def test_remove_and_again(s, rx):
    path = "/v1/admin/webhooks/crisis-team"
    st, ep = s.api("DELETE", path, as_=OLIVIA)
    check(st == 200 and ep["active"] is False, f"remove: {st} {ep}")
    check(events(s, "org.webhook.deactivated") == 2, "no org.webhook.deactivated (booth's and this)")
    for method, sub in [("DELETE", ""), ("POST", "/rotate"), ("POST", "/test")]:
        st, body = s.api(method, path + sub, as_=OLIVIA)
        check(st == 404 and "removed" in body["error"]["message"],
              f"{method} {sub} of a removed endpoint: {st} {body}")
    st, ep = s.api("GET", path, as_=OLIVIA)
    check(st == 200 and ep["active"] is False, f"a removed endpoint is still shown: {st} {ep}")
    st, ep = s.api("PUT", path, as_=OLIVIA, body={"url": rx.url("/crisis")})
    check(st == 201 and ep["active"] is True and ep["secret"].startswith("whsec_"),
          f"made again: {st} {ep}")
    return ep["secret"]


def test_grant(s):
    st, _ = s.api("GET", "/v1/admin/webhooks", as_=CARL)
    check(st == 403, f"a coach without the grant: {st}")
    st, g = s.api("PUT", "/v1/admin/grants/coach/webhooks", as_=OLIVIA,
                  body={"scope": "organization"})
    check(st == 201 and g["permission"] == "webhooks", f"grant webhooks: {st} {g}")
    st, lst = s.api("GET", "/v1/admin/webhooks", as_=CARL)
    check(st == 200 and len(lst["items"]) == 2, f"a coach with the grant: {st} {lst}")


def main():
    rx = Receiver()
    with System("e2e_webhooks") as s:
        # From no endpoint at all: the seed's crisis-team is test_webhook_sink's.
        s.psql("DELETE FROM webhook_endpoint WHERE name = 'crisis-team'")
        s.start_all()
        test_refusals(s, rx)
        secret = test_create_shows_secret_once(s, rx)
        test_notification_verifies(s, rx, secret)
        rotated = test_rotate(s, rx, secret)
        cli_secrets = test_cli(s, rx)
        again = test_remove_and_again(s, rx)
        test_grant(s)
        no_leak(s, [secret, rotated, again, *cli_secrets], "at the end")
    rx.shutdown()
    print("ok   e2e webhooks")


if __name__ == "__main__":
    main()
