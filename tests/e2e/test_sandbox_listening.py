#!/usr/bin/env python3
"""End-to-end test of the sandbox as a Mastodon server to listen to: the
real huddle-sandbox binary, driven over HTTP as a Mastodon client would.
Replies (in_reply_to_id and its 404), mentions, tags and HTML content;
GET /api/v1/notifications (types[], exclude_types[], account_id, max_id,
since_id, min_id, limit, the Link header); the hashtag timeline; a
status's context; the account and hashtag RSS feeds, parsed as XML; all of
it the same after a restart; and the simulated crowd. stdlib only."""

import email.utils
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_sandbox import BINARY, Sandbox  # noqa: E402

BASE = "http://sandbox.test"
ACCOUNTS = "care:tok-care,sam:tok-sam,jo:tok-jo,Big_Co:tok-big"
TOKENS = {"care": "tok-care", "sam": "tok-sam", "jo": "tok-jo", "Big_Co": "tok-big"}


def links(response):
    """rel -> (path?query, query dict) of a Link header, as a client
    parses it."""
    out = {}
    for part in (response.getheader("Link") or "").split(", "):
        m = re.fullmatch(r'<([^>]*)>; rel="(next|prev)"', part)
        if m:
            url = urllib.parse.urlsplit(m.group(1))
            out[m.group(2)] = (url.path + "?" + url.query,
                               urllib.parse.parse_qs(url.query))
    return out


class Listening(unittest.TestCase):
    def setUp(self):
        self.assertTrue(os.access(BINARY, os.X_OK),
                        "no %s: set HUDDLE_BIN_DIR to the build directory" % BINARY)
        self.tmp = tempfile.TemporaryDirectory(prefix="hd-sandbox-listen-")
        self.data = os.path.join(self.tmp.name, "statuses.jsonl")
        self.started = []

    def tearDown(self):
        for s in self.started:
            s.kill()
        self.tmp.cleanup()

    def start(self, **env):
        env.setdefault("SANDBOX_ACCOUNTS", ACCOUNTS)
        s = Sandbox(self.data, self.tmp.name, **env)
        self.started.append(s)
        return s

    def post(self, sb, who, text, **fields):
        body = dict(fields, status=text)
        st, _, status = sb.request("POST", "/api/v1/statuses", body,
                                   {"Authorization": "Bearer " + TOKENS[who]})
        self.assertEqual(st, 200, status)
        return status

    def get(self, sb, path, who=None):
        h = {"Authorization": "Bearer " + TOKENS[who]} if who else {}
        return sb.request("GET", path, headers=h)

    def notified(self, sb, query="", who="care"):
        st, r, body = self.get(sb, "/api/v1/notifications" + query, who)
        self.assertEqual(st, 200, body)
        return [n["status"]["id"] for n in body], r

    def test_statuses_reply_mention_and_tag(self):
        sb = self.start()
        first = self.post(sb, "sam", "@care my order is late #Orders, see https://example.com/o")
        self.assertEqual(first["content"],
                         '<p><span class="h-card" translate="no"><a href="%s/@care" '
                         'class="u-url mention">@<span>care</span></a></span> my order is late '
                         '<a href="%s/tags/Orders" class="mention hashtag" rel="tag">#<span>'
                         'Orders</span></a>, see <a href="https://example.com/o" target="_blank" '
                         'rel="nofollow noopener" translate="no"><span class="invisible">https://'
                         '</span><span class="">example.com/o</span><span class="invisible">'
                         '</span></a></p>' % (BASE, BASE))
        care_id = first["mentions"][0]["id"]
        self.assertEqual(first["mentions"], [{"id": care_id, "username": "care",
                                              "url": BASE + "/@care", "acct": "care"}])
        self.assertTrue(care_id.isdigit())
        self.assertEqual(first["tags"], [{"name": "orders", "url": BASE + "/tags/orders"}])
        self.assertEqual((first["in_reply_to_id"], first["in_reply_to_account_id"],
                          first["replies_count"]), (None, None, 0))
        self.assertEqual(first["uri"], "%s/users/sam/statuses/%s" % (BASE, first["id"]))
        sam = first["account"]
        self.assertEqual((sam["acct"], sam["username"], sam["url"], sam["statuses_count"]),
                         ("sam", "sam", BASE + "/@sam", 1))

        # a reply: its thread's fields, and the count on the status it answers
        reply = self.post(sb, "care", "@sam so sorry!", in_reply_to_id=first["id"])
        self.assertEqual((reply["in_reply_to_id"], reply["in_reply_to_account_id"]),
                         (first["id"], sam["id"]))
        st, _, again = self.get(sb, "/api/v1/statuses/" + first["id"])
        self.assertEqual((st, again["replies_count"]), (200, 1))
        # an id as a JSON number, as a form field
        st, _, form = sb.request("POST", "/api/v1/statuses",
                                 ("status=thanks&in_reply_to_id=%s" % reply["id"]).encode(),
                                 {"Authorization": "Bearer tok-sam",
                                  "Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((st, form["in_reply_to_id"]), (200, reply["id"]))
        num = self.post(sb, "jo", "me too", in_reply_to_id=int(first["id"]))
        self.assertEqual(num["in_reply_to_id"], first["id"])
        # an empty id is none, as Rails' present?
        self.assertIsNone(self.post(sb, "jo", "hi", in_reply_to_id="")["in_reply_to_id"])

        # a status that does not exist, or that the poster may not see: 404
        for target in ("99999", "x"):
            st, _, err = sb.request("POST", "/api/v1/statuses",
                                    {"status": "hm", "in_reply_to_id": target},
                                    {"Authorization": "Bearer tok-jo"})
            self.assertEqual((st, err), (404, {"error": "Record not found"}))
        secret = self.post(sb, "sam", "@care between us", visibility="direct")
        st, _, err = sb.request("POST", "/api/v1/statuses",
                                {"status": "hm", "in_reply_to_id": secret["id"]},
                                {"Authorization": "Bearer tok-jo"})
        self.assertEqual(st, 404, err)
        self.assertEqual(self.post(sb, "care", "ok", in_reply_to_id=secret["id"])
                         ["in_reply_to_account_id"], sam["id"])
        self.assertEqual(self.get(sb, "/api/v1/statuses/" + secret["id"])[0], 404)
        self.assertEqual(self.get(sb, "/api/v1/statuses/" + secret["id"], "jo")[0], 404)
        self.assertEqual(self.get(sb, "/api/v1/statuses/" + secret["id"], "care")[0], 200)
        st, _, err = sb.request("GET", "/api/v1/statuses/" + first["id"],
                                headers={"Authorization": "Bearer nope"})
        self.assertEqual((st, err), (401, {"error": "The access token is invalid"}))

        # a self-thread carries over the account it answers
        more = self.post(sb, "care", "and more", in_reply_to_id=reply["id"])
        self.assertEqual(more["in_reply_to_account_id"], sam["id"])

        st, _, me = self.get(sb, "/api/v1/accounts/verify_credentials", "care")
        self.assertEqual((st, me["id"], me["acct"], me["source"]["privacy"]),
                         (200, care_id, "care", "public"))
        sb.stop(self)

    def test_notifications_are_the_mentions(self):
        sb = self.start()
        ids = []
        for i in range(7):
            who = "sam" if i % 2 == 0 else "jo"
            ids.append(self.post(sb, who, "@care number %d" % i)["id"])
        self.post(sb, "care", "@care a note to myself")            # never a notification
        to_jo = self.post(sb, "sam", "@nobody and @jo")["id"]      # not care's
        ids.append(self.post(sb, "sam", "@Care loud", visibility="private")["id"])  # all the same
        newest = list(reversed(ids))

        st, _, err = self.get(sb, "/api/v1/notifications")
        self.assertEqual((st, err), (401, {"error": "The access token is invalid"}))
        got, r = self.notified(sb)
        self.assertEqual(got, newest)
        st, _, body = self.get(sb, "/api/v1/notifications?limit=1", "care")
        n = body[0]
        self.assertEqual((n["id"], n["type"], n["group_key"], n["account"]["acct"]),
                         (ids[-1], "mention", "ungrouped-" + ids[-1], "sam"))
        self.assertEqual(n["created_at"], n["status"]["created_at"])
        self.assertEqual(n["status"]["visibility"], "private")
        self.assertEqual(self.notified(sb, who="jo")[0], [to_jo])

        # types: mention is all the sandbox has
        self.assertEqual(self.notified(sb, "?types[]=mention")[0], newest)
        self.assertEqual(self.notified(sb, "?types%5B%5D=favourite&types[]=mention")[0], newest)
        self.assertEqual(self.notified(sb, "?types[]=favourite")[0], [])
        self.assertEqual(self.notified(sb, "?exclude_types[]=mention")[0], [])
        self.assertEqual(self.notified(sb, "?exclude_types[]=follow")[0], newest)
        jo_id = self.get(sb, "/api/v1/accounts/verify_credentials", "jo")[2]["id"]
        self.assertEqual(self.notified(sb, "?account_id=" + jo_id)[0],
                         [i for k, i in enumerate(ids[:7]) if k % 2][::-1])

        # pages back with the next link, to the end
        q = "?limit=3&types[]=mention"
        got, r = self.notified(sb, q)
        self.assertEqual(got, newest[:3])
        self.assertEqual(
            r.getheader("Link"),
            '<%s/api/v1/notifications?limit=3&max_id=%s&types%%5B%%5D=mention>; rel="next", '
            '<%s/api/v1/notifications?limit=3&min_id=%s&types%%5B%%5D=mention>; rel="prev"'
            % (BASE, newest[2], BASE, newest[0]))
        seen = list(got)
        while True:
            got, r = self.notified(sb, links(r)["next"][0][len("/api/v1/notifications"):])
            if not got:
                self.assertIsNone(r.getheader("Link"))  # none on an empty page
                break
            seen += got
        self.assertEqual(seen, newest)
        # forward from a cursor with min_id: without a gap, newest first
        cursor, forward = "0", []
        while True:
            got, r = self.notified(sb, "?limit=2&min_id=" + cursor)
            if not got:
                break
            self.assertEqual(got, sorted(got, key=int, reverse=True))
            forward += reversed(got)
            cursor = links(r)["prev"][1]["min_id"][0]
        self.assertEqual(forward, ids)
        # since_id bounds from below but takes the newest
        self.assertEqual(self.notified(sb, "?limit=2&since_id=" + ids[0])[0], newest[:2])
        self.assertEqual(self.notified(sb, "?max_id=%s&since_id=%s" % (ids[4], ids[1]))[0],
                         [ids[3], ids[2]])
        st, _, err = self.get(sb, "/api/v1/notifications?max_id=abc", "care")
        self.assertEqual((st, err), (400, {"error": "max_id must be a status id (digits)"}))

        # limit: 40 by default, at most 80
        for i in range(85):
            self.post(sb, "jo", "@care again %d" % i)
        self.assertEqual(len(self.notified(sb)[0]), 40)
        self.assertEqual(len(self.notified(sb, "?limit=500")[0]), 80)

        # a deleted status is no longer a notification
        st, _, _ = sb.request("DELETE", "/api/v1/statuses/" + ids[0],
                              headers={"Authorization": "Bearer tok-sam"})
        self.assertEqual(st, 200)
        self.assertNotIn(ids[0], self.notified(sb, "?limit=80&max_id=" + ids[3])[0])
        sb.stop(self)

    def test_hashtag_timeline(self):
        sb = self.start()
        tagged = [self.post(sb, "sam", "#Orders late %d" % i)["id"] for i in range(25)]
        self.post(sb, "sam", "#orders quietly", visibility="unlisted")
        self.post(sb, "jo", "no tag here, x#orders")
        st, r, body = self.get(sb, "/api/v1/timelines/tag/orders")
        self.assertEqual((st, [s["id"] for s in body]), (200, tagged[::-1][:20]))
        self.assertEqual(
            r.getheader("Link"),
            '<%s/api/v1/timelines/tag/orders?max_id=%s>; rel="next", '
            '<%s/api/v1/timelines/tag/orders?min_id=%s>; rel="prev"'
            % (BASE, tagged[5], BASE, tagged[24]))
        st, r, body = self.get(sb, "/api/v1/timelines/tag/ORDERS?limit=99&local=true", "jo")
        self.assertEqual(len(body), 25)  # at most 40; the tag looked up lower-cased
        self.assertIn("local=true", links(r)["next"][0])
        st, r, body = self.get(sb, "/api/v1/timelines/tag/orders?min_id=%s&limit=2" % tagged[20])
        self.assertEqual([s["id"] for s in body], [tagged[22], tagged[21]])
        st, r, body = self.get(sb, "/api/v1/timelines/tag/never")
        self.assertEqual((st, body, r.getheader("Link")), (200, [], None))
        st, _, body = sb.request("GET", "/api/v1/timelines/tag/orders",
                                 headers={"Authorization": "Bearer nope"})
        self.assertEqual(st, 401)
        sb.stop(self)

    def test_context(self):
        sb = self.start()
        a = self.post(sb, "sam", "@care where is my parcel?")
        b = self.post(sb, "care", "@sam checking", in_reply_to_id=a["id"])
        c = self.post(sb, "sam", "@care thanks", in_reply_to_id=b["id"])
        d = self.post(sb, "jo", "@sam same here", in_reply_to_id=a["id"])
        e = self.post(sb, "sam", "also: it was the blue one", in_reply_to_id=a["id"])
        hidden = self.post(sb, "jo", "a private aside", in_reply_to_id=d["id"],
                           visibility="private")

        def context(sid, who=None):
            st, _, body = self.get(sb, "/api/v1/statuses/%s/context" % sid, who)
            self.assertEqual(st, 200, body)
            return ([s["id"] for s in body["ancestors"]], [s["id"] for s in body["descendants"]])

        # depth first, replies by id, the author's own replies first
        self.assertEqual(context(a["id"]), ([], [e["id"], b["id"], c["id"], d["id"]]))
        self.assertEqual(context(a["id"], "jo"),
                         ([], [e["id"], b["id"], c["id"], d["id"], hidden["id"]]))
        self.assertEqual(context(c["id"]), ([a["id"], b["id"]], []))
        self.assertEqual(context(hidden["id"], "jo"), ([a["id"], d["id"]], []))
        self.assertEqual(self.get(sb, "/api/v1/statuses/%s/context" % hidden["id"])[0], 404)
        st, _, err = self.get(sb, "/api/v1/statuses/424242/context")
        self.assertEqual((st, err), (404, {"error": "Record not found"}))
        # a deleted status takes its branch with it, as Mastodon's table does
        st, _, _ = sb.request("DELETE", "/api/v1/statuses/" + b["id"],
                              headers={"Authorization": "Bearer tok-care"})
        self.assertEqual(st, 200)
        self.assertEqual(context(a["id"]), ([], [e["id"], d["id"]]))
        self.assertEqual(context(c["id"]), ([], []))

        # without a token: 60 descendants at most, 20 levels deep; with one, more
        parent = a["id"]
        for i in range(25):
            parent = self.post(sb, "jo", "deeper %d" % i, in_reply_to_id=parent)["id"]
        for i in range(50):
            self.post(sb, "jo", "wide %d" % i, in_reply_to_id=e["id"])
        # 60 rows of the tree, then those the asker may not see left out
        down = context(a["id"])[1]
        self.assertEqual(len(down), 59)
        self.assertNotIn(hidden["id"], down)
        self.assertEqual(len(context(a["id"], "jo")[1]), 1 + 1 + 50 + 25 + 1)
        self.assertEqual(len(context(parent)[0]), 25)
        sb.stop(self)

    def rss(self, sb, path):
        st, r, raw = sb.request("GET", path)
        self.assertEqual(st, 200, raw)
        self.assertEqual(r.getheader("Content-Type"), "application/rss+xml; charset=utf-8")
        root = ET.fromstring(raw)  # well-formed, or this raises
        self.assertEqual((root.tag, root.get("version")), ("rss", "2.0"))
        return root.find("channel")

    def test_rss(self):
        sb = self.start()
        first = self.post(sb, "sam", "<b>bold</b> & \"quoted\" \x01 #Orders #orders #Late")
        other = self.post(sb, "care", "hello")
        self.post(sb, "sam", "@care a reply", in_reply_to_id=other["id"])   # left out
        own = self.post(sb, "sam", "more of my thread", in_reply_to_id=first["id"])
        self.post(sb, "sam", "quiet #orders", visibility="unlisted")
        self.post(sb, "sam", "secret", visibility="private")               # left out
        ch = self.rss(sb, "/@sam.rss")
        self.assertEqual(ch.findtext("title"), "sam")
        self.assertEqual(ch.findtext("description"), "Public posts from @sam@sandbox.test")
        self.assertEqual(ch.findtext("link"), BASE + "/@sam")
        items = ch.findall("item")
        texts = [i.findtext("description") for i in items]
        self.assertEqual(len(items), 3, texts)
        self.assertEqual(texts[1], "<p>more of my thread</p>")
        self.assertEqual(items[1].findtext("link"), "%s/@sam/%s" % (BASE, own["id"]))
        guid = items[1].find("guid")
        self.assertEqual((guid.text, guid.get("isPermaLink")),
                         ("%s/@sam/%s" % (BASE, own["id"]), "true"))
        self.assertEqual(texts[2], first["content"].replace("\x01", ""))
        self.assertIn("&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;", texts[2])
        self.assertEqual([c.text for c in items[2].findall("category")], ["Orders", "Late"])
        when = email.utils.parsedate_to_datetime(items[2].findtext("pubDate"))
        self.assertLess(abs(time.time() - when.timestamp()), 120)
        self.assertEqual(ch.findtext("lastBuildDate"), items[0].findtext("pubDate"))
        self.assertEqual(len(self.rss(sb, "/@sam.rss?limit=1").findall("item")), 1)
        self.assertEqual(len(self.rss(sb, "/@sam.rss?limit=-1").findall("item")), 0)

        ch = self.rss(sb, "/tags/ORDERS.rss")
        self.assertEqual((ch.findtext("title"), ch.findtext("link")),
                         ("#orders", BASE + "/tags/orders"))
        items = ch.findall("item")
        self.assertEqual(len(items), 1)  # public only
        self.assertEqual([c.text for c in items[0].findall("category")], ["orders", "late"])
        self.assertRegex(items[0].findtext("title"), r"^[A-Z][a-z]{2} \d\d, \d{4}, \d\d:\d\d$")
        for path in ("/@nobody.rss", "/tags/never.rss"):
            st, _, err = sb.request("GET", path)
            self.assertEqual((st, err), (404, {"error": "Record not found"}))
        self.assertEqual(sb.request("POST", "/@sam.rss")[0], 405)
        sb.stop(self)

    def test_a_restart_keeps_threads_mentions_and_tags(self):
        sb = self.start()
        a = self.post(sb, "sam", "@care #Help please")
        b = self.post(sb, "care", "@sam on it", in_reply_to_id=a["id"])
        before = [self.get(sb, p, "care")[2] for p in
                  ("/api/v1/notifications", "/api/v1/statuses/%s/context" % a["id"],
                   "/api/v1/timelines/tag/help", "/api/v1/statuses/" + b["id"])]
        sb.stop(self)
        sb = self.start()
        after = [self.get(sb, p, "care")[2] for p in
                 ("/api/v1/notifications", "/api/v1/statuses/%s/context" % a["id"],
                  "/api/v1/timelines/tag/help", "/api/v1/statuses/" + b["id"])]
        self.assertEqual(after, before)
        self.assertEqual(after[1]["descendants"][0]["id"], b["id"])
        sb.stop(self)

    def test_the_crowd_posts_mentions(self):
        sb = self.start(SANDBOX_CROWD="pat:tok-pat,lee:tok-lee", SANDBOX_CROWD_TARGETS="@care",
                        SANDBOX_CROWD_EVERY_MS=100, SANDBOX_CROWD_TAG="shop")
        deadline = time.time() + 20
        got = []
        while time.time() < deadline and len(got) < 4:
            time.sleep(0.2)
            got = self.get(sb, "/api/v1/notifications", "care")[2]
        self.assertGreaterEqual(len(got), 4, got)
        oldest = got[::-1]
        self.assertEqual([n["account"]["acct"] for n in oldest[:4]], ["pat", "lee", "pat", "lee"])
        for n in oldest:
            self.assertTrue(n["status"]["text"].startswith("@care ") or
                            "@care" in n["status"]["text"], n["status"]["text"])
        self.assertTrue(oldest[0]["status"]["text"].endswith(" #shop"))
        self.assertEqual(oldest[0]["status"]["tags"][0]["name"], "shop")
        # the crowd's accounts are accounts: they post, and are mentioned
        st, _, status = sb.request("POST", "/api/v1/statuses", {"status": "@pat hi"},
                                   {"Authorization": "Bearer tok-pat"})
        self.assertEqual(st, 200, status)
        self.assertEqual(self.post(sb, "care", "@pat hello")["mentions"][0]["acct"], "pat")
        sb.stop(self)

    def test_crowd_configuration_is_checked(self):
        for env in ({"SANDBOX_CROWD": "pat:tok-pat", "SANDBOX_CROWD_EVERY_MS": "100",
                     "SANDBOX_CROWD_TARGETS": "nobody"},
                    {"SANDBOX_CROWD_EVERY_MS": "100", "SANDBOX_CROWD_TARGETS": "care"},
                    {"SANDBOX_CROWD": "sam:another-token"},
                    {"SANDBOX_CROWD": "pat:tok-sam"}):
            e = dict(os.environ, SANDBOX_ACCOUNTS=ACCOUNTS, SANDBOX_DATA=self.data,
                     SANDBOX_ADDR="127.0.0.1:0", **env)
            out = subprocess.run([BINARY], env=e, capture_output=True, text=True, timeout=30)
            self.assertEqual(out.returncode, 2, out.stderr)
            self.assertIn("config_invalid", out.stderr)

if __name__ == "__main__":
    unittest.main(verbosity=2)
