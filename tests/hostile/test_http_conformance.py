"""HTTP the way a client library expects it, and one greedy client never
holding up another:
  - 401 carries WWW-Authenticate (Bearer, with error="invalid_token" when a
    token was sent); 405 carries Allow and is used where the path exists
    with another method; an unknown path is 404;
  - one connection pipelining thousands of requests does not hold up
    another connection's requests: the other client's twenty requests, made
    one after another once the pipeline is sent, are all answered before the
    pipelining client has had all of its answers (the I/O thread only reads
    and writes; requests run on workers, one at a time per connection)."""
import http.client
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from huddle_system import System, check  # noqa: E402

MAYA = "maya@example.org"
PIPELINED = 4000


def status_headers(port, method, path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request(method, path, headers=headers or {})
    r = c.getresponse()
    r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}


def conformance(s, port):
    st, h = status_headers(port, "GET", "/v1/me")
    check(st == 401 and h.get("www-authenticate") == 'Bearer realm="huddle"',
          f"no token: {st} {h.get('www-authenticate')}")
    st, h = status_headers(port, "GET", "/v1/me", {"Authorization": "Bearer hdt_" + "x" * 32})
    check(st == 401 and 'error="invalid_token"' in h.get("www-authenticate", ""),
          f"bad token: {st} {h.get('www-authenticate')}")
    tok = {"Authorization": f"Bearer {s.token(MAYA)}"}
    st, h = status_headers(port, "DELETE", "/v1/inbox", tok)
    check(st == 405 and h.get("allow") == "GET", f"DELETE /v1/inbox: {st} Allow={h.get('allow')}")
    st, h = status_headers(port, "PUT", "/v1/content", tok)
    check(st == 405 and "POST" in h.get("allow", ""), f"PUT /v1/content: {st} {h.get('allow')}")
    st, _ = status_headers(port, "GET", "/v1/no-such-thing", tok)
    check(st == 404, f"unknown path: {st}")
    print("ok 401 with WWW-Authenticate, 405 with Allow, 404 for an unknown path")


def pipelining(s, port):
    tok = s.token(MAYA)
    req = (f"GET /v1/me HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer {tok}\r\n\r\n").encode()
    greedy = socket.create_connection(("127.0.0.1", port), timeout=60)
    received = [0]
    done = threading.Event()

    def reader():
        buf = b""
        while received[0] < PIPELINED:
            chunk = greedy.recv(1 << 16)
            if not chunk:
                break
            buf += chunk
            n = buf.count(b"HTTP/1.1 200 ")
            received[0] += n
            buf = buf[buf.rfind(b"HTTP/1.1 200 ") + 1:] if n else buf
        done.set()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    greedy.sendall(req * PIPELINED)
    other = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(20):
        other.request("GET", "/v1/me", headers={"Authorization": f"Bearer {tok}"})
        r = other.getresponse()
        r.read()
        check(r.status == 200, f"the other client: {r.status}")
    seen = received[0]
    other.close()
    done.wait(120)
    greedy.close()
    check(seen < PIPELINED, f"the other client waited for all {PIPELINED} pipelined answers")
    check(received[0] == PIPELINED, f"the pipelining client got {received[0]} of {PIPELINED}")
    print(f"ok the other client's 20 requests were answered when the pipelining client had "
          f"{seen} of its {PIPELINED}")


def main():
    with System("hostile_http_conformance") as s:
        # rate limits off: this is about the server's fairness, not a flood
        s.start("ingest", HUDDLE_RATE_ADDR_PER_S=0, HUDDLE_RATE_TOKEN_PER_S=0)
        s.wait_healthy("ingest")
        port = s.ports["api"]
        conformance(s, port)
        pipelining(s, port)
        rc, _ = s.stop("ingest")
        check(rc == 0, f"ingest exit {rc}")


if __name__ == "__main__":
    main()
