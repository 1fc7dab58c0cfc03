"""huddle's benchmark (`make bench`, started by scripts/bench.sh).

One run, one machine: a private PostgreSQL with durable commits, every
service as a real release-built process, and in the same run the limits that
PostgreSQL and ZeroMQ set on this machine. Phases:

  1. throughput  ITEMS items (or E2E_SECONDS of submitting) through ingest (64 keep-alive HTTP clients and a
                 ZeroMQ client at once) for `marketing`, whose chain approves
                 a passing item automatically (approval_step role 'auto');
                 items/s from submit to stored on the sandbox channel.
  2. latency     LAT_RATE (1,000) items/s, open loop, for LAT_SECONDS:
                 submit -> published (the sandbox's created_at) p50 / p99,
                 and where the time goes, stage by stage, from event_log;
                 then half and a quarter of the sustained rate, for context.
  2b. crisis     under the throughput load (the sustained rate of phase 1,
                 open loop, for `marketing`), CRISIS_COUNT (20) times: a
                 crisis declared for `marketing` through POST /v1/crises,
                 held CRISIS_HOLD_SECONDS (0.5), resumed. hold_ms is the
                 declaration's round trip: it is answered once it has
                 committed, and it commits only once no call in scope is on
                 the wire (common/hd_crisis.h, the fence), so the answer is
                 the moment the hold is in force. Then the sandbox is
                 checked: a post in scope stored at or after a crisis's
                 declared_at and before its resumed_at fails the bench.
  3. hub fetch   one consumer reads the whole event_log from seq 0 through
                 the hub (bench-fetch), alternating with a raw CURVE
                 DEALER/ROUTER pair with the same request / reply sizes
                 (bench-zmqraw); best of 5 rounds each.
  3b. inbound    mentions through POST /v1/inbound by CONNS keep-alive
                 connections (the sample's listening integration token),
                 every service running, once what earlier phases left has
                 drained (nothing moves for 2 s), each acknowledged mention
                 watched until the read_inbox view (what GET /v1/inbox
                 reads) shows it (bench-loadgen --probe, bench/lg_probe.h).
                 First as fast as the connections go (a start), then a
                 search at fixed rates for the highest rate that keeps up
                 (every mention acknowledged, at 95% of the rate or more,
                 and shown, 99% within INBOUND_KEEP_MS of being due):
                 mentions/s. Then at half that rate for INBOUND_LAT_SECONDS:
                 acknowledged -> visible p50 / p99 and where the time goes,
                 stage by stage; and at INBOUND_TARGET_RATE (1,000/s, the
                 issue's target) when half the sustained rate is not near
                 it. A mention acknowledged but not in the inbox once, or
                 recorded or routed twice, fails the bench.
  4. ingest      64 connections as fast as they go for ACK_SECONDS:
                 durable acknowledgements/s, with every service running
                 (the figure), then again with ingest alone.
  5. hol         head-of-line blocking: one connection pipelines
                 BENCH_HOL_COUNT (20000) GET /v1/me while another sends
                 GET /v1/me one at a time (bench-hol); the probe's p50/p99.
  6. RSS         VmHWM of every service; then the services stop.
  7. db limit    pgbench replaying the statements one item causes
                 (bench/pgbench/item.sql, one transaction per item, prepared),
                 same concurrency (and 8 clients), durable commits;
                 beside it ingest's step alone (ingest.sql) with 1 and CONNS
                 clients.

Everything a run measured is kept under RESULTS (items.tsv files, the
pg_stat_statements snapshot, CPU per process, the service logs on failure).
The last lines are the figures; a broken guarantee (a post stored during a
crisis hold, a mention lost or doubled) is printed after them and the run
exits 1. Settings (environment):
  BENCH_CONNS=64 BENCH_ITEMS=20000 BENCH_ZMQ_ITEMS=4000 BENCH_E2E_SECONDS=30
  BENCH_LAT_SECONDS=15 BENCH_LAT_RATE=1000
  BENCH_ACK_SECONDS=10 BENCH_PGBENCH_SECONDS=20 BENCH_RESULTS=dir
  BENCH_HOL_COUNT=20000  (requests the hol phase pipelines)
  BENCH_CRISIS_COUNT=20 BENCH_CRISIS_HOLD_SECONDS=0.5  (the crisis phase)
  BENCH_INBOUND_SECONDS=8 BENCH_INBOUND_TRIALS=6 BENCH_INBOUND_LAT_SECONDS=15
  BENCH_INBOUND_KEEP_MS=1000  (the inbound phase)
  BENCH_PHASES=throughput,latency,crisis,fetch,inbound,acks,db,hol  (a subset, to look
  at one stage; the figure lines then show only what was measured)
  BENCH_PG_OPTIONS="-c ..."  more server settings (auto_explain, say); the
  server log is kept as RESULTS/postgres.log
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
from crisis_sql import apply_playbook, crises, hold_breaches, items_scope  # noqa: E402
import inbound_sql  # noqa: E402
from huddle_system import SERVICES, System  # noqa: E402

CONNS = int(os.environ.get("BENCH_CONNS", "64"))
ITEMS = int(os.environ.get("BENCH_ITEMS", "20000"))
ZMQ_ITEMS = int(os.environ.get("BENCH_ZMQ_ITEMS", "4000"))
E2E_SECONDS = float(os.environ.get("BENCH_E2E_SECONDS", "30"))  # submission stops at either
LAT_SECONDS = float(os.environ.get("BENCH_LAT_SECONDS", "15"))
LAT_RATE = int(os.environ.get("BENCH_LAT_RATE", "1000"))
ACK_SECONDS = float(os.environ.get("BENCH_ACK_SECONDS", "10"))
PGBENCH_SECONDS = int(os.environ.get("BENCH_PGBENCH_SECONDS", "20"))
STALL_SECONDS = 30  # no item published for this long: stop waiting
DRAIN_SECONDS = float(os.environ.get("BENCH_DRAIN_SECONDS", "120"))  # nor longer than this
DEPT_PEOPLE = ["maya@example.org", "carl@example.org"]  # marketing
CRISIS_COUNT = int(os.environ.get("BENCH_CRISIS_COUNT", "20"))
CRISIS_HOLD_SECONDS = float(os.environ.get("BENCH_CRISIS_HOLD_SECONDS", "0.5"))
ORCHESTRATOR = "olivia@example.org"  # the sample's orchestrator: declares and resumes
BENCH_PLAYBOOK = "bench-hold"  # hold only; declared for marketing, publish on resume
INBOUND_SECONDS = float(os.environ.get("BENCH_INBOUND_SECONDS", "8"))  # each search step
INBOUND_TRIALS = int(os.environ.get("BENCH_INBOUND_TRIALS", "6"))  # fixed-rate steps at most
INBOUND_LAT_SECONDS = float(os.environ.get("BENCH_INBOUND_LAT_SECONDS", "15"))
INBOUND_KEEP_MS = float(os.environ.get("BENCH_INBOUND_KEEP_MS", "1000"))
INBOUND_TARGET_RATE = 1000  # the latency target is stated at this rate
LISTENER = "integration:sample-listener"  # the sample's integration: scope inbound
PG_OPTIONS = ("-c fsync=on -c synchronous_commit=on -c full_page_writes=on "
              "-c shared_preload_libraries=pg_stat_statements "
              "-c pg_stat_statements.track=all -c track_io_timing=on "
              + os.environ.get("BENCH_PG_OPTIONS", ""))  # e.g. auto_explain, to look closer


def pg_tool(name):
    """A PostgreSQL program, newest server version first (as scripts/pg.sh)."""
    for v in ("17", "16", "15"):
        path = f"/usr/lib/postgresql/{v}/bin/{name}"
        if os.access(path, os.X_OK):
            return path
    return name


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def machine_cpu():
    """CPU seconds the whole machine spent busy, and its number of CPUs."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK"), os.cpu_count()


class CpuTracker(threading.Thread):
    """CPU seconds used during a phase by this run's processes, by name: the
    services, this cluster's PostgreSQL processes (the postmaster and its
    children) and the tools this script started (bench-*, pgbench, psql).
    /proc is read every 0.2 s so that processes which end during the phase
    (pgbench's backends) are counted up to their last reading."""

    def __init__(self, system):
        super().__init__(daemon=True)
        self.services = {p.pid: name for name, p in system.procs.items()}
        with open(os.path.join(system.pg_dir, "data", "postmaster.pid")) as f:
            self.postmaster = int(f.readline())
        self.first, self.last, self.names = {}, {}, {}
        self.stop_flag = threading.Event()
        self.tick = os.sysconf("SC_CLK_TCK")
        self.initial = True  # what runs now counts from its current figure
        self.scan()
        self.initial = False

    def classify(self, pid, comm, ppid):
        if pid in self.services:
            return self.services[pid]
        if pid == self.postmaster or ppid == self.postmaster:
            return "postgres"
        if ppid == os.getpid():
            return comm
        return None

    def scan(self):
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    raw = f.read()
            except OSError:
                continue
            comm = raw[raw.index("(") + 1:raw.rindex(")")]
            fields = raw[raw.rindex(")") + 2:].split()
            key = (int(pid), fields[19])  # pid + start time: a reused pid is another process
            name = self.names.get(key) or self.classify(int(pid), comm, int(fields[1]))
            if not name:
                continue
            secs = (int(fields[11]) + int(fields[12])) / self.tick
            self.names[key] = name
            self.first.setdefault(key, secs if self.initial else 0.0)
            self.last[key] = secs

    def run(self):
        while not self.stop_flag.wait(0.2):
            self.scan()

    def finish(self):
        self.stop_flag.set()
        self.join()
        self.scan()
        out = {}
        for key, secs in self.last.items():
            name = self.names[key]
            out[name] = out.get(name, 0.0) + secs - self.first[key]
        return out


class WaitSampler(threading.Thread):
    """What PostgreSQL's busy backends are doing, sampled every 100 ms
    through one psql session: (wait event, statement) -> samples."""
    QUERY = ("SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU'), "
             "left(regexp_replace(query, '\\s+', ' ', 'g'), 48) FROM pg_stat_activity "
             "WHERE datname = current_database() AND state = 'active' "
             "AND pid <> pg_backend_pid();")

    def __init__(self, url):
        super().__init__(daemon=True)
        self.counts, self.samples = {}, 0
        self.stop_flag = threading.Event()
        self.psql = subprocess.Popen(["psql", url, "-Atq", "-F", "|"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)

    def run(self):
        while not self.stop_flag.is_set():
            self.psql.stdin.write(self.QUERY + "\nSELECT '--end--';\n")
            for line in self.psql.stdout:
                line = line.rstrip("\n")
                if line == "--end--":
                    break
                self.counts[line] = self.counts.get(line, 0) + 1
            self.samples += 1
            time.sleep(0.1)

    def finish(self):
        self.stop_flag.set()
        self.join()
        self.psql.stdin.close()
        self.psql.wait()
        return self.counts, self.samples


class Bench:
    def __init__(self, s, results):
        self.s = s
        self.results = results
        self.bin = s.bin
        self.figures = {}
        self.failures = []  # broken guarantees: the run exits 1 after its figures

    # ---------- helpers ----------
    def tool(self, name, *args, **kw):
        return subprocess.Popen([os.path.join(self.bin, name), *map(str, args)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=self.s.env, **kw)

    def finish(self, proc, what):
        out, err = proc.communicate()
        if proc.returncode != 0 or not out.strip():
            raise RuntimeError(f"{what} failed ({proc.returncode}): {err[-2000:]}")
        if err.strip():
            with open(os.path.join(self.results, f"{what}.stderr"), "a") as f:
                f.write(err)
        return json.loads(out.strip().splitlines()[-1])

    def sandbox_count(self):
        url = f"http://127.0.0.1:{self.s.ports['sandbox']}/metrics"
        with urllib.request.urlopen(url, timeout=10) as r:
            m = re.search(r"^huddle_sandbox_statuses (\d+)", r.read().decode(), re.M)
        return int(m.group(1)) if m else 0

    def published_at(self):
        """content id -> time the sandbox stored its post (s since epoch).
        The publisher sends the content id as the post's Idempotency-Key."""
        out, page, max_id = {}, 5000, ""
        while True:  # in pages: one answer of 100,000 posts would cost the sandbox 100 MB
            got = self.s.sandbox(f"/api/v1/statuses?limit={page}{max_id}")
            for st in got:
                key = st.get("idempotency_key")
                if key:
                    t = datetime.strptime(st["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
                    out[key] = (t - datetime(1970, 1, 1)).total_seconds()
            if len(got) < page:
                return out
            max_id = f"&max_id={got[-1]['id']}"

    def wait_published(self, target, what):
        """Waits until the sandbox holds `target` posts, or nothing moves for
        STALL_SECONDS. Returns the count reached."""
        last, moved, give_up = -1, time.time(), time.time() + DRAIN_SECONDS
        while True:
            n = self.sandbox_count()
            if n >= target:
                return n
            if time.time() > give_up:
                log(f"{what}: {n} of {target} posts after {DRAIN_SECONDS:.0f}s; going on")
                return n
            if n != last:
                last, moved = n, time.time()
            elif time.time() - moved > STALL_SECONDS:
                log(f"{what}: stalled at {n} of {target} posts")
                return n
            time.sleep(0.5)

    def cpu_start(self):
        tracker = CpuTracker(self.s)
        tracker.start()
        return tracker, machine_cpu()[0], time.time()

    def cpu_report(self, start, phase):
        tracker, busy0, t0 = start
        rows = sorted(((v, k) for k, v in tracker.finish().items()), reverse=True)
        busy1, ncpu = machine_cpu()
        seconds = time.time() - t0
        ours = sum(v for v, _ in rows)
        other = max(busy1 - busy0 - ours, 0.0)
        rows.append((other, "OTHER (not this run's)"))
        text = ", ".join(f"{k} {v / seconds * 100:.0f}%" for v, k in rows if v > 0.05)
        log(f"{phase}: CPU in % of one core over {seconds:.1f}s ({ncpu} cores): {text}")
        if other / seconds > 0.2:
            log(f"{phase}: WARNING: other processes used {other / seconds * 100:.0f}% of a "
                "core: this machine is not quiet, figures are lower than it can do")
        with open(os.path.join(self.results, "cpu.txt"), "a") as f:
            f.write(f"{phase} ({seconds:.1f}s): {text}\n")

    def waits(self, sampler, phase, top=10):
        counts, samples = sampler.finish()
        rows = sorted(counts.items(), key=lambda kv: -kv[1])
        with open(os.path.join(self.results, "waits.txt"), "a") as f:
            f.write(f"{phase}: {samples} samples of active backends (wait event | statement)\n")
            for k, v in rows:
                f.write(f"  {v / max(samples, 1):6.2f}  {k}\n")
        log(f"{phase}: busy PostgreSQL backends, mean over {samples} samples "
            "(wait event | statement):")
        for k, v in rows[:top]:
            log(f"  {v / max(samples, 1):5.2f}  {k}")

    def pg_counters(self):
        row = self.s.psql("SELECT xact_commit, (SELECT wal_sync FROM pg_stat_wal), "
                          "(SELECT wal_bytes FROM pg_stat_wal) FROM pg_stat_database "
                          "WHERE datname = current_database()")
        return [float(x) for x in row.split("|")]

    def tokens(self):
        return [self.s.token(p) for p in DEPT_PEOPLE]

    def loadgen_http(self, tag, **opts):
        args = ["--http", f"127.0.0.1:{self.s.ports['api']}", "--conns", CONNS,
                "--key-prefix", f"{tag}-{os.getpid()}",
                "--out", os.path.join(self.results, f"{tag}.tsv")]
        for t in self.tokens():
            args += ["--token", t]
        for k, v in opts.items():
            args += [f"--{k.replace('_', '-')}", v]
        return self.tool("bench-loadgen", *args)

    def loadgen_zmq(self, tag, **opts):
        args = ["--zmq", self.s.env["HUDDLE_INGEST_BIND"], "--author", DEPT_PEOPLE[0],
                "--keys", self.s.env["HUDDLE_KEYS_DIR"], "--window", CONNS,
                "--key-prefix", f"{tag}-{os.getpid()}",
                "--out", os.path.join(self.results, f"{tag}.tsv")]
        for k, v in opts.items():
            args += [f"--{k.replace('_', '-')}", v]
        return self.tool("bench-loadgen", *args)

    def items(self, tag):
        """(content id, submit time in s) of the acknowledged items of a run."""
        out = []
        with open(os.path.join(self.results, f"{tag}.tsv")) as f:
            for line in f:
                _, cid, t_sub, _, status = line.rstrip("\n").split("\t")
                if status in ("200", "201"):
                    out.append((cid, int(t_sub) / 1e6))
        return out

    # ---------- phases ----------
    def setup(self):
        s = self.s
        s.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        # The feature under load: marketing's chain approves a passing item
        # without a person (services/workflow/facts.h, wf_facts_chain). Its own row replaces
        # the default chain (coach) for marketing.
        s.psql("INSERT INTO approval_step (department_id, role, same_department) "
               "VALUES ('marketing', 'auto', false) ON CONFLICT DO NOTHING")
        s.start_all()
        log(f"system up: {', '.join(f'{k} pid {p.pid}' for k, p in s.procs.items())}")

    def warmup(self):
        """A few items through the whole path: proves auto-approval works
        and warms every connection before anything is timed."""
        base = self.sandbox_count()
        r = self.finish(self.loadgen_http("warmup", count=200), "loadgen-warmup")
        if r["acked"] != 200:
            raise RuntimeError(f"warm-up: ingest acknowledged {r['acked']} of 200: {r}")
        n = self.wait_published(base + 200, "warm-up")
        if n < base + 200:
            cid = self.items("warmup")[0][0]
            raise RuntimeError(f"warm-up: only {n - base} of 200 items published; "
                               f"first item: {self.s.item(cid)}")
        log("warm-up: 200 items published")

    def throughput(self):
        base = self.sandbox_count()
        self.s.psql("SELECT pg_stat_statements_reset()")
        pg0, cpu0, t0 = self.pg_counters(), self.cpu_start(), time.time()
        seq0 = int(self.s.psql("SELECT coalesce(max(seq), 0) FROM event_log"))
        sampler = WaitSampler(self.s.db_url)
        sampler.start()
        http = self.loadgen_http("e2e-http", count=ITEMS - ZMQ_ITEMS, duration=E2E_SECONDS)
        zmq = self.loadgen_zmq("e2e-zmq", count=ZMQ_ITEMS, duration=E2E_SECONDS)
        rh = self.finish(http, "loadgen-e2e-http")
        rz = self.finish(zmq, "loadgen-e2e-zmq")
        acked = rh["acked"] + rz["acked"]
        log(f"throughput: ingest acknowledged {acked} items "
            f"(HTTP {rh['acks_per_s']:.0f}/s, ZeroMQ {rz['acks_per_s']:.0f}/s)")
        self.expected_posts = base + acked
        self.wait_published(self.expected_posts, "throughput")
        self.cpu_report(cpu0, "throughput")
        self.waits(sampler, "throughput")
        pg1 = self.pg_counters()
        self.batches(seq0)
        items = self.items("e2e-http") + self.items("e2e-zmq")
        pub = self.published_at()
        done = sorted(pub[c] for c, _ in items if c in pub)
        first = min(t for _, t in items)
        if len(done) < 10:
            raise RuntimeError(f"throughput: only {len(done)} items published")
        lo, hi = int(len(done) * 0.1), int(len(done) * 0.9) - 1
        sustained = (hi - lo) / (done[hi] - done[lo]) if done[hi] > done[lo] else 0
        overall = len(done) / (done[-1] - first)
        log(f"throughput: {len(done)} of {len(items)} published; sustained (10-90%) "
            f"{sustained:.0f} items/s, overall {overall:.0f} items/s")
        commits, syncs, wal = [(b - a) / max(len(done), 1) for a, b in zip(pg0, pg1)]
        log(f"throughput: per item {commits:.2f} commits, {syncs:.2f} WAL fsyncs, "
            f"{wal:.0f} WAL bytes")
        self.statements(len(done))
        self.figures.update(e2e=sustained, e2e_overall=overall, zmq_acks=rz["acks_per_s"],
                            e2e_missing=len(items) - len(done),
                            commits_per_item=commits, syncs_per_item=syncs)

    def statements(self, nitems, phase="throughput"):
        """Keeps what PostgreSQL ran per item (for bench/pgbench/item.sql)."""
        rows = self.s.psql(
            "SELECT calls, round(total_exec_time::numeric, 1), rows, "
            "regexp_replace(query, '\\s+', ' ', 'g') FROM pg_stat_statements "
            "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "ORDER BY total_exec_time DESC")
        path = os.path.join(self.results, "statements.tsv" if phase == "throughput"
                            else f"statements-{phase}.tsv")
        with open(path, "w") as f:
            f.write("calls_per_item\ttotal_ms\trows\tquery\n")
            for line in rows.splitlines():
                calls, total, nrows, query = line.split("|", 3)
                f.write(f"{int(calls) / nitems:.3f}\t{total}\t{nrows}\t{query}\n")
        log(f"{phase}: statements per item in {path}")
        for line in rows.splitlines()[:12 if phase == "throughput" else 6]:
            calls, total, _, query = line.split("|", 3)
            log(f"  {int(calls) / nitems:6.2f}/item {float(total):9.0f} ms  {query[:110]}")

    def batches(self, seq0):
        """How much each stage batches: events per sequencer transaction
        (rows of one move share its sequenced_at) and events per consumer
        transaction (cursor updates)."""
        row = self.s.psql(f"SELECT count(*), count(DISTINCT sequenced_at) FROM event_log "
                          f"WHERE seq > {seq0}")
        events, moves = (int(x) for x in row.split("|"))
        log(f"throughput: sequencer moved {events} events in {moves} transactions "
            f"({events / max(moves, 1):.1f} per transaction)")
        self.figures["seq_batch"] = events / max(moves, 1)

    def latency(self):
        """Submit -> published at LAT_RATE items/s (the figure: 1,000 unless
        BENCH_LAT_RATE says otherwise), then, for context, at half and at a
        quarter of the sustained rate: how latency moves with the load."""
        got = self.latency_at(LAT_RATE, "latency", LAT_SECONDS, keep_statements=True)
        if not got:
            self.figures.update(p50=float("nan"), p99=float("nan"), rate=LAT_RATE)
            return
        self.figures.update(rate=LAT_RATE, p50=got["p50"], p99=got["p99"],
                            lat_missing=got["missing"])
        self.stages(got["ids"])
        half = max(round(self.figures.get("e2e", 2 * LAT_RATE) / 2), 10)
        for tag, rate in (("latency-half", half), ("latency-quarter", max(round(half / 2), 5))):
            got = self.latency_at(rate, tag, max(LAT_SECONDS * 2 / 3, 5), keep_statements=True)
            if got:
                key = tag.split("-")[1]
                self.figures.update({f"{key}_rate": rate, f"{key}_p50": got["p50"],
                                     f"{key}_p99": got["p99"]})

    def drain(self, what):
        """Waits for every post expected so far: a backlog would only measure
        the queue."""
        expected = getattr(self, "expected_posts", 0)
        if self.wait_published(expected, f"{what} (draining the backlog)") < expected:
            log(f"{what}: WARNING: the backlog did not drain; latency includes it")

    def latency_at(self, rate, tag, seconds, keep_statements=False):
        self.drain(tag)
        base = self.sandbox_count()
        if keep_statements:
            self.s.psql("SELECT pg_stat_statements_reset()")
        cpu0 = self.cpu_start()
        r = self.finish(self.loadgen_http(tag, rate=rate, duration=seconds), f"loadgen-{tag}")
        self.expected_posts = base + r["acked"]
        self.wait_published(self.expected_posts, tag)
        self.cpu_report(cpu0, tag)
        if keep_statements:
            self.statements(max(r["acked"], 1), tag)
        items = self.items(tag)
        pub = self.published_at()
        lat = sorted((pub[c] - t) * 1000 for c, t in items if c in pub)
        if not lat:
            log(f"{tag}: none of {len(items)} items published within the drain time: "
                "no latency figure")
            return None
        pct = lambda p: lat[min(len(lat) - 1, int(p * (len(lat) - 1) + 0.5))]  # noqa: E731
        log(f"{tag}: {len(items)} items at {rate}/s: submit->published p50 {pct(0.5):.1f} ms, "
            f"p99 {pct(0.99):.1f} ms, max {lat[-1]:.1f} ms, {len(items) - len(lat)} not "
            f"published; ack p50 {r['ack_p50_ms']:.1f} ms p99 {r['ack_p99_ms']:.1f} ms")
        return {"p50": pct(0.5), "p99": pct(0.99), "missing": len(items) - len(lat),
                "ids": [c for c, _ in items]}

    def crisis(self):
        """Crisis holds under load: CRISIS_COUNT declarations for marketing
        while marketing's items flow at the sustained rate, each answered
        once the hold is in force (hold_ms), held CRISIS_HOLD_SECONDS, then
        resumed; afterwards no post in scope may have been stored inside a
        hold."""
        self.drain("crisis")
        apply_playbook(self.s, BENCH_PLAYBOOK, "make bench holds marketing while its load flows.")
        base = self.sandbox_count()
        rate = max(round(self.figures.get("e2e") or LAT_RATE), 10)
        seconds = CRISIS_COUNT * (2 * CRISIS_HOLD_SECONDS + 0.5) + 5
        cpu0 = self.cpu_start()
        load = self.loadgen_http("crisis", rate=rate, duration=seconds)
        time.sleep(2)  # posts flowing before the first declaration
        hold_ms, ids = [], []
        for k in range(CRISIS_COUNT):
            if load.poll() is not None:
                log(f"crisis: WARNING: the load ended after {k} declarations")
                break
            cid, ms = self.declare_hold(k)
            hold_ms.append(ms)
            ids.append(cid)
            time.sleep(CRISIS_HOLD_SECONDS)
            st, body = self.s.api("POST", f"/v1/crises/{cid}/resume", as_=ORCHESTRATOR,
                                  body={"reason": "bench: hold measured"})
            if st not in (200, 201, 202):
                raise RuntimeError(f"crisis: resume of {cid} answered {st}: {body}")
            time.sleep(CRISIS_HOLD_SECONDS)
        r = self.finish(load, "loadgen-crisis")
        self.expected_posts = base + r["acked"]
        self.wait_published(self.expected_posts, "crisis")
        self.cpu_report(cpu0, "crisis")
        if not hold_ms:
            raise RuntimeError("crisis: no declaration was made")
        self.crisis_report(hold_ms, ids, rate)

    def declare_hold(self, k):
        """Declares the bench's crisis for marketing; (its id, ms from
        sending the declaration to its answer)."""
        t0 = time.perf_counter()
        st, body = self.s.api("POST", "/v1/crises", as_=ORCHESTRATOR, body={
            "playbook": BENCH_PLAYBOOK, "reason": f"bench hold {k + 1} of {CRISIS_COUNT}",
            "departments": ["marketing"]})
        ms = (time.perf_counter() - t0) * 1000
        if st != 201 or not isinstance(body, dict) or "id" not in body:
            raise RuntimeError(f"crisis: declaration {k + 1} answered {st}: {body}")
        return body["id"], ms

    def crisis_report(self, hold_ms, ids, rate):
        lat = sorted(hold_ms)
        pct = lambda p: lat[min(len(lat) - 1, int(p * (len(lat) - 1) + 0.5))]  # noqa: E731
        idlist = ",".join(ids)
        held = int(self.s.psql("SELECT count(*) FROM crisis_item WHERE action = 'held' "
                               f"AND crisis_id = ANY('{{{idlist}}}'::uuid[])"))
        bad = self.hold_violations(ids)
        # Every crisis is resumed: nothing may stay held, and what is not
        # published yet says where it is.
        left = self.s.psql("SELECT count(*) FROM publish_job WHERE state = 'held'")
        states = self.s.psql("SELECT string_agg(state || '=' || n, ' ') FROM (SELECT state, "
                             "count(*) n FROM publish_job WHERE state <> 'done' "
                             "GROUP BY 1 ORDER BY 1) t")
        log(f"crisis: jobs not done after the last resume: {states or 'none'}")
        if int(left):
            bad.append(f"{left} jobs still held after every crisis resumed")
            log("crisis: held jobs by their crisis: " + self.s.psql(
                "SELECT string_agg(x, ' | ') FROM (SELECT j.held_by || ' ' || c.state || "
                "' n=' || count(*) || ' moved_in=' || count(m.content_id) || ' ' || "
                "coalesce(min(ci.outcome), '-') AS x FROM publish_job j "
                "JOIN crisis c ON c.id = j.held_by "
                "LEFT JOIN crisis_item ci ON ci.crisis_id = j.held_by "
                "AND ci.content_id = j.content_id AND ci.action = 'held' "
                "LEFT JOIN crisis_item m ON m.content_id = j.content_id AND m.outcome = 'moved' "
                "WHERE j.state = 'held' GROUP BY j.held_by, c.state) t"))
            log("crisis: crisis events: " + self.s.psql(
                "SELECT string_agg(type || '@' || seq || ':' || correlation_id, ' ' ORDER BY seq) "
                "FROM event_log WHERE type IN ('crisis.declared', 'crisis.resumed', "
                "'crisis.held', 'crisis.released')"))
        log(f"crisis: {len(lat)} declarations at {rate} items/s: hold_ms p50 {pct(0.5):.1f}, "
            f"p99 {pct(0.99):.1f}, max {lat[-1]:.1f}; {held} items held; "
            f"{len(bad)} posts in scope stored during a hold")
        for line in bad[:5]:
            log(f"  CRISIS HOLD VIOLATED: {line}")
        if not held:
            log("crisis: WARNING: no item was held: the holds met no load")
        self.figures.update(crisis_p50=pct(0.5), crisis_p99=pct(0.99), crisis_n=len(lat),
                            crisis_held=held, crisis_violations=len(bad))
        if bad:
            self.failures.append(f"crisis: {len(bad)} posts in scope stored during a hold, "
                                 f"first: {bad[0]}")

    def hold_violations(self, ids):
        """Every post on the sandbox its crisis covers stored during a hold
        (crisis_sql.hold_breaches), described."""
        found = [x for x in crises(self.s, [BENCH_PLAYBOOK]) if x["id"] in set(ids)]
        if len(found) != len(ids):
            return [f"{len(ids)} crises declared, {len(found)} in the database"]
        return [f"item {key} stored {late:.3f}s after crisis {cid} was declared"
                for key, cid, late in hold_breaches(found, self.published_at(),
                                                    items_scope(self.s))]

    def stages(self, ids):
        """Where the time goes, per event type of the latency run: from the
        outbox row's commit-time stamp (created_at, the producing transaction's
        start) to the sequencer's sequenced_at, and from each event's
        sequencing to the next event's creation (a consumer's turn)."""
        self.s.psql("DROP TABLE IF EXISTS bench_ids; CREATE TABLE bench_ids (id uuid PRIMARY KEY)")
        path = os.path.join(self.results, "latency-ids.txt")
        with open(path, "w") as f:
            f.write("\n".join(ids) + "\n")
        subprocess.run(["psql", self.s.db_url, "-q", "-c",
                        f"\\copy bench_ids FROM '{path}'"], check=True)
        rows = self.s.psql(
            "SELECT e.type, "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.sequenced_at - e.created_at)), "
            "percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM e.sequenced_at - e.created_at)), "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.created_at - c.created_at)), "
            "percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM e.created_at - c.created_at)), "
            "count(*) "
            "FROM event_log e JOIN bench_ids b ON b.id = e.correlation_id "
            "JOIN content c ON c.id = e.correlation_id GROUP BY e.type "
            "ORDER BY 4")
        log("latency: per event (ms): created->sequenced p50/p99 | "
            "content.created_at->event created p50/p99")
        with open(os.path.join(self.results, "stages.txt"), "w") as f:
            for line in rows.splitlines():
                t, a, b, c, d, n = line.split("|")
                text = (f"  {t:22s} {float(a)*1000:7.1f} {float(b)*1000:7.1f} | "
                        f"{float(c)*1000:7.1f} {float(d)*1000:7.1f}  (n={n})")
                log(text)
                f.write(text + "\n")

    def hub_fetch(self, rounds=5):
        """Reads the whole log through the hub as a fresh consumer from seq 0,
        then replays the same request / reply sizes over raw ZeroMQ, in
        alternating rounds so that both see the same machine; each figure is
        the best round (a shared machine only ever makes a round slower)."""
        head = self.s.psql("SELECT coalesce(max(seq), 0) FROM event_log")
        cpu0 = self.cpu_start()
        hub, raw, shape = [], [], None
        for _ in range(rounds):
            runs = []
            while sum(x["seconds"] for x in runs) < 0.6 and len(runs) < 20:
                runs.append(self.finish(self.tool(
                    "bench-fetch", "--hub", self.s.env["HUDDLE_HUB_ENDPOINT"],
                    "--keys", self.s.env["HUDDLE_KEYS_DIR"], "--until", head), "bench-fetch"))
            events = sum(x["events"] for x in runs)
            hub.append(events / sum(x["seconds"] for x in runs))
            shape = shape or dict(runs[0], avg_batch=events / sum(x["batches"] for x in runs))
            z = self.finish(self.tool("bench-zmqraw", "--reply-bytes",
                                      int(shape["avg_reply_bytes"]), "--events-per-reply",
                                      shape["avg_batch"], "--request-bytes",
                                      shape["request_bytes"], "--duration", 1), "bench-zmqraw")
            raw.append(z["events_per_s"])
        self.cpu_report(cpu0, "hub fetch")
        log(f"hub fetch: seq 1..{head}, {shape['avg_batch']:.0f} events "
            f"({shape['avg_reply_bytes']:.0f} bytes) per reply; events/s per round: "
            + ", ".join(f"{x:.0f}" for x in hub))
        log(f"zmq raw (CURVE DEALER/ROUTER, same sizes): events/s per round: "
            + ", ".join(f"{x:.0f}" for x in raw))
        self.figures.update(hub=max(hub), zmq=max(raw), hub_rounds=hub, zmq_rounds=raw)

    def ingest_acks(self):
        """Acks with every service running (the figure: what is acknowledged
        is also being processed), then with ingest alone (the others paused
        by SIGSTOP, resumed after): how much of the limit is ingest's own."""
        cpu0 = self.cpu_start()
        sampler = WaitSampler(self.s.db_url)
        sampler.start()
        r = self.finish(self.loadgen_http("acks", duration=ACK_SECONDS), "loadgen-acks")
        self.cpu_report(cpu0, "ingest acks")
        self.waits(sampler, "ingest acks")
        log(f"ingest: {r['acked']} acknowledged in {r['seconds']:.1f} s = "
            f"{r['acks_per_s']:.0f}/s over {CONNS} connections; ack p50 "
            f"{r['ack_p50_ms']:.1f} ms p99 {r['ack_p99_ms']:.1f} ms; "
            f"{r['refused']} refused, {r['lost']} lost")
        self.figures["acks"] = r["acks_per_s"]
        others = [p for name, p in self.s.procs.items() if name not in ("ingest", "sandbox")]
        for p in others:
            p.send_signal(signal.SIGSTOP)
        try:
            cpu0 = self.cpu_start()
            a = self.finish(self.loadgen_http("acks-alone", duration=ACK_SECONDS),
                            "loadgen-acks-alone")
            self.cpu_report(cpu0, "ingest acks, ingest alone")
        finally:
            for p in others:
                p.send_signal(signal.SIGCONT)
        log(f"ingest alone (hub and consumers paused): {a['acks_per_s']:.0f}/s; ack p50 "
            f"{a['ack_p50_ms']:.1f} ms p99 {a['ack_p99_ms']:.1f} ms; {a['lost']} lost")
        self.figures["acks_alone"] = a["acks_per_s"]

    def hol(self):
        """Head-of-line blocking: a GET's latency on one connection while
        another connection pipelines BENCH_HOL_COUNT requests (bench/hol.c)."""
        count = int(os.environ.get("BENCH_HOL_COUNT", "20000"))
        p = self.tool("bench-hol", "--http", f"127.0.0.1:{self.s.ports['api']}",
                      "--token", self.tokens()[0], "--count", count)
        out, err = p.communicate()
        line = next((x for x in out.splitlines() if x.startswith("hol ")), None)
        if p.returncode != 0 or not line:
            raise RuntimeError(f"bench-hol failed ({p.returncode}): {err[-2000:]}")
        log(err.strip())
        log(line)
        self.figures["hol"] = line

    # ---------- inbound ----------
    def inbound_load(self, tag, **opts):
        """bench-loadgen posting mentions as the sample's listening
        integration, each acknowledged one watched until read_inbox shows
        it; its summary (lg_probe.h). The probe reads as the API's read role,
        as GET /v1/inbox does, on a connection of its own."""
        path = os.path.join(self.results, f"inbound-{tag}.tsv")
        args = ["--http", f"127.0.0.1:{self.s.ports['api']}", "--conns", CONNS, "--inbound",
                "--token", self.s.token(LISTENER), "--key-prefix", f"{self.inbound_stem}-{tag}",
                "--probe", self.s.db_url, "--out", path]
        for k, v in opts.items():
            args += [f"--{k.replace('_', '-')}", v]
        r = self.finish(self.tool("bench-loadgen", *args), f"loadgen-inbound-{tag}")
        self.inbound_new += sum(1 for x in inbound_sql.records(path) if x[4] == 201)
        r["path"] = path
        return r

    @staticmethod
    def inbound_line(r):
        return (f"acknowledged {r['acked']} of {r['submitted']} ({r['acks_per_s']:.0f}/s, ack p50 "
                f"{r['ack_p50_ms']:.1f} ms p99 {r['ack_p99_ms']:.1f} ms), ack->visible p50 "
                f"{r['inbox_p50_ms']:.1f} ms p99 {r['inbox_p99_ms']:.1f} ms max "
                f"{r['inbox_max_ms']:.1f} ms, due->visible p99 "
                f"{r['submit_visible_p99_ms']:.1f} ms, "
                f"{r['unseen']} never shown; probe every {r['probe_interval_ms']:.1f} ms "
                f"({r['probe_polls']} polls)")

    @staticmethod
    def inbound_keeps_up(r, rate):
        """Why a fixed-rate run fell behind, or None when it kept up: every
        mention acknowledged, at 95% of the rate or more (first sent ->
        last answered), and shown, 99% of them within INBOUND_KEEP_MS of
        the time they were due (a backlog in ingest or in workflow grows
        that figure with the run's length)."""
        if r["acked"] < r["submitted"]:
            return f"{r['submitted'] - r['acked']} not acknowledged"
        if r["acks_per_s"] < 0.95 * rate:
            return f"acknowledged at {r['acks_per_s']:.0f}/s"
        if r["unseen"]:
            return f"{r['unseen']} never shown"
        if r["submit_visible_p99_ms"] > INBOUND_KEEP_MS:
            return f"due->visible p99 {r['submit_visible_p99_ms']:.0f} ms > {INBOUND_KEEP_MS:.0f}"
        return None

    def inbound_search(self):
        """The bounds as fast as CONNS connections go, then fixed rates:
        the highest that kept up (0 if none did). The connections' own
        pace is only a start: each waits for its answer, so their rate is
        CONNS over the answer's latency, which batching makes longer than
        the door needs; a rate that keeps up is raised by a quarter until
        one falls behind (a first one that falls behind is lowered by 30 %
        until one keeps up), then the gap is halved."""
        r = self.inbound_load("max", duration=INBOUND_SECONDS)
        span = (r["last_visible_us"] - r["first_submit_us"]) / 1e6
        shown = r["visible"] / span if span > 0 else 0.0
        log(f"inbound: as fast as {CONNS} connections go for {INBOUND_SECONDS:.0f}s: "
            f"{self.inbound_line(r)}; the inbox showed {shown:.0f}/s")
        step = lambda x: max(int(x) // 25 * 25, 25)  # noqa: E731
        lo, hi, rate = 0, None, step(0.9 * min(r["acks_per_s"], shown))
        for _ in range(INBOUND_TRIALS):
            r = self.inbound_load(f"r{rate}", rate=rate, duration=INBOUND_SECONDS)
            why = self.inbound_keeps_up(r, rate)
            log(f"inbound: {rate}/s: {'keeps up' if not why else 'falls behind: ' + why}; "
                f"{self.inbound_line(r)}")
            if why:
                hi = rate
            else:
                lo = rate
            if hi is None:
                nxt = step(rate * 1.25)
            else:
                nxt = step((lo + hi) / 2) if lo else step(rate * 0.7)
            if nxt in (lo, hi) or (lo and hi and hi - lo <= max(0.05 * hi, 25)):
                break
            rate = nxt
        log(f"inbound: sustained {lo} mentions/s" + (f" ({hi}/s fell behind)" if hi else ""))
        return lo

    def quiesce(self, what):
        """Waits until nothing moves: no event sequenced, none waiting in
        the outbox, no consumer's cursor moving, for 2 s (what earlier
        phases left, the acks phase's items above all, flows on for a minute
        or more after them); at most DRAIN_SECONDS."""
        state, since, t0 = None, time.time(), time.time()
        while time.time() - t0 < DRAIN_SECONDS:
            now = self.s.psql("SELECT (SELECT coalesce(max(seq), 0) FROM event_log), "
                              "(SELECT count(*) FROM outbox), "
                              "(SELECT coalesce(sum(seq), 0) FROM consumer_cursor)")
            if now != state:
                state, since = now, time.time()
            elif time.time() - since >= 2:
                log(f"{what}: the system is quiet ({time.time() - t0:.0f}s after the last phase)")
                return
            time.sleep(0.5)
        log(f"{what}: WARNING: the system was still busy after {DRAIN_SECONDS:.0f}s; "
            "the figures include that work")

    def inbound(self):
        """Mentions through POST /v1/inbound with every service running: the
        sustained rate, then ack -> inbox latency at half of it, where that
        time goes, and (when half is not near it) at INBOUND_TARGET_RATE.
        Fails the run on a mention lost or doubled."""
        self.drain("inbound")
        self.quiesce("inbound")
        self.inbound_stem, self.inbound_new = f"inb{os.getpid()}", 0
        cpu0, sampler = self.cpu_start(), WaitSampler(self.s.db_url)
        sampler.start()
        sustained = self.inbound_search()
        self.cpu_report(cpu0, "inbound search")
        self.waits(sampler, "inbound search")
        half = max(round(sustained / 2), 10)
        self.s.psql("SELECT pg_stat_statements_reset()")
        pg0, cpu0, sampler = self.pg_counters(), self.cpu_start(), WaitSampler(self.s.db_url)
        sampler.start()
        r = self.inbound_load("half", rate=half, duration=INBOUND_LAT_SECONDS)
        self.cpu_report(cpu0, "inbound half")
        self.waits(sampler, "inbound half")
        self.statements(max(r["acked"], 1), "inbound")
        log(f"inbound: half the sustained rate, {half}/s for {INBOUND_LAT_SECONDS:.0f}s: "
            f"{self.inbound_line(r)}")
        commits, syncs, wal = [(b - a) / max(r["acked"], 1)
                               for a, b in zip(pg0, self.pg_counters())]
        log(f"inbound: per mention {commits:.2f} commits, {syncs:.2f} WAL fsyncs, "
            f"{wal:.0f} WAL bytes (every service's, the probe's and the samplers' included)")
        self.inbound_stages(r["path"])
        self.figures.update(inbound=sustained, inbound_rate=half, inbound_p50=r["inbox_p50_ms"],
                            inbound_p99=r["inbox_p99_ms"], inbound_ack_p99=r["ack_p99_ms"])
        if abs(half - INBOUND_TARGET_RATE) > 0.1 * INBOUND_TARGET_RATE:
            if sustained >= INBOUND_TARGET_RATE:
                t = self.inbound_load("target", rate=INBOUND_TARGET_RATE,
                                      duration=INBOUND_LAT_SECONDS)
                log(f"inbound: at {INBOUND_TARGET_RATE}/s for {INBOUND_LAT_SECONDS:.0f}s: "
                    f"{self.inbound_line(t)}")
                self.figures.update(inbound_target_p99=t["inbox_p99_ms"])
            else:
                log(f"inbound: {INBOUND_TARGET_RATE}/s is above the sustained rate: not run")
        self.inbound_check()

    def inbound_stages(self, path):
        log("inbound: where ack -> visible goes (ms, p50 / p99):")
        with open(os.path.join(self.results, "inbound-stages.txt"), "w") as f:
            for name, p50, p99, n in inbound_sql.stages(self.s, path, self.results):
                text = f"  {name:26s} {p50:8.1f} {p99:8.1f}  (n={n})"
                log(text)
                f.write(text + "\n")

    def inbound_check(self):
        """Every mention acknowledged as new is in the inbox once, with one
        mention.received and one mention.routed; waits for stragglers
        (the probe gives up on a stall) as long as the inbox still moves."""
        last, moved = -1, time.time()
        while time.time() - moved < STALL_SECONDS:
            n = inbound_sql.inbox_rows(self.s, self.inbound_stem)
            if n >= self.inbound_new:
                break
            if n != last:
                last, moved = n, time.time()
            time.sleep(0.5)
        bad = inbound_sql.exactly_once(self.s, self.inbound_stem, self.inbound_new)
        log(f"inbound: {self.inbound_new} mentions acknowledged as new in the phase: "
            + ("each in the inbox exactly once" if not bad else "; ".join(bad)))
        self.figures["inbound_violations"] = len(bad)
        for what in bad:
            self.failures.append(f"inbound: {what}")

    def rss(self):
        peak = {}
        for name, p in self.s.procs.items():
            with open(f"/proc/{p.pid}/status") as f:
                m = re.search(r"^VmHWM:\s+(\d+) kB", f.read(), re.M)
            peak[name] = int(m.group(1)) / 1024
        log("peak RSS (MB): " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(peak.items())))
        self.figures["rss"] = peak
        for name in list(self.s.procs):
            self.s.stop(name)

    def pgbench(self, script, clients, seconds, tag):
        path = os.path.join(HERE, "pgbench", script)
        maya = self.s.psql("SELECT id FROM person WHERE email = 'maya@example.org'")
        out = subprocess.run(
            [pg_tool("pgbench"), "-n", "-r", "-M", "prepared", "-c", str(clients),
             "-j", str(min(clients, 2)), "-T", str(seconds), "-f", path,
             "-D", f"maya={maya}", "-D", f"token={self.s.token(DEPT_PEOPLE[0])}",
             self.s.db_url], capture_output=True, text=True)
        with open(os.path.join(self.results, f"pgbench-{tag}.txt"), "w") as f:
            f.write(out.stdout + out.stderr)
        m = re.search(r"tps = ([\d.]+) \(without initial", out.stdout)
        if out.returncode != 0 or not m:
            raise RuntimeError(f"pgbench {tag} failed: {out.stderr[-2000:]}")
        return float(m.group(1))

    def db_limit(self):
        """pgbench replaying one item's statements (bench/pgbench/item.sql,
        one transaction per item) with CONNS clients: the database's limit
        at the load's concurrency (the figure). Beside it the same with 8
        clients (about what huddle's services hold open), and ingest's own
        step (ingest.sql) with 1 client and with CONNS: what PostgreSQL's
        group commit gives a door that commits many requests at once."""
        self.s.psql("CREATE SEQUENCE IF NOT EXISTS bench_event_seq START 1000000000")
        self.s.psql("CHECKPOINT")
        short = max(PGBENCH_SECONDS // 2, 3)
        runs = {}
        cpu0 = self.cpu_start()
        runs[("item", CONNS)] = self.pgbench("item.sql", CONNS, PGBENCH_SECONDS,
                                             f"item-c{CONNS}")
        self.cpu_report(cpu0, "db limit")
        runs[("item", 8)] = self.pgbench("item.sql", 8, short, "item-c8")
        for c in (1, CONNS):
            runs[("ingest", c)] = self.pgbench("ingest.sql", c, short, f"ingest-c{c}")
        log("db limit (pgbench, durable commits, prepared statements): items/s")
        for (script, c) in [("item", CONNS), ("item", 8), ("ingest", 1), ("ingest", CONNS)]:
            log(f"  {script + '.sql':12s} {c:3d} clients  {runs[(script, c)]:8.0f}")
        self.figures["db"] = runs[("item", CONNS)]
        self.figures["pgbench"] = {f"{a}-c{b}": v for (a, b), v in runs.items()}

    def print_figures(self):
        f = self.figures
        print()
        if all(k in f for k in ("e2e", "p50", "db")):
            print(f"e2e items/s={f['e2e']:.0f} p50_ms={f['p50']:.1f} p99_ms={f['p99']:.1f} "
                  f"at_items/s={f['rate']} "
                  f"db_limit_items/s={f['db']:.0f} db_ratio={f['e2e'] / f['db']:.2f}")
        for key in ("half", "quarter"):
            if f"{key}_rate" in f:
                print(f"latency {key} items/s={f[key + '_rate']} p50_ms={f[key + '_p50']:.1f} "
                      f"p99_ms={f[key + '_p99']:.1f}")
        if "hub" in f:
            print(f"hub events/s={f['hub']:.0f} zmq_limit/s={f['zmq']:.0f} "
                  f"zmq_ratio={f['hub'] / f['zmq']:.2f}")
        if "acks" in f:
            print(f"ingest acks/s={f['acks']:.0f}")
        if "hol" in f:
            print(f["hol"])
        if "inbound" in f:
            print(f"inbound mentions/s={f['inbound']} p99_inbox_ms={f['inbound_p99']:.1f}")
        if "crisis_p50" in f:
            print(f"crisis hold_ms p50={f['crisis_p50']:.1f} p99={f['crisis_p99']:.1f} "
                  f"declared={f['crisis_n']} held_items={f['crisis_held']} "
                  f"violations={f['crisis_violations']}")
        print(f"rss_max_mb={max(f['rss'].values()):.1f}")
        with open(os.path.join(self.results, "figures.json"), "w") as out:
            json.dump(f, out, indent=1)


def main():
    results = os.environ.get("BENCH_RESULTS") or os.path.join(
        os.environ["HUDDLE_BIN_DIR"], "bench-results", time.strftime("%Y%m%d-%H%M%S"))
    os.makedirs(results, exist_ok=True)
    log(f"results in {results}")
    os.environ["HUDDLE_FAULT_PG_OPTIONS"] = PG_OPTIONS  # System's own-cluster options
    os.environ.setdefault("HUDDLE_LOG_LEVEL", "info")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    with System("bench", heartbeat_ms=1000, own_cluster=True) as s:
        # The load comes from one address and few tokens: measure the
        # system, not its rate limits (docs/api.md, "Rate limits"), yet with
        # the buckets at work (limits far above the load, not switched off).
        s.env.update(HUDDLE_RATE_ADDR_PER_S="1000000", HUDDLE_RATE_ADDR_BURST="1000000",
                     HUDDLE_RATE_TOKEN_PER_S="1000000", HUDDLE_RATE_TOKEN_BURST="1000000",
                     # the load's 64 connections and the crisis phase's own come
                     # from one address
                     HUDDLE_HTTP_MAX_CONNS_PER_ADDR="256")
        b = Bench(s, results)
        phases = os.environ.get("BENCH_PHASES",
                                "throughput,latency,crisis,fetch,inbound,acks,db,hol").split(",")
        unknown = set(phases) - {"throughput", "latency", "crisis", "fetch", "acks", "db", "hol",
                                 "inbound"}
        if unknown:
            sys.exit(f"bench: BENCH_PHASES: unknown {sorted(unknown)}")
        b.setup()
        b.warmup()
        if "throughput" in phases:
            b.throughput()
        if "latency" in phases:
            b.latency()
        if "crisis" in phases:
            b.crisis()
        if "fetch" in phases:
            b.hub_fetch()
        if "inbound" in phases:
            b.inbound()
        if "acks" in phases:
            b.ingest_acks()
        if "hol" in phases:
            b.hol()
        b.rss()
        if "db" in phases:
            b.db_limit()
        b.print_figures()
        log_path = os.path.join(s.pg_dir, "data", "server.log")
        if os.path.exists(log_path):
            shutil.copy(log_path, os.path.join(results, "postgres.log"))
        if b.failures:
            for what in b.failures:
                print(f"BENCH FAILED: {what}", file=sys.stderr)
            sys.exit(1)


if __name__ == "__main__":
    main()
