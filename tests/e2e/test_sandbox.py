#!/usr/bin/env python3
"""End-to-end test of huddle-sandbox: starts the real binary
($HUDDLE_BIN_DIR/huddle-sandbox) on a free port with a temporary data file
and checks posting, auth, idempotency, listing, persistence across restarts,
SANDBOX_CRASH_AFTER_STORE and fault injection. Every started process must
stop within 2 s of SIGTERM with exit 0 and no sanitizer report. stdlib only."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

BIN_DIR = os.environ.get("HUDDLE_BIN_DIR", "")
BINARY = os.path.join(BIN_DIR, "huddle-sandbox")
ACCOUNTS = "alice:tok-a,bob:tok-b"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sandbox:
    """One huddle-sandbox process."""

    def __init__(self, data, logdir, **env):
        self.port = free_port()
        self.log_path = os.path.join(logdir, "sandbox.%d.log" % self.port)
        e = dict(os.environ)
        e.update({
            "SANDBOX_ADDR": "127.0.0.1:%d" % self.port,
            "SANDBOX_ACCOUNTS": ACCOUNTS,
            "SANDBOX_DATA": data,
            "SANDBOX_PUBLIC_URL": "http://sandbox.test/",
        })
        e.update({k: str(v) for k, v in env.items()})
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([BINARY], env=e, stdout=self.log, stderr=self.log)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("sandbox exited %d at start:\n%s" %
                                     (self.proc.returncode, self.output()))
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("sandbox did not become healthy:\n" + self.output())

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def request(self, method, path, body=None, headers=None, conn=None, timeout=5):
        own = conn is None
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
                headers = dict(headers or {}, **{"Content-Type": "application/json"})
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            raw = r.read()
            ctype = r.getheader("Content-Type", "")
            data = json.loads(raw) if ctype.startswith("application/json") else raw
            return r.status, r, data
        finally:
            if own:
                c.close()

    def post(self, text, token="tok-a", key=None, **kw):
        h = {"Authorization": "Bearer " + token} if token else {}
        if key is not None:
            h["Idempotency-Key"] = key
        return self.request("POST", "/api/v1/statuses", {"status": text}, h, **kw)

    def stop(self, test):
        t0 = time.time()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=10)
        finally:
            self.log.close()
        took = time.time() - t0
        out = self.output()
        test.assertLess(took, 2.0, "SIGTERM took %.2fs" % took)
        test.assertEqual(rc, 0, out)
        for bad in ("LeakSanitizer", "AddressSanitizer", "runtime error"):
            test.assertNotIn(bad, out)
        return out

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


class SandboxTest(unittest.TestCase):
    def setUp(self):
        self.assertTrue(os.access(BINARY, os.X_OK),
                        "no %s: set HUDDLE_BIN_DIR to the build directory" % BINARY)
        self.tmp = tempfile.TemporaryDirectory(prefix="hd-sandbox-e2e-")
        self.data = os.path.join(self.tmp.name, "nested", "statuses.jsonl")
        self.started = []

    def tearDown(self):
        for s in self.started:
            s.kill()
        self.tmp.cleanup()

    def start(self, **env):
        s = Sandbox(self.data, self.tmp.name, **env)
        self.started.append(s)
        return s

    def test_post_auth_idempotency_list(self):
        sb = self.start(SANDBOX_MAX_CHARS=10)
        st, _, first = sb.post("héllo", key="k1")
        self.assertEqual(st, 200, first)
        self.assertEqual(first["content"], "<p>héllo</p>")  # HTML, as Mastodon renders it
        self.assertEqual(first["text"], "héllo")  # the source, the sandbox's own field
        self.assertEqual(first["account"]["acct"], "alice")
        self.assertEqual(first["idempotency_key"], "k1")
        self.assertEqual(first["url"], "http://sandbox.test/@alice/" + first["id"])
        self.assertRegex(first["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")

        # no token, unknown token: 401 with Mastodon's error
        st, _, err = sb.post("x", token=None)
        self.assertEqual((st, err), (401, {"error": "The access token is invalid"}))
        self.assertEqual(sb.post("x", token="nope")[0], 401)

        # the same key returns the original, never a second post
        st, _, again = sb.post("something else", key="k1")
        self.assertEqual(st, 200)
        self.assertEqual(again["id"], first["id"])
        self.assertEqual(again["text"], "héllo")
        st, _, stats = sb.request("GET", "/api/v1/stats")
        self.assertEqual(stats, {"posts": 1, "by_idempotency_key": {"k1": 1}})

        # keys are per account
        st, _, bobs = sb.post("from bob", token="tok-b", key="k1")
        self.assertEqual(st, 200)
        self.assertNotEqual(bobs["id"], first["id"])

        # validation: empty, blank, too long (code points, not bytes)
        self.assertEqual(sb.post("")[0], 422)
        st, _, err = sb.post("   ")
        self.assertEqual((st, err), (422, {"error": "status must not be empty"}))
        self.assertEqual(sb.post("é" * 10)[0], 200)
        st, _, err = sb.post("é" * 11)
        self.assertEqual((st, err["error"]), (422, "status has 11 characters, the limit is 10"))
        st, _, err = sb.request("POST", "/api/v1/statuses", b"{nope",
                                {"Authorization": "Bearer tok-a",
                                 "Content-Type": "application/json"})
        self.assertEqual(st, 400)

        # a form-encoded post on a kept-alive connection
        conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=5)
        st, r, form = sb.request("POST", "/api/v1/statuses", b"status=a+b%21&visibility=unlisted",
                                 {"Authorization": "Bearer tok-b",
                                  "Content-Type": "application/x-www-form-urlencoded"},
                                 conn=conn)
        self.assertEqual(st, 200, form)
        self.assertEqual((form["text"], form["visibility"]), ("a b!", "unlisted"))
        self.assertEqual(r.getheader("Connection"), "keep-alive")

        # listing: newest first, filters, lookups
        st, _, all_ = sb.request("GET", "/api/v1/statuses", conn=conn)
        self.assertEqual(st, 200)
        ids = [s["id"] for s in all_]
        self.assertEqual(len(ids), 4)
        self.assertEqual(ids, sorted(ids, key=int, reverse=True))
        st, _, mine = sb.request("GET", "/api/v1/statuses?account=alice", conn=conn)
        self.assertEqual({s["account"]["acct"] for s in mine}, {"alice"})
        self.assertEqual(len(mine), 2)
        st, _, hit = sb.request("GET", "/api/v1/statuses?account=alice&idempotency_key=k1",
                                conn=conn)
        self.assertEqual([s["id"] for s in hit], [first["id"]])
        st, _, miss = sb.request("GET", "/api/v1/statuses?idempotency_key=nope", conn=conn)
        self.assertEqual((st, miss), (200, []))
        st, _, one = sb.request("GET", "/api/v1/statuses/" + first["id"], conn=conn)
        self.assertEqual((st, one["text"]), (200, "héllo"))
        st, _, err = sb.request("GET", "/api/v1/statuses/999", conn=conn)
        self.assertEqual((st, err), (404, {"error": "Record not found"}))
        st, _, stats = sb.request("GET", "/api/v1/stats", conn=conn)
        self.assertEqual(stats, {"posts": 4, "by_idempotency_key": {"k1": 2}})
        conn.close()
        self.assertEqual(sb.request("DELETE", "/api/v1/stats")[0], 405)
        self.assertEqual(sb.request("GET", "/nowhere")[0], 404)
        out = sb.stop(self)
        self.assertIn('"event":"status_created"', out)

    def test_restart_keeps_posts(self):
        sb = self.start()
        ids = [sb.post("post %d" % i, key="r%d" % i)[2]["id"] for i in range(3)]
        sb.stop(self)
        sb = self.start()
        st, _, listed = sb.request("GET", "/api/v1/statuses")
        self.assertEqual([s["id"] for s in listed], list(reversed(ids)))
        # the keys survive too: a retry after the restart is not a new post
        self.assertEqual(sb.post("post 1", key="r1")[2]["id"], ids[1])
        st, _, new = sb.post("fresh")
        self.assertGreater(int(new["id"]), int(ids[-1]))
        st, _, stats = sb.request("GET", "/api/v1/stats")
        self.assertEqual(stats["posts"], 4)
        sb.stop(self)

    def test_list_pages_back_with_max_id(self):
        sb = self.start()
        ids = [int(sb.post("page %d" % i, key="p%d" % i)[2]["id"]) for i in range(7)]
        seen, max_id = [], ""
        while True:
            st, _, page = sb.request("GET", "/api/v1/statuses?limit=3" + max_id)
            self.assertEqual(st, 200, page)
            self.assertLessEqual(len(page), 3)
            seen += [int(p["id"]) for p in page]
            if len(page) < 3:
                break
            max_id = "&max_id=%s" % page[-1]["id"]
        self.assertEqual(seen, sorted(ids, reverse=True))  # each once, newest first
        st, _, err = sb.request("GET", "/api/v1/statuses?max_id=x")
        self.assertEqual(st, 400)
        self.assertEqual(err["error"], "max_id must be a number >= 0")
        sb.stop(self)

    def test_crash_after_store(self):
        sb = self.start(SANDBOX_CRASH_AFTER_STORE=2)
        self.assertEqual(sb.post("one", key="c1")[0], 200)
        with self.assertRaises((http.client.HTTPException, OSError)):
            sb.post("two", key="c2")
        self.assertEqual(sb.proc.wait(timeout=5), 137)
        sb.kill()
        sb = self.start()
        st, _, stats = sb.request("GET", "/api/v1/stats")
        self.assertEqual(stats, {"posts": 2, "by_idempotency_key": {"c1": 1, "c2": 1}})
        # the client never heard back; its retry finds the stored post
        st, _, retry = sb.post("two", key="c2")
        self.assertEqual((st, retry["text"]), (200, "two"))
        self.assertEqual(sb.request("GET", "/api/v1/stats")[2]["posts"], 2)
        sb.stop(self)

    def test_faults(self):
        sb = self.start(SANDBOX_FAULT_RATE=1, SANDBOX_FAULT_TIMEOUT_MS=300,
                        SANDBOX_FAULT_SEED=12345)
        seen = {}
        for i in range(40):
            t0 = time.time()
            try:
                st, r, body = sb.post("faulty", key="f")
                kind = str(st)
                if st == 429:
                    self.assertEqual(r.getheader("Retry-After"), "1")
                if st == 200:
                    self.assertGreaterEqual(time.time() - t0, 0.29)
                    kind = "hang"
            except (http.client.HTTPException, OSError):
                kind = "drop"
            seen[kind] = seen.get(kind, 0) + 1
        self.assertEqual(set(seen), {"500", "429", "hang", "drop"}, seen)
        st, _, stats = sb.request("GET", "/api/v1/stats")
        self.assertEqual(stats, {"posts": 1, "by_idempotency_key": {"f": 1}})
        sb.stop(self)

    def metric(self, sb, name):
        st, _, text = sb.request("GET", "/metrics")
        self.assertEqual(st, 200)
        for line in text.decode().splitlines():
            if line.startswith(name + " "):
                return int(line.split()[1])
        self.fail("no %s in /metrics:\n%s" % (name, text.decode()))

    def read_file_posts(self):
        with open(self.data, encoding="utf-8") as f:
            return [json.loads(line) for line in f]

    def test_concurrent_posts_group_commit(self):
        """200 POSTs from 8 keep-alive connections at once, pairs of them
        repeating a key: every one answered, one post per key, all in the
        file after a restart."""
        sb = self.start()
        nconn, rounds = 8, 25
        barrier = threading.Barrier(nconn)
        answers = [[] for _ in range(nconn)]
        errors = []

        def client(i):
            conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=30)
            try:
                for r in range(rounds):
                    barrier.wait(timeout=30)
                    # connections i and i+4 send the same key in the same round
                    key = "burst-%d-%d" % (r, i % 4)
                    st, resp, body = sb.post("round %d from %d" % (r, i), key=key, conn=conn)
                    answers[i].append((key, st, body, resp.getheader("Connection")))
            except Exception as e:  # reported below, with the thread's number
                errors.append("client %d: %r" % (i, e))
                barrier.abort()
            finally:
                conn.close()

        threads = [threading.Thread(target=client, args=(i,)) for i in range(nconn)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        self.assertEqual(errors, [])
        flat = [a for per in answers for a in per]
        self.assertEqual(len(flat), nconn * rounds)
        by_key = {}
        for key, st, body, connection in flat:
            self.assertEqual((st, connection), (200, "keep-alive"), body)
            self.assertEqual(body["idempotency_key"], key)
            by_key.setdefault(key, set()).add((body["id"], body["text"]))
        self.assertEqual(len(by_key), rounds * 4)
        for key, seen in by_key.items():
            self.assertEqual(len(seen), 1, "key %s answered with %s" % (key, seen))
        ids = {next(iter(v))[0] for v in by_key.values()}
        self.assertEqual(len(ids), rounds * 4)  # one post per key, distinct ids
        want = {"posts": rounds * 4, "by_idempotency_key": {k: 1 for k in by_key}}
        st, _, stats = sb.request("GET", "/api/v1/stats")
        self.assertEqual(stats, want)
        self.assertLessEqual(self.metric(sb, "huddle_sandbox_fsyncs_total"), rounds * 4)
        sb.stop(self)

        # the file holds every post once, and a restart serves them all
        lines = self.read_file_posts()
        self.assertEqual(sorted(p["id"] for p in lines), sorted(ids))
        self.assertEqual(sorted(p["idempotency_key"] for p in lines), sorted(by_key))
        sb = self.start()
        st, _, stats = sb.request("GET", "/api/v1/stats")
        self.assertEqual(stats, want)
        for key, seen in by_key.items():
            st, _, again = sb.post("retry", key=key)
            self.assertEqual((st, again["id"]), (200, next(iter(seen))[0]))
        self.assertEqual(sb.request("GET", "/api/v1/stats")[2], want)
        sb.stop(self)

    def wait_stopped(self, pid):
        """Until every thread of pid is stopped: a signal is delivered
        asynchronously, and a thread still running could read a request
        early and flush it alone."""
        deadline = time.time() + 5
        while time.time() < deadline:
            states = []
            for tid in os.listdir("/proc/%d/task" % pid):
                with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                    states.append(f.read().rsplit(")", 1)[1].split()[0])
            if all(st in ("T", "t") for st in states):
                return
            time.sleep(0.01)
        self.fail("the sandbox did not stop: %s" % states)

    def test_posts_arriving_together_share_one_fsync(self):
        """With the sandbox stopped (SIGSTOP), 8 POSTs are sent on 8
        connections, two per key; on SIGCONT it reads them together: fewer
        fsyncs than posts answer all 8 (one when every request is read in
        the same loop turn, which is the rule but not a promise the kernel
        makes), and each key's repeat, which came while the first was not
        yet on disk, gets that first post."""
        sb = self.start()
        conns = [http.client.HTTPConnection("127.0.0.1", sb.port, timeout=30)
                 for _ in range(8)]
        for c in conns:  # connected and kept alive before the freeze
            self.assertEqual(sb.request("GET", "/healthz", conn=c)[0], 200)
        before = self.metric(sb, "huddle_sandbox_fsyncs_total")
        sb.proc.send_signal(signal.SIGSTOP)
        try:
            self.wait_stopped(sb.proc.pid)
            for i, c in enumerate(conns):
                c.request("POST", "/api/v1/statuses",
                          json.dumps({"status": "together %d" % i}),
                          {"Authorization": "Bearer tok-a", "Idempotency-Key": "t%d" % (i % 4),
                           "Content-Type": "application/json"})
            time.sleep(0.2)
        finally:
            sb.proc.send_signal(signal.SIGCONT)
        got = []
        for c in conns:
            r = c.getresponse()
            got.append((r.status, json.loads(r.read())))
            c.close()
        self.assertEqual([st for st, _ in got], [200] * 8, got)
        for i in range(4):  # the same post, whichever of the two came first
            self.assertEqual(got[i][1], got[i + 4][1])
            self.assertIn(got[i][1]["text"], ("together %d" % i, "together %d" % (i + 4)))
        self.assertEqual(len({b["id"] for _, b in got}), 4)
        self.assertLess(self.metric(sb, "huddle_sandbox_fsyncs_total") - before, 4)
        st, _, stats = sb.request("GET", "/api/v1/stats")
        self.assertEqual(stats, {"posts": 4, "by_idempotency_key": {"t%d" % i: 1
                                                                     for i in range(4)}})
        sb.stop(self)
        self.assertEqual(len(self.read_file_posts()), 4)

    def test_sigterm_during_hang_is_fast(self):
        sb = self.start(SANDBOX_FAULT_RATE=1, SANDBOX_FAULT_TIMEOUT_MS=20000)
        hanging = threading.Event()

        def poster():
            for _ in range(50):
                t0 = time.time()
                try:
                    sb.post("hang?", timeout=30)
                except (http.client.HTTPException, OSError):
                    pass
                if time.time() - t0 > 0.5:
                    return
                if hanging.is_set():
                    return

        t = threading.Thread(target=poster, daemon=True)
        t.start()
        # a hang fault logs its choice and then nothing until it ends
        deadline = time.time() + 10
        while time.time() < deadline and not sb.output().rstrip().endswith('hang"}'):
            time.sleep(0.02)
        self.assertTrue(sb.output().rstrip().endswith('hang"}'), sb.output())
        time.sleep(0.2)
        hanging.set()
        sb.stop(self)
        t.join(timeout=5)


if __name__ == "__main__":
    unittest.main(verbosity=2)
