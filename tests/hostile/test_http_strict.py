#!/usr/bin/env python3
"""Hostile: HTTP that is not strict HTTP/1.1, sent to a real ingest over a
raw socket (no client library sends these). Each is refused before any
handler sees it, answered with a JSON error naming what is wrong, and its
bytes are kept as a dead letter:
  - HTTP/2.0 on the request line                      -> 505 (version)
  - HTTP/1.1 without Host, or with two                -> 400 (Host)
  - Transfer-Encoding: gzip, chunked / identity /
    chunked, chunked                                  -> 501 (Transfer-Encoding)
  - Transfer-Encoding and Content-Length together     -> 400 (Transfer-Encoding)
  - Transfer-Encoding on an HTTP/1.0 request          -> 400 (Transfer-Encoding)
Nothing after a refused head is read (the smuggled request is never
answered), and the same server still serves a plain request."""
import json
import os
import re
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from huddle_system import System, check  # noqa: E402

CASES = [
    # (marker, request head after the method and path, body, status, field)
    ("v2", b" HTTP/2.0\r\nHost: x\r\n", b"", 505, "version"),
    ("nohost", b" HTTP/1.1\r\n", b"", 400, "Host"),
    ("twohosts", b" HTTP/1.1\r\nHost: a\r\nHost: b\r\n", b"", 400, "Host"),
    ("gzipchunked", b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n",
     b"0\r\n\r\n", 501, "Transfer-Encoding"),
    ("identity", b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n", b"", 501,
     "Transfer-Encoding"),
    ("chunkedtwice", b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n",
     b"0\r\n\r\n", 501, "Transfer-Encoding"),
    ("smuggle", b" HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n",
     b"0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", 400, "Transfer-Encoding"),
    ("http10chunked", b" HTTP/1.0\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\n", 400,
     "Transfer-Encoding"),
]


def exchange(port, data, timeout=10):
    """Sends data, reads to EOF: (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
        c.sendall(data)
        out = b""
        while chunk := c.recv(65536):
            out += chunk
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    return int(lines[0].split(" ", 2)[1]), lines[1:], body


def main():
    with System("hostile_http_strict") as s:
        s.start("ingest")
        s.wait_healthy("ingest")
        port = s.ports["api"]
        for marker, rest, body, status, field in CASES:
            path = f"/v1/content/strict-{marker}".encode()
            st, headers, out = exchange(port, b"POST " + path + rest + b"\r\n" + body)
            check(st == status, f"{marker}: expected {status}, got {st} {out[:200]!r}")
            check("Connection: close" in headers, f"{marker}: not closed: {headers}")
            check(not re.search(rb"HTTP/1\.[01] \d{3} ", out),
                  f"{marker}: a second answer followed: {out!r}")
            err = json.loads(out)["error"]
            check(err["status"] == status and err["field"] == field and err["code"],
                  f"{marker}: error {err} should name {field}")
            # the raw bytes were kept before the answer went out
            rows = s.psql("SELECT count(*) FROM dead_letter WHERE "
                          f"position(convert_to('strict-{marker}', 'UTF8') in raw) > 0")
            check(int(rows) >= 1, f"{marker}: no dead letter kept")
            print(f"ok {marker}: {st} naming {field}, dead letter kept")
        st, _, out = exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        check(st == 200, f"still serving: {st} {out!r}")
        check(s.procs["ingest"].poll() is None, "ingest is alive")
        print(f"ok strict HTTP/1.1: {len(CASES)} refusals answered and kept")


if __name__ == "__main__":
    main()
