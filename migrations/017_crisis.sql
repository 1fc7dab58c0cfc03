-- Crises and their playbooks (docs/playbooks.md): the playbooks as
-- versioned data, the crisis's state and the actions it copies from its
-- playbook when declared, what the publisher did to each item (hold,
-- recall), the outgoing webhook notifications, and spike detection's
-- counts. Every statement here may run again without harm.

-- ---------- playbooks (ingest writes them through the API) ----------
-- A playbook version: the YAML as applied (immutable) and the validated,
-- normalized form every service reads (spec). One active version per name.
CREATE TABLE IF NOT EXISTS playbook_version (
  name       text NOT NULL,
  version    integer NOT NULL,
  source     text NOT NULL,
  spec       jsonb NOT NULL,
  created_by text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  active     boolean NOT NULL DEFAULT true,
  PRIMARY KEY (name, version)
);
CREATE UNIQUE INDEX IF NOT EXISTS playbook_version_active ON playbook_version (name)
  WHERE active;

-- ---------- the crisis (hd_crisis.h: states, scope, the fence) ----------
-- What a declaration copies from its playbook's spec is a column, so that
-- the services reading a crisis never parse a playbook, and a playbook
-- changed during a crisis does not change the crisis. Arrays empty: every
-- department / channel. department_id / channel_id (003) are kept for old
-- rows and copied into the arrays here.
ALTER TABLE crisis
  ADD COLUMN IF NOT EXISTS state text NOT NULL DEFAULT 'declared',
  ADD COLUMN IF NOT EXISTS drill boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS playbook text NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS playbook_version integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS severity text NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS reason text NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS departments text[] NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS channels text[] NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS hold boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS approval_roles text[] NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS reroute_terms text[] NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS reroute_department text,
  ADD COLUMN IF NOT EXISTS recall_minutes integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS on_resume text NOT NULL DEFAULT 'publish',
  ADD COLUMN IF NOT EXISTS on_resume_late text NOT NULL DEFAULT 'reapprove',
  ADD COLUMN IF NOT EXISTS resume_roles text[] NOT NULL DEFAULT '{orchestrator}',
  ADD COLUMN IF NOT EXISTS team_roles text[] NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS notify text[] NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS statement text NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS spec jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN IF NOT EXISTS declared_by_id uuid,
  ADD COLUMN IF NOT EXISTS detected_at timestamptz,
  ADD COLUMN IF NOT EXISTS proposed_at timestamptz,
  ADD COLUMN IF NOT EXISTS declared_at timestamptz,
  ADD COLUMN IF NOT EXISTS resumed_at timestamptz,
  ADD COLUMN IF NOT EXISTS resumed_by text,
  ADD COLUMN IF NOT EXISTS resume_reason text NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS detail jsonb NOT NULL DEFAULT '{}';
UPDATE crisis SET departments = ARRAY[department_id]
 WHERE department_id IS NOT NULL AND departments = '{}';
UPDATE crisis SET channels = ARRAY[channel_id] WHERE channel_id IS NOT NULL AND channels = '{}';
UPDATE crisis SET state = 'resumed', resumed_at = ended_at
 WHERE ended_at IS NOT NULL AND state = 'declared';
UPDATE crisis SET declared_at = started_at WHERE declared_at IS NULL AND state = 'declared';
CREATE INDEX IF NOT EXISTS crisis_state ON crisis (state, started_at);

-- The crises in force: what the publisher holds, policy adds approvals for
-- and workflow reroutes by. A drill is never in force.
CREATE OR REPLACE VIEW crisis_in_force AS
SELECT id, name, playbook, playbook_version, severity, reason, declared_by, declared_at,
       departments, channels, hold, approval_roles, reroute_terms, reroute_department,
       statement
  FROM crisis WHERE state = 'declared';

-- Who acknowledged a crisis or a drill's notification, and when.
CREATE TABLE IF NOT EXISTS crisis_ack (
  crisis_id uuid NOT NULL REFERENCES crisis(id),
  person_id uuid NOT NULL,
  email     text NOT NULL,
  roles     text[] NOT NULL DEFAULT '{}',
  acked_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (crisis_id, person_id)
);

-- A holding statement is a content item of kind 'statement' for its crisis.
ALTER TABLE content ADD COLUMN IF NOT EXISTS crisis_id uuid;
ALTER TABLE workflow_item ADD COLUMN IF NOT EXISTS crisis_id uuid;
ALTER TABLE workflow_item ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'post';

-- ---------- publisher: holds, resumes, recalls ----------
-- held_by: the crisis holding the job (state 'held'); statement_of: the
-- crisis whose holding statement it is (that crisis's hold lets it pass);
-- scheduled_at: the author's slot (NULL: as soon as approved), which the
-- resume rule compares with now; published_at: when it was delivered.
ALTER TABLE publish_job
  ADD COLUMN IF NOT EXISTS held_by uuid,
  ADD COLUMN IF NOT EXISTS statement_of uuid,
  ADD COLUMN IF NOT EXISTS scheduled_at timestamptz,
  ADD COLUMN IF NOT EXISTS published_at timestamptz,
  ADD COLUMN IF NOT EXISTS author_email text NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS publish_job_held ON publish_job (held_by) WHERE state = 'held';
CREATE INDEX IF NOT EXISTS publish_job_published ON publish_job (published_at)
  WHERE state = 'done';

-- What a crisis did to each item: held (outcome: publish, reapprove,
-- expire, or moved when another crisis still holds it) and recalled
-- (outcome: deleted, failed). The crisis's timeline and the fault run's
-- "every held item reached its outcome" read it.
CREATE TABLE IF NOT EXISTS crisis_item (
  crisis_id  uuid NOT NULL,
  content_id uuid NOT NULL,
  action     text NOT NULL,
  at         timestamptz NOT NULL DEFAULT now(),
  outcome    text,
  outcome_at timestamptz,
  detail     text NOT NULL DEFAULT '',
  PRIMARY KEY (crisis_id, content_id, action)
);

-- A recall's deletions: one job per published post, delivered by the
-- publisher's runner through the channel's adapter (delete), retried.
CREATE TABLE IF NOT EXISTS recall_job (
  crisis_id      uuid NOT NULL,
  content_id     uuid NOT NULL,
  channel_id     text NOT NULL,
  department_id  text NOT NULL,
  post_id        text NOT NULL,
  state          text NOT NULL DEFAULT 'pending',
  attempts       integer NOT NULL DEFAULT 0,
  not_before     timestamptz NOT NULL DEFAULT now(),
  last_error     text,
  cause_event_id uuid NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (crisis_id, content_id)
);
CREATE INDEX IF NOT EXISTS recall_job_due ON recall_job (not_before)
  WHERE state IN ('pending', 'in_flight');

-- ---------- outgoing webhooks (Standard Webhooks) ----------
-- An endpoint, by name (a playbook's notify list names them); the secret
-- sealed with the credentials key (hd_secret.h), never shown again.
CREATE TABLE IF NOT EXISTS webhook_endpoint (
  name        text PRIMARY KEY,
  url         text NOT NULL,
  secret      bytea NOT NULL,
  description text NOT NULL DEFAULT '',
  active      boolean NOT NULL DEFAULT true,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One message to one endpoint; id is the webhook-id (derived from the
-- event it notifies and the endpoint: a replay makes the same id).
CREATE TABLE IF NOT EXISTS notification (
  id             uuid PRIMARY KEY,
  crisis_id      uuid,
  endpoint       text NOT NULL,
  event_type     text NOT NULL,
  payload        text NOT NULL,
  drill          boolean NOT NULL DEFAULT false,
  state          text NOT NULL DEFAULT 'pending',
  attempts       integer NOT NULL DEFAULT 0,
  not_before     timestamptz NOT NULL DEFAULT now(),
  last_status    integer,
  last_error     text,
  cause_event_id uuid NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  delivered_at   timestamptz
);
CREATE INDEX IF NOT EXISTS notification_due ON notification (not_before)
  WHERE state IN ('pending', 'in_flight');
CREATE INDEX IF NOT EXISTS notification_crisis ON notification (crisis_id, created_at);

-- ---------- workflow: reroute and spike detection ----------
ALTER TABLE inbox_item ADD COLUMN IF NOT EXISTS crisis_id uuid;
-- Mentions matching each playbook's terms, per minute.
CREATE TABLE IF NOT EXISTS crisis_mention_count (
  playbook text NOT NULL,
  minute   timestamptz NOT NULL,
  n        integer NOT NULL DEFAULT 0,
  PRIMARY KEY (playbook, minute)
);
-- Each playbook's detector: when it last fired (its cool-down).
CREATE TABLE IF NOT EXISTS crisis_watch (
  playbook       text PRIMARY KEY,
  last_fired_at  timestamptz,
  last_crisis_id uuid
);

-- ---------- the read side ----------
CREATE OR REPLACE VIEW read_crisis AS
SELECT id AS crisis_id, name, playbook, playbook_version, severity, state, drill, reason,
       declared_by, declared_by_id, departments, channels, hold, approval_roles,
       reroute_terms, reroute_department, recall_minutes, on_resume, on_resume_late,
       resume_roles, team_roles, notify, statement, detected_at, proposed_at, declared_at,
       started_at, resumed_at, resumed_by, resume_reason, ended_at, detail
  FROM crisis;
CREATE OR REPLACE VIEW read_crisis_item AS
SELECT crisis_id, content_id, action, at, outcome, outcome_at, detail FROM crisis_item;
CREATE OR REPLACE VIEW read_crisis_ack AS
SELECT crisis_id, person_id, email, roles, acked_at FROM crisis_ack;
CREATE OR REPLACE VIEW read_notification AS
SELECT id, crisis_id, endpoint, event_type, drill, state, attempts, last_status, last_error,
       created_at, delivered_at
  FROM notification;
CREATE OR REPLACE VIEW read_playbook AS
SELECT name, version, source, spec, created_by, created_at, active FROM playbook_version;

-- read_item and read_inbox grow columns at their ends (a view may only add
-- columns at its end): the item's crisis (a statement's), and the inbox
-- item's crisis (rerouted to the crisis team). The item's state shows what
-- the publisher did: held, expired, recalled.
CREATE OR REPLACE VIEW read_item AS
SELECT c.id AS content_id, c.department_id, c.author_id, a.email AS author_email,
       c.channel_id, c.kind, c.text,
       CASE WHEN j.state IN ('held', 'expired', 'recalled') THEN j.state
            ELSE coalesce(w.state, 'submitted') END AS state,
       w.required_roles,
       v.verdict, v.findings, v.policy_version,
       j.state AS publish_state, j.post_id, j.url, j.last_error AS publish_error,
       j.attempts AS publish_attempts,
       (SELECT json_agg(json_build_object('role', wa.role, 'by', pp.email, 'at', wa.decided_at)
                        ORDER BY wa.decided_at, wa.role)
          FROM workflow_approval wa JOIN person pp ON pp.id = wa.actor_id
         WHERE wa.content_id = c.id) AS approvals,
       c.created_at, c.crisis_id, j.held_by
  FROM content c
  JOIN person a ON a.id = c.author_id
  LEFT JOIN workflow_item w ON w.content_id = c.id
  LEFT JOIN policy_verdict v ON v.content_id = c.id
  LEFT JOIN publish_job j ON j.content_id = c.id;

-- An item's approval round: requested_at moves when a crisis's resume
-- sends a held item back to approval, so that a person's decision in the
-- new round is a new decision, not a retry of the first (ingest derives a
-- decision's id from it: services/ingest/decision.c).
CREATE OR REPLACE VIEW read_item_approval AS
SELECT w.content_id, w.author_id, w.department_id, w.state, r.role, r.ord,
       r.role = ANY (w.same_department_roles) AS same_department,
       EXISTS (SELECT 1 FROM workflow_approval a
                WHERE a.content_id = w.content_id AND a.role = r.role) AS approved,
       w.requested_at
  FROM workflow_item w
  LEFT JOIN LATERAL unnest(w.required_roles) WITH ORDINALITY AS r(role, ord) ON true;

CREATE OR REPLACE VIEW read_inbox AS
SELECT mention_id, department_id, rule_id, channel_id, author_handle, text, url, routed_at,
       state, crisis_id
  FROM inbox_item;

-- ---------- grants (016's roles) ----------
DO $$
DECLARE
  v text;
BEGIN
  FOR v IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'v' AND c.relname LIKE 'read\_%' LOOP
    EXECUTE format('GRANT SELECT ON %I TO huddle_read', v);
  END LOOP;
END
$$;
-- The crisis is declared, confirmed, resumed by people through the API
-- (ingest) and proposed or declared by spike detection (workflow), both
-- through hd_crisis.h.
GRANT SELECT, INSERT, UPDATE ON playbook_version TO huddle_ingest;
GRANT SELECT, INSERT, UPDATE ON crisis TO huddle_ingest, huddle_workflow;
GRANT SELECT (name, version, spec, active) ON playbook_version TO huddle_workflow;
GRANT SELECT, INSERT ON crisis_ack TO huddle_ingest;
GRANT SELECT, INSERT, UPDATE ON webhook_endpoint TO huddle_ingest;
GRANT SELECT ON crisis_in_force TO huddle_policy, huddle_workflow, huddle_publisher,
  huddle_ingest;
GRANT SELECT (id, state, drill, playbook, departments, channels, recall_minutes, on_resume,
              on_resume_late, notify, declared_at, resumed_at, reason, name, statement,
              team_roles)
  ON crisis TO huddle_publisher;
GRANT SELECT, INSERT, UPDATE ON crisis_item, recall_job, notification TO huddle_publisher;
GRANT SELECT (name, url, secret, active) ON webhook_endpoint TO huddle_publisher;
GRANT SELECT, INSERT, UPDATE ON crisis_mention_count, crisis_watch TO huddle_workflow;
GRANT UPDATE ON inbox_item TO huddle_workflow;
-- A held item sent back to approval is decided again by every role.
GRANT DELETE ON workflow_approval TO huddle_workflow;
