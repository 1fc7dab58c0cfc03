-- Spike detection (docs/crisis-detection.md): workflow prunes the
-- per-minute mention counts no detector reads again (older than 12 weeks
-- and an hour), so crisis_mention_count stays bounded. Idempotent.
GRANT DELETE ON crisis_mention_count TO huddle_workflow;
