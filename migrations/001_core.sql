-- huddle core schema. Applied once by huddle-migrate (schema_migration table);
-- later changes go in new numbered files, never here.

-- ---------- organization (seeded; read by every service) ----------
CREATE TABLE department (
  id   text PRIMARY KEY,            -- slug: marketing, customer-care, legal
  name text NOT NULL
);

CREATE TABLE person (
  id            uuid PRIMARY KEY,
  email         text NOT NULL UNIQUE,
  name          text NOT NULL,
  department_id text NOT NULL REFERENCES department(id),
  token_hash    bytea UNIQUE,       -- sha256 of the API token; the token itself is never stored
  active        boolean NOT NULL DEFAULT true
);

CREATE TABLE person_role (
  person_id uuid NOT NULL REFERENCES person(id),
  role      text NOT NULL,          -- player, responder, coach, legal, orchestrator, crisis ...
  PRIMARY KEY (person_id, role)
);

CREATE TABLE channel (
  id         text PRIMARY KEY,      -- sandbox, mastodon-main, ...
  kind       text NOT NULL,         -- adapter: mastodon
  base_url   text NOT NULL,
  max_length integer NOT NULL DEFAULT 500
);

CREATE TABLE channel_account (
  channel_id    text NOT NULL REFERENCES channel(id),
  department_id text NOT NULL REFERENCES department(id),
  handle        text NOT NULL,
  token         text NOT NULL,      -- the channel's bearer token for this account
  PRIMARY KEY (channel_id, department_id)
);

-- Inbound mentions are routed by the first matching rule (lowest priority).
CREATE TABLE routing_rule (
  id            text PRIMARY KEY,
  priority      integer NOT NULL,
  keywords      text[] NOT NULL,    -- any keyword, case-insensitive, whole word
  channel_id    text REFERENCES channel(id),  -- NULL: any channel
  department_id text NOT NULL REFERENCES department(id)
);

-- The approval chain is data: the roles every item of a department needs
-- (policy findings add more, e.g. legal). same_department: the approver must
-- belong to the item's department.
CREATE TABLE approval_step (
  id              serial PRIMARY KEY,
  department_id   text REFERENCES department(id),  -- NULL: every department
  role            text NOT NULL,
  same_department boolean NOT NULL DEFAULT true
);
CREATE UNIQUE INDEX approval_step_dept ON approval_step (role, department_id);
CREATE UNIQUE INDEX approval_step_default ON approval_step (role) WHERE department_id IS NULL;
-- Roles a finding may pull in; same_department = false for a booth role (legal).
CREATE TABLE review_role (
  role            text PRIMARY KEY,
  same_department boolean NOT NULL DEFAULT false
);

-- ---------- the bus ----------
CREATE TABLE outbox (
  oid            bigserial PRIMARY KEY,
  event_id       uuid NOT NULL UNIQUE,
  type           text NOT NULL,
  department     text NOT NULL DEFAULT '',
  correlation_id uuid,
  causation_id   uuid,
  payload        bytea NOT NULL,    -- huddle.v1.Envelope, seq 0
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE event_log (
  seq            bigint PRIMARY KEY,
  event_id       uuid NOT NULL UNIQUE,
  type           text NOT NULL,
  department     text NOT NULL DEFAULT '',
  correlation_id uuid,
  causation_id   uuid,
  payload        bytea NOT NULL,    -- huddle.v1.Envelope, seq 0 (the column is the truth)
  created_at     timestamptz NOT NULL,
  sequenced_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_log_correlation ON event_log (correlation_id, seq);

CREATE TABLE consumer_cursor (
  consumer   text PRIMARY KEY,
  seq        bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dead_letter (
  id             bigserial PRIMARY KEY,
  received_at    timestamptz NOT NULL DEFAULT now(),
  source         text NOT NULL,     -- ingest.http, ingest.zmq, hub, policy, ...
  peer           text,              -- remote address or CURVE peer name
  reason         text NOT NULL,
  field          text,
  raw            bytea NOT NULL,
  correlation_id uuid
);

-- ---------- ingest ----------
CREATE TABLE content (
  id              uuid PRIMARY KEY,
  author_id       uuid NOT NULL REFERENCES person(id),
  department_id   text NOT NULL REFERENCES department(id),
  channel_id      text NOT NULL REFERENCES channel(id),
  kind            text NOT NULL DEFAULT 'post',
  text            text NOT NULL,
  idempotency_key text,
  scheduled_at    timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (author_id, idempotency_key)
);

CREATE TABLE mention (
  id            uuid PRIMARY KEY,
  channel_id    text NOT NULL REFERENCES channel(id),
  external_id   text NOT NULL,
  author_handle text NOT NULL,
  text          text NOT NULL,
  url           text NOT NULL DEFAULT '',
  received_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (channel_id, external_id)
);

CREATE TABLE decision (
  id              uuid PRIMARY KEY,
  content_id      uuid NOT NULL REFERENCES content(id),
  actor_id        uuid NOT NULL REFERENCES person(id),
  decision        text NOT NULL CHECK (decision IN ('approve', 'reject')),
  role            text NOT NULL,
  reason          text NOT NULL DEFAULT '',
  idempotency_key text,
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- ---------- policy ----------
CREATE TABLE policy_version (
  version    bigint PRIMARY KEY,
  source     text NOT NULL,         -- the YAML, immutable
  created_by text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  active     boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX policy_version_one_active ON policy_version (active) WHERE active;

CREATE TABLE policy_verdict (
  content_id     uuid PRIMARY KEY,
  policy_version bigint NOT NULL,
  verdict        text NOT NULL,
  findings       jsonb NOT NULL,
  evaluated_at   timestamptz NOT NULL DEFAULT now()
);

-- ---------- workflow ----------
CREATE TABLE workflow_item (
  content_id     uuid PRIMARY KEY,
  department_id  text NOT NULL,
  author_id      uuid NOT NULL,
  author_email   text NOT NULL,
  channel_id     text NOT NULL,
  text           text NOT NULL,
  state          text NOT NULL,     -- evaluating, awaiting_approval, approved, rejected, blocked, published, failed
  required_roles text[] NOT NULL DEFAULT '{}',
  scheduled_at   timestamptz,
  submitted_at   timestamptz NOT NULL,
  requested_at   timestamptz,
  decided_at     timestamptz,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE workflow_approval (
  content_id uuid NOT NULL REFERENCES workflow_item(content_id),
  role       text NOT NULL,
  actor_id   uuid NOT NULL,
  decided_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (content_id, role)
);

CREATE TABLE inbox_item (
  mention_id    uuid PRIMARY KEY,
  department_id text NOT NULL,
  rule_id       text NOT NULL,
  channel_id    text NOT NULL,
  author_handle text NOT NULL,
  text          text NOT NULL,
  url           text NOT NULL DEFAULT '',
  routed_at     timestamptz NOT NULL DEFAULT now(),
  state         text NOT NULL DEFAULT 'open'
);
CREATE INDEX inbox_item_department ON inbox_item (department_id, routed_at);

-- ---------- publisher ----------
CREATE TABLE publish_job (
  content_id      uuid PRIMARY KEY,
  channel_id      text NOT NULL,
  department_id   text NOT NULL,
  text            text NOT NULL,
  state           text NOT NULL,    -- pending, in_flight, done, failed
  attempts        integer NOT NULL DEFAULT 0,
  not_before      timestamptz NOT NULL DEFAULT now(),
  post_id         text,
  url             text,
  last_error      text,
  cause_event_id  uuid NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX publish_job_due ON publish_job (not_before) WHERE state IN ('pending', 'in_flight');

-- ---------- metrics ----------
CREATE TABLE metrics_counter (
  name   text NOT NULL,
  labels text NOT NULL,             -- Prometheus label set, rendered: type="x",department="y"
  value  double precision NOT NULL DEFAULT 0,
  PRIMARY KEY (name, labels)
);

CREATE TABLE metrics_histogram (
  name   text NOT NULL,
  labels text NOT NULL,
  le     double precision NOT NULL, -- bucket upper bound, 'Infinity' for +Inf
  count  bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (name, labels, le)
);

CREATE TABLE metrics_histogram_sum (
  name   text NOT NULL,
  labels text NOT NULL,
  sum    double precision NOT NULL DEFAULT 0,
  count  bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (name, labels)
);
