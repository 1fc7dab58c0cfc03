"""A whole huddle system for a test: a fresh database on the test cluster
(the ctest "pg" fixture), keys, the sample organization, and every service
as a real process on free ports. Standard library only.

    with System("e2e_tour") as s:
        s.start_all()
        status, body = s.api("POST", "/v1/content", as_="maya@example.org", body={...})
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

SERVICES = ["sandbox", "hub", "ingest", "policy", "workflow", "publisher", "metrics"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Failure(AssertionError):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


class System:
    def __init__(self, name, heartbeat_ms=500, own_cluster=False, seed="sample"):
        """own_cluster: a PostgreSQL of this system's own (which a fault test
        may restart) instead of a database on the shared test cluster.
        seed: "sample" loads the sample organization; "none" leaves the
        database empty, as a real organization's first start does."""
        self.seed = seed
        self.bin = os.environ["HUDDLE_BIN_DIR"]
        self.src = os.environ["HUDDLE_SOURCE_DIR"]
        self.tmp = tempfile.mkdtemp(prefix=f"huddle-{name}-")
        os.chmod(self.tmp, 0o755)
        self.pg_dir = None
        if own_cluster:
            self.pg_dir = os.path.join(self.tmp, "pg")
            base = subprocess.run(
                [os.path.join(self.src, "scripts", "pg.sh"), "start", self.pg_dir,
                 str(free_port())], check=True, capture_output=True, text=True,
                env=dict(os.environ, HUDDLE_PG_OPTIONS=os.environ.get(
                    "HUDDLE_FAULT_PG_OPTIONS", "-c synchronous_commit=on"))).stdout.strip()
        else:
            with open(os.path.join(os.environ["HUDDLE_TEST_PG_DIR"], "url")) as f:
                base = f.read().strip()
        self.cluster = base.rsplit("/", 1)[0]
        self.name = name
        self.db_url = f"{self.cluster}/{name}"
        self.procs = {}
        self.ports = {k: free_port() for k in
                      ["hub", "hub_http", "api", "ingest", "policy", "workflow",
                       "publisher", "metrics", "sandbox"]}
        p = self.ports
        self.env = dict(os.environ)
        self.env.update({
            "HUDDLE_DATABASE_URL": self.db_url,
            "HUDDLE_KEYS_DIR": os.path.join(self.tmp, "keys"),
            "HUDDLE_TOKENS_FILE": os.path.join(self.tmp, "tokens"),
            "HUDDLE_HUB_BIND": f"tcp://127.0.0.1:{p['hub']}",
            "HUDDLE_HUB_ENDPOINT": f"tcp://127.0.0.1:{p['hub']}",
            "HUDDLE_HUB_HTTP": f"127.0.0.1:{p['hub_http']}",
            "HUDDLE_API_ADDR": f"127.0.0.1:{p['api']}",
            "HUDDLE_INGEST_BIND": f"tcp://127.0.0.1:{p['ingest']}",
            "HUDDLE_POLICY_HTTP": f"127.0.0.1:{p['policy']}",
            "HUDDLE_WORKFLOW_HTTP": f"127.0.0.1:{p['workflow']}",
            "HUDDLE_PUBLISHER_HTTP": f"127.0.0.1:{p['publisher']}",
            "HUDDLE_METRICS_HTTP": f"127.0.0.1:{p['metrics']}",
            "HUDDLE_HEARTBEAT_MS": str(heartbeat_ms),
            "HUDDLE_API_URL": f"http://127.0.0.1:{p['api']}",
            "SANDBOX_ADDR": f"127.0.0.1:{p['sandbox']}",
            "SANDBOX_PUBLIC_URL": f"http://127.0.0.1:{p['sandbox']}",
            "SANDBOX_DATA": os.path.join(self.tmp, "sandbox", "statuses.jsonl"),
        })
        self.http_ports = {"hub": p["hub_http"], "ingest": p["api"], "policy": p["policy"],
                           "workflow": p["workflow"], "publisher": p["publisher"],
                           "metrics": p["metrics"], "sandbox": p["sandbox"]}

    # ---------- set-up ----------
    def __enter__(self):
        self.psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)', db="postgres")
        self.psql(f'CREATE DATABASE "{self.name}"', db="postgres")
        self.migrate(check=True)
        if self.seed == "sample":
            # The seed's crisis-team endpoint is the sandbox's sink: it moves with it.
            self.psql("UPDATE webhook_endpoint w SET url = 'http://127.0.0.1:"
                      f"{self.ports['sandbox']}/webhooks/crisis-team', version = w.version + 1, "
                      "updated_at = now() FROM channel c WHERE c.id = 'sandbox' AND "
                      "w.name = 'crisis-team' AND w.url = rtrim(c.base_url, '/') || "
                      "'/webhooks/crisis-team'")
            self.psql(f"UPDATE channel SET base_url = 'http://127.0.0.1:{self.ports['sandbox']}' "
                      "WHERE kind = 'mastodon'")
            # The sample's sandbox accounts: the seed's credentials are sealed
            # in the database; huddle-migrate hands them to the sandbox here.
            with open(self.env["HUDDLE_TOKENS_FILE"] + ".sandbox") as f:
                self.env["SANDBOX_ACCOUNTS"] = f.read().strip()
        return self

    def migrate(self, *args, check=False, **env_extra):
        """Runs huddle-migrate with extra arguments (e.g. "--admin", EMAIL)
        and environment; returns the CompletedProcess (stdout captured, stderr
        appended to the migrate log and kept in .stderr)."""
        env = dict(self.env, HUDDLE_SEED=self.seed,
                   HUDDLE_MIGRATIONS_DIR=os.path.join(self.src, "migrations"),
                   HUDDLE_SEED_DIR=os.path.join(self.src, "examples"),
                   **{k: str(v) for k, v in env_extra.items()})
        out = subprocess.run([os.path.join(self.bin, "huddle-migrate"), *args], env=env,
                             capture_output=True, text=True, timeout=120)
        with open(self.log_path("migrate"), "a") as f:
            f.write(out.stderr)
        if check and out.returncode != 0:
            raise Failure(f"huddle-migrate {' '.join(args)} -> {out.returncode}: {out.stderr}")
        return out

    def __exit__(self, *exc):
        for name in list(self.procs):
            self.kill(name, signal.SIGKILL)
        if self.pg_dir:
            subprocess.run([os.path.join(self.src, "scripts", "pg.sh"),
                            "stop" if exc[0] else "remove", self.pg_dir])
        if exc[0] is None:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            print(f"(logs kept in {self.tmp})")
            for name in SERVICES:
                path = self.log_path(name)
                if os.path.exists(path):
                    with open(path, errors="replace") as f:
                        tail = f.readlines()[-15:]
                    print(f"--- {name} log tail ---\n" + "".join(tail))
        return False

    def log_path(self, name):
        return os.path.join(self.tmp, f"{name}.log")

    def psql(self, sql, db=None):
        url = f"{self.cluster}/{db}" if db else self.db_url
        out = subprocess.run(["psql", url, "-Atq", "-v", "ON_ERROR_STOP=1", "-c", sql],
                             check=True, capture_output=True, text=True)
        return out.stdout.strip()

    # ---------- database roles (migrations/016_roles.sql) ----------
    def role_url(self, service):
        """The URL of this system's database as role huddle_<service>
        ("read": the API's read side), with the password huddle-migrate
        wrote for it (the test cluster trusts local connections: the role
        is what counts there)."""
        rest = self.cluster.split("://", 1)[1].split("@", 1)[-1]
        return f"postgresql://huddle_{service}@{rest}/{self.name}"

    def db_password(self, service):
        with open(os.path.join(self.env["HUDDLE_KEYS_DIR"], "db", f"{service}.password")) as f:
            return f.read().strip()

    def psql_as(self, service, sql):
        """Runs sql as huddle_<service>; returns (ok, stdout, stderr)."""
        out = subprocess.run(["psql", self.role_url(service), "-Atq", "-v", "ON_ERROR_STOP=1",
                              "-c", sql], capture_output=True, text=True,
                             env=dict(os.environ, PGPASSWORD=self.db_password(service)))
        return out.returncode == 0, out.stdout.strip(), out.stderr.strip()

    def db_users(self):
        """{usename: connections} of this database's other sessions."""
        rows = self.psql("SELECT usename, count(*) FROM pg_stat_activity "
                         f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid() "
                         "GROUP BY usename")
        return {u: int(n) for u, n in (r.split("|") for r in rows.splitlines() if r)}

    # ---------- processes ----------
    def start(self, name, **extra):
        env = dict(self.env, **{k: str(v) for k, v in extra.items()})
        self.procs[name] = subprocess.Popen([os.path.join(self.bin, f"huddle-{name}")], env=env,
                                            stderr=open(self.log_path(name), "ab"))

    def start_all(self):
        for name in SERVICES:
            self.start(name)
        for name in SERVICES:
            self.wait_healthy(name)

    def wait_healthy(self, name, timeout=30):
        deadline = time.time() + timeout
        url = f"http://127.0.0.1:{self.http_ports[name]}/healthz"
        while time.time() < deadline:
            proc = self.procs.get(name)
            check(proc is None or proc.poll() is None, f"{name} exited with {proc.poll()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.1)
        raise Failure(f"{name} not healthy within {timeout}s")

    def stop(self, name, limit=2.0):
        """SIGTERM; returns (exit code, seconds taken)."""
        proc = self.procs.pop(name)
        t0 = time.time()
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=max(limit * 5, 10))
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        return rc, time.time() - t0

    def restart_pg(self):
        """PostgreSQL crash-restart (pg_ctl restart -m immediate)."""
        subprocess.run([os.path.join(self.src, "scripts", "pg.sh"), "restart", self.pg_dir],
                       check=True)

    def kill(self, name, sig=signal.SIGKILL):
        proc = self.procs.pop(name)
        proc.send_signal(sig)
        proc.wait()

    # ---------- talking to it ----------
    def token(self, email):
        with open(self.env["HUDDLE_TOKENS_FILE"]) as f:
            found = None
            for line in f:
                who, tok = line.split()
                if who == email:
                    found = tok
        check(found, f"no token for {email}")
        return found

    def http(self, method, url, body=None, headers=None, raw=None, timeout=10):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        if data is not None and "Content-Type" not in (headers or {}):
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                text = r.read().decode()
                status = r.status
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            status = e.code
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, text

    def api(self, method, path, as_=None, body=None, headers=None, raw=None):
        h = dict(headers or {})
        if as_:
            h["Authorization"] = f"Bearer {self.token(as_)}"
        return self.http(method, f"http://127.0.0.1:{self.ports['api']}{path}", body, h, raw)

    def sandbox(self, path="/api/v1/statuses"):
        return self.http("GET", f"http://127.0.0.1:{self.ports['sandbox']}{path}")[1]

    def metrics(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.ports['metrics']}/metrics",
                                    timeout=5) as r:
            return r.read().decode()

    def cli(self, *args, check_rc=True):
        out = subprocess.run([os.path.join(self.bin, "huddle"), *args], env=self.env,
                             capture_output=True, text=True, timeout=60)
        if check_rc and out.returncode != 0:
            raise Failure(f"huddle {' '.join(args)} -> {out.returncode}: {out.stderr}")
        return out

    def item(self, cid, as_="olivia@example.org"):
        status, body = self.api("GET", f"/v1/content/{cid}", as_=as_)
        check(status == 200, f"GET item {cid}: {status} {body}")
        return body

    def wait_state(self, cid, states, timeout=30):
        states = [states] if isinstance(states, str) else states
        deadline = time.time() + timeout
        item = None
        while time.time() < deadline:
            item = self.item(cid)
            if item["state"] in states:
                return item
            time.sleep(0.1)
        raise Failure(f"item {cid} stayed {item and item['state']}, wanted {states}: {item}")

    def wait_for(self, what, fn, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = fn()
            if value:
                return value
            time.sleep(0.1)
        raise Failure(f"timed out waiting for {what}")
