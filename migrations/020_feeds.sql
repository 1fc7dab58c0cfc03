-- Listening feeds (docs/feeds.md): what the administration API shows of a
-- feed beyond 019_inbox.sql's columns. Idempotent.

-- The newest item's delay when it was recorded: received (the page's
-- commit) minus posted (the channel's own time), in ms. NULL: none yet,
-- or its time unknown.
ALTER TABLE feed ADD COLUMN IF NOT EXISTS last_item_delay_ms bigint;

-- Ingest's runner and its API read and write every column of feed
-- (019's table-wide grant covers this one).
