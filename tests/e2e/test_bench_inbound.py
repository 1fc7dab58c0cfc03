#!/usr/bin/env python3
"""The short form of `make bench`'s inbound phase (bench/run.py), bounded in
time and asserting no speed: mentions pushed through POST /v1/inbound by
several keep-alive connections at once (bench-loadgen --inbound, so that
the group commit takes several per batch), each watched until the inbox
shows it (--probe: the read_inbox view, as the API's read role). Every
mention acknowledged is in the inbox exactly once, with one
mention.received and one mention.routed; the same mentions pushed again
are answered 200 with their ids and recorded nothing; the probe saw every
one, after its acknowledgement, and the stages of the bench's breakdown
account for all of them."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import inbound_sql  # noqa: E402
from huddle_system import System, check  # noqa: E402

COUNT = 600
STEM = "inbsmoke"


def push(s, out, prefix):
    """bench-loadgen posting COUNT mentions over 16 connections at 300/s;
    its summary and its records."""
    proc = subprocess.run(
        [os.path.join(s.bin, "bench-loadgen"), "--http", f"127.0.0.1:{s.ports['api']}",
         "--conns", "16", "--inbound", "--token", s.token("integration:sample-listener"),
         "--count", str(COUNT), "--rate", "300", "--key-prefix", prefix,
         "--probe", s.db_url, "--probe-stall", "60", "--out", out],
        env=s.env, capture_output=True, text=True, timeout=300)
    check(proc.returncode == 0, f"bench-loadgen: {proc.returncode} {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1]), inbound_sql.records(out)


def main():
    with System("e2e_bench_inbound") as s, tempfile.TemporaryDirectory() as tmp:
        # One address and one token, as in the bench: limits far above the
        # load, the buckets still at work (docs/api.md, "Rate limits").
        s.env.update(HUDDLE_RATE_ADDR_PER_S="1000000", HUDDLE_RATE_ADDR_BURST="1000000",
                     HUDDLE_RATE_TOKEN_PER_S="1000000", HUDDLE_RATE_TOKEN_BURST="1000000")
        s.start_all()
        first = os.path.join(tmp, "first.tsv")
        r, recs = push(s, first, f"{STEM}-a")
        check(r["acked"] == COUNT and r["refused"] == 0 and r["lost"] == 0, f"summary {r}")
        check(all(x[4] == 201 for x in recs), "every mention new: "
              f"{sorted(set(x[4] for x in recs))}")
        check(r["visible"] == COUNT and r["unseen"] == 0, f"the probe saw {r}")
        check(all(x[5] >= x[2] > 0 for x in recs), "every mention seen, after it was sent")
        check(r["inbox_p99_ms"] >= r["inbox_p50_ms"] > 0, f"inbox latency {r}")
        bad = inbound_sql.exactly_once(s, STEM, COUNT)
        check(not bad, f"exactly once: {bad}")
        stages = inbound_sql.stages(s, first, tmp)
        check([n for *_, n in stages] == [COUNT] * 5, f"stages {stages}")
        # The same mentions again (a listener re-delivering a page): one
        # answer each, their original ids, nothing recorded twice.
        again, recs2 = push(s, os.path.join(tmp, "again.tsv"), f"{STEM}-a")
        check(all(x[4] == 200 for x in recs2), f"re-delivery: {again}")
        check([x[1] for x in recs2] == [x[1] for x in recs], "re-delivery: the same ids")
        bad = inbound_sql.exactly_once(s, STEM, COUNT)
        check(not bad, f"exactly once after re-delivery: {bad}")
        batches = s.psql("SELECT count(DISTINCT created_at) FROM event_log e JOIN mention m "
                         "ON m.id = e.correlation_id WHERE e.type = 'mention.received' "
                         f"AND m.external_id LIKE '{STEM}-%'")
        print(f"ok bench inbound: {COUNT} mentions in {batches} ingest transactions, each in "
              f"the inbox once (ack->visible p50 {r['inbox_p50_ms']:.0f} ms, "
              f"p99 {r['inbox_p99_ms']:.0f} ms, probe every {r['probe_interval_ms']:.1f} ms); "
              "re-delivered: 200 each, nothing doubled; stages (p50/p99 ms): "
              + ", ".join(f"{name} {p50:.0f}/{p99:.0f}" for name, p50, p99, _ in stages))


if __name__ == "__main__":
    main()
