-- The SQL one item causes across huddle's services, for pgbench: one script
-- run = one item, one transaction per service step (a consumer's batch of
-- one event, applied without savepoints as hd_consumer does), with the
-- services' own statements (pg_stat_statements of a
-- real run: bench-results/*/statements.tsv). Run by bench/run.py as
--   pgbench -n -M extended -c CONNS -j 2 -T S -f item.sql \
--           -D maya=<person id> -D token=<maya's API token> URL
-- so that tps = items/s the database allows for these statements.
-- Differences from the services, on purpose:
--  * ids are md5-derived from a random :n, not UUIDv5 (same type and size);
--  * each client has its own consumer_cursor and metrics rows: a service is
--    one process updating its own rows, never 64 writers on one row;
--  * the sequencer step moves this item's own outbox rows by event_id with
--    a sequence (64 clients cannot all take "the oldest rows"), and runs once
--    per item (a real run does about 1 move per item at these rates).
-- Event payloads are 320 opaque bytes (the mean size the hub served in a real
-- run), not envelopes: run it only where no service reads the log afterwards
-- (bench/run.py runs it last, with every service stopped).

\set n random(1, 1000000000000000)

-- ingest (HTTP): authenticate, check the channel, then one transaction
SELECT p.id, p.email, p.department_id, coalesce(array_to_string(array_agg(r.role ORDER BY r.role) FILTER (WHERE r.role IS NOT NULL), ','), '') FROM person p LEFT JOIN person_role r ON r.person_id = p.id WHERE p.active AND p.token_hash = sha256(convert_to(:token, 'UTF8')) GROUP BY p.id;
SELECT (SELECT count(*) FROM channel WHERE id = 'sandbox'), (SELECT count(*) FROM channel_account WHERE channel_id = 'sandbox' AND department_id = 'marketing');
BEGIN;
INSERT INTO content (id, author_id, department_id, channel_id, kind, text, idempotency_key, scheduled_at) VALUES (md5(:n::text || 'c')::uuid, :maya, 'marketing', 'sandbox', 'post', 'Spring launch bench: meet our new app! Meet the team, try the new features and tell us what you think. Meet the team.', 'pgbench-' || :n::text, NULL::timestamptz) ON CONFLICT (id) DO NOTHING;
SELECT coalesce((SELECT version FROM policy_version WHERE active), 0), coalesce((SELECT (extract(epoch FROM scheduled_at) * 1000)::bigint FROM content WHERE id = md5(:n::text || 'c')::uuid), 0);
INSERT INTO outbox (event_id, type, department, correlation_id, causation_id, payload) SELECT md5(:n::text || 'e1')::uuid, 'content.submitted', 'marketing', md5(:n::text || 'c')::uuid, NULL::uuid, decode(repeat('ab', 320), 'hex') WHERE NOT EXISTS (SELECT 1 FROM event_log WHERE event_id = md5(:n::text || 'e1')::uuid) ON CONFLICT (event_id) DO NOTHING;
COMMIT;

-- policy: content.submitted -> verdict + policy.evaluated
BEGIN;
SELECT kind, max_length FROM channel WHERE id = 'sandbox';
INSERT INTO policy_verdict (content_id, policy_version, verdict, findings) VALUES (md5(:n::text || 'c')::uuid, 1, 'pass', '[]'::jsonb) ON CONFLICT (content_id) DO NOTHING;
INSERT INTO outbox (event_id, type, department, correlation_id, causation_id, payload) SELECT md5(:n::text || 'e2')::uuid, 'policy.evaluated', 'marketing', md5(:n::text || 'c')::uuid, md5(:n::text || 'e1')::uuid, decode(repeat('ab', 320), 'hex') WHERE NOT EXISTS (SELECT 1 FROM event_log WHERE event_id = md5(:n::text || 'e2')::uuid) ON CONFLICT (event_id) DO NOTHING;
UPDATE consumer_cursor SET seq = seq + 1, updated_at = now() WHERE consumer = 'bench-policy-' || :client_id::text;
COMMIT;

-- workflow: content.submitted -> workflow_item
BEGIN;
INSERT INTO workflow_item (content_id, department_id, author_id, author_email, channel_id, text, state, scheduled_at, submitted_at) VALUES (md5(:n::text || 'c')::uuid, 'marketing', :maya, 'maya@example.org', 'sandbox', 'Spring launch bench: meet our new app! Meet the team, try the new features and tell us what you think. Meet the team.', 'evaluating', NULL, now()) ON CONFLICT (content_id) DO NOTHING;
UPDATE consumer_cursor SET seq = seq + 1, updated_at = now() WHERE consumer = 'bench-workflow-' || :client_id::text;
COMMIT;

-- metrics: content.submitted
BEGIN;
INSERT INTO metrics_counter (name, labels, value) VALUES ('bench_events_total', 'client="' || :client_id::text || '",type="content.submitted"', 1) ON CONFLICT (name, labels) DO UPDATE SET value = metrics_counter.value + 1;
INSERT INTO metrics_counter (name, labels, value) VALUES ('bench_content_submitted_total', 'client="' || :client_id::text || '",department="marketing"', 1) ON CONFLICT (name, labels) DO UPDATE SET value = metrics_counter.value + 1;
UPDATE consumer_cursor SET seq = seq + 1, updated_at = now() WHERE consumer = 'bench-metrics-' || :client_id::text;
COMMIT;

-- workflow: policy.evaluated (PASS, chain 'auto') -> content.approved
BEGIN;
SELECT w.author_id, w.department_id, w.state, r.role, r.role = ANY(w.same_department_roles), EXISTS (SELECT 1 FROM workflow_approval a WHERE a.content_id = w.content_id AND a.role = r.role) FROM workflow_item w LEFT JOIN LATERAL unnest(w.required_roles) WITH ORDINALITY AS r(role, i) ON true WHERE w.content_id = md5(:n::text || 'c')::uuid ORDER BY r.i;
SELECT role, same_department FROM approval_step WHERE department_id = 'marketing' OR (department_id IS NULL AND NOT EXISTS (SELECT 1 FROM approval_step WHERE department_id = 'marketing')) ORDER BY id;
UPDATE workflow_item SET state = 'approved', required_roles = '{}', same_department_roles = '{}', updated_at = now(), requested_at = now(), decided_at = now() WHERE content_id = md5(:n::text || 'c')::uuid RETURNING channel_id, text, author_id, author_email, department_id, coalesce((extract(epoch FROM scheduled_at) * 1000)::bigint, 0);
INSERT INTO outbox (event_id, type, department, correlation_id, causation_id, payload) SELECT md5(:n::text || 'e3')::uuid, 'content.approved', 'marketing', md5(:n::text || 'c')::uuid, md5(:n::text || 'e2')::uuid, decode(repeat('ab', 320), 'hex') WHERE NOT EXISTS (SELECT 1 FROM event_log WHERE event_id = md5(:n::text || 'e3')::uuid) ON CONFLICT (event_id) DO NOTHING;
UPDATE consumer_cursor SET seq = seq + 1, updated_at = now() WHERE consumer = 'bench-workflow-' || :client_id::text;
COMMIT;

-- metrics: policy.evaluated
BEGIN;
INSERT INTO metrics_counter (name, labels, value) VALUES ('bench_events_total', 'client="' || :client_id::text || '",type="policy.evaluated"', 1) ON CONFLICT (name, labels) DO UPDATE SET value = metrics_counter.value + 1;
UPDATE consumer_cursor SET seq = seq + 1, updated_at = now() WHERE consumer = 'bench-metrics-' || :client_id::text;
COMMIT;

-- publisher: content.approved -> publish_job
BEGIN;
INSERT INTO publish_job (content_id, channel_id, department_id, text, state, not_before, cause_event_id) VALUES (md5(:n::text || 'c')::uuid, 'sandbox', 'marketing', 'Spring launch bench: meet our new app! Meet the team, try the new features and tell us what you think. Meet the team.', 'pending', now(), md5(:n::text || 'e3')::uuid) ON CONFLICT (content_id) DO NOTHING;
UPDATE consumer_cursor SET seq = seq + 1, updated_at = now() WHERE consumer = 'bench-publisher-' || :client_id::text;
COMMIT;

-- metrics: content.approved (stops the approval clock)
BEGIN;
INSERT INTO metrics_counter (name, labels, value) VALUES ('bench_events_total', 'client="' || :client_id::text || '",type="content.approved"', 1) ON CONFLICT (name, labels) DO UPDATE SET value = metrics_counter.value + 1;
INSERT INTO metrics_counter (name, labels, value) VALUES ('bench_content_approved_total', 'client="' || :client_id::text || '",department="marketing"', 1) ON CONFLICT (name, labels) DO UPDATE SET value = metrics_counter.value + 1;
DELETE FROM metrics_pending WHERE content_id = md5(:n::text || 'c')::uuid RETURNING department, requested_at_ms;
UPDATE consumer_cursor SET seq = seq + 1, updated_at = now() WHERE consumer = 'bench-metrics-' || :client_id::text;
COMMIT;

-- publisher: claim the next due job (as the publisher does: any due job)
BEGIN;
UPDATE publish_job SET state = 'in_flight', attempts = attempts + 1, updated_at = now(), not_before = now() + make_interval(secs => 60) WHERE content_id = (SELECT content_id FROM publish_job WHERE state = 'pending' AND not_before <= now() ORDER BY not_before LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING content_id;
SELECT j.content_id, j.cause_event_id, j.channel_id, j.department_id, j.text, j.attempts, c.id IS NOT NULL, a.token IS NOT NULL, coalesce(c.kind, ''), coalesce(c.base_url, ''), coalesce(a.token, '') FROM publish_job j LEFT JOIN channel c ON c.id = j.channel_id LEFT JOIN channel_account a ON a.channel_id = j.channel_id AND a.department_id = j.department_id WHERE j.content_id = md5(:n::text || 'c')::uuid;
COMMIT;

-- publisher: record the post -> publish.succeeded
BEGIN;
UPDATE publish_job SET state = 'done', post_id = 'p' || :n::text, url = 'http://127.0.0.1/@marketing/p' || :n::text, last_error = NULL, updated_at = now() WHERE content_id = md5(:n::text || 'c')::uuid AND state IN ('in_flight', 'pending');
INSERT INTO outbox (event_id, type, department, correlation_id, causation_id, payload) SELECT md5(:n::text || 'e4')::uuid, 'publish.succeeded', 'marketing', md5(:n::text || 'c')::uuid, md5(:n::text || 'e3')::uuid, decode(repeat('ab', 320), 'hex') WHERE NOT EXISTS (SELECT 1 FROM event_log WHERE event_id = md5(:n::text || 'e4')::uuid) ON CONFLICT (event_id) DO NOTHING;
COMMIT;

-- workflow: publish.succeeded -> published
BEGIN;
UPDATE workflow_item SET state = 'published', updated_at = now() WHERE content_id = md5(:n::text || 'c')::uuid AND state IN ('approved', 'failed');
UPDATE consumer_cursor SET seq = seq + 1, updated_at = now() WHERE consumer = 'bench-workflow-' || :client_id::text;
COMMIT;

-- metrics: publish.succeeded
BEGIN;
INSERT INTO metrics_counter (name, labels, value) VALUES ('bench_events_total', 'client="' || :client_id::text || '",type="publish.succeeded"', 1) ON CONFLICT (name, labels) DO UPDATE SET value = metrics_counter.value + 1;
UPDATE consumer_cursor SET seq = seq + 1, updated_at = now() WHERE consumer = 'bench-metrics-' || :client_id::text;
COMMIT;

-- hub sequencer: this item's four events, outbox -> event_log
WITH moved AS (DELETE FROM outbox WHERE event_id IN (md5(:n::text || 'e1')::uuid, md5(:n::text || 'e2')::uuid, md5(:n::text || 'e3')::uuid, md5(:n::text || 'e4')::uuid) RETURNING oid, event_id, type, department, correlation_id, causation_id, payload, created_at), ins AS (INSERT INTO event_log (seq, event_id, type, department, correlation_id, causation_id, payload, created_at) SELECT nextval('bench_event_seq'), event_id, type, department, correlation_id, causation_id, payload, created_at FROM moved m WHERE NOT EXISTS (SELECT 1 FROM event_log e WHERE e.event_id = m.event_id) RETURNING seq, type, department, payload) SELECT seq, type, department, payload FROM ins ORDER BY seq;
