-- The frontline (docs/inbox.md, docs/feeds.md): listening feeds, inbox
-- work (states, assignment, triage, the first-response clock in business
-- hours), replies through the governed path. Idempotent.

-- ---------- inbox settings: data, administered (ingest), read by workflow ----------
-- One row per department; department '' is the organization's default,
-- used by a department without a row of its own and by triage.
CREATE TABLE IF NOT EXISTS inbox_setting (
  department_id          text PRIMARY KEY,
  time_zone              text NOT NULL DEFAULT 'UTC',            -- IANA name
  working_days           smallint[] NOT NULL DEFAULT '{1,2,3,4,5}', -- ISO: 1 Monday .. 7 Sunday
  opens_at               time NOT NULL DEFAULT '09:00',
  closes_at              time NOT NULL DEFAULT '17:00',
  first_response_minutes integer NOT NULL DEFAULT 60,  -- business minutes
  warn_minutes           integer NOT NULL DEFAULT 15,  -- business minutes before the breach
  assign_cap             integer NOT NULL DEFAULT 20,  -- assigned items per person
  auto_assign            boolean NOT NULL DEFAULT true,
  -- replies by a person holding this certification (for the reply's
  -- channel or every channel, not expired) skip human approval when policy
  -- passes them; NULL: every reply goes through the approval chain
  skip_approval_certification text,
  -- appended to every reply: {name}, {first_name}, {department}
  signature              text NOT NULL DEFAULT E'\n\n— {name}, {department}',
  version                bigint NOT NULL DEFAULT 1,
  updated_at             timestamptz NOT NULL DEFAULT now(),
  CHECK (first_response_minutes > 0 AND warn_minutes >= 0
         AND warn_minutes < first_response_minutes AND assign_cap > 0
         AND opens_at < closes_at)
);
INSERT INTO inbox_setting (department_id) VALUES ('') ON CONFLICT DO NOTHING;

-- Days nobody works: for one department, or for all ('').
CREATE TABLE IF NOT EXISTS business_holiday (
  department_id text NOT NULL DEFAULT '',
  day           date NOT NULL,
  name          text NOT NULL,
  PRIMARY KEY (department_id, day)
);

-- A person away is skipped by auto-assignment until then ('infinity':
-- until they come back; NULL: present).
ALTER TABLE person ADD COLUMN IF NOT EXISTS away_until timestamptz;

-- ---------- listening feeds (ingest pulls them) ----------
CREATE TABLE IF NOT EXISTS feed (
  id             text PRIMARY KEY,              -- slug, as a channel id
  kind           text NOT NULL CHECK (kind IN ('mastodon-mentions', 'mastodon-tag', 'rss')),
  channel_id     text NOT NULL REFERENCES channel(id), -- whose mentions these are
  url            text NOT NULL,                 -- mastodon: the server's base URL; rss: the feed's URL
  tag            text,                          -- mastodon-tag: the hashtag, without '#'
  account_department text,                      -- mastodon-mentions: whose channel account (its sealed
                                                -- token) reads the notifications
  departments    text[] NOT NULL DEFAULT '{}',  -- routed only among these (empty: any)
  interval_s     integer NOT NULL DEFAULT 60 CHECK (interval_s BETWEEN 1 AND 86400),
  enabled        boolean NOT NULL DEFAULT true,
  cursor         text NOT NULL DEFAULT '',      -- mastodon: the newest id taken; rss: newest item time
  etag           text,                          -- rss: the last answer's validators
  last_modified  text,
  next_poll_at   timestamptz NOT NULL DEFAULT now(),
  lease_until    timestamptz,                   -- a poller holds it until then
  failures       integer NOT NULL DEFAULT 0,    -- consecutive; drives the backoff
  last_error     text,
  last_polled_at timestamptz,
  last_ok_at     timestamptz,
  last_item_at   timestamptz,                   -- the newest item's own time: the lag
  items_total    bigint NOT NULL DEFAULT 0,
  version        bigint NOT NULL DEFAULT 1,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS feed_due ON feed (next_poll_at) WHERE enabled;

ALTER TABLE mention
  ADD COLUMN IF NOT EXISTS feed_id text,
  ADD COLUMN IF NOT EXISTS in_reply_to_external_id text,
  ADD COLUMN IF NOT EXISTS posted_at timestamptz;

-- ---------- inbox work (workflow's) ----------
ALTER TABLE inbox_item ALTER COLUMN state SET DEFAULT 'new';
UPDATE inbox_item SET state = 'new' WHERE state = 'open';
ALTER TABLE inbox_item
  ADD COLUMN IF NOT EXISTS triage            boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS feed_id           text,
  ADD COLUMN IF NOT EXISTS external_id       text NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS received_at       timestamptz,
  ADD COLUMN IF NOT EXISTS assignee_id       uuid,
  ADD COLUMN IF NOT EXISTS assigned_at       timestamptz,
  ADD COLUMN IF NOT EXISTS state_at          timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN IF NOT EXISTS escalated         boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS sla_due_at        timestamptz,
  ADD COLUMN IF NOT EXISTS sla_warn_at       timestamptz,
  ADD COLUMN IF NOT EXISTS sla_warned        boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS sla_breached      boolean NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS first_response_at timestamptz,
  ADD COLUMN IF NOT EXISTS first_response_ms bigint,   -- business ms, received to first reply
  ADD COLUMN IF NOT EXISTS reply_content_id  uuid,     -- the first published reply
  ADD COLUMN IF NOT EXISTS replied_by        text,     -- its author's email
  ADD COLUMN IF NOT EXISTS conversation_of   uuid,     -- the author's earlier mention it continued
  ADD COLUMN IF NOT EXISTS version           bigint NOT NULL DEFAULT 1;
CREATE INDEX IF NOT EXISTS inbox_item_assignee ON inbox_item (assignee_id) WHERE state = 'assigned';
CREATE INDEX IF NOT EXISTS inbox_item_author ON inbox_item (channel_id, author_handle, routed_at);
CREATE INDEX IF NOT EXISTS inbox_item_state ON inbox_item (department_id, state, routed_at);

-- ---------- replies ----------
ALTER TABLE content
  ADD COLUMN IF NOT EXISTS reply_to_mention_id uuid,
  ADD COLUMN IF NOT EXISTS supersedes uuid;
CREATE INDEX IF NOT EXISTS content_reply ON content (reply_to_mention_id)
  WHERE reply_to_mention_id IS NOT NULL;
ALTER TABLE workflow_item
  ADD COLUMN IF NOT EXISTS reply_to_mention_id uuid,
  ADD COLUMN IF NOT EXISTS reply_to_external_id text;
CREATE INDEX IF NOT EXISTS workflow_item_reply ON workflow_item (reply_to_mention_id)
  WHERE reply_to_mention_id IS NOT NULL;
ALTER TABLE publish_job ADD COLUMN IF NOT EXISTS in_reply_to_id text;

-- ---------- the read side (views only grow at their ends) ----------
CREATE OR REPLACE VIEW read_inbox AS
SELECT i.mention_id, i.department_id, i.rule_id, i.channel_id, i.author_handle, i.text, i.url,
       i.routed_at, i.state, i.crisis_id,
       i.triage, i.feed_id, i.external_id, i.received_at, i.assignee_id,
       ap.email AS assignee_email, i.assigned_at, i.state_at, i.escalated,
       i.sla_due_at, i.sla_warn_at, i.sla_warned, i.sla_breached,
       i.first_response_at, i.first_response_ms, i.reply_content_id, i.replied_by,
       i.conversation_of, i.version
  FROM inbox_item i
  LEFT JOIN person ap ON ap.id = i.assignee_id;

-- The replies of each mention, with their state (a reply is pending while
-- it is neither published nor finally refused).
CREATE OR REPLACE VIEW read_inbox_reply AS
SELECT c.reply_to_mention_id AS mention_id, c.id AS content_id, a.email AS author_email,
       c.created_at, c.text, c.supersedes,
       CASE WHEN j.state IN ('held', 'expired', 'recalled') THEN j.state
            ELSE coalesce(w.state, 'submitted') END AS state,
       j.post_id, j.url
  FROM content c
  JOIN person a ON a.id = c.author_id
  LEFT JOIN workflow_item w ON w.content_id = c.id
  LEFT JOIN publish_job j ON j.content_id = c.id
 WHERE c.reply_to_mention_id IS NOT NULL;

CREATE OR REPLACE VIEW read_inbox_setting AS
SELECT department_id, time_zone, working_days, opens_at, closes_at, first_response_minutes,
       warn_minutes, assign_cap, auto_assign, skip_approval_certification, signature, version,
       updated_at
  FROM inbox_setting;

-- ---------- grants ----------
GRANT SELECT, INSERT, UPDATE, DELETE ON inbox_setting, business_holiday, feed TO huddle_ingest;
GRANT UPDATE ON mention TO huddle_ingest;
GRANT SELECT, UPDATE ON inbox_item TO huddle_workflow;
GRANT SELECT ON inbox_setting, business_holiday TO huddle_workflow;
GRANT SELECT (id, department_id, active, email, name, away_until) ON person TO huddle_workflow;
GRANT SELECT (person_id, channel_id, name, expires_at) ON certification TO huddle_workflow;
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
