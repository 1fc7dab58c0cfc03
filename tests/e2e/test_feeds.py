#!/usr/bin/env python3
"""End to end: the listening feeds (docs/feeds.md) against the sandbox's
Mastodon routes and a misbehaving server of this test's own.

- The sample's feeds are there: care-mentions (the notifications of
  customer care's account, read with its sealed credential) and
  tag-example (the public #example timeline).
- A member of the public posts to the sandbox mentioning the care account
  with #example: the mentions feed pulls it (author, text, url, posted
  time, feed), it is routed to customer care's inbox, and the tag feed
  pulling the same status makes no second mention. Polled again, nothing
  is recorded twice; a newer status is.
- A Mastodon server that answers 500, then garbage, then a good page: the
  feed counts its failures, backs off, keeps what came back as dead
  letters, keeps its cursor, and the good page is recorded from where the
  cursor stood, once.
- The administration API: every refusal names its field; a player may not
  administer feeds; every change is an org.feed.* event; the answer shows
  lag_s and item_delay_s; ingest's /metrics has the feeds' figures; the
  CLI lists, adds, updates, polls and deletes.

Needs the sandbox's GET /api/v1/notifications and /api/v1/timelines/tag
(issue 16, part B): without them it fails at once saying so."""
import http.server
import json
import os
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from huddle_system import System, check  # noqa: E402

OLIVIA, MAYA, RITA = (f"{n}@example.org" for n in ["olivia", "maya", "rita"])
PUBLIC = "sam:sbx-public-sam"


class Flaky(http.server.ThreadingHTTPServer):
    """A Mastodon server for the hashtag timeline that answers what it is
    told to, one answer a request: ("500", body), ("garbage", body), or
    ("page", [statuses]) paged by min_id as Mastodon does."""

    def __init__(self):
        self.script, self.statuses, self.paths = [], [], []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), FlakyHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class FlakyHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with self.server.lock:
            self.server.paths.append(self.path)
            what = self.server.script.pop(0) if self.server.script else "page"
            statuses = list(self.server.statuses)
        if what == "500":
            return self.answer(500, "text/plain", b"upstream exploded")
        if what == "garbage":
            return self.answer(200, "text/html", b"<html><body>maintenance</body></html>")
        query = dict(p.split("=", 1) for p in self.path.split("?", 1)[1].split("&"))
        min_id = int(query.get("min_id", "-1"))
        newer = [st for st in statuses if int(st["id"]) > min_id][: int(query["limit"])]
        self.answer(200, "application/json", json.dumps(list(reversed(newer))).encode())

    def answer(self, status, ctype, body):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def status(i, text):
    """A Status as docs.joinmastodon.org shows it (the members huddle reads)."""
    return {"id": str(i), "created_at": "2025-03-01T10:00:00.000Z", "in_reply_to_id": None,
            "visibility": "public", "url": f"https://flaky.example/@fan/{i}",
            "uri": f"https://flaky.example/users/fan/statuses/{i}",
            "account": {"id": "9", "username": "fan", "acct": "fan@flaky.example"},
            "content": f"<p>{text} <a href=\"https://flaky.example/tags/outage\" "
                       "class=\"mention hashtag\">#<span>outage</span></a></p>",
            "tags": [{"name": "outage", "url": "https://flaky.example/tags/outage"}]}


def feed(s, fid):
    st, f = s.api("GET", f"/v1/admin/feeds/{fid}", as_=OLIVIA)
    check(st == 200, f"GET feed {fid}: {st} {f}")
    return f


def poll(s, fid, timeout=30):
    """Makes the feed due, waits for a poller to take it and finish; the
    feed after."""
    before = feed(s, fid)
    st, body = s.api("POST", f"/v1/admin/feeds/{fid}/poll", as_=OLIVIA)
    check(st == 202 and body["id"] == fid, f"poll {fid}: {st} {body}")
    return s.wait_for(f"a poll of {fid}", lambda: (lambda f: f if f["last_polled_at"] !=
                                                    before["last_polled_at"] and
                                                    not f["polling"] else None)(feed(s, fid)),
                      timeout)


def sandbox_post(s, text, token="sbx-public-sam"):
    req = urllib.request.Request(f"http://127.0.0.1:{s.ports['sandbox']}/api/v1/statuses",
                                 data=json.dumps({"status": text}).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def needs_the_sandbox_routes(s):
    st, body = s.http("GET", f"http://127.0.0.1:{s.ports['sandbox']}/api/v1/notifications"
                      "?types[]=mention", headers={"Authorization": "Bearer sbx-customer-care"})
    check(st == 200 and isinstance(body, list),
          "the sandbox has no GET /api/v1/notifications (issue 16 part B's routes): "
          f"{st} {body}")


def test_seeded(s):
    st, lst = s.api("GET", "/v1/admin/feeds", as_=OLIVIA)
    check(st == 200, f"list: {st} {lst}")
    by = {f["id"]: f for f in lst["items"]}
    care, tag = by.get("care-mentions"), by.get("tag-example")
    check(care and care["kind"] == "mastodon-mentions" and care["channel"] == "sandbox" and
          care["account_department"] == "customer-care" and care["url"] == "" and
          care["enabled"], f"care-mentions: {care}")
    check(tag and tag["kind"] == "mastodon-tag" and tag["tag"] == "example" and
          tag["departments"] == [], f"tag-example: {tag}")


def test_mentions_from_the_sandbox(s):
    st = sandbox_post(s, "@example_care my order 42 arrived broken, I want a refund #example")
    f = poll(s, "care-mentions")
    check(f["failures"] == 0 and f["last_error"] is None, f"care-mentions failed: {f}")
    row = s.psql("SELECT id || '|' || author_handle || '|' || feed_id || '|' || "
                 "(posted_at IS NOT NULL) || '|' || url || '|' || text FROM mention "
                 f"WHERE channel_id = 'sandbox' AND external_id = '{st['id']}'")
    check(row, f"status {st['id']} was not pulled: {f}")
    mid, author, fid, posted, url, text = row.split("|", 5)
    check(author == "sam" and fid == "care-mentions" and posted == "true" and
          url == st["url"] and "refund" in text and "@example_care" in text,
          f"the mention as recorded: {row}")
    check(f["cursor"] != "" and f["items_total"] >= 1 and f["lag_s"] is not None and
          f["last_item_at"] is not None and f["item_delay_s"] is not None,
          f"where the feed stands: {f}")
    s.wait_for("the mention in customer care's inbox",
               lambda: s.psql(f"SELECT department_id FROM inbox_item WHERE mention_id = '{mid}'")
               == "customer-care")
    t = poll(s, "tag-example")
    check(t["failures"] == 0 and t["cursor"] == st["id"], f"tag-example: {t}")
    count = f"SELECT count(*) FROM mention WHERE external_id = '{st['id']}'"
    events = (f"SELECT count(*) FROM event_log WHERE type = 'mention.received' "
              f"AND correlation_id = '{mid}'")
    check(s.psql(count) == "1", "the same status pulled by two feeds is one mention")
    poll(s, "care-mentions")
    check(s.psql(count) == "1", "polled again, recorded again")
    s.wait_for("one mention.received", lambda: s.psql(events) == "1")
    newer = sandbox_post(s, "@example_care still waiting for that refund")
    f = poll(s, "care-mentions")
    check(f["cursor"] != "" and s.psql(
        f"SELECT count(*) FROM mention WHERE external_id = '{newer['id']}'") == "1",
        f"the newer status: {f}")
    time.sleep(1)
    check(s.psql(events) == "1", "a mention.received twice")


def test_errors_and_garbage(s, flaky):
    flaky.statuses = [status(i, f"outage report {i}") for i in range(1, 4)]
    # Another server, a channel of its own: its ids are not the sandbox's.
    st, ch = s.api("POST", "/v1/admin/channels", as_=OLIVIA,
                   body={"id": "flakynet", "kind": "mastodon", "base_url": flaky.url()})
    check(st == 201, f"channel flakynet: {st} {ch}")
    body = {"id": "flaky", "kind": "mastodon-tag", "channel": "flakynet", "tag": "outage",
            "interval_s": 60}
    st, f = s.api("POST", "/v1/admin/feeds", as_=OLIVIA, body=body)
    check(st == 201 and f["cursor"] == "" and f["version"] == 1, f"create flaky: {st} {f}")
    f = poll(s, "flaky")
    check(f["failures"] == 0 and f["cursor"] == "3", f"first poll: {f}")
    flaky.statuses += [status(i, f"outage report {i}") for i in range(4, 7)]
    with flaky.lock:
        flaky.script = ["500", "garbage"]
    f = poll(s, "flaky")
    check(f["failures"] == 1 and "HTTP 500" in f["last_error"] and f["cursor"] == "3",
          f"after a 500: {f}")
    wait = s.psql("SELECT extract(epoch FROM next_poll_at - now())::int FROM feed "
                  "WHERE id = 'flaky'")
    check(85 <= int(wait) <= 120, f"backoff after one failure: {wait} s")
    f = poll(s, "flaky")
    check(f["failures"] == 2 and "garbage" in f["last_error"] and f["cursor"] == "3",
          f"after garbage: {f}")
    wait = s.psql("SELECT extract(epoch FROM next_poll_at - now())::int FROM feed "
                  "WHERE id = 'flaky'")
    check(175 <= int(wait) <= 240, f"backoff after two failures: {wait} s")
    dead = s.psql("SELECT string_agg(convert_from(raw, 'UTF8'), '|' ORDER BY id) FROM dead_letter "
                  "WHERE source = 'feed:flaky'")
    check("upstream exploded" in dead and "maintenance" in dead, f"dead letters: {dead}")
    f = poll(s, "flaky")
    check(f["failures"] == 0 and f["last_error"] is None and f["cursor"] == "6",
          f"after a good page: {f}")
    check(flaky.paths[-1].endswith("min_id=3"), f"read from the cursor kept: {flaky.paths}")
    n = s.psql("SELECT count(*) FROM mention WHERE feed_id = 'flaky'")
    check(n == "6", f"every status once: {n}")
    text = s.psql("SELECT text FROM mention WHERE feed_id = 'flaky' AND external_id = '5'")
    check(text == "outage report 5 #outage", f"the text of an HTML status: {text!r}")


def test_refusals(s):
    bad = [({"id": "x", "kind": "twitter", "channel": "sandbox"}, 422, "kind"),
           ({"id": "Bad Id", "kind": "rss", "channel": "sandbox", "url": "http://a/f"}, 422, "id"),
           ({"id": "r", "kind": "rss", "channel": "sandbox"}, 422, "url"),
           ({"id": "r", "kind": "rss", "channel": "sandbox", "url": "ftp://a/f"}, 422, "url"),
           ({"id": "m", "kind": "mastodon-mentions", "channel": "sandbox"}, 422,
            "account_department"),
           ({"id": "m", "kind": "mastodon-mentions", "channel": "sandbox",
             "account_department": "nobody"}, 422, "account_department"),
           ({"id": "t", "kind": "mastodon-tag", "channel": "sandbox", "tag": "#x"}, 422, "tag"),
           ({"id": "t", "kind": "mastodon-tag", "channel": "nowhere", "tag": "x"}, 422, "channel"),
           ({"id": "t", "kind": "mastodon-tag", "channel": "sandbox", "tag": "x",
             "departments": ["nope"]}, 422, "departments"),
           ({"id": "t", "kind": "mastodon-tag", "channel": "sandbox", "tag": "x",
             "interval_s": 0}, 422, "interval_s"),
           ({"id": "t", "kind": "mastodon-tag", "channel": "sandbox", "tag": "x",
             "color": "red"}, 422, "color"),
           ({"id": "care-mentions", "kind": "mastodon-tag", "channel": "sandbox", "tag": "x"},
            409, "id")]
    for body, want, field in bad:
        st, b = s.api("POST", "/v1/admin/feeds", as_=OLIVIA, body=body)
        check(st == want and b["error"]["field"] == field, f"{body}: {st} {b}")
    st, b = s.api("GET", "/v1/admin/feeds", as_=MAYA)
    check(st == 403, f"a player lists feeds: {st} {b}")
    st, b = s.api("GET", "/v1/admin/feeds/nope", as_=OLIVIA)
    check(st == 404 and b["error"]["field"] == "id", f"unknown feed: {st} {b}")
    st, b = s.api("PATCH", "/v1/admin/feeds/tag-example", as_=OLIVIA, body={"interval_s": 20})
    check(st == 428, f"a change without the version read: {st} {b}")
    st, b = s.api("PATCH", "/v1/admin/feeds/tag-example", as_=OLIVIA,
                  body={"kind": "rss", "version": 1})
    check(st == 422 and b["error"]["field"] == "kind", f"the kind changed: {st} {b}")
    st, b = s.api("PATCH", "/v1/admin/feeds/tag-example", as_=OLIVIA,
                  body={"tag": None, "version": 1})
    check(st == 422 and b["error"]["field"] == "tag", f"a tag feed without its tag: {st} {b}")
    st, b = s.api("PATCH", "/v1/admin/feeds/tag-example", as_=OLIVIA,
                  body={"interval_s": 20, "version": 99})
    check(st == 409, f"a stale version: {st} {b}")


def test_cli_and_events(s):
    out = s.cli("admin", "feed", "list", "--as", OLIVIA).stdout
    check("care-mentions" in out and "tag-example" in out, f"feed list: {out}")
    s.cli("admin", "feed", "add", "news", "--kind", "rss", "--channel", "sandbox", "--url",
          f"http://127.0.0.1:{s.ports['sandbox']}/no-such-feed.xml", "--department",
          "marketing", "--interval", "3600", "--as", OLIVIA)
    f = poll(s, "news")  # made due at once: the runner may have polled it already
    check(f["failures"] >= 1 and "HTTP 404" in f["last_error"] and f["departments"] ==
          ["marketing"], f"an rss feed that is not there: {f}")
    out = s.cli("admin", "feed", "update", "news", "--disable", "--interval", "900", "--as",
                OLIVIA).stdout
    check(f"{'enabled':<19} no" in out and f"{'interval_s':<19} 900" in out,
          f"feed update: {out}")
    r = s.cli("admin", "feed", "poll", "news", "--as", OLIVIA, check_rc=False)
    check(r.returncode == 1 and "disabled" in r.stderr, f"polling a disabled feed: {r.stderr}")
    show = json.loads(s.cli("admin", "feed", "show", "news", "--json", "--as", OLIVIA).stdout)
    check(show["version"] == 2 and show["enabled"] is False, f"feed show: {show}")
    s.cli("admin", "feed", "delete", "news", "--as", OLIVIA)
    st, _ = s.api("GET", "/v1/admin/feeds/news", as_=OLIVIA)
    check(st == 404, f"deleted: {st}")
    s.wait_for("the feeds' org events", lambda: s.psql(
        "SELECT string_agg(DISTINCT type, ',' ORDER BY type) FROM event_log "
        "WHERE type LIKE 'org.feed.%'") ==
        "org.feed.created,org.feed.deleted,org.feed.poll_requested,org.feed.updated")


def test_metrics(s):
    with urllib.request.urlopen(f"http://127.0.0.1:{s.ports['api']}/metrics", timeout=5) as r:
        text = r.read().decode()
    for want in ['huddle_feed_polls_total{feed="care-mentions",outcome="ok"}',
                 'huddle_feed_polls_total{feed="flaky",outcome="http_error"} 1',
                 'huddle_feed_polls_total{feed="flaky",outcome="garbage"} 1',
                 'huddle_feed_items_total{feed="flaky"} 6',
                 'huddle_feed_lag_seconds{feed="care-mentions"}',
                 'huddle_feed_failures{feed="flaky"} 0']:
        check(want in text, f"/metrics lacks {want}")


def main():
    flaky = Flaky()
    with System("e2e_feeds") as s:
        s.env["SANDBOX_ACCOUNTS"] += "," + PUBLIC
        s.start_all()
        needs_the_sandbox_routes(s)
        test_seeded(s)
        test_refusals(s)
        test_mentions_from_the_sandbox(s)
        test_errors_and_garbage(s, flaky)
        test_cli_and_events(s)
        test_metrics(s)
    flaky.shutdown()
    print("ok   e2e feeds")


if __name__ == "__main__":
    main()
