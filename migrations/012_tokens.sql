-- API tokens people and integrations manage themselves (docs/tokens.md).
-- An integration has at most one live (not revoked) token: a second create
-- of the same name is refused (409) until the first is revoked, also when
-- two administrators create it at once.
CREATE UNIQUE INDEX IF NOT EXISTS api_token_integration_live
  ON api_token (integration) WHERE integration IS NOT NULL AND revoked_at IS NULL;
