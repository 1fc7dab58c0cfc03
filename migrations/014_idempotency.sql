-- An idempotency key is bound to the whole request it came with (docs/api.md,
-- "POST /v1/content"): the SHA-256 of its channel, text, kind and scheduled
-- time, as ingest computes it (content.c, ing_content_fingerprint). The same
-- key with another fingerprint is refused (422 idempotency_key_reused).
-- Rows from before this migration have none; a retry of one is compared by
-- channel and text, as it was then. Every statement here may run again.
ALTER TABLE content ADD COLUMN IF NOT EXISTS request_fingerprint text;
