-- metrics: what the crisis figures keep between consumer batches
-- (services/metrics/crisis.h, docs/metrics.md "Crises"). Every statement
-- here may run again without harm.

-- Each crisis as the crisis.* events left it: its playbook (the label its
-- figures are shown under), its state (proposed, declared, drill, resumed,
-- dismissed; '' while only item events were seen) and when it was proposed
-- (ms since the epoch, 0: never), from which detection -> declaration is
-- observed.
CREATE TABLE IF NOT EXISTS metrics_crisis (
  crisis_id      uuid PRIMARY KEY,
  playbook       text NOT NULL DEFAULT '',
  state          text NOT NULL DEFAULT '',
  proposed_at_ms bigint NOT NULL DEFAULT 0
);

-- What the publisher did to items for each crisis: held (outcome ''),
-- released (publish, reapprove, expire, moved, other), recalled (deleted,
-- failed). Shown grouped by the crisis's playbook at each scrape.
CREATE TABLE IF NOT EXISTS metrics_crisis_count (
  crisis_id uuid NOT NULL,
  figure    text NOT NULL,
  outcome   text NOT NULL DEFAULT '',
  value     bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (crisis_id, figure, outcome)
);

GRANT SELECT, INSERT, UPDATE ON metrics_crisis, metrics_crisis_count TO huddle_metrics;
