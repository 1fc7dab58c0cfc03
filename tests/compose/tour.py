"""compose-test's checks, against a compose project that scripts/compose-test.sh
has built and started: every container healthy, the tour over the published
ports (submit -> approve -> on the sandbox channel; an inbound mention routed),
then faults in the middle of a flow (a service killed, then the hub killed)
and a crashed process brought back by its restart policy. Standard library
only; the engine is asked through its API (DOCKER_HOST), compose through the
command given in HCT_COMPOSE, so it works with Docker or podman, with
`docker compose` or `docker-compose`.

Environment: HCT_COMPOSE (JSON list: the compose command with -p/-f/--env-file),
HCT_PROJECT, HCT_API, HCT_METRICS, HCT_SANDBOX (base URLs on the host)."""
import http.client
import json
import os
import random
import socket
import string
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

SERVICES = ["postgres", "hub", "ingest", "policy", "workflow", "publisher", "metrics", "sandbox"]
MAYA, CARL, RITA, OLIVIA = (f"{n}@example.org" for n in ["maya", "carl", "rita", "olivia"])
COMPOSE = json.loads(os.environ["HCT_COMPOSE"])
PROJECT = os.environ["HCT_PROJECT"]
API, METRICS, SANDBOX = (os.environ[k] for k in ["HCT_API", "HCT_METRICS", "HCT_SANDBOX"])
T0 = time.time()
# Marks this run's texts; letters only, as a long number reads as a phone number
# to the starter policy.
RUN = "".join(random.choice(string.ascii_lowercase) for _ in range(8))


class Failure(AssertionError):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def say(msg):
    print(f"[{time.time() - T0:6.1f}s] {msg}", flush=True)


# ---------- the engine (Docker Engine API, which podman serves too) ----------
class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(self.path)


def engine(path):
    host = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    u = urllib.parse.urlparse(host)
    conn = _UnixConnection(u.path) if u.scheme == "unix" else \
        http.client.HTTPConnection(u.hostname, u.port or 2375, timeout=30)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        check(r.status == 200, f"engine GET {path}: {r.status} {body[:200]!r}")
        return json.loads(body)
    finally:
        conn.close()


def container(service):
    """The engine's view of a service's (non one-off) container."""
    labels = [f"com.docker.compose.project={PROJECT}", f"com.docker.compose.service={service}",
              "com.docker.compose.oneoff=False"]
    q = urllib.parse.quote(json.dumps({"label": labels}))
    found = engine(f"/containers/json?all=1&filters={q}")
    check(len(found) == 1, f"{len(found)} containers for service {service}")
    return engine(f"/containers/{found[0]['Id']}/json")


def health(c):
    return ((c.get("State") or {}).get("Health") or {}).get("Status")


def wait_healthy(services, timeout=240):
    deadline = time.time() + timeout
    pending = list(services)
    while pending and time.time() < deadline:
        for s in list(pending):
            c = container(s)
            check(c["State"]["Status"] != "exited" or c["HostConfig"]["RestartPolicy"]["Name"]
                  not in ("", "no"), f"{s} exited ({c['State']['ExitCode']}); see its logs")
            if health(c) == "healthy":
                pending.remove(s)
        if pending:
            time.sleep(1)
    check(not pending, f"not healthy within {timeout}s: {pending}")


def compose(*args, timeout=300):
    out = subprocess.run(COMPOSE + list(args), capture_output=True, text=True, timeout=timeout)
    check(out.returncode == 0, f"compose {' '.join(args)} -> {out.returncode}: {out.stderr[-800:]}")
    return out.stdout


def is_running(service):
    return container(service)["State"]["Status"] == "running"


def stopped(service, timeout=10):
    """True once the service's container is no longer running (kill returns
    when the signal is sent, not when the process is gone)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not is_running(service):
            return True
        time.sleep(0.2)
    return False


# ---------- HTTP ----------
def http(method, url, body=None, token=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    try:
        return status, json.loads(text) if text else None
    except ValueError:
        return status, text


def wait_for(what, fn, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            value = fn()
        except (urllib.error.URLError, ConnectionError, OSError):
            value = None     # a service on its way back
        if value:
            return value
        time.sleep(0.5)
    raise Failure(f"timed out after {timeout}s waiting for {what}")


class Org:
    """The sample organization's people, by their API tokens."""

    def __init__(self):
        # The tokens file lives in the admin volume, which only the one-shot
        # steps mount: read it the way an operator would.
        text = compose("run", "--rm", "--no-deps", "-T", "--entrypoint", "cat", "cli",
                       "/var/lib/huddle/admin/tokens")
        self.tokens = dict(line.split() for line in text.splitlines() if line.strip())
        for who in [MAYA, CARL, RITA, OLIVIA]:
            check(who in self.tokens, f"no token for {who} in the tokens file")

    def api(self, method, path, who, body=None):
        return http(method, API + path, body, self.tokens[who])

    def submit(self, text):
        st, body = self.api("POST", "/v1/content", MAYA, {"channel": "sandbox", "text": text})
        check(st == 201 and body and body.get("id"), f"submit: {st} {body}")
        return body["id"]

    def state(self, cid):
        st, body = self.api("GET", f"/v1/content/{cid}", OLIVIA)
        return body if st == 200 else None

    def wait_state(self, cid, states, timeout=90):
        states = [states] if isinstance(states, str) else states
        last = {}

        def reached():
            item = self.state(cid)
            if item:
                last["item"] = item
            return item if item and item["state"] in states else None
        try:
            return wait_for(f"{cid} to be {states}", reached, timeout)
        except Failure:
            raise Failure(f"item {cid} stayed {last.get('item', {}).get('state')}, wanted "
                          f"{states}: {last.get('item')}")

    def approve(self, cid):
        st, body = self.api("POST", f"/v1/content/{cid}/decisions", CARL, {"decision": "approve"})
        check(st == 202, f"approve {cid}: {st} {body}")


def sandbox_posts(text):
    st, body = http("GET", SANDBOX + "/api/v1/statuses")
    check(st == 200 and isinstance(body, list), f"sandbox statuses: {st} {body}")
    return [p for p in body if p.get("text") == text]


# ---------- the checks ----------
def test_containers():
    wait_healthy(SERVICES)
    m = container("migrate")
    check(m["State"]["Status"] == "exited" and m["State"]["ExitCode"] == 0,
          f"migrate: {m['State']['Status']} exit {m['State']['ExitCode']}")
    uid = compose("exec", "-T", "hub", "id", "-u").strip()
    check(uid not in ("", "0"), f"the hub runs as uid {uid!r}")
    for s in SERVICES:
        c = container(s)
        check(c["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped",
              f"{s}: restart policy {c['HostConfig']['RestartPolicy']}")
        published = [k for k, v in (c["NetworkSettings"]["Ports"] or {}).items() if v]
        want = {"ingest": ["8080/tcp"], "metrics": ["9100/tcp"], "sandbox": ["7700/tcp"]}
        check(sorted(published) == want.get(s, []), f"{s} publishes {published}")
    say(f"all {len(SERVICES)} containers healthy, migrate exited 0, services run as uid {uid}")


def test_tour(org):
    text = f"Spring launch: meet our new app! compose {RUN}"
    cid = org.submit(text)
    item = org.wait_state(cid, "awaiting_approval")
    check(item.get("verdict") == "pass", f"verdict {item.get('verdict')}")
    check(not sandbox_posts(text), "published before approval")
    org.approve(cid)
    item = org.wait_state(cid, "published")
    posts = sandbox_posts(text)
    check(len(posts) == 1, f"{len(posts)} posts on the sandbox, expected 1")
    check(item.get("url") == posts[0]["url"], f"url {item.get('url')} != {posts[0]['url']}")
    say(f"tour: submitted, approved and published once at {item['url']}")

    mention = {"channel": "sandbox", "external_id": f"m-{RUN}", "author": "@sam",
               "text": "My order arrived broken, refund please"}
    # only an integration's token posts mentions: the sample's listening feed
    st, body = org.api("POST", "/v1/inbound", "integration:sample-listener", mention)
    check(st == 201 and body.get("id"), f"inbound: {st} {body}")
    mid = body["id"]
    wait_for("the mention in customer care's inbox", lambda: any(
        m.get("mention_id") == mid for m in org.api("GET", "/v1/inbox", RITA)[1]["items"]))
    mk = org.api("GET", "/v1/inbox", MAYA)[1]["items"]
    check(all(m.get("mention_id") != mid for m in mk), "the mention leaked to marketing")
    say("tour: inbound mention routed to customer care")

    def published_figure():
        with urllib.request.urlopen(METRICS + "/metrics", timeout=5) as r:
            lines = r.read().decode().splitlines()
        return sum(float(l.rsplit(" ", 1)[1]) for l in lines
                   if l.startswith("huddle_items_published_total{")) >= 1
    wait_for("metrics counting the published post", published_figure, 30)
    say("metrics: huddle_items_published_total counts it")


def test_faults(org):
    """A service killed, then the hub killed, in the middle of one flow; and
    input accepted while the hub is down. Everything completes once back."""
    text = f"Flow through faults compose {RUN}"
    cid = org.submit(text)
    org.wait_state(cid, "awaiting_approval")

    compose("kill", "publisher")
    publisher_down = stopped("publisher")
    org.approve(cid)
    org.wait_state(cid, ["approved", "published"])
    say(f"publisher killed (down: {publisher_down}); approved while it was away")

    compose("kill", "hub")
    check(stopped("hub"), "the hub is still running after kill")
    late = f"Submitted while the hub is down compose {RUN}"
    late_id = org.submit(late)      # ingest commits and acknowledges without the hub
    compose("start", "publisher")
    wait_healthy(["publisher"], 90)
    if publisher_down:
        time.sleep(2)
        check(not sandbox_posts(text), "published while the hub was down")
        late_item = org.state(late_id)
        check(late_item["state"] in ("submitted", "evaluating") and not late_item["history"],
              f"progress without the hub: {late_item}")
    say("hub killed; publisher back; a new item accepted; nothing moved without the hub")

    compose("start", "hub")
    wait_healthy(["hub"], 90)
    org.wait_state(cid, "published", 120)
    check(len(sandbox_posts(text)) == 1, "the interrupted flow did not publish exactly once")
    org.wait_state(late_id, "awaiting_approval", 120)
    org.approve(late_id)
    org.wait_state(late_id, "published", 120)
    check(len(sandbox_posts(late)) == 1, "the late item did not publish exactly once")
    say("hub back: the interrupted flow published once, the late item went all the way")


def test_spoke_key():
    """README: a department spoke's key, created with the CLI into the keys
    volume, authorized for its department, readable for handing over."""
    out = compose("run", "--rm", "--no-deps", "-T", "cli", "keygen", "marketing-spoke",
                  "--department", "marketing")
    check("marketing-spoke public key" in out, f"keygen said {out!r}")
    listing = compose("run", "--rm", "--no-deps", "-T", "--entrypoint", "ls", "cli",
                      "/var/lib/huddle/keys/authorized")
    check("marketing-spoke.key" in listing.split(), f"not authorized: {listing!r}")
    secret = compose("run", "--rm", "--no-deps", "-T", "--entrypoint", "cat", "cli",
                     "/var/lib/huddle/keys/marketing-spoke.key_secret")
    check("secret-key" in secret, "the spoke's secret key cannot be read out")
    say("a spoke key created, authorized and read out with the cli service")


def test_restart_policy():
    """A process that dies is brought back by its restart policy alone."""
    before = container("workflow")["RestartCount"]
    # The exec's own answer may be lost: its container stops under it (podman
    # then says "no such exec session"). The restart is what is checked.
    out = subprocess.run(COMPOSE + ["exec", "-T", "workflow", "sh", "-c", "kill -TERM 1"],
                         capture_output=True, text=True, timeout=60)
    wait_for(f"workflow restarted (the kill's exec said {out.returncode}: "
             f"{out.stderr.strip()[-300:]!r})",
             lambda: container("workflow")["RestartCount"] > before, 60)
    wait_healthy(["workflow"], 90)
    say("workflow exited on its own and its restart policy brought it back")


def main():
    try:
        test_containers()
        org = Org()
        test_tour(org)
        test_faults(org)
        test_spoke_key()
        test_restart_policy()
        wait_healthy(SERVICES, 90)
    except Failure as e:
        print(f"FAIL compose-test: {e}", flush=True)
        return 1
    say("ok   compose-test")
    return 0


if __name__ == "__main__":
    sys.exit(main())
