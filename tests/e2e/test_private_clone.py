#!/usr/bin/env python3
"""End to end: the first start of a newcomer who works as root in a clone
under a folder only root may enter (a clone in /root, mode 0700 on Debian).
PostgreSQL runs as the unprivileged user `huddle`, which cannot enter such a
folder; scripts/pg.sh keeps the cluster where it can (/var/lib/huddle) and
hands it only real paths. This test makes a folder of mode 0700, clones the
committed HEAD of HUDDLE_SOURCE_DIR into it and proves, from the clone:
  - scripts/pg.sh start / stop / start again (the data kept) / restart /
    remove of a cluster under <clone>/.huddle/pg (what `make up` does);
  - tests/pg_fixture.sh start / stop under <clone>/build/asan/test-pg (what
    `make test` does), and on that cluster a whole system (migrations and
    seed from the clone, every service, its files inside the private folder)
    takes a post through policy to a coach's queue;
  - a system with a cluster of its own inside the private folder (the fault
    tests' kind), crash-restarted.
It reuses the built binaries of HUDDLE_BIN_DIR (the clone is not built).
Not as root the scenario cannot exist (the cluster belongs to the caller,
who may enter their own folders): it says so and passes."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from huddle_system import System, check, free_port  # noqa: E402

PG_USER = "huddle"
MAYA, CARL = "maya@example.org", "carl@example.org"


def run(*args, **kw):
    out = subprocess.run(list(args), capture_output=True, text=True, timeout=120, **kw)
    check(out.returncode == 0, f"{' '.join(args)} -> {out.returncode}\n{out.stdout}{out.stderr}")
    return out.stdout.strip()


def owner_can_enter(path):
    return subprocess.run(["runuser", "-u", PG_USER, "--", "test", "-x", path],
                          cwd="/").returncode == 0


def psql(url, sql):
    return run("psql", url, "-Atq", "-v", "ON_ERROR_STOP=1", "-c", sql)


def test_make_up_cluster(clone):
    """`make up`'s cluster: <clone>/.huddle/pg, kept across starts."""
    pg = os.path.join(clone, "scripts", "pg.sh")
    state = os.path.join(clone, ".huddle", "pg")
    port = str(free_port())
    try:
        url = run(pg, "start", state, port, cwd=clone)
        check(url.endswith(f":{port}/huddle"), f"pg.sh start printed {url!r}")
        psql(url, "CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)")
        run(pg, "stop", state, cwd=clone)
        # again, from the clone with a relative path, as up.sh's user would
        check(run(pg, "start", ".huddle/pg", port, cwd=clone) == url, "second start's URL")
        check(psql(url, "SELECT x FROM kept") == "42", "the data did not survive a restart")
        run(pg, "restart", state, cwd=clone)
        check(psql(url, "SELECT x FROM kept") == "42", "the data did not survive a crash")
        check(run(pg, "url", state) == url, "pg.sh url")
        real = os.path.realpath(state)
        check(owner_can_enter(os.path.join(real, "data")), f"{PG_USER} cannot reach {real}")
    finally:
        subprocess.run([pg, "remove", state], cwd="/")
    check(not os.path.lexists(state), f"pg.sh remove left {state}")
    check(not os.path.exists(real), f"pg.sh remove left {real}")
    print("ok: make up's cluster under the private clone")


def test_make_test_fixture(base, clone, bin_dir):
    """`make test`'s fixture cluster, and a system on it."""
    fixture = os.path.join(clone, "tests", "pg_fixture.sh")
    pg_dir = os.path.join(clone, "build", "asan", "test-pg")
    os.makedirs(os.path.dirname(pg_dir))
    real = None
    try:
        run(fixture, "start", pg_dir, cwd=os.path.dirname(pg_dir))
        real = os.path.realpath(pg_dir)
        os.environ.update(HUDDLE_TEST_PG_DIR=pg_dir, HUDDLE_SOURCE_DIR=clone,
                          HUDDLE_BIN_DIR=bin_dir)
        with System("e2e_private_clone") as s:
            check(s.tmp.startswith(base), f"the system's files are not private: {s.tmp}")
            s.start_all()
            st, me = s.api("GET", "/v1/me", as_=MAYA)
            check(st == 200 and me["email"] == MAYA, f"/v1/me: {st} {me}")
            st, body = s.api("POST", "/v1/content", as_=MAYA,
                             body={"channel": "sandbox", "text": "Private clone e2e: hello"})
            check(st == 201, f"submit: {st} {body}")
            s.wait_state(body["id"], "awaiting_approval")
            st, q = s.api("GET", "/v1/queue", as_=CARL)
            check(st == 200 and body["id"] in [i["id"] for i in q["items"]],
                  f"coach's queue: {st} {q}")
    finally:
        subprocess.run([fixture, "stop", pg_dir], cwd="/")
    check(not os.path.lexists(pg_dir), f"pg_fixture.sh stop left {pg_dir}")
    check(real is None or not os.path.exists(real), f"pg_fixture.sh stop left {real}")
    print("ok: make test's fixture cluster and a system on it")


def test_own_cluster(base):
    """A system with its own cluster (the fault tests), in the private folder."""
    with System("e2e_private_own", own_cluster=True) as s:
        check(s.pg_dir.startswith(base), f"cluster not in the private folder: {s.pg_dir}")
        s.psql("CREATE TABLE kept (x int)")
        s.restart_pg()
        check(s.psql("SELECT count(*) FROM kept") == "0", "after the crash restart")
        real = os.path.realpath(s.pg_dir)
    check(not os.path.exists(real), f"the system left its cluster in {real}")
    print("ok: a system's own cluster under the private clone")


def main():
    if os.geteuid() != 0:
        print("skipped: not root. PostgreSQL runs as the caller, who may enter their own "
              "folders; the unprivileged cluster owner exists only when run as root.")
        return 0
    src = os.environ["HUDDLE_SOURCE_DIR"]
    bin_dir = os.path.realpath(os.environ["HUDDLE_BIN_DIR"])
    base = tempfile.mkdtemp(prefix="huddle-private-")
    os.chmod(base, 0o700)
    try:
        clone = os.path.join(base, "huddle")
        run("git", "clone", "-q", "--no-hardlinks", src, clone)
        head = run("git", "-C", src, "rev-parse", "HEAD")
        check(run("git", "-C", clone, "rev-parse", "HEAD") == head, "the clone is not HEAD")
        # Temporary folders of the systems below: inside the private folder too.
        tempfile.tempdir = os.path.join(base, "tmp")
        os.mkdir(tempfile.tempdir)
        test_make_up_cluster(clone)
        check(not owner_can_enter(clone), f"{PG_USER} can enter {clone}: the scenario is not real")
        test_make_test_fixture(base, clone, bin_dir)
        test_own_cluster(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
