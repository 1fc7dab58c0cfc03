#!/usr/bin/env python3
"""The first-response timers with every service running (docs/sla.md): a
mention routed to customer care whose warning and deadline come (set a
moment away here, where routing would set them an hour of business time
away) is warned once and then breached once by workflow's idle pass, in
that order, and recorded once even when a restarted workflow finds the
item unmarked; a resolved item with the
same deadlines never is; the metrics service counts the mention by channel,
feed and department, the item by state, the warning and the breach."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from huddle_system import System, check  # noqa: E402

LISTENER = "integration:sample-listener"


def mention(s, external_id, text):
    st, body = s.api("POST", "/v1/inbound", as_=LISTENER, body={
        "channel": "sandbox", "external_id": external_id, "author": "@sam", "text": text,
        "url": f"http://x/{external_id}"})
    check(st == 201, f"inbound: {st} {body}")
    mid = body["id"]
    s.wait_for("mention routed", lambda: s.psql(
        f"SELECT count(*) FROM inbox_item WHERE mention_id = '{mid}'") == "1")
    return mid


def deadlines(s, mid, warn_s, due_s, state=None):
    """Moves the item's deadlines to now + warn_s / due_s seconds."""
    extra = f", state = '{state}'" if state else ""
    s.psql(f"UPDATE inbox_item SET sla_warn_at = now() + interval '{warn_s} seconds', "
           f"sla_due_at = now() + interval '{due_s} seconds', sla_warned = false, "
           f"sla_breached = false{extra} WHERE mention_id = '{mid}'")


def timers(s, mid):
    """The mention's timer events in the log, in order."""
    out = s.psql("SELECT type FROM event_log WHERE correlation_id = "
                 f"'{mid}' AND type LIKE 'inbox.sla_%' ORDER BY seq")
    return out.split("\n") if out else []


def sample(text, line):
    for row in text.splitlines():
        if row.startswith(line + " "):
            return float(row.rsplit(" ", 1)[1])
    return None


def main():
    with System("e2e_inbox_sla") as s:
        s.start_all()
        late = mention(s, "m-sla-1", "My order arrived broken, I want a refund")
        done = mention(s, "m-sla-2", "Another refund question, already sorted")
        deadlines(s, done, -5, -1, state="resolved")
        deadlines(s, late, -1, 3)
        s.wait_for("the warning", lambda: timers(s, late) == ["inbox.sla_warning"], timeout=10)
        check(s.psql(f"SELECT sla_warned AND NOT sla_breached FROM read_inbox "
                     f"WHERE mention_id = '{late}'") == "t", "warning not on the item")
        s.wait_for("the breach", lambda: timers(s, late) == ["inbox.sla_warning",
                                                             "inbox.sla_breached"], timeout=10)
        check(s.psql(f"SELECT sla_breached FROM read_inbox WHERE mention_id = '{late}'") == "t",
              "breach not on the item")
        # a restarted workflow that finds the item unmarked (its flags lost)
        # marks it again and records nothing twice: the events' ids derive
        # from the mention and the deadline
        s.stop("workflow")
        s.psql(f"UPDATE inbox_item SET sla_warned = false, sla_breached = false "
               f"WHERE mention_id = '{late}'")
        s.start("workflow")
        s.wait_healthy("workflow")
        s.wait_for("the item marked again", lambda: s.psql(
            f"SELECT sla_breached FROM inbox_item WHERE mention_id = '{late}'") == "t")
        time.sleep(1.5)
        check(timers(s, late) == ["inbox.sla_warning", "inbox.sla_breached"],
              f"timers after a restart: {timers(s, late)}")
        check(timers(s, done) == [], f"a resolved item ran its timers: {timers(s, done)}")

        dept = 'department="customer-care"'
        want = {
            f'huddle_inbox_sla_warnings_total{{{dept}}}': 1,
            f'huddle_inbox_sla_breaches_total{{{dept}}}': 1,
            f'huddle_mentions_total{{channel="sandbox",feed="",{dept}}}': 2,
        }
        s.wait_for("the inbox figures", lambda: all(
            sample(s.metrics(), k) == v for k, v in want.items()), timeout=15)
        text = s.metrics()
        items = sum(sample(text, f'huddle_inbox_items{{{dept},state="{st}"}}') or 0
                    for st in ("new", "assigned", "waiting", "resolved"))
        # the item resolved by hand above moved no event: both count where routing put them
        check(items == 2, f"inbox items gauge: {items}\n{text}")
        print("ok   e2e inbox SLA timers and figures")


if __name__ == "__main__":
    main()
