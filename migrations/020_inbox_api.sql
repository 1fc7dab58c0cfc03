-- The inbox API (docs/inbox.md): who administers a department's inbox
-- settings and holidays, and the index its newest-first list reads. Every
-- statement here may run again without harm.

-- A coach sets their own department's business hours, targets, signature
-- and holidays (permission 'inbox'); the organization's default and the
-- holidays of all need an organization-wide grant (the orchestrator's '*').
INSERT INTO admin_grant (role, permission, scope)
VALUES ('coach', 'inbox', 'department') ON CONFLICT DO NOTHING;

-- GET /v1/inbox for an organization-wide reader (and its paging by
-- routed_at, mention_id) over every department at once.
CREATE INDEX IF NOT EXISTS inbox_item_routed ON inbox_item (routed_at, mention_id);
