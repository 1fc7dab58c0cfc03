"""Crisis helpers of `make bench` (bench/run.py) and the fault run
(tests/fault/fault.py); not a test. Standard library only.

- put_spec: a playbook's spec (its validated, normalized form: every key
  present, docs/playbooks.md) written straight into playbook_version as
  the active version of its name, as the API stores one: the tests and
  runs that use it do not depend on the playbook API to set themselves up.
- apply_playbook: a holding playbook written so.
- crises: the crises of some playbooks as the database has them.
- hold_breaches: the posts on the sandbox stored inside a crisis's hold.
"""
import json
from datetime import datetime


def apply_playbook(s, name, description, departments=(), channels=(), held="publish",
                   late="publish", roles=("orchestrator",)):
    """Makes `name` (version 1) the active playbook of that name: a hold in
    its scope (departments, channels: empty for every one) and nothing else;
    on resume held items follow `held`, those whose slot passed `late`;
    declared and resumed by `roles`. Runs again without harm."""
    def flow(xs):
        return "[" + ", ".join(xs) + "]"
    source = (f"playbook: {name}\n"
              f"description: {json.dumps(description)}\n"
              "severity: high\n"
              "terms: []\n"
              "triggers:\n  manual: true\n"
              f"scope:\n  departments: {flow(departments)}\n  channels: {flow(channels)}\n"
              "actions:\n  hold: true\n"
              f"team:\n  roles: {flow(roles)}\n"
              f"exit:\n  resume_roles: {flow(roles)}\n  held_items: {held}\n"
              f"  late_items: {late}\n")
    spec = {
        "name": name, "description": description, "severity": "high", "terms": [],
        "triggers": {"manual": True, "spike": None},
        "scope": {"departments": list(departments), "channels": list(channels)},
        "actions": {"hold": True, "add_approvals": [], "reroute_to": None,
                    "recall_minutes": 0, "notify": [], "holding_statement": ""},
        "team": {"roles": list(roles), "booth": []},
        "exit": {"resume_roles": list(roles), "held_items": held, "late_items": late},
    }
    put_spec(s, spec, source)


def put_spec(s, spec, source=None, created_by="test"):
    """Makes `spec` the active version of its playbook (the next version
    number; the one active before, a seeded example say, kept inactive).
    Both statements run in psql's one implicit transaction."""
    name = spec["name"]
    source = source or f"playbook: {name}\n"
    # Dollar quotes: the texts are ours and hold no "$pb$".
    s.psql(f"UPDATE playbook_version SET active = false WHERE name = $pb${name}$pb$ AND active; "
           "INSERT INTO playbook_version (name, version, source, spec, created_by, active) "
           f"SELECT $pb${name}$pb$, coalesce(max(version), 0) + 1, $pb${source}$pb$, "
           f"$pb${json.dumps(spec)}$pb$::jsonb, $pb${created_by}$pb$, true "
           f"FROM playbook_version WHERE name = $pb${name}$pb$")


def crises(s, playbooks):
    """[{id, playbook, state, declared, resumed, departments, channels}] of
    every crisis of those playbooks, oldest first; declared and resumed in
    seconds since the epoch (None when not reached)."""
    names = ",".join(f"$pb${p}$pb$" for p in playbooks)
    out = []
    for line in s.psql(
            "SELECT id, playbook, state, coalesce(extract(epoch FROM declared_at)::text, ''), "
            "coalesce(extract(epoch FROM resumed_at)::text, ''), "
            "array_to_string(departments, ','), array_to_string(channels, ',') "
            f"FROM crisis WHERE playbook IN ({names}) ORDER BY started_at").splitlines():
        cid, pb, state, d, r, deps, chans = line.split("|")
        out.append({"id": cid, "playbook": pb, "state": state,
                    "declared": float(d) if d else None, "resumed": float(r) if r else None,
                    "departments": set(filter(None, deps.split(","))),
                    "channels": set(filter(None, chans.split(",")))})
    return out


def sandbox_posts(s):
    """content id -> when the sandbox stored its post (s since the epoch),
    read in pages. The publisher sends the content id as the post's
    Idempotency-Key; posts without one are left out."""
    out, page, max_id = {}, 5000, ""
    while True:
        got = s.sandbox(f"/api/v1/statuses?limit={page}{max_id}")
        for st in got:
            key = st.get("idempotency_key")
            if key:
                t = datetime.strptime(st["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
                out[key] = (t - datetime(1970, 1, 1)).total_seconds()
        if len(got) < page:
            return out
        max_id = f"&max_id={got[-1]['id']}"


def items_scope(s):
    """content id -> (department, channel, the crisis it is the holding
    statement of or "")."""
    out = {}
    for line in s.psql("SELECT id, department_id, channel_id, "
                       "CASE WHEN kind = 'statement' THEN coalesce(crisis_id::text, '') "
                       "ELSE '' END FROM content").splitlines():
        cid, dept, chan, of = line.split("|")
        out[cid] = (dept, chan, of)
    return out


def hold_breaches(crisis_list, posts, items):
    """[(content id, crisis id, seconds after declared_at)] for every post
    stored at or after a crisis's declared_at and before its resumed_at
    (still held: any time after) whose item the crisis covers: its
    department and channel in the crisis's scope (empty: every one), its
    own holding statement excepted. The sandbox stamps a post when it
    stores it (millisecond, truncated), so a post stored before the
    declaration is never stamped after it."""
    out = []
    for key, t in posts.items():
        dept, chan, statement_of = items.get(key, ("", "", ""))
        for c in crisis_list:
            if c["declared"] is None or t < c["declared"]:
                continue
            if c["resumed"] is not None and t >= c["resumed"]:
                continue
            if c["departments"] and dept not in c["departments"]:
                continue
            if c["channels"] and chan not in c["channels"]:
                continue
            if statement_of == c["id"]:
                continue
            out.append((key, c["id"], t - c["declared"]))
    return out
