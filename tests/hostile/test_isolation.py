#!/usr/bin/env python3
"""Hostile: one sender's input never changes another's answer (issue 14,
"Isolation"). Many clients send at the same instants, so their requests
share group commits (services/ingest/batch.h): valid submissions mixed with
every poison the probes found — bytes that are not UTF-8 in the token, in
the Idempotency-Key header and in every JSON field (raw, and as \\udc80-style
lone surrogate escapes), NULs, absurd times (infinity, now, epoch, a Julian
day, year 99999), oversize keys and texts, wrong types, unknown fields.
Every valid submission must get 201 (never 503), every poisoned one its
precise 4xx naming the field, no batch may fail (the batch's fallback never
runs: nothing reached SQL that could fail it), and the store holds exactly
the valid items."""
import datetime
import json
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from huddle_system import System, check  # noqa: E402

CLIENTS, ROUNDS = 24, 4
MAYA = "maya@example.org"
# A time within the accepted range (a day back to 366 days ahead), in UTC
# and as the same instant with an offset.
SOON = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)
SOON_Z = SOON.strftime("%Y-%m-%dT%H:%M:%SZ")
SOON_PLUS1 = SOON.astimezone(datetime.timezone(datetime.timedelta(hours=1))).strftime(
    "%Y-%m-%dT%H:%M:%S.250+01:00")


def post(port, token, body, key=None, ctype=b"application/json"):
    """POST /v1/content with raw bytes anywhere (no client library sends
    those): (status, JSON answer)."""
    head = [b"POST /v1/content HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close",
            b"Content-Type: " + ctype, b"Authorization: Bearer " + token,
            b"Content-Length: " + str(len(body)).encode()]
    if key is not None:
        head.append(b"Idempotency-Key: " + key)
    with socket.create_connection(("127.0.0.1", port), timeout=60) as c:
        c.sendall(b"\r\n".join(head) + b"\r\n\r\n" + body)
        data = b""
        while chunk := c.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    payload = data.split(b"\r\n\r\n", 1)[1]
    return status, json.loads(payload) if payload else None


def field_poisons():
    """(name, body bytes, header key, expected status, expected field)."""
    good = {"channel": "sandbox", "text": "poisoned neighbour", "kind": "post",
            "scheduled_at": SOON_Z, "idempotency_key": "pk"}
    out = []
    for f in ("channel", "text", "kind", "scheduled_at", "idempotency_key"):
        for how, bad in (("surrogate", '"x\\udc80y"'), ("high_surrogate", '"x\\ud800"'),
                         ("nul", '"x\\u0000y"')):
            parts = [f'"{k}": {bad if k == f else json.dumps(v)}' for k, v in good.items()
                     if k != "scheduled_at" or f == "scheduled_at"]
            out.append((f"{f}_{how}", ("{" + ", ".join(parts) + "}").encode(), None, 422, f))
        parts = [f'"{k}": '.encode() + (b'"x\xff\xfey"' if k == f else json.dumps(v).encode())
                 for k, v in good.items() if k != "scheduled_at" or f == "scheduled_at"]
        out.append((f"{f}_raw_bytes", b"{" + b", ".join(parts) + b"}", None, 422, f))
    return out


def poisons(token):
    t = token.encode()
    ok = lambda **kw: json.dumps(dict({"channel": "sandbox", "text": "x"}, **kw)).encode()
    p = [("token_bytes", b"hdt_\xff\xfe\xc3\x28" + t[8:], ok(), None, 401, "Authorization"),
         ("token_long", b"hdt_" + b"x" * 600, ok(), None, 401, "Authorization"),
         ("key_bytes", t, ok(), b"k\xff\xfe", 422, "Idempotency-Key"),
         ("key_latin1", t, ok(), b"caf\xe9", 422, "Idempotency-Key"),
         ("key_oversize", t, ok(), b"k" * 500, 422, "Idempotency-Key"),
         ("body_key_oversize", t, ok(idempotency_key="k" * 500), None, 422, "idempotency_key"),
         ("text_oversize", t, ok(text="x" * 10001), None, 422, "text"),
         ("text_number", t, json.dumps({"channel": "sandbox", "text": 5}).encode(), None, 422,
          "text"),
         ("channel_list", t, json.dumps({"channel": [], "text": "x"}).encode(), None, 422,
          "channel"),
         ("kind_object", t, ok(kind={}), None, 422, "kind"),
         ("kind_unknown", t, ok(kind="poll"), None, 422, "kind"),
         ("unknown_field", t, ok(admin=True), None, 422, "admin"),
         ("not_json", t, b'{"channel": "sandbox", "text": ', None, 400, "body")]
    far = (SOON + datetime.timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for when in ("infinity", "-infinity", "now", "epoch", "J2451187", "99999-01-01T00:00:00Z",
                 SOON_Z[:10], SOON_Z.replace("T", " "), "1970-01-01T00:00:00Z", far):
        p.append((f"time_{when}", t, ok(scheduled_at=when), None, 422, "scheduled_at"))
    p += [(n, t, body, key, st, f) for n, body, key, st, f in field_poisons()]
    return p


def client(port, n, token, plan, results, barrier):
    for r in range(ROUNDS):
        barrier.wait()  # every client sends in the same instant
        for i, (name, tok, body, key, want, field) in enumerate(plan[r]):
            st, ans = post(port, tok, body, key)
            results.append((name, want, field, st, ans))


def main():
    with System("hostile_isolation") as s:
        s.start("ingest", HUDDLE_INGEST_WRITERS=2, HUDDLE_INGEST_BATCH=64,
                HUDDLE_RATE_ADDR_PER_S=0, HUDDLE_RATE_TOKEN_PER_S=0, HUDDLE_API_WORKERS=8)
        s.wait_healthy("ingest")
        token = s.token(MAYA)
        port = s.ports["api"]
        bad = poisons(token)
        plans, valid = [], 0
        for n in range(CLIENTS):
            rounds = []
            for r in range(ROUNDS):
                # each round: a valid submission, a poison, another valid one
                name, tok, body, key, want, field = bad[(n * ROUNDS + r) % len(bad)]
                v1 = ("valid", token.encode(), json.dumps(
                    {"channel": "sandbox", "text": f"valid c{n} r{r} a",
                     "scheduled_at": SOON_PLUS1}).encode(),
                    f"v-{n}-{r}-a".encode(), 201, None)
                v2 = ("valid", token.encode(), json.dumps(
                    {"channel": "sandbox", "text": f"valid c{n} r{r} b", "kind": "share"}).encode(),
                    f"v-{n}-{r}-b".encode(), 201, None)
                rounds.append([v1, (name, tok, body, key, want, field), v2])
                valid += 2
            plans.append(rounds)
        # the plan covers every poison at least once
        check(CLIENTS * ROUNDS >= len(bad), f"{len(bad)} poisons, {CLIENTS * ROUNDS} slots")
        results, barrier = [], threading.Barrier(CLIENTS)
        threads = [threading.Thread(target=client, args=(port, n, token, plans[n], results,
                                                         barrier)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        check(len(results) == CLIENTS * ROUNDS * 3, f"{len(results)} answers")
        wrong = []
        for name, want, field, st, ans in results:
            err = (ans or {}).get("error", {}) if isinstance(ans, dict) else {}
            if st != want or (field and err.get("field") != field):
                wrong.append(f"{name}: {st} {ans} (wanted {want} naming {field})")
        check(not wrong, f"{len(wrong)} wrong answers:\n" + "\n".join(wrong[:20]))
        stored = int(s.psql("SELECT count(*) FROM content"))
        check(stored == valid, f"{stored} items stored, {valid} valid sent")
        events = int(s.psql("SELECT count(*) FROM outbox WHERE type = 'content.submitted'"))
        check(events == valid, f"{events} content.submitted events for {valid} items")
        with open(s.log_path("ingest"), errors="replace") as f:
            log = f.read()
        check("batch_fallback" not in log, "a batch failed in SQL: something reached it unchecked")
        check("batch_data_exception" not in log, "a data exception reached the database")
        check(s.procs["ingest"].poll() is None, "ingest is alive")
        print(f"ok isolation: {len(results)} requests ({valid} valid, {len(bad)} kinds of "
              f"poison) in {ROUNDS} simultaneous rounds of {CLIENTS} clients: every answer "
              f"its own, no batch failed")


if __name__ == "__main__":
    main()
