-- Inbox work in workflow (docs/inbox-work.md). Idempotent.

-- Auto-assignment breaks ties by who was assigned least recently: the
-- newest assigned_at of each person's items, read at every batch with
-- mentions, one index probe per person.
CREATE INDEX IF NOT EXISTS inbox_item_assigned ON inbox_item (assignee_id, assigned_at)
  WHERE assignee_id IS NOT NULL;

-- Mentions no rule took went to department 'unrouted' before triage:
-- they are the triage queue's now (department '', triage).
UPDATE inbox_item SET department_id = '', triage = true, rule_id = ''
 WHERE department_id = 'unrouted';
