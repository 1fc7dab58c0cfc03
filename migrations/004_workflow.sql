-- workflow: which required roles must be held by someone of the item's own
-- department, fixed when approval is requested (so that a later change of
-- approval_step / review_role cannot change the rule for an item mid-way).
-- Auto-approval needs no schema: an approval_step row with role 'auto'.
ALTER TABLE workflow_item
  ADD COLUMN IF NOT EXISTS same_department_roles text[] NOT NULL DEFAULT '{}';
