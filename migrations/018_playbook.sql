-- Playbooks (docs/playbooks.md): who may apply one. Applying a playbook
-- needs the admin grant permission 'playbooks' (the orchestrator's '*'
-- covers it already: the grant says so by name). Every statement here may
-- run again without harm.
INSERT INTO admin_grant (role, permission, scope)
VALUES ('orchestrator', 'playbooks', 'organization') ON CONFLICT DO NOTHING;
