#!/usr/bin/env python3
"""End to end: the frontline, every service running (issue 16's story).

A member of the public posts to the sandbox mentioning customer care. The
seed's Mastodon feed pulls it, workflow routes it to customer care and
assigns it to Rita (its only responder). Rita answers through the inbox;
a second answer while hers is pending is refused with who and since when;
Cora (the coach) approves, and the publisher posts it from customer care's
account as a reply in the mention's thread, signed by Rita. The mention
shows its reply and who sent it, waits for the author, and the
first-response figure counts it. The author writes again: the item is
reopened. A mention no rule takes lands in triage, is assigned to Ivy (the
information gatherer), who routes it to marketing, where Maya takes it.
The CLI answers a mention too."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from huddle_system import System, check  # noqa: E402

RITA, CORA, IVY, MAYA, OLIVIA = (f"{n}@example.org" for n in
                                 ["rita", "cora", "ivy", "maya", "olivia"])
PUBLIC = "sam:sbx-public-sam"


def post_public(s, text, in_reply_to=None):
    """sam posts text to the sandbox; the status."""
    body = {"status": text}
    if in_reply_to:
        body["in_reply_to_id"] = in_reply_to
    st, status = s.http("POST", f"http://127.0.0.1:{s.ports['sandbox']}/api/v1/statuses",
                        body=body, headers={"Authorization": "Bearer sbx-public-sam"})
    check(st == 200 and "id" in status, f"the public's post: {st} {status}")
    return status


def inbox_row(s, status_id):
    """The inbox item of the sandbox status, once pulled and routed."""
    def find():
        mid = s.psql(f"SELECT mention_id FROM read_inbox WHERE external_id = '{status_id}'")
        return mid or None
    return s.wait_for(f"status {status_id} in the inbox", find, timeout=60)


def item(s, mid, as_=OLIVIA):
    st, it = s.api("GET", f"/v1/inbox/{mid}", as_=as_)
    check(st == 200, f"GET /v1/inbox/{mid} as {as_}: {st} {it}")
    return it


def wait_item(s, mid, what, pred, as_=OLIVIA, timeout=30):
    return s.wait_for(what, lambda: (lambda it: it if pred(it) else None)(item(s, mid, as_)),
                      timeout=timeout)


def answered_in_thread(s, mid, status_id):
    """Rita answers, is refused a second answer, Cora approves; the reply is
    on the sandbox in the thread. The reply's content id."""
    st, r = s.api("POST", f"/v1/inbox/{mid}/replies", as_=RITA,
                  body={"text": "So sorry! A new one ships today."})
    check(st == 201 and r.get("id"), f"reply: {st} {r}")
    reply = r["id"]
    st, again = s.api("POST", f"/v1/inbox/{mid}/replies", as_=RITA,
                      body={"text": "Any news?"})
    err = again.get("error", {}) if isinstance(again, dict) else {}
    check(st == 409 and err.get("code") == "reply_pending" and err.get("by") == RITA
          and err.get("since"), f"a second reply while one is pending: {st} {again}")
    s.wait_state(reply, ["awaiting_approval"])
    st, d = s.api("POST", f"/v1/content/{reply}/decisions", as_=CORA,
                  body={"decision": "approve"})
    check(st in (200, 201, 202), f"cora approves: {st} {d}")
    s.wait_state(reply, ["published"])
    ctx = s.sandbox(f"/api/v1/statuses/{status_id}/context")
    mine = [x for x in ctx.get("descendants", []) if x.get("in_reply_to_id") == status_id]
    check(len(mine) == 1, f"one reply in the thread: {ctx}")
    text = mine[0].get("text", "")
    check(text.startswith("@sam So sorry! A new one ships today.") and
          text.endswith("— Rita Reyes, Customer Care") and
          mine[0]["account"]["acct"] == "example_care",
          f"the reply as published, from customer care, signed by Rita: {mine[0]}")
    print("ok reply: refused while pending, approved, in the thread, signed by its author")
    return reply


def main():
    with System("e2e_inbox_flow") as s:
        s.env["SANDBOX_ACCOUNTS"] += "," + PUBLIC
        s.psql("UPDATE feed SET cursor = '0', interval_s = 1 WHERE id = 'care-mentions'")
        # Customer care's clock runs around the clock here, so the first
        # response is measured whatever the day this test runs on.
        s.psql("UPDATE inbox_setting SET working_days = '{1,2,3,4,5,6,7}', opens_at = '00:00', "
               "closes_at = '24:00', time_zone = 'UTC' WHERE department_id = 'customer-care'")
        s.start_all()

        status = post_public(s, "@example_care my parcel arrived broken, refund please")
        mid = inbox_row(s, status["id"])
        it = wait_item(s, mid, "assigned to rita", lambda x: x["assignee"] == RITA)
        check(it["department"] == "customer-care" and it["feed"] == "care-mentions" and
              it["state"] == "assigned" and it["author"] in ("sam", "@sam") and
              it["sla_due_at"], f"pulled, routed and assigned: {it}")
        st, mine = s.api("GET", "/v1/inbox?mine=true&state=assigned", as_=RITA)
        check(st == 200 and any(x["mention_id"] == mid for x in mine["items"]),
              f"in rita's own list: {st} {mine}")
        st, other = s.api("GET", f"/v1/inbox/{mid}", as_=MAYA)
        check(st == 404, f"marketing does not see customer care's item: {st}")
        print("ok listening: the sandbox's mention pulled by the feed, routed, auto-assigned")

        reply = answered_in_thread(s, mid, status["id"])
        it = wait_item(s, mid, "the first response recorded",
                       lambda x: x["first_response_at"] is not None)
        check(it["state"] == "waiting" and it["replied_by"] == RITA and
              it["reply_content_id"] == reply and it["first_response_ms"] >= 0,
              f"the mention shows its reply and who sent it: {it}")
        check(any(r["content_id"] == reply and r["state"] == "published"
                  for r in it["replies"]), f"its replies: {it['replies']}")
        s.wait_for("the first-response figure", lambda: 'huddle_inbox_first_response_seconds_count'
                   '{department="customer-care"} 1' in s.metrics())
        print("ok first response: waiting for the author, measured")

        again = post_public(s, "@example_care it is still broken", in_reply_to=None)
        mid2 = inbox_row(s, again["id"])
        it = wait_item(s, mid, "reopened", lambda x: x["state"] == "assigned")
        check(any(h["type"] == "inbox.reopened" for h in it["history"]),
              f"reopened by the author writing again: {it['history']}")
        it2 = item(s, mid2)
        check(it2["conversation_of"] == mid and it2["assignee"] == RITA,
              f"the new mention continues the conversation, with rita: {it2}")
        st, r = s.api("POST", f"/v1/inbox/{mid}/resolve", as_=RITA, body={"reason": "replaced"})
        check(st == 202, f"resolve: {st} {r}")
        wait_item(s, mid, "resolved", lambda x: x["state"] == "resolved")
        print("ok conversation: the author wrote again, the item reopened, then resolved")

        st, a = s.api("POST", f"/v1/inbox/{mid2}/replies", as_=RITA,
                      body={"text": "Sorry, checking."})
        check(st == 201, f"a first reply: {st} {a}")
        st, b = s.api("POST", f"/v1/inbox/{mid2}/replies", as_=RITA,
                      body={"text": "Sorry! A courier comes tomorrow.", "supersede": True})
        check(st == 201, f"a reply superseding it: {st} {b}")
        s.wait_state(a["id"], ["rejected"])
        it = s.item(a["id"])
        check("superseded" in str(it), f"withdrawn as superseded: {it}")
        st, r = s.api("POST", f"/v1/inbox/{mid2}/unassign", as_=CORA, body={"reason": "mine now"})
        check(st == 202 and r.get("request_id"), f"the coach unassigns: {st} {r}")
        it = wait_item(s, mid2, "unassigned", lambda x: x["state"] == "new")
        check(any(h["type"] == "inbox.unassigned" and r["request_id"] in str(h)
                  for h in it["history"]), f"inbox.unassigned answers the request: {it}")
        st, r = s.api("POST", f"/v1/inbox/{mid2}/unassign", as_=CORA)
        check(st == 409, f"nobody to unassign any more: {st} {r}")
        print("ok supersede and requests: withdrawn, unassigned by the coach, refused twice")

        odd = post_public(s, "@example_care what a lovely day at the lake")
        mid3 = inbox_row(s, odd["id"])
        it = wait_item(s, mid3, "in triage with ivy",
                       lambda x: x["triage"] and x["assignee"] == IVY, as_=IVY)
        check(it["department"] == "", f"triage: {it}")
        st, r = s.api("POST", f"/v1/inbox/{mid3}/route", as_=IVY,
                      body={"department": "marketing", "reason": "a nice photo op"})
        check(st == 202, f"route: {st} {r}")
        it = wait_item(s, mid3, "routed to marketing, maya's",
                       lambda x: x["department"] == "marketing" and x["assignee"] == MAYA)
        check(not it["triage"], f"out of triage: {it}")
        print("ok triage: no rule took it, ivy routed it, maya has it")

        out = s.cli("reply", mid3, "--as", MAYA, "Thanks! Enjoy the lake.")
        check("accepted" in out.stdout or out.returncode == 0, f"huddle reply: {out.stdout}")
        wait_item(s, mid3, "maya's reply recorded",
                  lambda x: any(r["author"] == MAYA for r in x["replies"]))
        print("ok cli: huddle reply answers a mention through the governed path")


if __name__ == "__main__":
    main()
