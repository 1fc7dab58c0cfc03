#!/usr/bin/env python3
"""Hostile: every service's GET /metrics is valid Prometheus text.

Why (issue 14): `promtool check metrics` failed on the hub (9 families
without HELP) and policy (4); ingest had no /metrics; nothing counted
refusals or dead letters. Here a whole system takes a little traffic (a
submission, refusals, unauthenticated requests), then the /metrics of every
service (System.http_ports) goes through `promtool check metrics` (stdin):
any problem it reports fails the test with its output. Ingest's refusal,
request and dead-letter counters must have moved by exactly what was sent,
with the right labels. promtool comes with Debian's `prometheus` package
(scripts/deps.sh installs it)."""
import os
import re
import shutil
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from huddle_system import System, check  # noqa: E402

MAYA = "maya@example.org"
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        check(r.status == 200, f"/metrics on {port}: {r.status}")
        ctype = r.headers.get("Content-Type", "")
        check(ctype.startswith("text/plain; version=0.0.4"), f"Content-Type {ctype!r}")
        return r.read().decode()


def promtool(name, text):
    out = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                         text=True, timeout=60)
    problems = (out.stdout + out.stderr).strip()
    check(out.returncode == 0 and not problems,
          f"promtool check metrics on {name}'s /metrics (exit {out.returncode}):\n{problems}\n"
          f"--- the exposition ---\n{text}")


def samples(text):
    """{(name, frozenset(labels.items())): value} of every sample line."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        check(m, f"not a sample line: {line!r}")
        labels = frozenset(LABEL.findall(m.group(3) or ""))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def value(s, name, **labels):
    return s.get((name, frozenset(labels.items())), 0.0)


def families(text):
    return {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}


def main():
    check(shutil.which("promtool"), "promtool is missing: install Debian's prometheus package "
          "(scripts/deps.sh)")
    with System("hostile_metrics") as s:
        s.start_all()
        before = samples(scrape(s.http_ports["ingest"]))

        # A submission, answered by the group commit.
        status, body = s.api("POST", "/v1/content", as_=MAYA,
                             body={"channel": "sandbox", "text": "metrics: one item"})
        check(status == 201, f"submission: {status} {body}")
        # Two unauthenticated requests: no token on the group commit's route,
        # and an unknown token on a dispatcher-authenticated one.
        status, body = s.api("POST", "/v1/content", body={"channel": "sandbox", "text": "x"})
        check(status == 401, f"no token: {status} {body}")
        status, body = s.api("GET", "/v1/me", headers={"Authorization": "Bearer nope"})
        check(status == 401, f"unknown token: {status} {body}")
        # A refusal of a bad value (422 naming limit), and of a path no route has.
        status, body = s.api("GET", "/v1/inbox?limit=0", as_=MAYA)
        check(status == 422, f"limit=0: {status} {body}")
        status, body = s.api("GET", "/v1/no/such/route/12345", as_=MAYA)
        check(status == 404, f"no route: {status} {body}")

        # The dead-letter store's eviction counts (015_deadletter.sql's table;
        # made here with the same columns where that migration is not in yet).
        s.psql("CREATE TABLE IF NOT EXISTS dead_letter_stats (kind text PRIMARY KEY, "
               "stored_rows bigint NOT NULL DEFAULT 0, stored_bytes bigint NOT NULL DEFAULT 0, "
               "evicted_rows bigint NOT NULL DEFAULT 0, evicted_bytes bigint NOT NULL DEFAULT 0)")
        s.psql("INSERT INTO dead_letter_stats (kind, evicted_rows, evicted_bytes) "
               "VALUES ('test:metrics', 3, 4096)")

        texts = {name: scrape(port) for name, port in s.http_ports.items()}
        for name, text in texts.items():
            promtool(name, text)
            check("huddle_up" in families(text), f"{name}: no huddle_up")
            check("huddle_dead_letters_written_total" in families(text),
                  f"{name}: no huddle_dead_letters_written_total")

        ing = texts["ingest"]
        for fam in ["huddle_ingest_requests_total", "huddle_ingest_refusals_total",
                    "huddle_ingest_rate_limited_total", "huddle_ingest_items_total",
                    "huddle_ingest_commit_batch_items", "huddle_ingest_commit_seconds",
                    "huddle_dead_letters_evicted_total",
                    "huddle_dead_letters_evicted_bytes_total", "huddle_dead_letters_stored",
                    "huddle_dead_letters_stored_bytes"]:
            check(fam in families(ing), f"ingest's /metrics lacks {fam}:\n{ing}")
        after = samples(ing)
        if "# dead_letter_stats cannot be read" not in ing:
            got = (value(after, "huddle_dead_letters_evicted_total", kind="test:metrics"),
                   value(after, "huddle_dead_letters_evicted_bytes_total", kind="test:metrics"))
            check(got == (3, 4096), f"evictions of kind test:metrics: {got}, want (3, 4096)")

        def moved(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)

        want = {("401", "unauthenticated"): 2, ("422", "invalid"): 1, ("404", "not_found"): 1}
        for (st, code), n in want.items():
            got = moved("huddle_ingest_refusals_total", status=st, code=code)
            check(got == n, f"refusals{{status={st},code={code}}} moved by {got}, want {n}:\n{ing}")
        total = sum(v for (n, _), v in after.items() if n == "huddle_ingest_refusals_total") - \
            sum(v for (n, _), v in before.items() if n == "huddle_ingest_refusals_total")
        check(total == 4, f"refusals moved by {total} in all, want 4:\n{ing}")

        # Requests by route pattern, never the raw path.
        req = "huddle_ingest_requests_total"
        for labels, n in [(("/v1/content", "POST", "201"), 1), (("/v1/content", "POST", "401"), 1),
                          (("/v1/me", "GET", "401"), 1), (("/v1/inbox", "GET", "422"), 1),
                          (("unmatched", "GET", "404"), 1)]:
            route, method, st = labels
            got = moved(req, route=route, method=method, status=st)
            check(got == n, f"{req}{{{route},{method},{st}}} moved by {got}, want {n}:\n{ing}")
        check("12345" not in ing, "a raw path reached a label")
        check(moved("huddle_ingest_items_total", outcome="accepted") == 1,
              f"items accepted did not move by 1:\n{ing}")
        check(value(after, "huddle_ingest_commit_batch_items_count") >= 1, "no group commit seen")

        # A refused POST keeps a dead letter, counted by source.
        got = moved("huddle_dead_letters_written_total", source="ingest.http")
        stored = int(s.psql("SELECT count(*) FROM dead_letter WHERE source = 'ingest.http'"))
        check(got >= 1 and stored >= 1,
              f"dead letters written by ingest: counter moved by {got}, rows {stored}")
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
