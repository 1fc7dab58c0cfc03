-- The read side: what the API shows people, as views over the tables of
-- workflow, policy, publisher and the event log. The views are the contract
-- between those services and ingest (the door that answers the reads):
-- ingest's SQL names these views, never another service's tables, and a
-- service may change its tables freely as long as its views keep their
-- columns. Ingest reads them as role huddle_read, which may SELECT these
-- views and nothing else (a view reads its tables with its owner's rights).
-- Every statement here may run again without harm.

-- One row per content item: what GET /v1/content/{id} shows. state is
-- 'submitted' until workflow has seen the item.
CREATE OR REPLACE VIEW read_item AS
SELECT c.id AS content_id, c.department_id, c.author_id, a.email AS author_email,
       c.channel_id, c.kind, c.text,
       coalesce(w.state, 'submitted') AS state, w.required_roles,
       v.verdict, v.findings, v.policy_version,
       j.state AS publish_state, j.post_id, j.url, j.last_error AS publish_error,
       j.attempts AS publish_attempts,
       (SELECT json_agg(json_build_object('role', wa.role, 'by', pp.email, 'at', wa.decided_at)
                        ORDER BY wa.decided_at, wa.role)
          FROM workflow_approval wa JOIN person pp ON pp.id = wa.actor_id
         WHERE wa.content_id = c.id) AS approvals,
       c.created_at
  FROM content c
  JOIN person a ON a.id = c.author_id
  LEFT JOIN workflow_item w ON w.content_id = c.id
  LEFT JOIN policy_verdict v ON v.content_id = c.id
  LEFT JOIN publish_job j ON j.content_id = c.id;

-- Every sequenced event of an item (or a mention), by its correlation id.
CREATE OR REPLACE VIEW read_item_history AS
SELECT correlation_id, seq, payload, created_at FROM event_log;

-- The mentions routed to each department's inbox.
CREATE OR REPLACE VIEW read_inbox AS
SELECT mention_id, department_id, rule_id, channel_id, author_handle, text, url, routed_at,
       state
  FROM inbox_item;

-- What the who-may-decide rule (common/hd_approval.h) needs about an item:
-- one row per required role in chain order (ord), or one row with NULL
-- role columns when the item requires none.
CREATE OR REPLACE VIEW read_item_approval AS
SELECT w.content_id, w.author_id, w.department_id, w.state, r.role, r.ord,
       r.role = ANY (w.same_department_roles) AS same_department,
       EXISTS (SELECT 1 FROM workflow_approval a
                WHERE a.content_id = w.content_id AND a.role = r.role) AS approved
  FROM workflow_item w
  LEFT JOIN LATERAL unnest(w.required_roles) WITH ORDINALITY AS r(role, ord) ON true;

-- Items awaiting people's decisions, with the roles they need.
CREATE OR REPLACE VIEW read_approval_queue AS
SELECT content_id, department_id, author_id, author_email, channel_id, text, required_roles,
       requested_at
  FROM workflow_item
 WHERE state = 'awaiting_approval';

-- A person as a decider: department, whether active, and roles (sorted).
CREATE OR REPLACE VIEW read_actor AS
SELECT p.id AS person_id, p.email, p.department_id, p.active,
       coalesce(array_agg(pr.role ORDER BY pr.role) FILTER (WHERE pr.role IS NOT NULL),
                '{}') AS roles
  FROM person p
  LEFT JOIN person_role pr ON pr.person_id = p.id
 GROUP BY p.id;

-- The active policy version (0 when none is active): stamped on every
-- content.submitted.
CREATE OR REPLACE VIEW read_active_policy AS
SELECT coalesce((SELECT version FROM policy_version WHERE active), 0) AS version;

-- The read-only role. Roles belong to the cluster, not to one database:
-- another database of the cluster may have created it, even concurrently.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'huddle_read') THEN
    CREATE ROLE huddle_read NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;

GRANT USAGE ON SCHEMA public TO huddle_read;
GRANT SELECT ON read_item, read_item_history, read_inbox, read_item_approval,
                read_approval_queue, read_actor, read_active_policy TO huddle_read;

-- The login that runs the migrations (and the services) may take the role:
-- ingest's read connection starts with "-c role=huddle_read".
GRANT huddle_read TO CURRENT_USER;
