"""End to end: the README tour against the real processes and a real
PostgreSQL, every step asserted, the negative ones included."""
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from huddle_system import SERVICES, System, check  # noqa: E402

MAYA, CARL, RITA, CORA, LENA, OLIVIA = (f"{n}@example.org" for n in
                                        ["maya", "carl", "rita", "cora", "lena", "olivia"])


def sandbox_texts(s):
    return [st["text"] for st in s.sandbox()]


def test_help(s):
    for name in SERVICES + ["migrate"]:
        out = subprocess.run([os.path.join(s.bin, f"huddle-{name}"), "--help"],
                             capture_output=True, text=True, timeout=10)
        check(out.returncode == 0, f"huddle-{name} --help exit {out.returncode}")
        check("HUDDLE_" in out.stdout or "SANDBOX_" in out.stdout,
              f"huddle-{name} --help lists no variables: {out.stdout!r}")


def test_happy_path(s):
    text = "Spring launch: meet our new app! e2e-happy"
    cid = s.cli("submit", "--as", MAYA, "--channel", "sandbox", text).stdout.strip()
    item = s.wait_state(cid, "awaiting_approval")
    check(item["verdict"] == "pass", f"verdict {item['verdict']}")
    # Four-eyes, wrong department: refused with a reason. Rita (a player of
    # another department, with no part in the item) is told nothing: 404.
    for who, why in [(MAYA, "author"), (CORA, "department")]:
        st, body = s.api("POST", f"/v1/content/{cid}/decisions", as_=who,
                         body={"decision": "approve"})
        check(st == 403, f"{who} approving: {st} {body}")
        check(body["error"]["message"], f"403 without a reason for {who}")
    st, body = s.api("POST", f"/v1/content/{cid}/decisions", as_=RITA,
                     body={"decision": "approve"})
    check(st == 404, f"{RITA} approving another department's item: {st} {body}")
    out = s.cli("approve", cid, "--as", MAYA, check_rc=False)
    check(out.returncode != 0 and "403" in out.stderr, f"CLI self-approval: {out.stderr}")
    check(text not in sandbox_texts(s), "published before approval")
    s.cli("approve", cid, "--as", CARL)
    item = s.wait_state(cid, "published")
    posts = [p for p in s.sandbox() if p["text"] == text]
    check(len(posts) == 1, f"expected exactly one post, got {len(posts)}")
    check(item["url"] == posts[0]["url"], f"recorded url {item['url']} != {posts[0]['url']}")
    check(item["post_id"] == posts[0]["id"], "recorded post id differs")
    types = [e["type"] for e in item["history"]]
    for t in ["content.submitted", "policy.evaluated", "approval.requested", "decision.recorded",
              "approval.recorded", "content.approved", "publish.succeeded"]:
        check(t in types, f"history lacks {t}: {types}")
    seqs = [e["seq"] for e in item["history"]]
    check(seqs == sorted(seqs) and len(set(seqs)) == len(seqs), f"history seqs {seqs}")
    human = s.cli("status", cid, "--as", CARL).stdout
    check("published" in human and "publish.succeeded" in human, f"status output: {human}")
    return cid


def test_blocked(s):
    text = "Guaranteed returns for everyone who buys today! e2e-blocked"
    cid = s.cli("submit", "--as", MAYA, "--channel", "sandbox", text).stdout.strip()
    item = s.wait_state(cid, "blocked")
    check(item["verdict"] == "block", f"verdict {item['verdict']}")
    f = [x for x in item["findings"] if x.get("action") == "block"]
    check(f, f"no blocking finding: {item['findings']}")
    span = text.encode()[f[0]["start"]:f[0]["end"]].decode()
    check(span.lower() == f[0]["matched"].lower(), f"span {span!r} vs matched {f[0]['matched']!r}")
    out = s.cli("status", cid, "--as", MAYA).stdout
    check("[[" in out and "]]" in out, f"status does not mark the span: {out}")
    st, _ = s.api("POST", f"/v1/content/{cid}/decisions", as_=CARL, body={"decision": "approve"})
    check(st == 409, f"approving a blocked item: {st}")
    time.sleep(1)
    check(text not in sandbox_texts(s), "a blocked post reached the sandbox")


def test_legal_review(s):
    text = "We are pleased the class action is behind us. e2e-legal"
    cid = s.cli("submit", "--as", MAYA, "--channel", "sandbox", text).stdout.strip()
    item = s.wait_state(cid, "awaiting_approval")
    check(item["verdict"] == "review", f"verdict {item['verdict']}")
    check("legal" in item["required_roles"], f"roles {item['required_roles']}")
    s.cli("approve", cid, "--as", CARL)
    s.wait_for("coach approval recorded", lambda: any(
        e["type"] == "approval.recorded" for e in s.item(cid)["history"]))
    time.sleep(1)
    check(s.item(cid)["state"] == "awaiting_approval", "approved without legal")
    check(text not in sandbox_texts(s), "published before legal approved")
    st, body = s.api("POST", f"/v1/content/{cid}/decisions", as_=CORA, body={"decision": "approve",
                                                                          "role": "legal"})
    check(st == 403, f"a coach deciding as legal: {st} {body}")
    s.cli("approve", cid, "--as", LENA)
    s.wait_state(cid, "published")
    check(sandbox_texts(s).count(text) == 1, "legal-reviewed post not published once")


def test_reject(s):
    text = "Draft: our summer plans. e2e-reject"
    cid = s.cli("submit", "--as", MAYA, "--channel", "sandbox", text).stdout.strip()
    s.wait_state(cid, "awaiting_approval")
    out = s.cli("reject", cid, "--as", CARL, check_rc=False)
    check(out.returncode == 2, "reject without --reason must be a usage error")
    s.cli("reject", cid, "--as", CARL, "--reason", "Not on brand")
    s.wait_state(cid, "rejected")
    # The state commits with content.rejected's outbox row; the history shows
    # the event once the hub has sequenced it, a poll later.
    s.wait_for("content.rejected in the history", lambda: any(
        e["type"] == "content.rejected" for e in s.item(cid)["history"]), timeout=10)
    time.sleep(1)
    check(text not in sandbox_texts(s), "a rejected post reached the sandbox")


def test_idempotency(s):
    body = {"channel": "sandbox", "text": "Idempotent hello e2e-idem"}
    h = {"Idempotency-Key": "e2e-key-1"}
    st1, a = s.api("POST", "/v1/content", as_=MAYA, body=body, headers=h)
    st2, b = s.api("POST", "/v1/content", as_=MAYA, body=body, headers=h)
    check(st1 == 201 and st2 == 200, f"statuses {st1} {st2}")
    check(a["id"] == b["id"], "retry gave a second item")
    st3, c = s.api("POST", "/v1/content", as_=MAYA, body=dict(body, text="other"), headers=h)
    check(st3 == 422 and c["error"]["field"] == "Idempotency-Key"
          and c["error"]["code"] == "idempotency_key_reused", f"key reuse: {st3} {c}")
    n = s.psql(f"SELECT count(*) FROM content WHERE idempotency_key = 'e2e-key-1'")
    check(n == "1", f"{n} items for one key")
    cli_a = s.cli("submit", "--as", MAYA, "--channel", "sandbox", "--key", "e2e-key-2",
                  "CLI retry e2e-idem2").stdout.strip()
    cli_b = s.cli("submit", "--as", MAYA, "--channel", "sandbox", "--key", "e2e-key-2",
                  "CLI retry e2e-idem2").stdout.strip()
    check(cli_a == cli_b, "CLI retry with the same key gave another id")


def test_inbound(s):
    st, body = s.api("POST", "/v1/inbound", as_="integration:sample-listener", body={
        "channel": "sandbox", "external_id": "m-e2e-1", "author": "@sam",
        "text": "My order arrived broken, I want a refund", "url": "http://x/1"})
    check(st == 201, f"inbound: {st} {body}")
    st2, again = s.api("POST", "/v1/inbound", as_="integration:sample-listener", body={
        "channel": "sandbox", "external_id": "m-e2e-1", "author": "@sam",
        "text": "My order arrived broken, I want a refund", "url": "http://x/1"})
    check(st2 == 200 and again["id"] == body["id"], "re-delivered mention not recognized")
    s.wait_for("mention routed", lambda: any(
        m["mention_id"] == body["id"] for m in s.api("GET", "/v1/inbox", as_=RITA)[1]["items"]))
    out = s.cli("inbox", "--as", RITA).stdout
    check("refund" in out and "customer-care" in out, f"inbox output: {out}")
    mk = s.api("GET", "/v1/inbox", as_=MAYA)[1]["items"]
    check(all(m["mention_id"] != body["id"] for m in mk), "mention leaked to marketing")


def test_listening_reply(s):
    """README's listening and reply lines, as written there."""
    data = urllib.parse.urlencode({"status": "@example_care my parcel arrived broken"}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{s.ports['sandbox']}/api/v1/statuses",
                                 data=data, headers={"Authorization": "Bearer sbx-public-sam"})
    with urllib.request.urlopen(req, timeout=10) as r:
        status = json.load(r)
    line = s.wait_for("the feed's mention in rita's list", lambda: next(
        (x for x in s.cli("inbox", "--as", RITA, "--mine").stdout.splitlines()
         if "parcel" in x), None), timeout=60)
    m = line.split()[0]
    check("assigned" in line, f"assigned to rita: {line}")
    shown = s.cli("inbox", "show", m, "--as", RITA).stdout
    check("sla" in shown and "due" in shown, f"inbox show: {shown}")
    r = s.cli("reply", m, "--as", RITA, "So sorry! A new one ships today.").stdout.strip()
    out = s.cli("reply", m, "--as", RITA, "Any news?", check_rc=False)
    check(out.returncode != 0 and "409" in out.stderr and RITA in out.stderr,
          f"a second reply while hers is pending: {out.stderr}")
    s.wait_state(r, "awaiting_approval")
    s.cli("approve", r, "--as", CORA)
    s.wait_state(r, "published")
    s.wait_for("the first response shown", lambda: (lambda o: o if "waiting" in o else None)(
        s.cli("inbox", "show", m, "--as", RITA).stdout))
    ext = json.loads(s.cli("inbox", "show", m, "--as", RITA, "--json").stdout)["external_id"]
    check(ext == status["id"], f"the mention is the sandbox status: {ext} {status['id']}")
    ctx = s.sandbox(f"/api/v1/statuses/{ext}/context")
    check(any(d["text"].endswith("— Rita Reyes, Customer Care") for d in ctx["descendants"]),
          f"the reply in the thread, signed: {ctx}")
    out = s.cli("inbox", "--as", "ivy@example.org", "--department", "triage").stdout
    check("MENTION" in out, f"ivy's triage list: {out}")
    print("ok   tour: listening, a reply in the thread, triage")


def test_bad_input(s):
    before = int(s.psql("SELECT count(*) FROM dead_letter WHERE source = 'ingest.http'"))
    st, b = s.api("POST", "/v1/content", as_=MAYA, raw=b"{not json", headers={})
    check(st == 400 and b["error"]["field"] == "body", f"malformed JSON: {st} {b}")
    st, b = s.api("POST", "/v1/content", as_=MAYA, body={"channel": "sandbox"})
    check(st == 422 and b["error"]["field"] == "text", f"missing text: {st} {b}")
    st, b = s.api("POST", "/v1/content", as_=MAYA, body={"channel": "nope", "text": "x"})
    check(st == 422 and b["error"]["field"] == "channel", f"unknown channel: {st} {b}")
    st, b = s.api("POST", "/v1/content", as_=MAYA, body={"channel": "sandbox", "text": 5})
    check(st == 422 and b["error"]["field"] == "text", f"text not a string: {st} {b}")
    st, b = s.api("POST", "/v1/content", as_=MAYA, body={"channel": "sandbox",
                                                       "text": "x" * 200000})
    check(st == 413, f"oversize body: {st}")
    st, b = s.api("POST", "/v1/content", body={"channel": "sandbox", "text": "hi"},
                  headers={"Authorization": "Bearer nope"})
    check(st == 401, f"bad token: {st}")
    after = int(s.psql("SELECT count(*) FROM dead_letter WHERE source = 'ingest.http'"))
    check(after - before >= 6, f"dead letters {before} -> {after}")
    raw = s.psql("SELECT convert_from(raw, 'UTF8') FROM dead_letter WHERE reason LIKE '%JSON%' "
                 "ORDER BY id DESC LIMIT 1")  # the request, whole: its body after the head
    raw = raw.replace("\r", "")
    check(raw.startswith("POST /v1/content HTTP/1.1") and raw.endswith("\n\n{not json"),
          f"dead letter kept {raw!r}")


def probe(s, endpoint_port, server, name, mode):
    pub = open(os.path.join(s.env["HUDDLE_KEYS_DIR"], f"{server}.key")).read()
    z85 = [l.split('"')[1] for l in pub.splitlines() if l.strip().startswith("public-key")][0]
    out = subprocess.run([os.path.join(s.bin, "huddle-probe"),
                          f"tcp://127.0.0.1:{endpoint_port}", z85, s.env["HUDDLE_KEYS_DIR"],
                          name, mode], capture_output=True, text=True, timeout=30,
                         env=dict(s.env, AUTHOR=MAYA, CHANNEL="sandbox", KEY="zmq-1",
                                  TEXT="From another system e2e-zmq"))
    return out.returncode, out.stdout.strip()


def test_curve(s):
    rc, out = probe(s, s.ports["hub"], "hub", "fresh", "hello")
    check(rc == 3, f"hub answered an unknown key: {rc} {out}")
    rc, out = probe(s, s.ports["hub"], "hub", "cli", "hello")
    check(rc == 0, f"hub refused an authorized key: {rc} {out}")
    rc, out = probe(s, s.ports["ingest"], "ingest", "fresh", "ingest-ping")
    check(rc == 3, f"ingest answered an unknown key: {rc} {out}")
    rc, out = probe(s, s.ports["hub"], "hub", "cli", "garbage-hub")
    check(rc == 0 and out.startswith("error 400"), f"hub on garbage: {rc} {out}")
    rc, out = probe(s, s.ports["ingest"], "ingest", "cli", "garbage-ingest")
    check(rc == 0 and out.startswith("status 400"), f"ingest on garbage: {rc} {out}")
    rc, out = probe(s, s.ports["ingest"], "ingest", "cli", "submit")
    check(rc == 0 and out.startswith("status 201"), f"ingest submit over ZeroMQ: {out}")
    cid = out.split()[2]
    s.wait_state(cid, "awaiting_approval")
    rc, again = probe(s, s.ports["ingest"], "ingest", "cli", "submit")
    check(again.startswith("status 200") and again.split()[2] == cid, f"zmq retry: {again}")
    n = s.psql("SELECT count(*) FROM dead_letter WHERE source IN ('hub', 'ingest.zmq')")
    check(int(n) >= 2, f"undecodable frames not kept: {n}")


def test_metrics(s, published_id):
    text = s.metrics()
    check('huddle_events_total{type="content.submitted",department="marketing"}' in text,
          "events by type and department missing")
    check("huddle_items_published_total" in text, "published counter missing")
    check("huddle_approval_latency_seconds_bucket" in text, "approval latency histogram missing")
    published = int(s.psql("SELECT count(*) FROM publish_job WHERE state = 'done'"))
    total = sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines()
                if l.startswith("huddle_items_published_total{"))
    check(total == published, f"metrics published {total} != store {published}")


def test_shutdown(s):
    for name in list(s.procs):
        rc, took = s.stop(name)
        check(rc == 0, f"{name} exited {rc} on SIGTERM (leak or crash? see its log)")
        check(took < 2.0, f"{name} took {took:.2f}s to stop")


def main():
    with System("e2e_tour") as s:
        test_help(s)
        s.env["SANDBOX_ACCOUNTS"] += ",sam:sbx-public-sam"
        s.psql("UPDATE feed SET interval_s = 1 WHERE id = 'care-mentions'")
        s.start_all()
        published = test_happy_path(s)
        test_blocked(s)
        test_legal_review(s)
        test_reject(s)
        test_idempotency(s)
        test_inbound(s)
        test_listening_reply(s)
        test_bad_input(s)
        test_curve(s)
        test_metrics(s, published)
        test_shutdown(s)
    print("ok   e2e tour")


if __name__ == "__main__":
    main()
