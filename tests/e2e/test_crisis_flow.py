"""End to end: a crisis as the issue asks for it, on the real processes.

- Posts of two departments fall due every 100 ms; a crisis scoped to one of
  them is declared in the middle: not one post in its scope is stored on
  the sandbox with a created_at after the declaration's declared_at, and
  the other department's posts keep flowing.
- Resume applies each rule: an item whose slot passed during the hold
  expires (exit late_items: expire), one whose slot is still ahead is
  published at it (held_items: publish); with another playbook a late item
  goes back to approval (late_items: reapprove) and is published once it is
  approved again.
- A recall deletes exactly the posts published in its window.
- Notifications reach a webhook receiver signed as the Standard Webhooks
  spec says, and verify with the endpoint's secret.
- A drill holds nothing and its notification says drill.
"""
import base64
import hashlib
import hmac
import http.server
import json
import os
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(__file__))
from huddle_system import System, check, free_port  # noqa: E402

MAYA, CARL, RITA, CORA, OLIVIA = (f"{n}@example.org" for n in
                                  ["maya", "carl", "rita", "cora", "olivia"])

PLAYBOOK = """playbook: {name}
description: e2e {name}
severity: high
terms: [e2e-{name}]
scope:
  departments: [marketing]
actions:
  hold: {hold}
  recall_minutes: {recall}
  notify: [e2e-receiver]
team:
  roles: [orchestrator]
exit:
  resume_roles: [orchestrator]
  held_items: publish
  late_items: {late}
"""


class Receiver:
    """A webhook endpoint on 127.0.0.1 that keeps every request."""

    def __init__(self):
        self.got = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                owner.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()

    def events(self, secret):
        """The payloads whose signature verifies, in arrival order."""
        key = base64.b64decode(secret.split("_", 1)[1])
        out = []
        for headers, body in list(self.got):
            signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
            mac = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
            sigs = [s.split(",", 1)[1] for s in headers["webhook-signature"].split()]
            check(mac in sigs, f"a notification's signature does not verify: {headers}")
            out.append(json.loads(body))
        return out


def iso(t):
    return t.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse(ts):
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def apply_playbook(s, name, hold="true", recall=0, late="expire"):
    text = PLAYBOOK.format(name=name, hold=hold, recall=recall, late=late)
    st, body = s.api("PUT", f"/v1/playbooks/{name}", as_=OLIVIA, raw=text.encode(),
                     headers={"Content-Type": "application/yaml"})
    check(st in (200, 201), f"apply playbook {name}: {st} {body}")


def submit(s, who, text, at=None):
    body = {"channel": "sandbox", "text": text}
    if at:
        body["scheduled_at"] = iso(at)
    st, out = s.api("POST", "/v1/content", as_=who, body=body)
    check(st == 201, f"submit {text}: {st} {out}")
    return out["id"]


def approve(s, cid, who):
    s.wait_state(cid, "awaiting_approval")
    st, body = s.api("POST", f"/v1/content/{cid}/decisions", as_=who,
                     body={"decision": "approve"})
    check(st in (200, 201, 202), f"approve {cid} as {who}: {st} {body}")


def declare(s, playbook, drill=False):
    path = "/v1/crises/drills" if drill else "/v1/crises"
    st, body = s.api("POST", path, as_=OLIVIA,
                     body={"playbook": playbook, "reason": f"e2e {playbook}"})
    check(st == 201, f"declare {playbook}: {st} {body}")
    st, crisis = s.api("GET", f"/v1/crises/{body['id']}", as_=OLIVIA)
    check(st == 200, f"GET crisis: {st} {crisis}")
    return crisis


def resume(s, crisis_id):
    st, body = s.api("POST", f"/v1/crises/{crisis_id}/resume", as_=OLIVIA,
                     body={"reason": "e2e: over"})
    check(st == 200, f"resume: {st} {body}")


def posts(s):
    return {p["text"]: p for p in s.sandbox()}


def test_hold_and_resume(s):
    apply_playbook(s, "e2e-hold")
    start = datetime.now(timezone.utc) + timedelta(seconds=6)
    mk, care = {}, {}
    for k in range(60):
        at = start + timedelta(milliseconds=100 * k)
        mk[submit(s, MAYA, f"e2e-hold marketing {k}", at)] = f"e2e-hold marketing {k}"
        care[submit(s, RITA, f"e2e-hold care {k}", at)] = f"e2e-hold care {k}"
    # two marketing items whose slot lies after the resume: published at it
    later = datetime.now(timezone.utc) + timedelta(seconds=40)
    ahead = {submit(s, MAYA, f"e2e-hold ahead {k}", later + timedelta(seconds=k)): k
             for k in range(2)}
    for cid in list(mk) + list(ahead):
        approve(s, cid, CARL)
    for cid in care:
        approve(s, cid, CORA)
    s.wait_for("posts flowing", lambda: sum(t.startswith("e2e-hold marketing")
                                           for t in posts(s)) >= 5, timeout=60)
    crisis = declare(s, "e2e-hold")
    declared = parse(crisis["declared_at"])
    time.sleep(max(0.0, (start + timedelta(seconds=7) - datetime.now(timezone.utc))
                   .total_seconds()))
    got = posts(s)
    late = [t for t, p in got.items() if t.startswith("e2e-hold marketing")
            and parse(p["created_at"]) > declared]
    check(not late, f"posts in scope published after the declaration: {late}")
    after = [t for t, p in got.items() if t.startswith("e2e-hold care")
             and parse(p["created_at"]) > declared]
    check(after, "out of scope posts stopped flowing during the crisis")
    held = [cid for cid, t in mk.items() if t not in got]
    check(held, "nothing was held: the declaration came too late to test anything")
    for cid in held[:5] + list(ahead):
        item = s.wait_state(cid, "held", timeout=30)
        check(item.get("crisis", {}).get("id") == crisis["id"],
              f"held item without the crisis banner: {item}")
    resume(s, crisis["id"])
    for cid in held:
        s.wait_state(cid, "expired", timeout=30)
    for cid in ahead:
        s.wait_state(cid, "published", timeout=60)
    time.sleep(1)
    got = posts(s)
    for cid in held:
        check(mk[cid] not in got, f"an expired item reached the sandbox: {mk[cid]}")
    for cid in care:
        s.wait_state(cid, "published", timeout=30)
    return crisis


def test_reapprove(s):
    apply_playbook(s, "e2e-again", late="reapprove")
    at = datetime.now(timezone.utc) + timedelta(seconds=4)
    cid = submit(s, MAYA, "e2e-again: late during the hold", at)
    crisis = declare(s, "e2e-again")
    approve(s, cid, CARL)
    s.wait_state(cid, "held", timeout=30)
    time.sleep(max(0.0, (at - datetime.now(timezone.utc)).total_seconds()) + 0.5)
    resume(s, crisis["id"])
    s.wait_state(cid, "awaiting_approval", timeout=30)
    check("e2e-again: late during the hold" not in posts(s), "published before re-approval")
    approve(s, cid, CARL)
    s.wait_state(cid, "published", timeout=30)
    texts = [p["text"] for p in s.sandbox()]
    check(texts.count("e2e-again: late during the hold") == 1, "not published exactly once")


def test_recall(s):
    apply_playbook(s, "e2e-recall", hold="false", recall=5)
    fresh, old, care = (submit(s, MAYA, "e2e-recall fresh"), submit(s, MAYA, "e2e-recall old"),
                        submit(s, RITA, "e2e-recall care"))
    for cid, who in [(fresh, CARL), (old, CARL), (care, CORA)]:
        approve(s, cid, who)
    for cid in (fresh, old, care):
        s.wait_state(cid, "published", timeout=30)
    # the old post was published an hour ago, as far as the window goes
    s.psql(f"UPDATE publish_job SET published_at = now() - interval '1 hour' "
           f"WHERE content_id = '{old}'")
    crisis = declare(s, "e2e-recall")
    s.wait_state(fresh, "recalled", timeout=30)
    got = posts(s)
    check("e2e-recall fresh" not in got, "the recalled post is still on the sandbox")
    check("e2e-recall old" in got and "e2e-recall care" in got,
          "a post outside the recall's window or scope was deleted")
    for cid in (old, care):
        check(s.item(cid)["state"] == "published", f"{cid} changed state")
    resume(s, crisis["id"])


def test_drill(s):
    apply_playbook(s, "e2e-drill")
    crisis = declare(s, "e2e-drill", drill=True)
    check(crisis["state"] == "drill", f"a drill's state: {crisis}")
    cid = submit(s, MAYA, "e2e-drill: business as usual")
    approve(s, cid, CARL)
    item = s.wait_state(cid, "published", timeout=30)
    check("crisis" not in item, f"a drill put a banner on an item: {item}")
    resume(s, crisis["id"])
    return crisis


def test_notifications(s, receiver, secret, crises, drill):
    def seen():
        return [e for e in receiver.events(secret)
                if e["data"].get("crisis_id") in crises]
    want = {(t, cid) for cid in crises for t in ("crisis.declared", "crisis.resumed")}

    def arrived():
        return want <= {(e["type"], e["data"]["crisis_id"]) for e in seen()}
    s.wait_for("a signed crisis.declared and crisis.resumed for each crisis", arrived,
               timeout=60)
    drills = [e for e in seen() if e["data"]["crisis_id"] == drill]
    check(drills and all(e["data"]["drill"] for e in drills), f"drill not marked: {drills}")


def main():
    receiver = Receiver()
    try:
        with System("e2e_crisis_flow") as s:
            s.start_all()
            st, body = s.api("PUT", "/v1/admin/webhooks/e2e-receiver", as_=OLIVIA,
                             body={"url": f"http://127.0.0.1:{receiver.port}/hook"})
            check(st == 201 and body["secret"].startswith("whsec_"), f"endpoint: {st} {body}")
            secret = body["secret"]
            hold = test_hold_and_resume(s)
            print("ok: hold, out of scope flowing, resume rules publish and expire")
            test_reapprove(s)
            print("ok: a late held item goes back to approval")
            test_recall(s)
            print("ok: recall deletes exactly its window")
            drill = test_drill(s)
            print("ok: a drill holds nothing")
            test_notifications(s, receiver, secret, [hold["id"], drill["id"]], drill["id"])
            print("ok: notifications signed and verifiable")
    finally:
        receiver.close()


if __name__ == "__main__":
    main()
