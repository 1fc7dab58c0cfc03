#!/usr/bin/env python3
"""Hostile: slow and greedy clients against a real ingest, with short
limits from the environment so the test stays fast:
  - a request sent one byte every 2 s, with HUDDLE_HTTP_REQUEST_TIMEOUT_MS
    = 3000, is cut at about 3 s with 408 and leaves a dead letter (each
    byte used to restart a 60 s idle timer: it was never cut);
  - 65 connections from one address: the 65th is refused 429 with
    Retry-After (HUDDLE_HTTP_MAX_CONNS_PER_ADDR, default 64);
  - 60 connections that pipeline requests and never read their answers
    do not grow ingest's RSS without bound (they once pushed it to
    136 MB) and are closed after HUDDLE_HTTP_WRITE_TIMEOUT_MS."""
import errno
import os
import select
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from huddle_system import System, check  # noqa: E402

REQUEST_TIMEOUT_MS = 3000
WRITE_TIMEOUT_MS = 2000
HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def read_answer(c, timeout=5):
    """Reads one answer's head (and what came with it): bytes."""
    c.settimeout(timeout)
    out = b""
    while b"\r\n\r\n" not in out:
        chunk = c.recv(65536)
        if not chunk:
            break
        out += chunk
    return out


def status_of(answer):
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def slow_loris(s, port):
    request = b"GET /v1/content/slow-loris HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
        t0 = time.time()
        answer = b""
        for i in range(len(request)):
            c.sendall(request[i:i + 1])
            ready, _, _ = select.select([c], [], [], 2.0)
            if ready:
                answer = read_answer(c)
                break
        took = time.time() - t0
    check(status_of(answer) == 408, f"slow request: expected 408, got {answer[:200]!r}")
    check(2.5 <= took <= 4.5, f"slow request cut after {took:.1f}s, not about 3s")
    check(b'"code":"request_timeout"' in answer, f"not a JSON error: {answer!r}")
    rows = s.wait_for("the timed-out request's dead letter", lambda: int(s.psql(
        "SELECT count(*) FROM dead_letter WHERE reason LIKE "
        f"'%request timed out after {REQUEST_TIMEOUT_MS} ms%'")) or None, timeout=10)
    print(f"ok one byte every 2 s: 408 after {took:.1f}s, {rows} dead letter(s)")


def per_address_cap(port):
    conns = []
    try:
        for i in range(64):
            c = socket.create_connection(("127.0.0.1", port), timeout=10)
            conns.append(c)
            c.sendall(HEALTHZ)
            answer = read_answer(c)
            check(status_of(answer) == 200, f"connection {i + 1}: {answer[:200]!r}")
        c = socket.create_connection(("127.0.0.1", port), timeout=10)
        conns.append(c)
        answer = read_answer(c)
        check(status_of(answer) == 429, f"the 65th connection: {answer[:300]!r}")
        check(b"\r\nRetry-After: " in answer, f"429 without Retry-After: {answer!r}")
    finally:
        for c in conns:
            c.close()
    # until ingest has seen those closes, this address is still at its cap
    deadline = time.time() + 10
    while time.time() < deadline:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
            c.sendall(HEALTHZ)
            if status_of(read_answer(c)) == 200:
                break
        time.sleep(0.05)
    print("ok 65 connections from one address: the 65th refused 429 with Retry-After")


def warm_up(port):
    """Pipelined requests whose answers are read: the allocator's pools
    and caches are made before the measure starts."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
        for _ in range(20):
            c.sendall(HEALTHZ * 500)
            got = b""
            while got.count(b"HTTP/1.1 200") < 500:
                got += c.recv(1 << 20)


def never_reading(s, port):
    pid = s.procs["ingest"].pid
    warm_up(port)
    before = rss_kb(pid)
    conns = []
    for _ in range(60):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Small kernel buffers on both sides (a small MSS keeps the
        # server's send buffer small too), so the answers pile up in ingest.
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
        c.connect(("127.0.0.1", port))
        c.setblocking(False)
        conns.append(c)
    batch = HEALTHZ * 64
    alive, peak, sent = set(range(60)), before, 0
    offset = [0] * 60  # where in the batch each connection is
    t0 = time.time()
    while alive and time.time() - t0 < 45:
        for i in list(alive):
            try:
                n = conns[i].send(batch[offset[i]:])
                offset[i] = (offset[i] + n) % len(batch)
                sent += n
            except BlockingIOError:
                pass
            except OSError as e:  # reset by the server: closed
                check(e.errno in (errno.ECONNRESET, errno.EPIPE), f"send: {e}")
                alive.discard(i)
        peak = max(peak, rss_kb(pid))
        time.sleep(0.01)
    took = time.time() - t0
    after = rss_kb(pid)
    for c in conns:
        c.close()
    check(not alive, f"{len(alive)} of 60 never-reading connections still open after {took:.0f}s")
    growth_mb = (peak - before) / 1024
    check(growth_mb < 64, f"RSS grew {growth_mb:.0f} MB ({before} -> peak {peak} kB)")
    check(s.procs["ingest"].poll() is None, "ingest is alive")
    print(f"ok 60 never-reading clients ({sent // len(HEALTHZ)} requests sent): all closed "
          f"within {took:.1f}s, RSS {before // 1024} -> peak {peak // 1024} -> "
          f"{after // 1024} MB")


def main():
    with System("hostile_http_slow") as s:
        # ASan keeps freed memory in quarantine (256 MB by default), which
        # would read as growth here: keep it small for this measure.
        asan = s.env.get("ASAN_OPTIONS", "")
        # the request rate limit (test_answers) is off: this is the HTTP
        # server's own defence against clients that do not read
        s.start("ingest", HUDDLE_HTTP_REQUEST_TIMEOUT_MS=REQUEST_TIMEOUT_MS,
                HUDDLE_HTTP_WRITE_TIMEOUT_MS=WRITE_TIMEOUT_MS, HUDDLE_RATE_ADDR_PER_S=0,
                ASAN_OPTIONS=(asan + ":" if asan else "") + "quarantine_size_mb=4")
        s.wait_healthy("ingest")
        port = s.ports["api"]
        per_address_cap(port)
        slow_loris(s, port)
        never_reading(s, port)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
            c.sendall(HEALTHZ)
            check(status_of(read_answer(c)) == 200, "ingest still serves")


if __name__ == "__main__":
    main()
