"""The frontline under faults (fault.py): mentions pulled by a feed, replies
through the governed path.

The public (sandbox accounts sam, ana, joe) posts statuses mentioning the
customer-care account @example_care on the sandbox, each sent with an
Idempotency-Key and retried until the sandbox answers, so each is on the
sandbox once. The seed's feed care-mentions pulls them (Mastodon
notifications of the account) while services are killed. Rita, customer
care's responder, answers every third one through POST
/v1/inbox/{id}/replies (Idempotency-Key per mention, retried through the
crashes); the robot approvers (cora is customer care's coach) approve the
replies as any item.

Checks:
  - every public status is one mention (mention row, one mention.received
    in the log, one inbox item): pulled exactly once through the kills;
  - every reply the API acknowledged ended published (or expired by a
    crisis's rule, as fault.py's items), is on the sandbox exactly once
    (by its idempotency key, the content id), and its status answers the
    mention's status (in_reply_to_id = the mention's external id)."""
import threading
import time

PUBLIC = [("sam", "sbx-public-sam"), ("ana", "sbx-public-ana"), ("joe", "sbx-public-joe")]
TARGET = "example_care"
RESPONDER = "rita@example.org"
TEXTS = ["my order arrived broken, refund please", "where is my delivery? order",
         "the invoice is wrong, help", "support never answered me, broken app"]


def sandbox_accounts():
    """The public's accounts, for SANDBOX_ACCOUNTS."""
    return ",".join(f"{h}:{t}" for h, t in PUBLIC)


class Frontline:
    def __init__(self, s, run, count):
        self.s, self.run, self.count = s, run, count
        self.statuses = {}     # status id -> public post number
        self.replies = {}      # mention id -> reply content id
        self.lock = threading.Lock()
        self.done_posting = threading.Event()
        self.stop = threading.Event()

    # ---------- the public ----------
    def post_one(self, i):
        handle, token = PUBLIC[i % len(PUBLIC)]
        text = f"@{TARGET} {TEXTS[i % len(TEXTS)]} (fault {self.run.args.seed}-{i})"
        url = f"http://127.0.0.1:{self.s.ports['sandbox']}/api/v1/statuses"
        headers = {"Authorization": f"Bearer {token}",
                   "Idempotency-Key": f"fault-public-{self.run.args.seed}-{i}"}
        for _ in range(600):
            try:
                st, body = self.s.http("POST", url, body={"status": text}, headers=headers)
            except Exception:  # the sandbox crashed once by design, or a fault
                st, body = None, None
            if st == 200 and body and "id" in body:
                with self.lock:
                    self.statuses[body["id"]] = i
                return
            time.sleep(0.2)
        self.run.errors.append(f"public post {i} never accepted")

    def public(self, seconds):
        interval = seconds / max(self.count, 1)
        for i in range(self.count):
            if self.stop.is_set():
                break
            self.post_one(i)
            time.sleep(interval)
        self.done_posting.set()

    # ---------- the responder ----------
    def reply_one(self, mention_id):
        key = f"fault-reply-{self.run.args.seed}-{mention_id}"
        for _ in range(600):
            try:
                st, body = self.s.api("POST", f"/v1/inbox/{mention_id}/replies", as_=RESPONDER,
                                      body={"text": "Sorry about that: we are on it."},
                                      headers={"Idempotency-Key": key})
            except Exception:
                st, body = None, None
            if st in (200, 201) and body and "id" in body:
                with self.lock:
                    self.replies[mention_id] = body["id"]
                return
            if st is not None and 400 <= st < 500 and st not in (404, 429):
                self.run.errors.append(f"reply to {mention_id} refused {st}: {body}")
                return
            time.sleep(0.3)  # 404: not routed yet; 5xx, 429, no answer: again

    def wanted(self):
        """Mentions of every third public status, once routed: id -> status id."""
        rows = self.run.sql("SELECT mention_id, external_id FROM inbox_item "
                            "WHERE feed_id = 'care-mentions'")
        out = {}
        for line in rows.splitlines():
            mid, ext = line.split("|")
            n = self.statuses.get(ext)
            if n is not None and n % 3 == 0:
                out[mid] = ext
        return out

    def responder(self):
        while not self.stop.is_set():
            todo = [m for m in self.wanted() if m not in self.replies]
            for mid in todo:
                self.reply_one(mid)
            if not todo and self.done_posting.is_set() and len(self.replies) >= self.expected():
                return
            time.sleep(0.5)

    def expected(self):
        return sum(1 for n in self.statuses.values() if n % 3 == 0)

    # ---------- checks ----------
    def quiet(self):
        """True once every public status is a mention and every reply is final."""
        pulled = int(self.s.psql("SELECT count(*) FROM mention WHERE feed_id = 'care-mentions'"))
        if pulled < len(self.statuses) or len(self.replies) < self.expected():
            return False
        ids = ",".join(f"'{c}'" for c in self.replies.values()) or "NULL"
        open_ = int(self.s.psql(
            "SELECT count(*) FROM read_inbox_reply WHERE content_id IN (" + ids + ") AND state "
            "NOT IN ('published', 'rejected', 'blocked', 'failed', 'expired', 'recalled')"))
        return open_ == 0

    def verify(self, stats):
        """(statuses, pulled once, replies, replies once in thread) and errors."""
        errors = []
        rows = {}
        for line in self.s.psql(
                "SELECT m.external_id, m.id, (SELECT count(*) FROM event_log e WHERE "
                "e.type = 'mention.received' AND e.correlation_id = m.id), "
                "(SELECT count(*) FROM inbox_item i WHERE i.mention_id = m.id) "
                "FROM mention m WHERE m.feed_id = 'care-mentions'").splitlines():
            ext, mid, events, inbox = line.split("|")
            rows[ext] = (mid, int(events), int(inbox))
        once = 0
        for ext in self.statuses:
            mid, events, inbox = rows.get(ext, (None, 0, 0))
            if mid and events == 1 and inbox == 1:
                once += 1
            elif len(errors) < 5:
                errors.append(f"public status {ext}: mention {mid}, {events} mention.received, "
                              f"{inbox} inbox items")
        in_thread = 0
        states = dict(line.split("|") for line in self.s.psql(
            "SELECT content_id, state FROM read_inbox_reply").splitlines() if line)
        externals = {mid: ext for ext, (mid, _, _) in rows.items()}
        for mid, cid in self.replies.items():
            state, posts = states.get(cid), stats.get(cid, 0)
            if state == "expired" and posts == 0:
                in_thread += 1
                continue
            if state != "published" or posts != 1:
                errors.append(f"reply {cid} to {mid}: {state}, {posts} posts")
                continue
            post_id = self.s.psql(f"SELECT post_id FROM publish_job WHERE content_id = '{cid}'")
            status = self.s.sandbox(f"/api/v1/statuses/{post_id}")
            if status.get("in_reply_to_id") == externals.get(mid):
                in_thread += 1
            else:
                errors.append(f"reply {cid} answers {status.get('in_reply_to_id')}, "
                              f"not {externals.get(mid)}")
        return (len(self.statuses), once, len(self.replies), in_thread), errors[:10]
