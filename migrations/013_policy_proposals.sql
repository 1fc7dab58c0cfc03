-- Policy by committee (docs/policy.md, "Proposals and reviews"): the views
-- that are the contract between ingest (which records proposals and
-- reviews as they are submitted) and policy (which analyzes them, counts
-- the reviews and activates versions). Each side reads the other's rows
-- through these views only. Every statement here may run again.

-- The proposal a version came from (NULL: the seed, or before proposals).
ALTER TABLE policy_version ADD COLUMN IF NOT EXISTS proposal_id uuid;

-- policy's, for ingest's read side (role huddle_read).
CREATE OR REPLACE VIEW read_policy_version AS
SELECT version, source, created_by, created_at, active, proposal_id
  FROM policy_version;

CREATE OR REPLACE VIEW read_policy_proposal_state AS
SELECT proposal_id, state, diff, simulation, approved, version, reason, updated_at
  FROM policy_proposal_state;

-- ingest's, for the policy service: a proposal as it was submitted, with
-- its proposer's email.
CREATE OR REPLACE VIEW policy_proposal_input AS
SELECT p.id, p.source, p.why, p.emergency, p.proposed_by, pe.email AS proposer_email,
       p.base_version, p.required_roles, p.created_at
  FROM policy_proposal p
  JOIN person pe ON pe.id = p.proposed_by;

CREATE INDEX IF NOT EXISTS policy_review_proposal ON policy_review (proposal_id);
CREATE INDEX IF NOT EXISTS policy_proposal_created ON policy_proposal (created_at);

GRANT SELECT ON read_policy_version, read_policy_proposal_state TO huddle_read;
