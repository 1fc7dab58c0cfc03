-- Outgoing webhook notifications (docs/webhooks.md): what they need beyond
-- 017. Every statement here may run again without harm.

-- A notification's payload names its crisis's severity.
GRANT SELECT (severity) ON crisis TO huddle_publisher;

-- Who may administer the webhook endpoints (hd_perm; the orchestrator's
-- '*' covers it already: the grant says so by name).
INSERT INTO admin_grant (role, permission, scope)
VALUES ('orchestrator', 'webhooks', 'organization') ON CONFLICT DO NOTHING;
