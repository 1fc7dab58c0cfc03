"""End to end: the README's crisis tour, command by command, against the
real processes, and the crisis figures it leaves in the metrics service
(docs/metrics.md, "Crises"): a post approved for a later slot is held when
olivia declares the sample's data-breach playbook, shows the crisis
banner, goes back to approval when she resumes (the playbook's exit rule
held_items: reapprove) and is approved again by carl (waiting for its slot,
not published); metrics then counts one resumed data-breach crisis, the
item held and released to reapproval, none held now, and one hold time."""
import os
import re
import sys
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(__file__))
from huddle_system import System, check  # noqa: E402

MAYA, CARL, OLIVIA = "maya@example.org", "carl@example.org", "olivia@example.org"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TEXT = "Weekend sale: 20% off everything (e2e crisis tour)"


def sample(text, name, **labels):
    """The value of the sample name{labels} in Prometheus text, or None."""
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{name}{{{want}}} "):
            return float(line.rsplit(" ", 1)[1])
    return None


def approved_for_later(s):
    at = (datetime.now(timezone.utc) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    cid = s.cli("submit", "--as", MAYA, "--channel", "sandbox", "--at", at, TEXT).stdout.strip()
    s.wait_state(cid, "awaiting_approval")
    s.cli("approve", cid, "--as", CARL)
    s.wait_state(cid, "approved")
    # The publisher's job waits for the slot: what a declaration holds.
    s.wait_for("the publisher's job", lambda: s.psql(
        f"SELECT state FROM publish_job WHERE content_id = '{cid}'") == "pending")
    return cid


def declare_and_see_the_hold(s, cid):
    out = s.cli("crisis", "declare", "data-breach", "--reason", "Customer records may be exposed",
                "--as", OLIVIA).stdout.strip()
    check(UUID.match(out), f"huddle crisis declare printed {out!r}, not the crisis id")
    item = s.wait_state(cid, "held")
    banner = item.get("crisis") or {}
    check(banner.get("id") == out and banner.get("playbook") == "data-breach" and
          banner.get("reason") == "Customer records may be exposed" and
          banner.get("declared_by") == OLIVIA and banner.get("since"),
          f"the held item's crisis banner: {banner}")
    human = s.cli("status", cid, "--as", MAYA).stdout
    check("held" in human and "Customer records may be exposed" in human,
          f"huddle status of a held item: {human}")
    check(out in s.cli("crisis", "list", "--as", OLIVIA).stdout, "crisis list lacks the crisis")
    check("data-breach" in s.cli("crisis", "show", out, "--as", OLIVIA).stdout,
          "crisis show does not name its playbook")
    return out


def resume(s, cid, crisis):
    s.cli("crisis", "resume", crisis, "--reason", "Contained; no customer data left us",
          "--as", OLIVIA)
    item = s.wait_state(cid, "awaiting_approval")
    check("crisis" not in item, f"a released item still has a banner: {item.get('crisis')}")
    s.cli("approve", cid, "--as", CARL)
    s.wait_state(cid, "approved")
    timeline = s.cli("crisis", "timeline", crisis, "--as", OLIVIA).stdout
    check("declared" in timeline and "resumed" in timeline, f"timeline: {timeline}")
    check(TEXT not in [p["text"] for p in s.sandbox()], "published before its slot")


def figures(s):
    def settled():
        text = s.metrics()
        return sample(text, "huddle_crisis_hold_seconds_count", playbook="data-breach") and \
            sample(text, "huddle_crisis_items_released_total", playbook="data-breach",
                   outcome="reapprove") and text
    text = s.wait_for("the crisis figures", settled)
    want = [("huddle_crises", {"playbook": "data-breach", "state": "resumed"}, 1),
            ("huddle_crisis_held_items", {"playbook": "data-breach"}, 0),
            ("huddle_crisis_items_held_total", {"playbook": "data-breach"}, 1),
            ("huddle_crisis_items_released_total",
             {"playbook": "data-breach", "outcome": "reapprove"}, 1),
            ("huddle_crisis_hold_seconds_count", {"playbook": "data-breach"}, 1)]
    for name, labels, value in want:
        got = sample(text, name, **labels)
        check(got == value, f"{name}{labels}: {got}, expected {value}")
    check(sample(text, "huddle_crises", playbook="data-breach", state="declared") is None,
          "a resumed crisis is still counted as declared")


def main():
    with System("e2e_crisis_tour") as s:
        s.start_all()
        cid = approved_for_later(s)
        crisis = declare_and_see_the_hold(s, cid)
        resume(s, cid, crisis)
        figures(s)
    print("ok   e2e crisis tour")


if __name__ == "__main__":
    main()
