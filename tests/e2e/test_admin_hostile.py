#!/usr/bin/env python3
"""End to end: every route of the API (as `huddle-ingest --routes` lists
them) fed hostile input by an orchestrator and by a stranger: bodies that
are not JSON, not objects, of the wrong types, absurdly large numbers,
bytes that are not UTF-8, unknown fields, path parameters that are not
ids. Nothing may answer 5xx but 503, every refusal must be a JSON error
naming a status, and ingest must still be alive and serving the others."""
import json
import os
import socket
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from huddle_system import System, check  # noqa: E402

OLIVIA = "olivia@example.org"
BODIES = [
    b"", b"not json", b"[]", b"null", b"42", b'"text"',
    b'{"name": 1, "email": [], "department": {}, "roles": "x", "version": "7"}',
    b'{"version": 99999999999999999999999, "priority": 1e308, "max_length": -1}',
    b'{"name": "\xff\xfe bad utf-8", "id": "\xc3\x28"}',
    b'{"source": "rules: [", "why": "", "emergency": "yes"}',
    b'{"decision": "approve", "comment": null, "role": 5}',
    b'{"keywords": [1, 2, null], "scopes": ["root"], "expires_at": "tomorrow"}',
    b'{"unknown_field": true}',
    b'{"a": ' * 50 + b'1' + b'}' * 50,
]
PARAMS = ["x", "00000000-0000-0000-0000-000000000000", "%ff%fe", "a" * 120, "..", "1e9"]


def call(s, method, path, body, token):
    req = urllib.request.Request(f"http://127.0.0.1:{s.ports['api']}{path}", data=body,
                                 method=method, headers={"Authorization": f"Bearer {token}",
                                                         "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def raw(s, method, path, token):
    """A request whose path holds bytes that are not UTF-8 (no client
    library sends those): the status line's code."""
    with socket.create_connection(("127.0.0.1", s.ports["api"]), timeout=10) as c:
        c.sendall(method.encode() + b" " + path + b" HTTP/1.1\r\nHost: x\r\n"
                  b"Authorization: Bearer " + token.encode() + b"\r\n"
                  b"Content-Length: 2\r\nConnection: close\r\n\r\n{}")
        data = b""
        while chunk := c.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), data


def main():
    with System("e2e_admin_hostile") as s:
        # thousands of requests back to back from one address and token:
        # this test is about input, not rate limits (tests/hostile/test_answers.py)
        s.env.update(HUDDLE_RATE_ADDR_PER_S="0", HUDDLE_RATE_TOKEN_PER_S="0")
        s.start_all()
        routes = subprocess.run([os.path.join(s.bin, "huddle-ingest"), "--routes"],
                                capture_output=True, text=True, check=True).stdout.split("\n")
        tokens = {"orchestrator": s.token(OLIVIA), "stranger": "hdt_" + "x" * 32}
        n = 0
        for line in filter(None, routes):
            method, pattern, _ = line.split()
            for param in PARAMS:
                path = "/".join(param if seg.startswith("{") else seg
                                for seg in pattern.split("/"))
                for who, tok in tokens.items():
                    for body in (BODIES if method in ("POST", "PUT", "PATCH", "DELETE")
                                 else [None]):
                        st, out = call(s, method, path, body, tok)
                        n += 1
                        check(st < 500, f"{method} {path} as {who} body "
                              f"{body[:60] if body else None!r}: {st} {out[:300]!r}")
                        if st >= 400:
                            err = json.loads(out).get("error", {})
                            check(err.get("status") == st and err.get("message"),
                                  f"{method} {path}: not a JSON error: {out[:300]!r}")
        for method, path in (("GET", b"/v1/admin/people/\xff\xfe"),
                             ("PATCH", b"/v1/admin/departments/\xc3\x28"),
                             ("DELETE", b"/v1/admin/routing-rules/\xff"),
                             ("GET", b"/v1/admin/history?department=\xff&limit=\xfe"),
                             ("GET", b"/v1/admin/people?department=%ff%fe"),
                             ("GET", b"/v1/policy/versions/\xff"),
                             ("DELETE", b"/v1/tokens/\xff\xfe"),
                             ("GET", b"/v1/content/\xff")):
            st, out = raw(s, method, path, tokens["orchestrator"])
            n += 1
            check(st < 500, f"{method} {path!r}: {st} {out[:300]!r}")
        st, me = s.api("GET", "/v1/me", as_=OLIVIA)
        check(st == 200, f"still serving: {st}")
        check(s.procs["ingest"].poll() is None, "ingest is alive")
        print(f"ok hostile input: {n} requests over {len(routes) - 1} routes, no 5xx but 503")


if __name__ == "__main__":
    main()
