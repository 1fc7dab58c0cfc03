-- Administration of departments, people, roles and grants (docs/admin.md):
-- what services/ingest/admin*.c needs beyond 009. Every statement here may
-- run again without harm.

-- An email is one person whatever its case: invitations check it, and this
-- index holds it against two concurrent invitations.
CREATE UNIQUE INDEX IF NOT EXISTS person_email_lower ON person (lower(email));

-- Grants are versioned like every administered object (If-Match).
ALTER TABLE admin_grant ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 1;

-- The organization's history: every org.* event as sequenced, newest first
-- through the partial index. Read by ingest as huddle_read
-- (GET /v1/admin/history); payload is the Envelope with its OrgChanged body.
CREATE INDEX IF NOT EXISTS event_log_org ON event_log (seq) WHERE type LIKE 'org.%';

CREATE OR REPLACE VIEW read_org_history AS
SELECT seq, type, department, payload, created_at
  FROM event_log
 WHERE type LIKE 'org.%';

GRANT SELECT ON read_org_history TO huddle_read;
