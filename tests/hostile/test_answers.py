#!/usr/bin/env python3
"""Hostile: permanent errors are told as such, naming what is wrong (issue
14, "Correct answers"): an idempotency key reused for another request
(another kind, an added scheduled_at) is 422 idempotency_key_reused naming
the key and the item it made; unknown fields are 422 naming them; a body
that is not declared JSON is 415; a bad limit is 422; another department's
item is 404 exactly as an unknown id; a refused GET is kept as a dead
letter; and over a rate limit, per address or per token, the answer is
429 with Retry-After, before any other work."""
import datetime
import os
import socket
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from huddle_system import System, check  # noqa: E402

MAYA, RITA, OLIVIA = "maya@example.org", "rita@example.org", "olivia@example.org"
LISTENER = "integration:sample-listener"
SOON = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)).replace(
    microsecond=0)
SOON_Z = SOON.strftime("%Y-%m-%dT%H:%M:%SZ")


def err(body):
    return (body or {}).get("error", {}) if isinstance(body, dict) else {}


def refused(st, body, status, field, code=None):
    e = err(body)
    return st == status and e.get("field") == field and (code is None or e.get("code") == code)


def idempotency(s):
    key = {"Idempotency-Key": "answers-1"}
    first = {"channel": "sandbox", "text": "hello once"}
    st, a = s.api("POST", "/v1/content", as_=MAYA, body=first, headers=key)
    check(st == 201, f"first: {st} {a}")
    st, b = s.api("POST", "/v1/content", as_=MAYA, body=first, headers=key)
    check(st == 200 and b == {"id": a["id"], "status": "duplicate"}, f"retry: {st} {b}")
    for change in ({"kind": "reply"}, {"scheduled_at": SOON_Z},
                   {"text": "hello twice"}, {"channel": "sandbox", "kind": "share"}):
        st, b = s.api("POST", "/v1/content", as_=MAYA, body=dict(first, **change), headers=key)
        check(refused(st, b, 422, "Idempotency-Key", "idempotency_key_reused"),
              f"reuse with {change}: {st} {b}")
        check(err(b).get("id") == a["id"] and a["id"] in err(b)["message"],
              f"the reuse names the item the key made: {b}")
    # the key in the body is named as such; the same request normalised
    # (an offset for UTC, the default kind written out) is the same request
    plus1 = SOON.astimezone(datetime.timezone(datetime.timedelta(hours=1)))
    body = dict(first, idempotency_key="answers-2", scheduled_at=plus1.isoformat())
    st, a2 = s.api("POST", "/v1/content", as_=MAYA, body=body)
    check(st == 201, f"body key: {st} {a2}")
    st, b = s.api("POST", "/v1/content", as_=MAYA, body=dict(
        body, scheduled_at=SOON.strftime("%Y-%m-%dT%H:%M:%S.000Z"), kind="post"))
    check(st == 200 and b["id"] == a2["id"], f"same request, other spelling: {st} {b}")
    st, b = s.api("POST", "/v1/content", as_=MAYA, body=dict(body, kind="reply"))
    check(refused(st, b, 422, "idempotency_key", "idempotency_key_reused"), f"{st} {b}")
    fp = s.psql(f"SELECT request_fingerprint FROM content WHERE id = '{a['id']}'")
    check(len(fp) == 64, f"the fingerprint is stored: {fp!r}")


def unknown_fields(s):
    st, b = s.api("POST", "/v1/content", as_=MAYA,
                  body={"channel": "sandbox", "text": "x", "priority": "high"})
    check(refused(st, b, 422, "priority", "unknown_field"), f"content: {st} {b}")
    st, item = s.api("POST", "/v1/content", as_=MAYA, body={"channel": "sandbox", "text": "y"})
    check(st == 201, f"{st} {item}")
    st, b = s.api("POST", f"/v1/content/{item['id']}/decisions", as_=OLIVIA,
                  body={"decision": "approve", "comment": "fine"})
    check(refused(st, b, 422, "comment", "unknown_field"), f"decision: {st} {b}")
    st, b = s.api("POST", "/v1/inbound", as_=LISTENER,
                  body={"channel": "sandbox", "external_id": "a1", "author": "@x", "text": "hi",
                        "likes": 3})
    check(refused(st, b, 422, "likes", "unknown_field"), f"inbound: {st} {b}")


def content_type(s):
    body = b'{"channel": "sandbox", "text": "typed"}'
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "application/jsonx",
                  "application/json; charset=latin1"):
        st, b = s.api("POST", "/v1/content", as_=MAYA, raw=body, headers={"Content-Type": ctype})
        check(refused(st, b, 415, "Content-Type", "unsupported_media_type"), f"{ctype}: {st} {b}")
    for ctype in ("application/json; charset=utf-8", "Application/JSON"):
        st, b = s.api("POST", "/v1/content", as_=MAYA, raw=body, headers={"Content-Type": ctype})
        check(st == 201, f"{ctype}: {st} {b}")
    # the admin routes too, every method with a body
    for method, path in (("POST", "/v1/admin/departments"),
                         ("PATCH", "/v1/admin/departments/marketing"),
                         ("POST", "/v1/inbound")):
        st, b = s.api(method, path, as_=OLIVIA, raw=b'{"name": "x"}',
                      headers={"Content-Type": "text/plain"})
        check(refused(st, b, 415, "Content-Type"), f"{method} {path}: {st} {b}")


def limits(s):
    for path in ("/v1/inbox", "/v1/queue", "/v1/tokens"):
        for bad in ("0", "-1", "abc", "1001", "+5", "5x", "", "%205",
                    "99999999999999999999999999", "1" * 100):
            st, b = s.api("GET", f"{path}?limit={bad}", as_=OLIVIA)
            check(refused(st, b, 422, "limit"), f"{path}?limit={bad}: {st} {b}")
        st, b = s.api("GET", f"{path}?limit=5", as_=OLIVIA)
        check(st == 200, f"{path}?limit=5: {st} {b}")


def other_department(s):
    st, item = s.api("POST", "/v1/content", as_=MAYA,
                     body={"channel": "sandbox", "text": "marketing's own"})
    check(st == 201, f"{st} {item}")
    st, mine = s.api("GET", f"/v1/content/{item['id']}", as_=MAYA)
    check(st == 200, f"the author reads it: {st}")
    unknown = "00000000-0000-4000-8000-00000000abcd"
    st1, theirs = s.api("GET", f"/v1/content/{item['id']}", as_=RITA)
    st2, none = s.api("GET", f"/v1/content/{unknown}", as_=RITA)
    check(st1 == st2 == 404, f"another department's {st1}, unknown {st2}")
    check(theirs == {"error": dict(err(none), message=err(none)["message"].replace(
        unknown, item["id"]))}, f"the same answer: {theirs} / {none}")
    # deciding on it says no more than reading it: 404 as for an unknown id
    dec = {"decision": "approve"}
    st1, theirs = s.api("POST", f"/v1/content/{item['id']}/decisions", as_=RITA, body=dec)
    st2, none = s.api("POST", f"/v1/content/{unknown}/decisions", as_=RITA, body=dec)
    check(st1 == st2 == 404, f"decision on another department's {st1} {theirs}, unknown {st2}")
    check(theirs == {"error": dict(err(none), message=err(none)["message"].replace(
        unknown, item["id"]))}, f"the same decision answer: {theirs} / {none}")


def refused_gets_are_kept(s):
    before = int(s.psql("SELECT count(*) FROM dead_letter"))
    st, _ = s.api("GET", "/v1/no-such-route-kept", as_=MAYA)
    check(st == 404, f"{st}")
    after = int(s.psql("SELECT count(*) FROM dead_letter"))
    check(after == before + 1, f"a refused GET is a dead letter: {before} -> {after}")


def raw_get(port, path, token):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
        c.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                  "Connection: close\r\n\r\n".encode())
        data = b""
        while chunk := c.recv(65536):
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode().split("\r\n")
    headers = {h.split(":", 1)[0].lower(): h.split(":", 1)[1].strip() for h in head[1:]}
    return int(head[0].split()[1]), headers, data.split(b"\r\n\r\n", 1)[1]


def rate_limits(s):
    import json
    # per address: a burst of 3, then one a second
    s.kill("ingest")
    s.start("ingest", HUDDLE_RATE_ADDR_PER_S=1, HUDDLE_RATE_ADDR_BURST=3,
            HUDDLE_RATE_TOKEN_PER_S=0)
    s.wait_healthy("ingest")
    time.sleep(3.5)  # the health checks spent some of the burst: let it refill
    tok = s.token(MAYA)
    got = [raw_get(s.ports["api"], "/v1/me", tok) for _ in range(5)]
    check([g[0] for g in got[:3]] == [200, 200, 200], f"the burst: {[g[0] for g in got]}")
    st, h, body = got[3]
    e = json.loads(body)["error"]
    check(st == 429 and int(h.get("retry-after", "0")) >= 1 and e["limit"] == "address"
          and e["code"] == "rate_limited", f"over the address limit: {st} {h} {e}")
    check(list(h).count("retry-after") == 1, f"one Retry-After: {h}")
    kept = int(s.psql("SELECT count(*) FROM dead_letter WHERE reason LIKE '429 %'"))
    check(kept >= 1, "a rate-limited request leaves its dead letter")
    time.sleep(int(h["retry-after"]) + 0.2)
    check(raw_get(s.ports["api"], "/v1/me", tok)[0] == 200, "after Retry-After, served again")
    # per token: a burst of 2, one every 4 s; the address is unlimited
    s.kill("ingest")
    s.start("ingest", HUDDLE_RATE_ADDR_PER_S=0, HUDDLE_RATE_TOKEN_PER_S=0.25,
            HUDDLE_RATE_TOKEN_BURST=2)
    s.wait_healthy("ingest")
    got = [raw_get(s.ports["api"], "/v1/me", tok)[0] for _ in range(2)]
    check(got == [200, 200], f"the token's burst: {got}")
    st, h, body = raw_get(s.ports["api"], "/v1/me", tok)
    e = json.loads(body)["error"]
    check(st == 429 and e["limit"] == "token" and e["field"] == "Authorization"
          and int(h["retry-after"]) >= 1, f"over the token limit: {st} {h} {e}")
    # POST /v1/content is limited by the group commit, by the same token id
    st, b = s.api("POST", "/v1/content", as_=MAYA, body={"channel": "sandbox", "text": "z"})
    check(st == 429 and err(b).get("limit") == "token", f"content over the limit: {st} {b}")
    req = urllib.request.Request(f"http://127.0.0.1:{s.ports['api']}/v1/me",
                                 headers={"Authorization": f"Bearer {s.token(RITA)}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        check(r.status == 200, "another token has its own bucket")


def main():
    with System("hostile_answers") as s:
        s.env.update(HUDDLE_RATE_ADDR_PER_S="0", HUDDLE_RATE_TOKEN_PER_S="0")
        s.start("ingest")
        s.wait_healthy("ingest")
        idempotency(s)
        unknown_fields(s)
        content_type(s)
        limits(s)
        other_department(s)
        refused_gets_are_kept(s)
        rate_limits(s)
        print("ok answers: idempotency reuse 422, unknown fields 422, Content-Type 415, "
              "limit 422, another department's item 404 as unknown, refused GETs kept, "
              "429 with Retry-After per address and per token")


if __name__ == "__main__":
    main()
