-- policy: the facts that rule kinds author and crisis read (docs/policy.md).
-- The policy sets themselves live in policy_version (001).

-- A person is certified to publish on a channel (training passed) until
-- expires_at (NULL: no expiry). channel_id NULL: every channel.
CREATE TABLE certification (
  person_id    uuid NOT NULL REFERENCES person(id),
  channel_id   text REFERENCES channel(id),
  certified_at timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz
);
CREATE UNIQUE INDEX certification_person_channel
  ON certification (person_id, COALESCE(channel_id, ''));

-- delegate_id may submit content whose author of record is principal_id,
-- on channel_id (NULL: any), between valid_from and valid_until (NULL: open).
CREATE TABLE delegation (
  principal_id uuid NOT NULL REFERENCES person(id),
  delegate_id  uuid NOT NULL REFERENCES person(id),
  channel_id   text REFERENCES channel(id),
  valid_from   timestamptz NOT NULL DEFAULT now(),
  valid_until  timestamptz,
  PRIMARY KEY (principal_id, delegate_id, valid_from)
);

-- A declared crisis; active while ended_at IS NULL. department_id /
-- channel_id NULL: the whole organization / every channel.
CREATE TABLE crisis (
  id            uuid PRIMARY KEY,
  name          text NOT NULL,
  department_id text REFERENCES department(id),
  channel_id    text REFERENCES channel(id),
  declared_by   text NOT NULL DEFAULT '',
  started_at    timestamptz NOT NULL DEFAULT now(),
  ended_at      timestamptz
);
CREATE INDEX crisis_active ON crisis (started_at) WHERE ended_at IS NULL;
