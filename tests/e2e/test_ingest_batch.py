#!/usr/bin/env python3
"""End to end: ingest's group commit. Many keep-alive connections submit at
once, so submissions share transactions; the burst mixes new items, racing
retries of one idempotency key, items that fail inside the batch's
transaction (a bad scheduled_at), unknown tokens, a department without an
account on the channel, and bad JSON. Every sender must get exactly its own
answer, the store must hold exactly the accepted items, each with exactly
one content.submitted event, and refusals must be kept as dead letters."""
import http.client
import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
from huddle_system import System, check  # noqa: E402

MAYA, RITA = "maya@example.org", "rita@example.org"
CONNS, PER_CONN = 48, 6


def post(conn, token, body, key=None, raw=None):
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    conn.request("POST", "/v1/content", body=raw if raw is not None else json.dumps(body),
                 headers=headers)
    r = conn.getresponse()
    return r.status, json.loads(r.read().decode())


def plan(n, i):
    """What request i of connection n sends, and what it must get back."""
    kind = (n * PER_CONN + i) % 12
    text = f"batch item c{n} r{i}"
    if kind == 0:
        return ("race", {"channel": "sandbox", "text": "one racing item"}, "race-key", None)
    if kind == 1:
        return ("bad_time", {"channel": "sandbox", "text": text, "scheduled_at": "not a time"},
                f"t-{n}-{i}", None)
    if kind == 2:
        return ("no_account", {"channel": "x-batch", "text": text}, None, None)
    if kind == 3:
        return ("bad_json", None, None, b'{"channel": "sandbox", "text": ')
    if kind == 4:
        return ("unknown_token", {"channel": "sandbox", "text": text}, None, None)
    return ("new", {"channel": "sandbox", "text": text}, f"k-{n}-{i}", None)


def client(s, n, tokens, results, barrier):
    conn = http.client.HTTPConnection("127.0.0.1", s.ports["api"], timeout=60)
    barrier.wait()
    for i in range(PER_CONN):
        what, body, key, raw = plan(n, i)
        tok = {"no_account": tokens[RITA], "unknown_token": "no-such-token"}.get(what,
                                                                              tokens[MAYA])
        status, answer = post(conn, tok, body, key, raw)
        results.append((what, key, status, answer))
    conn.close()


def main():
    with System("e2e_ingest_batch") as s:
        s.psql("INSERT INTO channel (id, kind, base_url, max_length) VALUES "
               "('x-batch', 'mastodon', 'http://127.0.0.1:1', 500)")
        s.psql("INSERT INTO channel_account (channel_id, department_id, handle) "
               "VALUES ('x-batch', 'marketing', 'm')")  # no credential: nothing is published
        s.start("ingest", HUDDLE_INGEST_WRITERS=2, HUDDLE_INGEST_BATCH=64,
                HUDDLE_RATE_TOKEN_PER_S=0)  # one token sends the whole burst
        s.wait_healthy("ingest")
        tokens = {e: s.token(e) for e in (MAYA, RITA)}
        results, barrier = [], threading.Barrier(CONNS)
        threads = [threading.Thread(target=client, args=(s, n, tokens, results, barrier))
                   for n in range(CONNS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        check(len(results) == CONNS * PER_CONN, f"{len(results)} answers")

        want = {"new": 201, "bad_time": 422, "no_account": 422, "bad_json": 400,
                "unknown_token": 401}
        race_ids, new_ids = set(), set()
        race_created = 0
        for what, key, status, answer in results:
            if what == "race":
                check(status in (200, 201), f"race: {status} {answer}")
                race_created += status == 201
                race_ids.add(answer["id"])
                continue
            check(status == want[what], f"{what}: wanted {want[what]}, got {status} {answer}")
            if what == "new":
                new_ids.add(answer["id"])
            else:
                field = {"bad_time": "scheduled_at", "no_account": "channel",
                         "bad_json": "body", "unknown_token": "Authorization"}[what]
                check(answer["error"]["field"] == field, f"{what}: {answer}")
        check(race_created == 1 and len(race_ids) == 1,
              f"racing retries: {race_created} created, ids {race_ids}")
        n_new = sum(1 for r in results if r[0] == "new")
        check(len(new_ids) == n_new, f"{len(new_ids)} distinct ids for {n_new} new items")

        accepted = n_new + 1
        check(s.psql("SELECT count(*) FROM content") == str(accepted), "content rows")
        check(s.psql("SELECT count(*) FROM outbox WHERE type = 'content.submitted'")
              == str(accepted), "one content.submitted per accepted item")
        check(s.psql("SELECT count(*) FROM outbox o JOIN content c "
                     "ON c.id = o.correlation_id") == str(accepted), "events match items")
        refused = sum(1 for r in results if r[0] not in ("new", "race"))
        check(s.psql("SELECT sum(repeats) FROM dead_letter WHERE source = 'ingest.http'")
              == str(refused), "a dead letter per refusal (identical ones folded: repeats)")

        with open(s.log_path("ingest")) as f:
            sizes = [json.loads(line).get("msg", "") for line in f if "content_submitted" in line]
        batches = [int(m.rsplit("batch=", 1)[1]) for m in sizes if "batch=" in m]
        # items of a batch that failed as a whole are recorded again as batches of one (batch=1)
        check(0 < len(batches) <= accepted, f"{len(batches)} batched submit log lines")
        check(max(batches) > 1, f"no two submissions ever shared a commit: {set(batches)}")
        rc, took = s.stop("ingest")
        check(rc == 0, f"ingest exit {rc}")
        print(f"ok ingest batch: {accepted} accepted, {refused} refused, "
              f"largest batch {max(batches)}")


if __name__ == "__main__":
    main()
