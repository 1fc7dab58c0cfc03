-- The first-response timers (docs/sla.md): workflow's idle pass finds
-- the items whose warning or breach is due through these two partial
-- indexes, each holding only the items still waiting for that timer, so
-- a pass reads what is due and nothing else (an item warned but not yet
-- due stays out of the first). Idempotent.
CREATE INDEX IF NOT EXISTS inbox_item_sla_warn ON inbox_item (sla_warn_at)
  WHERE NOT sla_warned AND NOT sla_breached AND first_response_at IS NULL
    AND state <> 'resolved';
CREATE INDEX IF NOT EXISTS inbox_item_sla_due ON inbox_item (sla_due_at)
  WHERE NOT sla_breached AND first_response_at IS NULL AND state <> 'resolved';
