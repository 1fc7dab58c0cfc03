-- What ingest's HTTP door does for one POST /v1/content, for pgbench: the
-- statements of bench/pgbench/item.sql's ingest step alone. Run by
-- bench/run.py with 1 client (one connection, one request at a time) and
-- with CONNS clients (what PostgreSQL's own group commit gives when many
-- requests commit at once). Variables as item.sql: -D maya=<person id> -D token=<API token>.

\set n random(1, 1000000000000000)

-- ingest (HTTP): authenticate (the group commit's token lookup, batch_sql.c),
-- check the channel, then one transaction
WITH t AS (SELECT x.k, p.id, p.email, p.department_id, t.id AS tid, 'submit' = ANY (t.scopes) AS ok FROM unnest(ARRAY[:token::text]) AS x(k) JOIN api_token t ON t.hash = sha256(convert_to(x.k, 'UTF8')) AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()) JOIN person p ON p.id = t.person_id AND p.active), u AS (UPDATE api_token a SET last_used_at = now() WHERE a.id IN (SELECT id FROM api_token WHERE id IN (SELECT tid FROM t) AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') FOR UPDATE SKIP LOCKED)) SELECT k, id, email, department_id, tid, ok FROM t;
SELECT (SELECT count(*) FROM channel WHERE id = 'sandbox'), (SELECT count(*) FROM channel_account WHERE channel_id = 'sandbox' AND department_id = 'marketing');
BEGIN;
INSERT INTO content (id, author_id, department_id, channel_id, kind, text, idempotency_key, scheduled_at) VALUES (md5(:n::text || 'c')::uuid, :maya, 'marketing', 'sandbox', 'post', 'Spring launch bench: meet our new app! Meet the team, try the new features and tell us what you think. Meet the team.', 'pgbench-' || :n::text, NULL::timestamptz) ON CONFLICT (id) DO NOTHING;
SELECT coalesce((SELECT version FROM policy_version WHERE active), 0), coalesce((SELECT (extract(epoch FROM scheduled_at) * 1000)::bigint FROM content WHERE id = md5(:n::text || 'c')::uuid), 0);
INSERT INTO outbox (event_id, type, department, correlation_id, causation_id, payload) SELECT md5(:n::text || 'e1')::uuid, 'content.submitted', 'marketing', md5(:n::text || 'c')::uuid, NULL::uuid, decode(repeat('ab', 320), 'hex') WHERE NOT EXISTS (SELECT 1 FROM event_log WHERE event_id = md5(:n::text || 'e1')::uuid) ON CONFLICT (event_id) DO NOTHING;
COMMIT;
