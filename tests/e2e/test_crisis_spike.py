#!/usr/bin/env python3
"""End to end: spike detection and the crisis team's inbox on a real system
(docs/crisis-detection.md). A playbook with a spike trigger (window 5
minutes, baseline the previous hour, min_count 15, cool-down 60 minutes,
then: propose) is stored as ingest stores it; its past hour of steady
traffic (2 matching mentions a minute) is in its per-minute counts, since
a test cannot wait an hour. Mentions are posted through POST /v1/inbound
with an integration token:
  - at the steady rate: nothing is proposed;
  - a burst: the crisis is proposed by workflow, with the figures;
  - the proposal dismissed, a second burst inside the cool-down: nothing;
  - the proposal declared: a mention matching its terms lands in the
    reroute department's inbox with the crisis's id and rule
    crisis:<playbook>, one that does not routes as before, and a drill
    reroutes nothing."""
import json
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import crisis_sql  # noqa: E402
from huddle_system import System, check  # noqa: E402

OLIVIA = "olivia@example.org"

SPEC = {
    "name": "data-breach", "description": "Customer data exposed.", "severity": "critical",
    "terms": ["breach", "leak", "hacked"],
    "triggers": {"manual": True,
                 "spike": {"window_minutes": 5, "min_count": 15, "sigma": 3,
                           "baseline_weeks": 0, "baseline_hours": 1, "cooldown_minutes": 60,
                           "then": "propose"}},
    "scope": {"departments": [], "channels": []},
    "actions": {"hold": False, "add_approvals": [], "reroute_to": "hub", "recall_minutes": 0,
                "notify": [], "holding_statement": ""},
    "team": {"roles": ["orchestrator"], "booth": []},
    "exit": {"resume_roles": ["orchestrator"], "held_items": "publish",
             "late_items": "reapprove"},
}


class Feed:
    def __init__(self, s):
        self.s = s
        st, body = s.api("POST", "/v1/admin/integrations", as_=OLIVIA,
                         body={"name": "listening", "channels": ["sandbox"], "departments": []})
        check(st == 201, f"integration: {st} {body}")
        self.token = body["token"]
        self.n = 0

    def post(self, text):
        self.n += 1
        st, body = self.s.http(
            "POST", f"http://127.0.0.1:{self.s.ports['api']}/v1/inbound",
            {"channel": "sandbox", "external_id": f"m-{self.n}", "author": "@fan", "text": text},
            {"Authorization": f"Bearer {self.token}"})
        check(st == 201, f"mention {self.n}: {st} {body}")
        return body["id"]


def routed(s, mid):
    """The mention's inbox entry once workflow applied it."""
    row = s.wait_for(f"mention {mid} routed", lambda: s.psql(
        "SELECT department_id || '|' || rule_id || '|' || coalesce(crisis_id::text, '') "
        f"FROM read_inbox WHERE mention_id = '{mid}'"))
    return tuple(row.split("|"))


def all_routed(s, mids):
    for m in mids:
        routed(s, m)


def crises(s):
    rows = s.psql("SELECT id, state FROM crisis WHERE playbook = 'data-breach' ORDER BY started_at")
    return [tuple(r.split("|")) for r in rows.splitlines() if r]


def main():
    with System("e2e_crisis_spike") as s:
        s.start_all()
        crisis_sql.put_spec(s, SPEC, created_by=OLIVIA)
        # the past hour (and 5 minutes): 2 matching mentions a minute
        s.psql("INSERT INTO crisis_mention_count (playbook, minute, n) "
               "SELECT 'data-breach', date_trunc('minute', now()) - g * interval '1 minute', 2 "
               "FROM generate_series(1, 65) g")
        feed = Feed(s)

        # steady: a mention every half second, as the past hour went
        steady = []
        for i in range(5):
            steady.append(feed.post(f"is this a breach? ({i})"))
            time.sleep(0.5)
        all_routed(s, steady)
        check(crises(s) == [], f"steady traffic proposed nothing: {crises(s)}")

        # a burst: 20 more within seconds
        burst = [feed.post(f"we got hacked, all leaked: a leak ({i})") for i in range(20)]
        found = s.wait_for("a proposed crisis", lambda: crises(s))
        check(len(found) == 1 and found[0][1] == "proposed", f"one crisis proposed: {found}")
        crisis_id = found[0][0]
        all_routed(s, burst)
        detail = json.loads(s.psql(f"SELECT detail FROM crisis WHERE id = '{crisis_id}'"))
        # it fires at the first batch of the burst that crosses the line
        check(detail["count"] >= 15 and detail["samples"] == 12
              and detail["min_count"] == 15 and detail["baseline"] == "hours",
              f"the figures: {detail}")
        check(detail["count"] > detail["threshold"], f"above the threshold: {detail}")
        reason, declared_by, detected = s.psql(
            "SELECT reason, declared_by, detected_at IS NOT NULL FROM crisis "
            f"WHERE id = '{crisis_id}'").split("|")
        check(reason.startswith(f"spike: {detail['count']} mentions in 5 minutes (baseline mean "),
              f"reason: {reason}")
        check(declared_by == "workflow" and detected == "t", "proposed by workflow, detected")
        check(s.psql(f"SELECT type FROM event_log WHERE correlation_id = '{crisis_id}'")
              == "crisis.proposed", "crisis.proposed on the bus")
        print(f"ok spike: {reason}")

        # dismissed; a second burst inside the cool-down proposes nothing
        s.psql(f"UPDATE crisis SET state = 'dismissed' WHERE id = '{crisis_id}'")
        again = [feed.post(f"another breach ({i})") for i in range(20)]
        all_routed(s, again)
        check(len(crises(s)) == 1, f"no second crisis in the cool-down: {crises(s)}")
        check(s.psql("SELECT last_crisis_id FROM crisis_watch WHERE playbook = 'data-breach'")
              == crisis_id, "the cool-down is the first firing's")
        print("ok cool-down: a second burst proposed nothing")

        # declared (as hd_crisis_confirm leaves it): it reroutes its terms to hub
        s.psql("UPDATE crisis SET state = 'declared', declared_at = now(), "
               f"declared_by = '{OLIVIA}' WHERE id = '{crisis_id}'")
        drill = str(uuid.uuid4())
        s.psql("INSERT INTO crisis (id, name, playbook, state, drill, reroute_terms, "
               f"reroute_department, declared_at) VALUES ('{drill}', 'rehearsal', 'data-breach', "
               "'drill', true, '{exercise}', 'hub', now())")
        hit = feed.post("my order is broken, was it a LEAK?")
        miss = feed.post("my order is broken")
        rehearsal = feed.post("is this an exercise?")
        check(routed(s, hit) == ("hub", "crisis:data-breach", crisis_id),
              f"rerouted to the crisis team: {routed(s, hit)}")
        check(routed(s, miss) == ("customer-care", "support", ""),
              f"not matching: routed as before: {routed(s, miss)}")
        check(routed(s, rehearsal) == ("", "", ""),  # no rule takes it: triage
              f"a drill reroutes nothing: {routed(s, rehearsal)}")
        st, inbox = s.api("GET", "/v1/inbox", as_=OLIVIA)
        check(st == 200 and any(i["mention_id"] == hit and i["rule"] == "crisis:data-breach"
                                for i in inbox["items"]), f"in hub's inbox: {st} {inbox}")
        print("ok reroute: matching mentions go to hub with the crisis, others as before")


if __name__ == "__main__":
    main()
