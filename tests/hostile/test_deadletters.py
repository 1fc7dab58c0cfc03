#!/usr/bin/env python3
"""Hostile: dead letters that cannot be lost or abused (docs/deadletters.md).

- A refusal whose path and reason are not UTF-8 is kept (it was lost: the
  database refused the row's text), and so is a request the HTTP parser
  refuses (the reject hook), bytes as received.
- A flood of 500 identical 60 KB unauthenticated POSTs costs one row whose
  `repeats` counts them (it was 32 MB of rows).
- With HUDDLE_DEADLETTER_MAX_MB=1 a flood of distinct 60 KB bodies keeps the
  store near 1 MB, the oldest evicted first and counted; with one API
  worker a replay is refused (503) rather than waiting for itself.
- A refused GET is kept (refuse() keeps GETs: helper "ingest"; until that is
  merged this case prints a marked NOTE instead of failing).
- A submission refused because its channel did not exist is listed, shown
  and replayed through the CLI after the channel is created, and accepted;
  the stored request never holds the bearer token."""
import http.client
import json
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from huddle_system import System, check  # noqa: E402

OLIVIA, MAYA = "olivia@example.org", "maya@example.org"
BODY_60K = 60 * 1024


def raw_request(s, data):
    """Sends raw bytes to the API; returns the status line's code (0: none)."""
    with socket.create_connection(("127.0.0.1", s.ports["api"]), timeout=10) as c:
        c.sendall(data)
        c.shutdown(socket.SHUT_WR)
        answer = b""
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            answer += chunk
    head = answer.split(b"\r\n", 1)[0].split()
    return int(head[1]) if len(head) > 1 and head[1].isdigit() else 0


def rows(s, where="true"):
    return int(s.psql(f"SELECT count(*) FROM dead_letter WHERE {where}"))


def flood(s, bodies, threads=8, headers=None):
    """POSTs every body of `bodies` to /v1/content over `threads` keep-alive
    connections, without a token; returns the statuses."""
    statuses, lock = [], threading.Lock()

    def run(part):
        conn = http.client.HTTPConnection("127.0.0.1", s.ports["api"], timeout=60)
        for b in part:
            conn.request("POST", "/v1/content", body=b,
                         headers=dict({"Content-Type": "application/json"}, **(headers or {})))
            r = conn.getresponse()
            r.read()
            with lock:
                statuses.append(r.status)
        conn.close()

    ts = [threading.Thread(target=run, args=(bodies[i::threads],)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return statuses


def not_utf8(s):
    before = rows(s)
    st = raw_request(s, b"POST /v1/\xff\xfe/x HTTP/1.1\r\nHost: h\r\nContent-Type: "
                        b"application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}")
    check(st == 400, f"non-UTF-8 path: {st}")
    got = s.psql("SELECT reason || ' | ' || encode(raw, 'escape') FROM dead_letter "
                 "WHERE id > (SELECT coalesce(max(id), 0) - 5 FROM dead_letter) "
                 "AND position('\\xFF\\xFE' in reason) > 0 ORDER BY id DESC LIMIT 1")
    check(got and "400 POST /v1/\\xFF\\xFE/x" in got, f"non-UTF-8 refusal not kept: {got!r}")
    check("\\377\\376" in got, f"raw path not kept as bytes: {got!r}")
    # refused by the HTTP parser itself (the reject hook), non-UTF-8 bytes in it
    st = raw_request(s, b"P\xffST / HTTP/1.1\r\nAuthorization: Bearer hdt_leak\r\n\r\n")
    check(st == 400, f"garbage request: {st}")
    check(rows(s) == before + 2, f"dead letters {before} -> {rows(s)}")
    check(rows(s, "position('hdt_leak' in raw) > 0") == 0, "a bearer token was kept")


def identical_flood(s):
    before, reps = rows(s), int(s.psql("SELECT coalesce(sum(repeats), 0) FROM dead_letter"))
    body = b'{"channel": "sandbox", "text": "' + b"x" * (BODY_60K - 40) + b'"}'
    st = flood(s, [body] * 500)
    # 401 each, until the per-address rate limit answers 429: refused either way
    check(set(st) <= {401, 429} and st.count(401) > 0, f"flood answers: {sorted(set(st))}")
    grown = rows(s) - before
    added = int(s.psql("SELECT coalesce(sum(repeats), 0) FROM dead_letter")) - reps
    check(grown <= 3, f"500 identical refusals grew dead_letter by {grown} rows")
    check(added == 500, f"repeats counted {added} of 500")
    size = int(s.psql("SELECT coalesce(sum(size), 0) FROM dead_letter"))
    check(size < 1024 * 1024, f"the store holds {size} bytes after one flood")
    print(f"identical flood: +{grown} row(s), {added} repeats, {size} bytes")


def bounded(s):
    s.stop("ingest")
    s.start("ingest", HUDDLE_DEADLETTER_MAX_MB=1, HUDDLE_API_WORKERS=1)
    s.wait_healthy("ingest")
    tok = s.token(OLIVIA)
    _, st0 = s.api("GET", "/v1/admin/deadletters/stats", as_=OLIVIA)
    bodies = [b'{"channel": "sandbox", "text": "%d' % i + b"y" * (BODY_60K - 40) + b'"}'
              for i in range(120)]  # 7 MB of distinct refusals
    st = flood(s, bodies, headers={"Authorization": "Bearer " + tok[:-2] + "zz"})
    check(st.count(401) == 120, f"distinct flood answers: {sorted(set(st))}")
    size = int(s.psql("SELECT coalesce(sum(size), 0) FROM dead_letter"))
    limit, batch = 1024 * 1024, 8 * 64 * 1024  # one 64 KiB refusal per connection in flight
    check(size <= limit + batch, f"store holds {size} bytes with a 1 MB limit")
    code, st1 = s.api("GET", "/v1/admin/deadletters/stats", as_=OLIVIA)
    check(code == 200, f"stats: {code} {st1}")
    check(st1["evicted_rows"] > st0["evicted_rows"] and st1["evicted_bytes"] > 0,
          f"evicted counter did not grow: {st0} -> {st1}")
    check(st1["limits"]["max_bytes"] == limit, f"limits: {st1['limits']}")
    check(st1["bytes"] == size, f"running total {st1['bytes']} != stored {size}")
    kinds = {k["kind"]: k for k in st1["by_kind"]}
    check(kinds.get("ingest.http:401", {}).get("evicted_rows", 0) > 0, f"by kind: {kinds}")
    print(f"bounded: {size} bytes stored, {st1['evicted_rows']} rows evicted")
    # one API worker: a replay would wait for itself, so it is refused
    last = s.psql("SELECT max(id) FROM dead_letter")
    code, b = s.api("POST", f"/v1/admin/deadletters/{last}/replay", as_=OLIVIA)
    check(code in (409, 503), f"replay with one worker: {code} {b}")
    dl = s.psql("SELECT id FROM dead_letter WHERE reason LIKE '401 POST /v1/content%' "
                "ORDER BY id DESC LIMIT 1")
    code, b = s.api("POST", f"/v1/admin/deadletters/{dl}/replay", as_=OLIVIA)
    check(code == 503 and "HUDDLE_API_WORKERS" in b["error"]["message"],
          f"replay with one worker: {code} {b}")


def refused_get(s):
    before = rows(s)
    st = raw_request(s, b"GET /v1/\xc3\x28 HTTP/1.1\r\nHost: h\r\n\r\n")
    check(st == 400, f"non-UTF-8 GET: {st}")
    if rows(s) == before:
        print("NOTE (for the lead): refused GETs are not kept yet; helper 'ingest' makes "
              "refuse() keep them")
    else:
        check(rows(s, "reason LIKE '400 GET %'") >= 1, "the refused GET's reason")


def replay(s):
    maya = s.token(MAYA)
    st, b = s.api("POST", "/v1/content", as_=MAYA, body={"channel": "x-later", "text": "later"},
                  headers={"Idempotency-Key": "dl-replay-1"})
    check(st == 422 and b["error"]["field"] == "channel", f"unknown channel: {st} {b}")
    dl = s.psql("SELECT id FROM dead_letter WHERE reason LIKE '422 POST /v1/content%' "
                "ORDER BY id DESC LIMIT 1")
    check(dl, "the refusal was not kept")
    check(rows(s, f"id = {dl} AND position('{maya}' in raw) > 0") == 0, "token kept")
    check(rows(s, f"id = {dl} AND position('[redacted]' in raw) > 0") == 1, "not redacted")

    out = s.cli("deadletter", "list", "--source", "ingest.http", "--limit", "5", "--as", OLIVIA)
    check(out.stdout.split()[0] == dl, f"list: {out.stdout}")
    out = s.cli("deadletter", "show", dl, "--as", OLIVIA).stdout
    check("Authorization: [redacted]" in out and maya not in out, f"show: {out}")
    check('"channel": "x-later"' in out and "Idempotency-Key: dl-replay-1" in out, out)
    code, shown = s.api("GET", f"/v1/admin/deadletters/{dl}", as_=OLIVIA)
    check(code == 200 and shown["request"]["method"] == "POST"
          and json.loads(shown["request"]["body"])["channel"] == "x-later", f"{code} {shown}")
    code, _ = s.api("GET", f"/v1/admin/deadletters/{dl}", as_=MAYA)
    check(code == 403, f"a player reads dead letters: {code}")

    out = s.cli("deadletter", "replay", dl, "--as", OLIVIA, check_rc=False)
    check(out.returncode == 1 and "answered 422" in out.stdout, f"replay before: {out.stdout}")
    s.psql("INSERT INTO channel (id, kind, base_url, max_length) VALUES "
           "('x-later', 'mastodon', 'http://127.0.0.1:1', 500)")
    s.psql("INSERT INTO channel_account (channel_id, department_id, handle) VALUES "
           "('x-later', 'hub', 'h'), ('x-later', 'marketing', 'm')")
    out = s.cli("deadletter", "replay", dl, "--as", OLIVIA, check_rc=False)
    check(out.returncode == 0 and "answered 201" in out.stdout, f"replay after: {out.stdout}")
    cid = json.loads(out.stdout.split("\n", 1)[1])["id"]
    author = s.psql(f"SELECT p.email FROM content c JOIN person p ON p.id = c.author_id "
                    f"WHERE c.id = '{cid}'")
    check(author == OLIVIA, f"the replay is submitted as the replaying person: {author}")
    row = s.psql(f"SELECT replays || ' ' || replay_status || ' ' || replayed_by FROM dead_letter "
                 f"WHERE id = {dl}")
    check(row == f"2 201 {OLIVIA}", f"replay recorded: {row}")
    check(s.psql("SELECT count(*) FROM outbox WHERE type = 'org.deadletter.replayed'") == "2",
          "one org.deadletter.replayed event per replay")
    code, b = s.api("POST", f"/v1/admin/deadletters/{dl}/replay", as_=OLIVIA)
    check(code == 200 and b["replay"]["status"] == 200, f"replayed again: duplicate {code} {b}")
    get_dl = s.psql("SELECT id FROM dead_letter WHERE source <> 'ingest.http' OR raw NOT LIKE "
                    "'POST %' ORDER BY id DESC LIMIT 1")
    if get_dl:
        code, b = s.api("POST", f"/v1/admin/deadletters/{get_dl}/replay", as_=OLIVIA)
        check(code == 409, f"replaying what is not a POST: {code} {b}")
    out = s.cli("deadletter", "stats", "--as", OLIVIA).stdout
    check("evicted" in out and "limits" in out, f"stats: {out}")


def main():
    with System("hostile_deadletters") as s:
        s.start("ingest")
        s.wait_healthy("ingest")
        not_utf8(s)
        refused_get(s)
        identical_flood(s)
        replay(s)
        bounded(s)
        print("ok")


if __name__ == "__main__":
    main()
