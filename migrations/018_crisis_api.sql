-- The crisis routes of the API (docs/crisis.md). Every statement here may
-- run again without harm.

-- A crisis's holding statements: the group commit looks for the one
-- already submitted on a channel (services/ingest/batch_statement.c) and
-- the report for the first (GET /v1/crises/{id}/report).
CREATE INDEX IF NOT EXISTS content_crisis ON content (crisis_id, channel_id)
  WHERE crisis_id IS NOT NULL;
