#!/usr/bin/env python3
"""End to end: the inbox API (docs/inbox.md) with the real processes and
the sample organization: rita@ is a customer-care responder, cora@ its
coach, maya@ a marketing responder, ben@ (marketing) is made an information
gatherer, olivia@ the orchestrator.

Mentions come through POST /v1/inbound and workflow routes them; the work
columns (state, assignee, SLA) and the triage queue are set by SQL where
the test needs them, as workflow's inbox work writes them (another part).

Proves, of what ingest answers and records:
  - the list: every column, visibility (a department's people, information
    gatherers for triage, organization-wide readers for all; 404 for one
    item of another department, as for an unknown id), the filters state
    (open included), mine, department (triage), breached, paging with
    before / next_before, and 422 naming each bad parameter;
  - one item with its replies and history;
  - the actions: the early refusals (404 not visible, 403 who, 409 the
    state, 422 the target or the department, unknown members), 202 with
    the request recorded as inbox.requested (its fields in the history),
    a retry under the same Idempotency-Key answered 200 with the same id;
  - replies: 201 as a content item of kind reply on the mention's channel,
    addressed to its author and signed with the department's signature,
    through policy to the approval chain; the collision rule (409 with
    code, by and since; supersede; an approved reply is not superseded;
    an item someone else owns), a retry, replies only on channels that
    carry them, who may answer (403, 404), and two replies racing: exactly
    one passes;
  - away and back (PUT/DELETE /v1/me/away) with their events, and an
    assign to a person away refused;
  - inbox settings and holidays: who may (a coach their department's,
    403 / 404 otherwise), versions (428, 409), each member's validation,
    the org.* events."""
import os
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from huddle_system import System, check  # noqa: E402

OLIVIA, MAYA, RITA, CORA, BEN, LENA = ("olivia@example.org", "maya@example.org",
                                       "rita@example.org", "cora@example.org", "ben@example.org",
                                       "lena@example.org")
RITA_ID = "00000000-0000-4000-8000-000000000004"
CORA_ID = "00000000-0000-4000-8000-000000000005"
LISTENER = "integration:sample-listener"


def refused(got, status, what, field=None, words=None, code=None):
    check(got[0] == status, f"{what}: wanted {status}, got {got[0]} {got[1]}")
    err = got[1]["error"]
    check(field is None or err.get("field") == field, f"{what}: field {err}")
    check(words is None or words in err["message"], f"{what}: message lacks {words!r}: {err}")
    check(code is None or err.get("code") == code, f"{what}: code {err}")
    return err


def ok(got, status, what):
    check(got[0] == status, f"{what}: wanted {status}, got {got[0]} {got[1]}")
    return got[1]


def inbound(s, ext, text):
    """A mention through the push door, once workflow has routed it: its id.
    Each has an author of its own (@ext), so that none continues another's
    conversation."""
    body = ok(s.api("POST", "/v1/inbound", as_=LISTENER, body={
        "channel": "sandbox", "external_id": ext, "author": f"@{ext}", "text": text}), 201, ext)
    s.wait_for(f"mention {ext} routed", lambda: s.psql(
        f"SELECT count(*) FROM inbox_item WHERE mention_id = '{body['id']}'") == "1")
    return body["id"]


def sql_item(s, department, channel="sandbox", triage=False, text="hello there"):
    """A mention and its inbox item written by SQL (triage, other channels)."""
    mid = str(uuid.uuid4())
    s.psql(f"INSERT INTO mention (id, channel_id, external_id, author_handle, text) VALUES "
           f"('{mid}', '{channel}', 'x-{mid}', '@pat', '{text}')")
    s.psql(f"INSERT INTO inbox_item (mention_id, department_id, rule_id, channel_id, "
           f"author_handle, text, state, triage) VALUES ('{mid}', '{department}', '', "
           f"'{channel}', '@pat', '{text}', 'new', {str(triage).lower()})")
    return mid


def inbox(s, who, query=""):
    return ok(s.api("GET", f"/v1/inbox{query}", as_=who), 200, f"inbox {who} {query}")


def ids(box):
    return [m["mention_id"] for m in box["items"]]


def listing(s, care, other):
    """care: customer-care mentions; other: a marketing one."""
    box = inbox(s, RITA)
    check(set(care) <= set(ids(box)) and other not in ids(box), f"rita sees {ids(box)}")
    item = next(m for m in box["items"] if m["mention_id"] == care[0])
    for col in ["department", "triage", "rule", "channel", "author", "text", "url", "routed_at",
                "state", "crisis", "feed", "external_id", "received_at", "assignee_id",
                "assignee", "assigned_at", "state_at", "escalated", "sla_due_at",
                "sla_warn_at", "sla_warned", "sla_breached", "first_response_at",
                "first_response_ms", "reply_content_id", "replied_by", "conversation_of",
                "version"]:
        check(col in item, f"item lacks {col}: {item}")
    check(item["department"] == "customer-care" and item["triage"] is False, f"{item}")
    check(care[0] not in ids(inbox(s, MAYA)), "customer-care's mention seen by marketing")
    refused(s.api("GET", f"/v1/inbox/{care[0]}", as_=MAYA), 404, "another department's",
            field="id")
    unknown = refused(s.api("GET", f"/v1/inbox/{uuid.uuid4()}", as_=MAYA), 404, "unknown")
    check(unknown["code"] == "not_found", f"{unknown}")
    all_ = ids(inbox(s, OLIVIA, "?limit=1000"))
    check(set(care) | {other} <= set(all_), "the orchestrator sees every department")
    check(other not in ids(inbox(s, OLIVIA, "?department=customer-care")), "department filter")
    # work columns as workflow writes them
    s.psql(f"UPDATE inbox_item SET state = 'assigned', assignee_id = '{RITA_ID}', "
           f"assigned_at = now() WHERE mention_id = '{care[1]}'")
    s.psql(f"UPDATE inbox_item SET state = 'resolved', sla_breached = true "
           f"WHERE mention_id = '{care[2]}'")
    check(ids(inbox(s, RITA, "?state=assigned")) == [care[1]], "state=assigned")
    check(ids(inbox(s, RITA, "?mine=true")) == [care[1]], "mine")
    check(inbox(s, RITA, "?mine=true")["items"][0]["assignee"] == RITA, "assignee's email")
    check(ids(inbox(s, CORA, "?mine=true")) == [], "cora owns nothing")
    check(care[2] not in ids(inbox(s, RITA, "?state=open")), "open excludes resolved")
    check(care[1] in ids(inbox(s, RITA, "?state=open")), "open includes assigned")
    check(ids(inbox(s, RITA, "?breached=true")) == [care[2]], "breached")
    check(care[2] not in ids(inbox(s, RITA, "?breached=false")), "breached=false")
    # paging, newest first
    p1 = inbox(s, RITA, "?limit=2")
    check(len(p1["items"]) == 2 and p1["next_before"] == p1["items"][1]["mention_id"], f"{p1}")
    p2 = inbox(s, RITA, f"?limit=2&before={p1['next_before']}")
    check(not set(ids(p1)) & set(ids(p2)), "pages overlap")
    check(p1["items"][1]["routed_at"] >= p2["items"][0]["routed_at"], "newest first")
    last = inbox(s, RITA, "?limit=1000")
    check(last["next_before"] is None, "a page that is not full has no next")
    for q, field in [("?state=bogus", "state"), ("?department=Not_A_Slug", "department"),
                     ("?before=nope", "before"), ("?mine=yes", "mine"),
                     ("?breached=1", "breached"), ("?limit=0", "limit")]:
        refused(s.api("GET", f"/v1/inbox{q}", as_=RITA), 422, q, field=field)
    print("ok list: columns, visibility, filters, paging, refusals")


def triage_queue(s):
    t = sql_item(s, "", triage=True, text="who do I ask about this")
    check(t in ids(inbox(s, BEN, "?department=triage")), "a gatherer sees triage")
    check(t in ids(inbox(s, OLIVIA, "?department=triage")), "the orchestrator sees triage")
    check(t not in ids(inbox(s, RITA)), "a responder does not see triage")
    check(ids(inbox(s, RITA, "?department=triage")) == [], "nor when asking for it")
    refused(s.api("GET", f"/v1/inbox/{t}", as_=RITA), 404, "triage item, not a gatherer")
    item = ok(s.api("GET", f"/v1/inbox/{t}", as_=BEN), 200, "triage item")
    check(item["triage"] is True and item["department"] == "", f"{item}")
    print("ok triage: information gatherers and organization-wide readers")
    return t


def one_item(s, mid):
    item = ok(s.api("GET", f"/v1/inbox/{mid}", as_=RITA), 200, "one item")
    check(item["mention_id"] == mid and item["replies"] == [], f"{item}")
    s.wait_for("history", lambda: {"mention.received", "mention.routed"} <= {
        e["type"] for e in s.api("GET", f"/v1/inbox/{mid}", as_=RITA)[1]["history"]})
    refused(s.api("GET", "/v1/inbox/not-a-uuid", as_=RITA), 404, "not a uuid", field="id")
    print("ok item: the item, its replies and its history")


def act(s, who, mid, action, body=None, key=None):
    return s.api("POST", f"/v1/inbox/{mid}/{action}", as_=who, body=body,
                 headers={"Idempotency-Key": key} if key else None)


def requested(s, mid, request_id):
    def find():
        item = s.api("GET", f"/v1/inbox/{mid}", as_=OLIVIA)[1]
        return next((e for e in item["history"] if e["type"] == "inbox.requested"
                     and e.get("inbox_requested", {}).get("request_id") == request_id), None)
    return s.wait_for(f"inbox.requested {request_id}", find)


def actions(s, mid, mid2, triage):
    """mid, mid2: customer-care items, new and nobody's (workflow's answers
    to the requests, once it makes them, never change what is asked of
    them here)."""
    refused(act(s, MAYA, mid, "assign"), 404, "not visible", field="id")
    refused(act(s, RITA, mid, "route", {"department": "marketing"}), 403, "a responder routes",
            words="coach")
    refused(act(s, RITA, mid, "unassign"), 409, "nobody assigned", field="id",
            words="nobody is assigned", code="conflict")
    refused(act(s, RITA, mid, "wait"), 409, "wait on new", field="id")
    refused(act(s, CORA, mid, "assign", {"to": MAYA}), 422, "a target of another department",
            field="to")
    refused(act(s, CORA, mid, "assign", {"to": "nobody@example.org"}), 422, "unknown target",
            field="to", words="no such person")
    refused(act(s, CORA, mid, "route"), 422, "route without department", field="department")
    refused(act(s, CORA, mid, "route", {"department": "nowhere"}), 422, "unknown department",
            field="department")
    refused(act(s, CORA, mid, "route", {"department": "customer-care"}), 422, "same department",
            field="department")
    refused(act(s, RITA, mid, "resolve", {"to": RITA}), 422, "to on resolve", field="to",
            code="unknown_field")
    refused(act(s, RITA, mid, "resolve", {"reason": "x" * 501}), 422, "long reason",
            field="reason")
    refused(act(s, OLIVIA, triage, "escalate"), 409, "escalate in triage", words="route it first")
    got = ok(act(s, RITA, mid, "assign", key="e2e-assign-1"), 202, "self-assign")
    check(got["status"] == "accepted" and got["action"] == "assign" and
          got["mention_id"] == mid, f"{got}")
    again = ok(act(s, RITA, mid, "assign", key="e2e-assign-1"), 200, "retry")
    check(again["request_id"] == got["request_id"] and again["status"] == "duplicate", f"{again}")
    ev = requested(s, mid, got["request_id"])["inbox_requested"]
    check(ev["action"] == "assign" and ev["assignee_email"] == RITA and
          ev["actor_email"] == RITA, f"{ev}")
    n = s.psql(f"SELECT count(*) FROM event_log WHERE type = 'inbox.requested' "
               f"AND correlation_id = '{mid}' AND department = 'customer-care'")
    check(n == "1", f"{n} inbox.requested for one request")
    got = ok(act(s, CORA, mid2, "assign", {"to": RITA, "reason": "she knows the order"}), 202,
             "coach assigns")
    ev = requested(s, mid2, got["request_id"])["inbox_requested"]
    check(ev["assignee_id"] == RITA_ID and ev["reason"] == "she knows the order", f"{ev}")
    got = ok(act(s, BEN, triage, "route", {"department": "customer-care"}), 202, "gatherer routes")
    ev = requested(s, triage, got["request_id"])["inbox_requested"]
    check(ev["department"] == "customer-care", f"{ev}")
    check(s.psql(f"SELECT department FROM event_log WHERE type = 'inbox.requested' AND "
                 f"correlation_id = '{triage}'") == "", "a triage request is organization-wide")
    print("ok actions: early refusals, 202 with inbox.requested, retries")


def away(s, mid):
    body = ok(s.api("PUT", "/v1/me/away", as_=RITA), 200, "away")
    check(body["away_until"] == "infinity" and body["email"] == RITA, f"{body}")
    refused(act(s, CORA, mid, "assign", {"to": RITA}), 422, "assign to a person away",
            field="to", words="away")
    refused(s.api("PUT", "/v1/me/away", as_=RITA, body={"until": "2099-01-01T09:00:00Z"}),
            422, "too far", field="until")
    refused(s.api("PUT", "/v1/me/away", as_=RITA, body={"until": "2020-01-01T00:00:00Z"}), 422,
            "in the past", field="until")
    refused(s.api("PUT", "/v1/me/away", as_=RITA, body={"until": "tomorrow"}), 422, "garbage",
            field="until")
    body = ok(s.api("DELETE", "/v1/me/away", as_=RITA), 200, "back")
    check(body["away_until"] is None, f"{body}")
    ok(s.api("DELETE", "/v1/me/away", as_=RITA), 200, "back again")
    s.wait_for("away events", lambda: s.psql(
        "SELECT string_agg(type, ',' ORDER BY seq) FROM event_log WHERE type LIKE "
        "'org.person.%'") == "org.person.away,org.person.back")
    ok(act(s, CORA, mid, "assign", {"to": RITA}), 202, "assign once back")
    print("ok away: away and back, events, assignment refused meanwhile")


def reply(s, who, mid, text, supersede=None, key=None):
    body = {"text": text}
    if supersede is not None:
        body["supersede"] = supersede
    return s.api("POST", f"/v1/inbox/{mid}/replies", as_=who, body=body,
                 headers={"Idempotency-Key": key} if key else None)


def content(s, cid, col):
    return s.psql(f"SELECT {col} FROM content WHERE id = '{cid}'")


def replies(s, mid):
    """mid: a customer-care item nobody answered; rita@ answers, cora@
    approves."""
    first = ok(reply(s, RITA, mid, "So sorry, a new one is on its way.", key="e2e-r1"), 201,
               "reply")["id"]
    check(ok(reply(s, RITA, mid, "So sorry, a new one is on its way.", key="e2e-r1"), 200,
             "retry")["id"] == first, "a retry made a second reply")
    text = content(s, first, "text")
    check(text.startswith("@e2e-care-0 So sorry") and
          text.endswith("— Rita Reyes, Customer Care"), f"composed: {text!r}")
    check(content(s, first, "kind") == "reply" and content(s, first, "reply_to_mention_id") == mid
          and content(s, first, "channel_id") == "sandbox", "the reply's row")
    s.wait_state(first, "awaiting_approval")  # through policy to the coach, as any post
    item = ok(s.api("GET", f"/v1/inbox/{mid}", as_=CORA), 200, "item with its reply")
    check([(r["content_id"], r["author"], r["pending"]) for r in item["replies"]] ==
          [(first, RITA, True)], f"{item['replies']}")
    err = refused(reply(s, CORA, mid, "Let me take this"), 409, "a pending reply",
                  code="reply_pending")
    check(err["by"] == RITA and err["since"].endswith("Z"), f"{err}")
    second = ok(reply(s, RITA, mid, "Better: a refund", supersede=True), 201, "supersede")["id"]
    check(content(s, second, "supersedes") == first, "supersedes")
    # an approved reply can no longer be withdrawn (the publisher stopped:
    # it stays approved)
    s.stop("publisher")
    s.wait_state(second, "awaiting_approval")
    ok(s.api("POST", f"/v1/content/{second}/decisions", as_=CORA,
             body={"decision": "approve"}), 202, "approve")
    s.wait_state(second, "approved")
    err = refused(reply(s, CORA, mid, "one more", supersede=True), 409, "approved",
                  code="reply_approved")
    check(err["by"] == RITA, f"{err}")
    s.start("publisher")
    s.wait_healthy("publisher")
    print("ok replies: composed, retried, pending, superseded")


def reply_rules(s, care_owned):
    triage = sql_item(s, "", triage=True, text="is anyone there")
    refused(reply(s, MAYA, care_owned, "hi"), 404, "another department's mention", field="id")
    refused(reply(s, OLIVIA, str(uuid.uuid4()), "hi"), 404, "unknown mention")
    s.psql(f"UPDATE inbox_item SET state = 'assigned', assignee_id = '{CORA_ID}', "
           f"assigned_at = now() WHERE mention_id = '{care_owned}'")
    err = refused(reply(s, RITA, care_owned, "mine now"), 409, "owned by cora",
                  code="assigned_elsewhere")
    check(err["by"] == CORA, f"{err}")
    refused(reply(s, RITA, triage, "hello"), 404, "a responder does not see triage")
    refused(reply(s, LENA, care_owned, "legal's view"), 403, "sees all, answers nothing",
            words="responders and coaches")
    ok(reply(s, BEN, triage, "hello from the listening desk"), 201, "a gatherer answers triage")
    s.psql("INSERT INTO channel (id, kind, base_url) VALUES ('news', 'rss', 'http://127.0.0.1:1') "
           "ON CONFLICT DO NOTHING")
    news = sql_item(s, "customer-care", channel="news")
    refused(reply(s, RITA, news, "hi"), 422, "an rss mention", field="id",
            words="cannot carry replies")
    refused(reply(s, RITA, care_owned, ""), 422, "empty text", field="text")
    refused(reply(s, RITA, care_owned, "x" * 9999, supersede=True), 422, "too long composed",
            field="text", words="signature")
    refused(s.api("POST", f"/v1/inbox/{care_owned}/replies", as_=RITA,
                  body={"text": "x", "channel": "sandbox"}), 422, "unknown member",
            field="channel", code="unknown_field")
    print("ok reply rules: visibility, owner, triage, channels, texts")


def racing(s):
    mids = [inbound(s, f"e2e-race-{i}", f"my order {i} is broken") for i in range(4)]
    for mid in mids:
        got = {}

        def go(who):
            got[who] = reply(s, who, mid, f"answer by {who}")[0]
        threads = [threading.Thread(target=go, args=(w,)) for w in (RITA, CORA)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        check(sorted(got.values()) == [201, 409], f"racing replies: {got}")
        n = s.psql(f"SELECT count(*) FROM content WHERE reply_to_mention_id = '{mid}'")
        check(n == "1", f"{n} replies recorded for one mention")
    print("ok racing: two replies at once, exactly one passes")


def settings(s):
    base = "/v1/admin/inbox-settings"
    items = ok(s.api("GET", base, as_=CORA), 200, "list")["items"]
    check([i["department"] for i in items] == ["default"], f"{items}")
    dflt = ok(s.api("GET", f"{base}/default", as_=OLIVIA), 200, "default")
    check(dflt["working_days"] == [1, 2, 3, 4, 5] and dflt["opens_at"] == "09:00", f"{dflt}")
    refused(s.api("GET", f"{base}/customer-care", as_=CORA), 404, "no row", words="default")
    refused(s.api("GET", f"{base}/nowhere", as_=CORA), 404, "unknown department")
    refused(s.api("PUT", f"{base}/customer-care", as_=RITA, body={}), 403, "no grant")
    refused(s.api("PUT", f"{base}/marketing", as_=CORA, body={}), 404, "another department")
    refused(s.api("PUT", f"{base}/default", as_=CORA, body={}), 403, "the default is the org's")
    put = {"time_zone": "Europe/Paris", "opens_at": "08:30", "closes_at": "18:00",
           "signature": "\n— {first_name} at {department}", "assign_cap": 5}
    got = s.api("PUT", f"{base}/customer-care", as_=CORA, body=put)
    made = ok(got, 201, "created")
    check(made["time_zone"] == "Europe/Paris" and made["first_response_minutes"] == 60
          and made["version"] == 1 and made["department"] == "customer-care", f"{made}")
    refused(s.api("PUT", f"{base}/customer-care", as_=CORA, body={"assign_cap": 6}), 428,
            "no version", field="If-Match")
    refused(s.api("PUT", f"{base}/customer-care", as_=CORA, body={"assign_cap": 6,
                                                                 "version": 7}), 409, "stale")
    for body, field in [({"time_zone": "Mars/Olympus"}, "time_zone"),
                        ({"working_days": []}, "working_days"),
                        ({"working_days": [1, 8]}, "working_days"),
                        ({"opens_at": "19:00"}, "closes_at"),
                        ({"closes_at": "25:00"}, "closes_at"),
                        ({"warn_minutes": 60}, "warn_minutes"),
                        ({"first_response_minutes": 0}, "first_response_minutes"),
                        ({"assign_cap": 0}, "assign_cap"),
                        ({"auto_assign": "no"}, "auto_assign"),
                        ({"skip_approval_certification": ""}, "skip_approval_certification"),
                        ({"signature": "x" * 501}, "signature"),
                        ({"colour": "blue"}, "colour")]:
        refused(s.api("PUT", f"{base}/customer-care", as_=CORA, body=dict(body, version=1)),
                422, f"settings {body}", field=field)
    upd = ok(s.api("PUT", f"{base}/customer-care", as_=CORA, body={
        "version": 1, "working_days": [1, 2, 3, 4, 5, 6], "skip_approval_certification":
        "replies", "auto_assign": False}), 200, "updated")
    check(upd["version"] == 2 and upd["working_days"] == [1, 2, 3, 4, 5, 6] and
          upd["opens_at"] == "08:30" and upd["auto_assign"] is False, f"{upd}")
    s.wait_for("settings events", lambda: s.psql(
        "SELECT string_agg(type, ',' ORDER BY seq) FROM event_log WHERE type LIKE "
        "'org.inbox_setting.%'") == "org.inbox_setting.created,org.inbox_setting.updated")
    mid = inbound(s, "e2e-signed", "where is my refund")
    cid = ok(reply(s, RITA, mid, "On its way."), 201, "signed reply")["id"]
    check(content(s, cid, "text") == "@e2e-signed On its way.\n— Rita at Customer Care", "signature")
    print("ok settings: who may, versions, validation, events, the signature used")


def holidays(s):
    base = "/v1/admin/holidays"
    made = ok(s.api("PUT", f"{base}/all/2026-12-25", as_=OLIVIA, body={"name": "Christmas"}), 201,
              "holiday")
    check(made == {"department": "all", "day": "2026-12-25", "name": "Christmas"}, f"{made}")
    ok(s.api("PUT", f"{base}/all/2026-12-25", as_=OLIVIA, body={"name": "Christmas"}), 200, "same")
    ok(s.api("PUT", f"{base}/all/2026-12-25", as_=OLIVIA, body={"name": "Christmas Day"}), 200,
       "renamed")
    ok(s.api("PUT", f"{base}/customer-care/2026-12-24", as_=CORA, body={"name": "Eve"}), 201,
       "a coach's department")
    refused(s.api("PUT", f"{base}/all/2026-12-31", as_=CORA, body={"name": "x"}), 403, "all")
    refused(s.api("PUT", f"{base}/marketing/2026-12-31", as_=CORA, body={"name": "x"}), 404,
            "another department")
    refused(s.api("PUT", f"{base}/all/2026-02-30", as_=OLIVIA, body={"name": "x"}), 422,
            "no such day", field="day")
    refused(s.api("PUT", f"{base}/all/2026-12-30", as_=OLIVIA, body={}), 422, "no name",
            field="name")
    days = ok(s.api("GET", base, as_=CORA), 200, "list")["items"]
    check([(d["department"], d["day"]) for d in days] ==
          [("customer-care", "2026-12-24"), ("all", "2026-12-25")], f"{days}")
    only = ok(s.api("GET", f"{base}?department=all", as_=CORA), 200, "all's")["items"]
    check([d["day"] for d in only] == ["2026-12-25"], f"{only}")
    gone = ok(s.api("DELETE", f"{base}/customer-care/2026-12-24", as_=CORA), 200, "deleted")
    check(gone["name"] == "Eve", f"{gone}")
    refused(s.api("DELETE", f"{base}/customer-care/2026-12-24", as_=CORA), 404, "gone")
    s.wait_for("holiday events", lambda: s.psql(
        "SELECT string_agg(type, ',' ORDER BY seq) FROM event_log WHERE type LIKE "
        "'org.holiday.%'") == "org.holiday.created,org.holiday.updated,org.holiday.created,"
        "org.holiday.deleted")
    print("ok holidays: who may, days, list, events")


def cli(s, mid):
    out = s.cli("inbox", "--as", RITA, "--state", "open").stdout
    check(mid in out and "customer-care" in out, f"huddle inbox: {out}")
    out = s.cli("inbox", "show", mid, "--as", RITA).stdout
    check("history" in out and "mention.routed" in out, f"huddle inbox show: {out}")
    out = s.cli("inbox", "resolve", mid, "--as", CORA, "--reason", "done").stdout
    check("resolve requested" in out, f"huddle inbox resolve: {out}")
    bad = s.cli("inbox", "route", mid, "--as", CORA, check_rc=False)
    check(bad.returncode == 2, "route without --department")
    cid = s.cli("reply", mid, "--as", CORA, "Thanks for writing").stdout.strip()
    check(content(s, cid, "reply_to_mention_id") == mid, f"huddle reply: {cid}")
    bad = s.cli("reply", mid, "--as", RITA, "again", check_rc=False)
    check(bad.returncode == 1 and "409" in bad.stderr, f"huddle reply refused: {bad.stderr}")
    until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))
    out = s.cli("away", "--as", MAYA, "--until", until).stdout
    check(f"away until {until[:16]}" in out, f"huddle away --until: {out}")
    out = s.cli("away", "--as", MAYA).stdout
    check("away until they come back" in out, f"huddle away: {out}")
    out = s.cli("away", "--as", MAYA, "--off").stdout
    check("is here" in out, f"huddle away --off: {out}")
    print("ok cli: inbox, show, an action, reply, away")


def main():
    with System("e2e_inbox_api") as s:
        s.psql("INSERT INTO person_role (person_id, role) SELECT id, 'information-gatherer' "
               f"FROM person WHERE email = '{BEN}'")
        # nobody is assigned automatically: the test sets who owns what
        # the settings start from the default alone (the sample's own rows
        # and holidays are set aside), and nobody is assigned automatically
        s.psql("DELETE FROM inbox_setting WHERE department_id <> ''")
        s.psql("DELETE FROM business_holiday")
        s.psql("UPDATE inbox_setting SET auto_assign = false")
        s.start_all()
        care = [inbound(s, f"e2e-care-{i}", f"my order {i} arrived broken") for i in range(6)]
        other = inbound(s, "e2e-mk-1", "let us do a partnership campaign")
        listing(s, care, other)
        t = triage_queue(s)
        one_item(s, care[0])
        actions(s, care[3], care[4], t)
        away(s, care[5])
        replies(s, care[0])
        reply_rules(s, care[2])
        racing(s)
        settings(s)
        holidays(s)
        cli(s, inbound(s, "e2e-cli", "my delivery is late"))
        print("ok inbox api: list, item, actions, away, replies, settings, holidays, CLI")


if __name__ == "__main__":
    main()
