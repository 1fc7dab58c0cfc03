#!/usr/bin/env python3
"""End to end: declaring and running a crisis through the API and the CLI
(docs/crisis.md), with the real processes and the sample organization.

Playbooks are inserted by SQL (their API is another part's), as the
normalized spec CRISIS.md describes. cora@ (customer-care coach) is given
the role crisis, the playbooks' team; lena@ (legal) is the booth; olivia@
the orchestrator; maya@ (marketing player) nobody in a crisis.

Proves: declaring (who may, 404 / 422 / 403 refusals naming what is wrong,
a retry under the same Idempotency-Key finds the first crisis); the list
and the crisis; the banner on answers about content in scope (POST
/v1/content, GET /v1/content/{id}, the queue, `huddle status`) and its
absence out of scope and after the resume; acknowledgements once per
person; the holding statement (refused without confirm, a content item of
kind statement with crisis_id through the batch, content.submitted carrying
crisis_id, once per crisis and channel); resume (who may, 409 the second
time naming the state); a drill (never in force, its acknowledgements
timed in the report); a proposed crisis confirmed, another dismissed; the
crisis.* events in the log; the timeline and report shapes; the CLI."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import crisis_sql  # noqa: E402
from huddle_system import System, check  # noqa: E402

OLIVIA, MAYA, CARL, RITA, CORA, LENA = ("olivia@example.org", "maya@example.org",
                                        "carl@example.org", "rita@example.org",
                                        "cora@example.org", "lena@example.org")
STATEMENT = "We are aware of reports of a data exposure and are investigating. e2e-crisis"


def spec(name, departments=(), manual=True, statement=STATEMENT):
    return {"name": name, "description": f"{name} for the e2e test", "severity": "critical",
            "terms": ["breach", "leak"], "triggers": {"manual": manual, "spike": None},
            "scope": {"departments": list(departments), "channels": []},
            "actions": {"hold": True, "add_approvals": ["legal"], "reroute_to": None,
                        "recall_minutes": 0, "notify": [], "holding_statement": statement},
            "team": {"roles": ["crisis"], "booth": ["legal"]},
            "exit": {"resume_roles": ["orchestrator"], "held_items": "publish",
                     "late_items": "reapprove"}}


def add_playbook(s, sp):
    crisis_sql.put_spec(s, sp, created_by="e2e")


def expect(got, status, what):
    check(got[0] == status, f"{what}: wanted {status}, got {got[0]} {got[1]}")
    return got[1]


def refused(got, status, what, field=None, words=None):
    body = expect(got, status, what)
    check(isinstance(body, dict) and "error" in body, f"{what}: not an error answer: {body}")
    err = body["error"]
    if field:
        check(err.get("field") == field, f"{what}: field {err}")
    if words:
        check(words in err["message"], f"{what}: message lacks {words!r}: {err}")
    return err


def declare(s, who, body, status=201, key=None):
    return s.api("POST", "/v1/crises", as_=who, body=body,
                 headers={"Idempotency-Key": key} if key else None)


def events_of(s, cid):
    rows = s.psql(f"SELECT type FROM event_log WHERE correlation_id = '{cid}' ORDER BY seq")
    return rows.splitlines()


def wait_events(s, cid, wanted):
    return s.wait_for(f"events {wanted} of {cid}",
                      lambda: all(w in events_of(s, cid) for w in wanted) and events_of(s, cid))


def refusals(s):
    b = {"playbook": "data-breach", "reason": "customer data on a paste site"}
    refused(declare(s, OLIVIA, {"playbook": "nope", "reason": "x"}), 404, "unknown playbook",
            "playbook", "no active playbook 'nope'")
    refused(declare(s, OLIVIA, {"playbook": "data-breach"}), 422, "no reason", "reason")
    refused(declare(s, OLIVIA, dict(b, reason="x" * 501)), 422, "reason too long", "reason")
    refused(declare(s, OLIVIA, dict(b, departments=["hr"])), 422, "outside the scope",
            "departments", "department 'hr' is outside playbook 'data-breach''s scope")
    refused(declare(s, OLIVIA, dict(b, playbook="org-wide", channels=["nowhere"])), 422,
            "unknown channel", "channels", "no such channel 'nowhere'")
    refused(declare(s, OLIVIA, dict(b, channels="sandbox")), 422, "not a list", "channels")
    refused(declare(s, OLIVIA, dict(b, scope="x")), 422, "unknown member", "scope")
    refused(declare(s, MAYA, b), 403, "not on the team", None, "crisis, orchestrator")
    refused(declare(s, OLIVIA, dict(b, playbook="spike-only")), 403, "not by hand", "playbook",
            "triggers.manual is false")
    # a token without the scope decide
    tok = expect(s.api("POST", "/v1/tokens", as_=CORA, body={"name": "ro", "scopes": ["read"]}),
                 201, "a read token")["token"]
    refused(s.api("POST", "/v1/crises", body=b, headers={"Authorization": f"Bearer {tok}"}), 403,
            "read token", "Authorization", "decide")
    check(s.psql("SELECT count(*) FROM crisis") == "0", "nothing declared by the refusals")


def declared(s):
    body = {"playbook": "data-breach", "reason": "customer data on a paste site",
            "departments": ["marketing"]}
    k = expect(declare(s, CORA, body, key="e2e-declare-1"), 201, "declare")
    check(k["state"] == "declared" and k["in_force"] and not k["drill"], f"state {k}")
    check(k["departments"] == ["marketing"] and k["channels"] == [], f"scope {k}")
    check(k["declared_by"] == CORA and k["playbook"] == "data-breach" and k["hold"], f"{k}")
    check(k["statement"] == STATEMENT and k["team_roles"] == ["crisis"], f"copied {k}")
    check(k["resume_roles"] == ["orchestrator"] and k["declared_at"], f"{k}")
    again = expect(declare(s, CORA, body, key="e2e-declare-1"), 200, "the same key again")
    check(again["id"] == k["id"], f"a retry finds the first crisis: {again['id']} {k['id']}")
    refused(declare(s, CORA, dict(body, reason="other"), key="e2e-declare-1"), 422, "key reused",
            "Idempotency-Key")
    check(s.psql("SELECT count(*) FROM crisis") == "1", "one crisis declared")
    # the list, its filters, the crisis
    items = expect(s.api("GET", "/v1/crises", as_=MAYA), 200, "list")["items"]
    check([i["id"] for i in items] == [k["id"]], f"list {items}")
    check(expect(s.api("GET", "/v1/crises?state=resumed", as_=MAYA), 200, "filter")["items"] == [],
          "no resumed crisis")
    check(len(expect(s.api("GET", "/v1/crises?playbook=data-breach&limit=1", as_=MAYA), 200,
                     "by playbook")["items"]) == 1, "by playbook")
    refused(s.api("GET", "/v1/crises?state=bogus", as_=MAYA), 422, "state", "state")
    refused(s.api("GET", "/v1/crises?limit=0", as_=MAYA), 422, "limit", "limit")
    one = expect(s.api("GET", f"/v1/crises/{k['id']}", as_=MAYA), 200, "show")
    check(one["id"] == k["id"] and one["reason"] == body["reason"], f"show {one}")
    refused(s.api("GET", "/v1/crises/00000000-0000-4000-8000-00000000dead", as_=MAYA), 404,
            "unknown crisis", "id")
    refused(s.api("GET", "/v1/crises/not-an-id", as_=MAYA), 404, "not an id", "id")
    wait_events(s, k["id"], ["crisis.declared"])
    return k


def banner(s, k):
    post = expect(s.api("POST", "/v1/content", as_=MAYA,
                        body={"channel": "sandbox", "text": "Spring launch e2e-crisis-in"}),
                  201, "submit in scope")
    b = post.get("crisis")
    check(b and b["id"] == k["id"] and b["playbook"] == "data-breach", f"banner on POST {post}")
    check(set(b) == {"id", "playbook", "name", "reason", "declared_by", "since"}, f"keys {b}")
    check(b["declared_by"] == CORA and b["reason"] == k["reason"], f"banner {b}")
    check(b["since"] == k["declared_at"], f"since {b} {k['declared_at']}")
    out = expect(s.api("POST", "/v1/content", as_=RITA,
                       body={"channel": "sandbox", "text": "Support hours e2e-crisis-out"}),
                 201, "submit out of scope")
    check("crisis" not in out, f"no banner out of scope: {out}")
    inside, outside = post["id"], out["id"]
    check(s.item(inside, as_=MAYA).get("crisis", {}).get("id") == k["id"], "banner on GET")
    check("crisis" not in s.item(outside, as_=RITA), "no banner on GET out of scope")
    s.wait_state(inside, "awaiting_approval")
    queue = expect(s.api("GET", "/v1/queue", as_=CARL), 200, "queue")["items"]
    mine = [q for q in queue if q["id"] == inside]
    check(mine and mine[0].get("crisis", {}).get("id") == k["id"], f"banner in queue {queue}")
    status = s.cli("status", inside, "--as", MAYA).stdout
    check(status.startswith("CRISIS") and k["id"] in status, f"huddle status: {status}")
    check("CRISIS" not in s.cli("status", outside, "--as", RITA).stdout, "no banner outside")
    return inside


def acks(s, k):
    path = f"/v1/crises/{k['id']}/ack"
    first = expect(s.api("POST", path, as_=CORA), 201, "cora acks")
    check(first["status"] == "acknowledged" and first["roles"] == ["crisis"], f"ack {first}")
    time.sleep(0.01)
    again = expect(s.api("POST", path, as_=CORA), 200, "cora acks again")
    check(again["acked_at"] == first["acked_at"] and again["status"] == "duplicate", f"{again}")
    booth = expect(s.api("POST", path, as_=LENA, body={}), 201, "lena (the booth) acks")
    check(booth["roles"] == ["legal"], f"booth roles {booth}")
    refused(s.api("POST", path, as_=MAYA), 403, "maya is not on the team", None, "legal")
    refused(s.api("POST", path, as_=CORA, body={"x": 1}), 422, "unknown member", "x")
    check(s.psql(f"SELECT count(*) FROM crisis_ack WHERE crisis_id = '{k['id']}'") == "2",
          "two acks")


def statement(s, k):
    path = f"/v1/crises/{k['id']}/statement"
    refused(s.api("POST", path, as_=CORA, body={}), 422, "no confirm", "confirm")
    refused(s.api("POST", path, as_=CORA, body={"confirm": "yes"}), 422, "confirm not true",
            "confirm")
    refused(s.api("POST", path, as_=MAYA, body={"confirm": True}), 403, "maya", None, "crisis")
    out = s.cli("crisis", "statement", k["id"], "--as", CORA, check_rc=False)
    check(out.returncode == 1 and STATEMENT in out.stdout and "--confirm" in out.stdout,
          f"statement without --confirm shows and refuses: {out}")
    got = expect(s.api("POST", path, as_=CORA, body={"confirm": True}), 201, "statement")
    sid = got["id"]
    row = s.psql(f"SELECT kind, crisis_id, department_id, channel_id, text FROM content "
                 f"WHERE id = '{sid}'").split("|")
    check(row == ["statement", k["id"], "customer-care", "sandbox", STATEMENT], f"item {row}")
    again = expect(s.api("POST", path, as_=CORA, body={"confirm": True, "channel": "sandbox"}),
                   200, "the same statement again")
    check(again["id"] == sid and again["status"] == "duplicate", f"retry {again}")
    refused(s.api("POST", path, as_=OLIVIA, body={"confirm": True}), 409,
            "a second statement on the channel", "channel", sid)
    hist = s.item(sid, as_=CORA)["history"]
    sub = [h for h in hist if h["type"] == "content.submitted"]
    check(sub and k["id"] in json.dumps(sub[0]), f"content.submitted carries crisis_id {sub}")
    wait_events(s, k["id"], ["crisis.statement", "crisis.acknowledged"])
    ev = s.psql(f"SELECT count(*) FROM event_log WHERE correlation_id = '{k['id']}' "
                "AND type = 'crisis.statement'")
    check(ev == "1", f"one crisis.statement: {ev}")
    return sid


def resume(s, k, inside):
    path = f"/v1/crises/{k['id']}/resume"
    refused(s.api("POST", path, as_=CORA, body={"reason": "contained"}), 403, "cora may not",
            None, "orchestrator")
    refused(s.api("POST", path, as_=OLIVIA, body={}), 422, "no reason", "reason")
    done = expect(s.api("POST", path, as_=OLIVIA, body={"reason": "contained, all clear"}), 200,
                  "resume")
    check(done["state"] == "resumed" and not done["in_force"], f"resumed {done}")
    check(done["resumed_by"] == OLIVIA and done["resumed_at"] and done["ended_at"], f"{done}")
    check(done["resume_reason"] == "contained, all clear", f"{done}")
    refused(s.api("POST", path, as_=OLIVIA, body={"reason": "again"}), 409, "resume twice", None,
            "is resumed")
    check("crisis" not in s.item(inside, as_=MAYA), "no banner once resumed")
    refused(s.api("POST", f"/v1/crises/{k['id']}/statement", as_=CORA, body={"confirm": True,
                                                                              "channel": "x"}),
            409, "statement after the resume", None, "is resumed")
    refused(s.api("POST", f"/v1/crises/{k['id']}/ack", as_=CORA), 409, "ack after", None,
            "resumed")
    wait_events(s, k["id"], ["crisis.resumed"])


def timeline(s, k, sid):
    tl = expect(s.api("GET", f"/v1/crises/{k['id']}/timeline", as_=MAYA), 200, "timeline")
    items = tl["items"]
    types = [i["type"] for i in items]
    for t in ["crisis.declared", "ack", "crisis.statement", "crisis.resumed"]:
        check(t in types, f"timeline has {t}: {types}")
    check("crisis.acknowledged" not in types, "an ack shows once")
    check(types.index("crisis.declared") < types.index("crisis.statement") <
          types.index("crisis.resumed"), f"in order: {types}")
    check([i["at"] for i in items] == sorted(i["at"] for i in items), "by time")
    check(all(set(i) >= {"at", "type", "actor", "summary"} for i in items), f"shape {items}")
    st = [i for i in items if i["type"] == "crisis.statement"][0]
    check(sid in st["summary"] and st["actor"] == CORA, f"statement entry {st}")
    ack = [i for i in items if i["type"] == "ack"]
    check(len(ack) == 2 and ack[0]["actor"] == CORA and "person_id" in ack[0], f"acks {ack}")
    check(not tl["truncated"] and tl["limit"] == 500, f"{tl['truncated']} {tl['limit']}")
    one = expect(s.api("GET", f"/v1/crises/{k['id']}/timeline?limit=1", as_=MAYA), 200, "limit")
    check(len(one["items"]) == 1 and one["truncated"], f"limited {one}")
    refused(s.api("GET", f"/v1/crises/{k['id']}/timeline?limit=1001", as_=MAYA), 422, "limit",
            "limit")
    r = expect(s.api("GET", f"/v1/crises/{k['id']}/report", as_=MAYA), 200, "report")
    for key in ["time_to_detect_ms", "time_to_declare_ms", "time_to_hold_ms",
                "time_to_first_response_ms", "time_to_resume_ms", "team", "first_response"]:
        check(key in r, f"report has {key}: {r}")
    check(r["time_to_detect_ms"] is None and r["time_to_declare_ms"] is None, f"manual {r}")
    check(isinstance(r["time_to_resume_ms"], int) and r["time_to_resume_ms"] > 0, f"{r}")
    check(r["first_response"] == "acknowledged" and r["time_to_first_response_ms"] >= 0, f"{r}")
    team = {m["email"]: m for m in r["team"]}
    check(team[CORA]["acked_at"] and isinstance(team[CORA]["ack_ms"], int), f"team {team}")
    check(team[LENA]["acked_at"], f"the booth's ack is listed {team}")


def drill(s):
    refused(s.api("POST", "/v1/crises/drills", as_=CORA,
                  body={"playbook": "data-breach", "reason": "q", "departments": ["marketing"]}),
            422, "a drill has no scope of its own", "departments")
    d = expect(s.api("POST", "/v1/crises/drills", as_=CORA,
                     body={"playbook": "spike-only", "reason": "quarterly rehearsal"}), 201,
               "drill")
    check(d["state"] == "drill" and d["drill"] and not d["in_force"], f"drill {d}")
    out = expect(s.api("POST", "/v1/content", as_=MAYA,
                       body={"channel": "sandbox", "text": "During the drill e2e-crisis"}),
                 201, "submit during a drill")
    check("crisis" not in out, f"a drill is never in force: {out}")
    time.sleep(0.05)
    expect(s.api("POST", f"/v1/crises/{d['id']}/ack", as_=CORA), 201, "ack the drill")
    r = expect(s.api("GET", f"/v1/crises/{d['id']}/report", as_=OLIVIA), 200, "drill report")
    check(r["drill"] and r["time_to_hold_ms"] is None, f"nothing held in a drill {r}")
    team = {m["email"]: m for m in r["team"]}
    check(team[CORA]["ack_ms"] >= 50, f"cora's ack timed from the drill's start {team}")
    expect(s.api("POST", f"/v1/crises/{d['id']}/resume", as_=OLIVIA,
                 body={"reason": "drill over"}), 200, "end the drill")
    wait_events(s, d["id"], ["crisis.acknowledged", "crisis.resumed"])


def proposed(s, name):
    """A crisis proposed by spike detection, as hd_crisis_declare writes one."""
    cid = s.psql("SELECT gen_random_uuid()")
    s.psql("INSERT INTO crisis (id, name, playbook, playbook_version, severity, state, reason, "
           "declared_by, departments, hold, team_roles, resume_roles, statement, spec, "
           "detected_at, proposed_at, started_at) "
           f"SELECT '{cid}', name, name, version, spec->>'severity', 'proposed', "
           "'142 mentions in 10 minutes', 'workflow', '{marketing}', true, '{crisis}', "
           "'{orchestrator}', spec->'actions'->>'holding_statement', spec, "
           "now() - interval '5 seconds', now() - interval '4 seconds', "
           "now() - interval '4 seconds' "
           f"FROM playbook_version WHERE name = '{name}' AND active")
    return cid


def proposals(s):
    a = proposed(s, "data-breach")
    p = expect(s.api("GET", f"/v1/crises/{a}", as_=MAYA), 200, "a proposal")
    check(p["state"] == "proposed" and not p["in_force"], f"{p}")
    refused(s.api("POST", f"/v1/crises/{a}/confirm", as_=MAYA), 403, "maya may not confirm")
    refused(s.api("POST", f"/v1/crises/{a}/resume", as_=OLIVIA, body={"reason": "x"}), 409,
            "resume a proposal", None, "is proposed")
    c = expect(s.api("POST", f"/v1/crises/{a}/confirm", as_=CORA), 200, "confirm")
    check(c["state"] == "declared" and c["declared_by"] == CORA and c["in_force"], f"{c}")
    refused(s.api("POST", f"/v1/crises/{a}/confirm", as_=CORA), 409, "confirm twice", None,
            "is declared")
    r = expect(s.api("GET", f"/v1/crises/{a}/report", as_=CORA), 200, "report")
    check(900 <= r["time_to_detect_ms"] <= 1100, f"detected 1 s before the proposal {r}")
    check(r["time_to_declare_ms"] >= 5000, f"detection to declaration {r}")
    expect(s.api("POST", f"/v1/crises/{a}/resume", as_=OLIVIA, body={"reason": "false alarm"}),
           200, "resume the confirmed one")
    b = proposed(s, "data-breach")
    refused(s.api("POST", f"/v1/crises/{b}/dismiss", as_=CORA, body={}), 422, "no reason",
            "reason")
    refused(s.api("POST", f"/v1/crises/{b}/dismiss", as_=MAYA, body={"reason": "x"}), 403, "maya")
    d = expect(s.api("POST", f"/v1/crises/{b}/dismiss", as_=CORA,
                     body={"reason": "a campaign, not a breach"}), 200, "dismiss")
    check(d["state"] == "dismissed" and d["ended_at"] and d["resumed_at"] is None, f"{d}")
    check(d["resumed_by"] == CORA and d["resume_reason"] == "a campaign, not a breach", f"{d}")
    refused(s.api("POST", f"/v1/crises/{b}/dismiss", as_=CORA, body={"reason": "x"}), 409,
            "dismiss twice", None, "is dismissed")
    refused(s.api("POST", f"/v1/crises/{b}/confirm", as_=CORA), 409, "confirm a dismissed one",
            None, "is dismissed")
    wait_events(s, a, ["crisis.declared", "crisis.resumed"])
    wait_events(s, b, ["crisis.dismissed"])


def cli(s):
    out = s.cli("crisis", "declare", "org-wide", "--reason", "the CLI declares",
                "--as", CORA)
    cid = out.stdout.strip()
    check(len(cid) == 36, f"declare prints the id: {out.stdout!r}")
    check("CRISIS" in s.cli("status", s.api("POST", "/v1/content", as_=RITA, body={
        "channel": "sandbox", "text": "org-wide e2e-crisis"})[1]["id"], "--as", RITA).stdout,
        "an organization-wide crisis covers customer-care")
    listed = s.cli("crisis", "list", "--state", "declared", "--as", MAYA).stdout
    check(cid in listed and "org-wide" in listed, f"list {listed}")
    shown = json.loads(s.cli("crisis", "show", cid, "--json", "--as", MAYA).stdout)
    check(shown["id"] == cid and shown["state"] == "declared", f"show --json {shown}")
    check("the CLI declares" in s.cli("crisis", "show", cid, "--as", MAYA).stdout, "show")
    check("acknowledged" in s.cli("crisis", "ack", cid, "--as", CORA).stdout, "ack")
    refusal = s.cli("crisis", "resume", cid, "--reason", "x", "--as", MAYA, check_rc=False)
    check(refusal.returncode == 1 and "orchestrator" in refusal.stderr, f"refused {refusal}")
    check(s.cli("crisis", "resume", cid, "--as", OLIVIA, check_rc=False).returncode == 2,
          "resume needs --reason")
    s.cli("crisis", "resume", cid, "--reason", "over", "--as", OLIVIA)
    wait_events(s, cid, ["crisis.resumed"])
    tl = s.cli("crisis", "timeline", cid, "--as", MAYA).stdout
    check("crisis.declared" in tl and "crisis.resumed" in tl, f"timeline {tl}")
    rep = s.cli("crisis", "report", cid, "--as", MAYA).stdout
    check("time to resume" in rep and cora_line(rep), f"report {rep}")


def cora_line(rep):
    return any(CORA in line and "ms" in line for line in rep.splitlines())


def main():
    with System("e2e_crisis_api") as s:
        add_playbook(s, spec("data-breach", departments=["marketing"]))
        add_playbook(s, spec("org-wide"))
        add_playbook(s, spec("spike-only", manual=False))
        s.psql("INSERT INTO person_role (person_id, role) SELECT id, 'crisis' FROM person "
               f"WHERE email = '{CORA}'")
        s.start_all()
        refusals(s)
        k = declared(s)
        inside = banner(s, k)
        acks(s, k)
        sid = statement(s, k)
        resume(s, k, inside)
        timeline(s, k, sid)
        drill(s)
        proposals(s)
        cli(s)
        print("ok crisis api: declare, banner, ack, statement, resume, drill, proposals, "
              "timeline, report, CLI")


if __name__ == "__main__":
    main()
