-- The organization, administered by its own people through the API
-- (docs/admin.md). Ingest, the door for input, owns these tables: every
-- change is made by an authorized person's request, in one transaction with
-- its org.* event in the outbox. Every statement here may run again.

-- ---------- versions: optimistic concurrency (If-Match / "version") ----------
ALTER TABLE department ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 1;
ALTER TABLE department ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE person ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 1;
ALTER TABLE person ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE person ADD COLUMN IF NOT EXISTS deactivated_at timestamptz;
ALTER TABLE channel ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 1;
ALTER TABLE channel_account ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 1;
ALTER TABLE routing_rule ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 1;
ALTER TABLE approval_step ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 1;
ALTER TABLE review_role ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 1;

-- ---------- channel credentials: sealed, never stored in the clear ----------
-- secret is the account's credential sealed with the key in
-- HUDDLE_CREDENTIALS_KEY (common/hd_secret.h): a dump of the database alone
-- does not reveal it. The clear column is gone; huddle-migrate seals what a
-- seed or an older version left in it before dropping it (010).
ALTER TABLE channel_account ADD COLUMN IF NOT EXISTS secret bytea;
ALTER TABLE channel_account ALTER COLUMN token DROP NOT NULL;

-- ---------- roles: a catalog the organization extends ----------
CREATE TABLE IF NOT EXISTS role (
  name        text PRIMARY KEY,
  description text NOT NULL DEFAULT '',
  builtin     boolean NOT NULL DEFAULT false,
  version     bigint NOT NULL DEFAULT 1,
  CHECK (name ~ '^[a-z][a-z0-9-]{0,62}$')
);
INSERT INTO role (name, description, builtin) VALUES
  ('player', 'posts under their own name', true),
  ('responder', 'answers inbound mentions in public', true),
  ('information-gatherer', 'listens and triages inbound mentions', true),
  ('coach', 'approves their department''s content; administers its people and routing', true),
  ('legal', 'reviews content with legal risk; reviews policy', true),
  ('hr', 'human resources; reviews policy', true),
  ('analyst', 'reads the figures', true),
  ('orchestrator', 'runs the program; administers everything', true),
  ('crisis', 'the crisis team', true)
ON CONFLICT (name) DO NOTHING;
INSERT INTO role (name) SELECT DISTINCT role FROM person_role ON CONFLICT DO NOTHING;
INSERT INTO role (name) SELECT DISTINCT role FROM approval_step
 WHERE role <> 'auto' ON CONFLICT DO NOTHING;
INSERT INTO role (name) SELECT DISTINCT role FROM review_role ON CONFLICT DO NOTHING;
DO $$
BEGIN
  ALTER TABLE person_role ADD CONSTRAINT person_role_role_fk FOREIGN KEY (role) REFERENCES role(name);
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

-- ---------- who may administer what: data, not code ----------
-- permission: departments, people, roles, channels, routing, chains,
-- certifications, delegations, tokens, history, policy-emergency, or '*'.
-- scope 'organization': every object; 'department': the objects of the
-- grantee's own department only (common/hd_perm.h decides).
CREATE TABLE IF NOT EXISTS admin_grant (
  role       text NOT NULL REFERENCES role(name),
  permission text NOT NULL,
  scope      text NOT NULL CHECK (scope IN ('organization', 'department')),
  PRIMARY KEY (role, permission)
);
INSERT INTO admin_grant (role, permission, scope) VALUES
  ('orchestrator', '*', 'organization'),
  ('coach', 'people', 'department'),
  ('coach', 'routing', 'department'),
  ('coach', 'certifications', 'department'),
  ('coach', 'delegations', 'department'),
  ('coach', 'tokens', 'department'),
  ('coach', 'history', 'department')
ON CONFLICT DO NOTHING;

-- ---------- API tokens ----------
-- A person's token acts as that person within its scopes; an integration
-- token (person_id NULL) belongs to a named system and may only post
-- inbound mentions, on its channels / for its departments ('{}': any).
-- Only the SHA-256 of a token is stored; prefix is what people see.
CREATE TABLE IF NOT EXISTS api_token (
  id           uuid PRIMARY KEY,
  person_id    uuid REFERENCES person(id),
  integration  text,
  name         text NOT NULL,
  prefix       text NOT NULL,
  hash         bytea NOT NULL UNIQUE,
  scopes       text[] NOT NULL,
  channels     text[] NOT NULL DEFAULT '{}',
  departments  text[] NOT NULL DEFAULT '{}',
  expires_at   timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  created_by   uuid,                    -- the token that created it; NULL: first start or seed
  last_used_at timestamptz,             -- to the minute
  revoked_at   timestamptz,
  revoked_by   uuid,
  CHECK ((person_id IS NULL) <> (integration IS NULL))
);
CREATE INDEX IF NOT EXISTS api_token_person ON api_token (person_id);

-- The tokens people held before: kept, with every scope.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM information_schema.columns
              WHERE table_name = 'person' AND column_name = 'token_hash') THEN
    INSERT INTO api_token (id, person_id, name, prefix, hash, scopes)
    SELECT gen_random_uuid(), id, 'initial', 'hdt_…', token_hash,
           '{read,submit,decide,admin}'
      FROM person WHERE token_hash IS NOT NULL
    ON CONFLICT DO NOTHING;
    ALTER TABLE person DROP COLUMN token_hash;
  END IF;
END $$;

-- Which token did it: every authenticated input records it.
ALTER TABLE content ADD COLUMN IF NOT EXISTS token_id uuid;
ALTER TABLE decision ADD COLUMN IF NOT EXISTS token_id uuid;
ALTER TABLE mention ADD COLUMN IF NOT EXISTS token_id uuid;

-- ---------- certifications and delegations get ids (administered by id) ----------
ALTER TABLE certification ADD COLUMN IF NOT EXISTS id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE certification ADD COLUMN IF NOT EXISTS name text NOT NULL DEFAULT 'publishing';
ALTER TABLE certification ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 1;
CREATE UNIQUE INDEX IF NOT EXISTS certification_id ON certification (id);
ALTER TABLE delegation ADD COLUMN IF NOT EXISTS id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE delegation ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 1;
CREATE UNIQUE INDEX IF NOT EXISTS delegation_id ON delegation (id);

-- ---------- policy by committee ----------
-- The roles that must each approve a policy proposal (four-eyes: never its
-- proposer). Empty: an orchestrator's review alone.
CREATE TABLE IF NOT EXISTS policy_review_step (
  role    text PRIMARY KEY REFERENCES role(name),
  ord     integer NOT NULL DEFAULT 0,
  version bigint NOT NULL DEFAULT 1
);

-- A proposal as it was submitted (ingest's: the input). Its review state,
-- diff and simulation are policy's (policy_proposal_state).
CREATE TABLE IF NOT EXISTS policy_proposal (
  id             uuid PRIMARY KEY,
  source         text NOT NULL,
  why            text NOT NULL,
  emergency      boolean NOT NULL DEFAULT false,
  proposed_by    uuid NOT NULL REFERENCES person(id),
  token_id       uuid,
  base_version   bigint NOT NULL,
  required_roles text[] NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- A review as it was submitted (ingest's, like decision).
CREATE TABLE IF NOT EXISTS policy_review (
  id          uuid PRIMARY KEY,
  proposal_id uuid NOT NULL REFERENCES policy_proposal(id),
  reviewer_id uuid NOT NULL REFERENCES person(id),
  role        text NOT NULL,
  decision    text NOT NULL CHECK (decision IN ('approve', 'reject')),
  comment     text NOT NULL DEFAULT '',
  token_id    uuid,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- What policy made of a proposal (policy's own): the state, the diff
-- against the version it was based on, the simulation, the reviews that
-- counted and the version it activated.
CREATE TABLE IF NOT EXISTS policy_proposal_state (
  proposal_id uuid PRIMARY KEY,
  state       text NOT NULL,            -- in_review, activated, rejected, invalid
  diff        text NOT NULL DEFAULT '',
  simulation  jsonb,
  approved    text[] NOT NULL DEFAULT '{}',
  version     bigint,
  reason      text NOT NULL DEFAULT '',
  updated_at  timestamptz NOT NULL DEFAULT now()
);
