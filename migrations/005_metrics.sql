-- metrics: when approval of an item was requested (approval.requested's
-- occurred_at_ms), until its content.approved / content.rejected turns it
-- into an observation of huddle_approval_latency_seconds.
CREATE TABLE IF NOT EXISTS metrics_pending (
  content_id      uuid PRIMARY KEY,
  department      text NOT NULL DEFAULT '',
  requested_at_ms bigint NOT NULL
);
