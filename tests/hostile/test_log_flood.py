"""A flood of refused requests must not flood the logs: ingest writes at most
HUDDLE_LOG_REPEAT_LIMIT warn lines of one event per 10 s window, and the
first line of that event afterwards says how many it dropped. Info lines
(one per accepted item: the trail through the services) are never cut."""
import http.client
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from huddle_system import System, check  # noqa: E402

LIMIT = 20
FLOOD = 1500


def events(path, name):
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            try:
                o = json.loads(line)
            except ValueError:
                continue
            if o.get("event") == name:
                out.append(o)
    return out


def main():
    with System("hostile_log_flood") as s:
        s.start("ingest", HUDDLE_LOG_REPEAT_LIMIT=LIMIT)
        s.wait_healthy("ingest")
        conn = http.client.HTTPConnection("127.0.0.1", s.ports["api"], timeout=10)
        t0 = time.time()
        statuses = {}
        for i in range(FLOOD):
            # each body differs, so no sampling can fold them: every one is a refusal
            conn.request("POST", "/v1/content", body=f'{{"channel": 1, "n": {i}}}',
                         headers={"Content-Type": "application/json",
                                  "Authorization": "Bearer hdt_not_a_real_token_at_all_000000"})
            r = conn.getresponse()
            r.read()
            statuses[r.status] = statuses.get(r.status, 0) + 1
            if r.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", s.ports["api"], timeout=10)
        took = time.time() - t0
        check(all(400 <= k < 500 for k in statuses), f"every flood request refused: {statuses}")
        windows = int(took // 10) + 2  # the windows the flood can straddle
        lines = events(s.log_path("ingest"), "dead_letter")
        check(0 < len(lines) <= LIMIT * windows,
              f"{len(lines)} dead_letter lines for {FLOOD} refusals in {took:.1f}s "
              f"(at most {LIMIT} per 10 s window)")
        # a line of the event after the window closes reports what was dropped
        time.sleep(max(0.0, 10.5 - (time.time() - t0) % 10))
        conn.request("POST", "/v1/content", body='{"channel": 2}',
                     headers={"Content-Type": "application/json"})
        conn.getresponse().read()
        later = s.wait_for("a line reporting suppressed dead_letter lines", lambda: [
            o for o in events(s.log_path("ingest"), "dead_letter") if o.get("suppressed")])
        dropped = sum(o["suppressed"] for o in later)
        check(dropped >= FLOOD - LIMIT * windows,
              f"suppressed counts add up to {dropped}, expected about {FLOOD - len(lines)}")
        rc, _ = s.stop("ingest")
        check(rc == 0, f"ingest exit {rc}")
        print(f"ok log flood: {FLOOD} refusals in {took:.1f}s wrote {len(lines)} dead_letter "
              f"lines; {dropped} reported suppressed")


if __name__ == "__main__":
    main()
