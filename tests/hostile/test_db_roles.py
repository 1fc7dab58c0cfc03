#!/usr/bin/env python3
"""Least privilege in PostgreSQL (issue 14; migrations/016_roles.sql,
docs/deploy.md "Database roles"). A fresh database is migrated; then each
service's role is tried directly with psql: what it must not do is refused
(nobody, the owner included, may UPDATE, DELETE or TRUNCATE event_log;
only the hub appends to it; the API's read side writes nothing and reads
only its views; each service touches only its own tables and the columns
it reads of others'), and what it must do works. Then the whole system
runs, every service as its own role, and one submission is published:
pg_stat_activity shows each service's connections under its own role and
none under the owner's."""
import os
import stat
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from huddle_system import System, check  # noqa: E402

SERVICES = ["hub", "ingest", "policy", "workflow", "publisher", "metrics"]
ROLES = SERVICES + ["read"]
MAYA, CARL = "maya@example.org", "carl@example.org"
EVENT = ("INSERT INTO event_log (seq, event_id, type, payload, created_at) "
         "VALUES (1000000, gen_random_uuid(), 'x', '', now())")
WRITES = {  # a write of each kind on tables of every owner
    "content": "UPDATE content SET text = 'x'",
    "content_insert": "INSERT INTO content (id, author_id, department_id, channel_id, text) "
                      "SELECT gen_random_uuid(), id, department_id, 'sandbox', 'x' FROM person "
                      "LIMIT 1",
    "person": "UPDATE person SET active = true",
    "api_token": "UPDATE api_token SET scopes = '{admin}'",
    "policy_version": "UPDATE policy_version SET active = active",
    "policy_verdict": "INSERT INTO policy_verdict (content_id, policy_version, verdict, findings) "
                      "VALUES (gen_random_uuid(), 1, 'pass', '[]')",
    "workflow_item": "UPDATE workflow_item SET state = 'approved'",
    "publish_job": "UPDATE publish_job SET state = 'done'",
    "metrics_counter": "UPDATE metrics_counter SET value = 0",
    "outbox": "INSERT INTO outbox (event_id, type, payload) VALUES (gen_random_uuid(), 'x', '')",
    "consumer_cursor": "UPDATE consumer_cursor SET consumer = 'x'",
    "dead_letter": "DELETE FROM dead_letter",
    # dead letters go in through dead_letter_put (015) only, never directly
    "dead_letter_insert": "INSERT INTO dead_letter (source, reason, raw) VALUES ('x', 'x', '')",
    "dead_letter_put": "SELECT dead_letter_put('test', NULL, NULL, 'r', NULL, '\\x00'::bytea, "
                       "NULL, 'test', 60)",
}
# Which of WRITES each role may do (its own tables).
MAY_WRITE = {
    "hub": {"dead_letter_put"},
    "ingest": {"content_insert", "person", "api_token", "outbox", "dead_letter_put"},
    "policy": {"policy_version", "policy_verdict", "outbox", "dead_letter_put"},
    "workflow": {"workflow_item", "outbox", "dead_letter_put"},
    "publisher": {"publish_job", "outbox", "dead_letter_put"},
    "metrics": {"metrics_counter", "dead_letter_put"},
    "read": set(),
}
SECRETS = ["SELECT hash FROM api_token", "SELECT secret FROM channel_account",
           "SELECT token FROM channel_account"]


def refused(s, role, sql):
    ok, _, err = s.psql_as(role, f"BEGIN; {sql}; ROLLBACK")
    check(not ok, f"huddle_{role} was allowed: {sql}")
    check("permission denied" in err or "append-only" in err or "must be" in err,
          f"huddle_{role}: {sql}: refused for another reason: {err}")


def allowed(s, role, sql):
    ok, out, err = s.psql_as(role, f"BEGIN; {sql}; ROLLBACK")
    check(ok, f"huddle_{role} was refused: {sql}: {err}")
    return out


def owner_refused(s, sql):
    out = subprocess.run(["psql", s.db_url, "-Atq", "-v", "ON_ERROR_STOP=1", "-c",
                          f"BEGIN; {sql}; ROLLBACK"], capture_output=True, text=True)
    check(out.returncode != 0 and "append-only" in out.stderr,
          f"the owner was allowed: {sql}: {out.stderr}")


def test_password_files(s):
    for role in ROLES:
        path = os.path.join(s.env["HUDDLE_KEYS_DIR"], "db", f"{role}.password")
        mode = stat.S_IMODE(os.stat(path).st_mode)
        check(mode == 0o600, f"{path}: mode {oct(mode)}")
        check(len(s.db_password(role)) >= 16, f"{path}: too short")
    pw = {r: s.db_password(r) for r in ROLES}
    check(len(set(pw.values())) == len(ROLES), "two roles share a password")
    s.migrate(check=True)  # idempotent: the same passwords
    check(pw == {r: s.db_password(r) for r in ROLES}, "a second run changed the passwords")
    s.migrate("--rotate-db-passwords", check=True)
    new = {r: s.db_password(r) for r in ROLES}
    check(all(new[r] != pw[r] for r in ROLES), "--rotate-db-passwords kept a password")
    rows = s.psql("SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, "
                  "rolbypassrls FROM pg_roles WHERE rolname LIKE 'huddle\\_%'")
    for line in rows.splitlines():
        name, login, *powers = line.split("|")
        check(login == "t" and powers == ["f"] * 4, f"role {name}: {line}")


def test_event_log(s):
    for role in ROLES:
        for sql in ["UPDATE event_log SET type = type", "DELETE FROM event_log",
                    "TRUNCATE event_log"]:
            refused(s, role, sql)
        if role != "hub":
            refused(s, role, EVENT)
    allowed(s, "hub", EVENT)
    # Not even the owner (the trigger), once there are rows.
    owner_refused(s, "UPDATE event_log SET type = type")
    owner_refused(s, "DELETE FROM event_log")
    owner_refused(s, "TRUNCATE event_log")


def test_tables(s):
    for role in ROLES:
        for name, sql in WRITES.items():
            if name in MAY_WRITE[role]:
                allowed(s, role, sql)
            else:
                refused(s, role, sql)
        for sql in SECRETS:
            if not (role == "ingest" or (role == "publisher" and "secret" in sql)):
                refused(s, role, sql)
        refused(s, role, "CREATE TABLE mine (a int)")
    # The read side: its views and nothing else, and no way out of the role.
    for table in ["content", "workflow_item", "event_log", "person", "policy_version"]:
        refused(s, "read", f"SELECT * FROM {table}")
    check(allowed(s, "read", "SELECT count(*) FROM read_item") != "", "read_item unreadable")
    # an updatable view (a single table's): refused for the role, not for its shape
    refused(s, "read", "UPDATE read_inbox_setting SET auto_assign = false")
    refused(s, "read", "SET ROLE huddle_ingest")
    # Column by column: policy reads who wrote, never how to log in.
    allowed(s, "policy", "SELECT id, email, active FROM person")
    refused(s, "policy", "SELECT * FROM person")
    allowed(s, "publisher", "SELECT channel_id, department_id, secret FROM channel_account")
    # Every table is some service's: a later migration must grant it.
    orphans = s.psql(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'p') "
        "AND c.relname <> 'schema_migration' AND NOT EXISTS (SELECT 1 FROM pg_roles r "
        "WHERE r.rolname LIKE 'huddle\\_%' AND (has_table_privilege(r.oid, c.oid, "
        "'SELECT, INSERT, UPDATE, DELETE') OR has_any_column_privilege(r.oid, c.oid, "
        "'SELECT, INSERT, UPDATE')))")
    check(orphans == "", f"tables no service role may use: {orphans.split()}")


def test_system_as_roles(s):
    s.start_all()
    text = "Spring launch: meet our new app! hostile-db-roles"
    cid = s.cli("submit", "--as", MAYA, "--channel", "sandbox", text).stdout.strip()
    s.wait_state(cid, "awaiting_approval")
    s.cli("approve", cid, "--as", CARL)
    s.wait_state(cid, "published")
    check(any(p["text"] == text for p in s.sandbox()), "not on the sandbox")
    st, body = s.api("GET", f"/v1/content/{cid}", as_=MAYA)  # the read side
    check(st == 200 and body["history"], f"read back: {st} {body}")
    users = s.db_users()
    for role in ROLES:
        check(users.get(f"huddle_{role}", 0) > 0, f"no connection as huddle_{role}: {users}")
    check(set(users) <= {f"huddle_{r}" for r in ROLES},
          f"connections under other roles (the owner?): {users}")
    for name in SERVICES:
        with open(s.log_path(name)) as f:
            check(f'"db_role","msg":"connecting to the database as huddle_{name}"' in f.read(),
                  f"{name} did not say which role it uses")


def test_owner_fallback(s):
    """HUDDLE_DB_ROLE=owner: the URL's user again, with a warning."""
    s.stop("metrics")
    s.start("metrics", HUDDLE_DB_ROLE="owner")
    s.wait_healthy("metrics")
    with open(s.log_path("metrics")) as f:
        check('"event":"db_role_owner"' in f.read(), "no warning for HUDDLE_DB_ROLE=owner")


def main():
    with System("hostile_db_roles") as s:
        test_password_files(s)
        test_system_as_roles(s)  # first: it puts rows in event_log
        test_event_log(s)
        test_tables(s)
        test_owner_fallback(s)
    print("ok")


if __name__ == "__main__":
    main()
