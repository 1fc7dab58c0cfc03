-- The SQL one item causes across huddle's services, for pgbench: one script
-- run = one item, all of its statements in one transaction. It is the
-- database's limit for huddle's work: the statements each item needs, in
-- their single-row forms, with one durable commit per item shared by
-- concurrent clients (PostgreSQL's group commit), and none of what the
-- services spend to batch (cursors, fetches, the per-batch statements:
-- chain reads, job claims, counter upserts). Taken from pg_stat_statements
-- of a real run (bench-results/*/statements.tsv). Run by bench/run.py as
--   pgbench -n -M prepared -c CONNS -j 2 -T S -f item.sql \
--           -D maya=<person id> URL
-- so that tps = items/s the database allows for these statements.
-- Differences from the services, on purpose:
--  * ids are md5-derived from a random :n, not UUIDv5 (same type and size);
--  * the sequencer step moves this item's own outbox rows by event_id with
--    a sequence (64 clients cannot all take "the oldest rows");
--  * the publisher's claim and record touch this item's own job.
-- Event payloads are 320 opaque bytes (the mean size the hub served in a real
-- run), not envelopes: run it only where no service reads the log afterwards
-- (bench/run.py runs it last, with every service stopped).

\set n random(1, 1000000000000000)

BEGIN;
-- ingest: the item and its content.submitted
INSERT INTO content (id, author_id, department_id, channel_id, kind, text, idempotency_key, scheduled_at) VALUES (md5(:n::text || 'c')::uuid, :maya, 'marketing', 'sandbox', 'post', 'Spring launch bench: meet our new app! Meet the team, try the new features and tell us what you think. Meet the team.', 'pgbench-' || :n::text, NULL::timestamptz) ON CONFLICT (id) DO NOTHING;
INSERT INTO outbox (event_id, type, department, correlation_id, causation_id, payload) SELECT md5(:n::text || 'e1')::uuid, 'content.submitted', 'marketing', md5(:n::text || 'c')::uuid, NULL::uuid, decode(repeat('ab', 320), 'hex') WHERE (SELECT pg_current_xact_id()) IS NOT NULL AND (SELECT 1 FROM event_log e WHERE e.event_id = md5(:n::text || 'e1')::uuid LIMIT 1) IS NULL ON CONFLICT (event_id) DO NOTHING;
-- policy: content.submitted -> verdict + policy.evaluated
SELECT kind, max_length FROM channel WHERE id = 'sandbox';
INSERT INTO policy_verdict (content_id, policy_version, verdict, findings) VALUES (md5(:n::text || 'c')::uuid, 1, 'pass', '[]'::jsonb) ON CONFLICT (content_id) DO NOTHING;
INSERT INTO outbox (event_id, type, department, correlation_id, causation_id, payload) SELECT md5(:n::text || 'e2')::uuid, 'policy.evaluated', 'marketing', md5(:n::text || 'c')::uuid, md5(:n::text || 'e1')::uuid, decode(repeat('ab', 320), 'hex') WHERE (SELECT pg_current_xact_id()) IS NOT NULL AND (SELECT 1 FROM event_log e WHERE e.event_id = md5(:n::text || 'e2')::uuid LIMIT 1) IS NULL ON CONFLICT (event_id) DO NOTHING;
-- workflow: content.submitted -> workflow_item
INSERT INTO workflow_item (content_id, department_id, author_id, author_email, channel_id, text, state, scheduled_at, submitted_at) VALUES (md5(:n::text || 'c')::uuid, 'marketing', :maya, 'maya@example.org', 'sandbox', 'Spring launch bench: meet our new app! Meet the team, try the new features and tell us what you think. Meet the team.', 'evaluating', NULL, now()) ON CONFLICT (content_id) DO NOTHING;
-- workflow: policy.evaluated (pass, chain 'auto') -> content.approved
SELECT w.author_id, w.department_id, w.state, r.role, r.role = ANY(w.same_department_roles), EXISTS (SELECT 1 FROM workflow_approval a WHERE a.content_id = w.content_id AND a.role = r.role) FROM workflow_item w LEFT JOIN LATERAL unnest(w.required_roles) WITH ORDINALITY AS r(role, i) ON true WHERE w.content_id = md5(:n::text || 'c')::uuid ORDER BY r.i;
UPDATE workflow_item SET state = 'approved', required_roles = '{}', same_department_roles = '{}', updated_at = now(), requested_at = now(), decided_at = now() WHERE content_id = md5(:n::text || 'c')::uuid RETURNING channel_id, text, author_id, author_email, department_id, coalesce((extract(epoch FROM scheduled_at) * 1000)::bigint, 0);
INSERT INTO outbox (event_id, type, department, correlation_id, causation_id, payload) SELECT md5(:n::text || 'e3')::uuid, 'content.approved', 'marketing', md5(:n::text || 'c')::uuid, md5(:n::text || 'e2')::uuid, decode(repeat('ab', 320), 'hex') WHERE (SELECT pg_current_xact_id()) IS NOT NULL AND (SELECT 1 FROM event_log e WHERE e.event_id = md5(:n::text || 'e3')::uuid LIMIT 1) IS NULL ON CONFLICT (event_id) DO NOTHING;
-- publisher: content.approved -> publish_job; claimed, posted, recorded
INSERT INTO publish_job (content_id, channel_id, department_id, text, state, not_before, cause_event_id) VALUES (md5(:n::text || 'c')::uuid, 'sandbox', 'marketing', 'Spring launch bench: meet our new app! Meet the team, try the new features and tell us what you think. Meet the team.', 'pending', now(), md5(:n::text || 'e3')::uuid) ON CONFLICT (content_id) DO NOTHING;
UPDATE publish_job SET state = 'in_flight', attempts = attempts + 1, updated_at = now(), not_before = now() + make_interval(secs => 60) WHERE content_id = md5(:n::text || 'c')::uuid AND state = 'pending';
UPDATE publish_job SET state = 'done', post_id = 'p' || :n::text, url = 'http://127.0.0.1/@marketing/p' || :n::text, last_error = NULL, updated_at = now() WHERE content_id = md5(:n::text || 'c')::uuid AND state = 'in_flight';
INSERT INTO outbox (event_id, type, department, correlation_id, causation_id, payload) SELECT md5(:n::text || 'e4')::uuid, 'publish.succeeded', 'marketing', md5(:n::text || 'c')::uuid, md5(:n::text || 'e3')::uuid, decode(repeat('ab', 320), 'hex') WHERE (SELECT pg_current_xact_id()) IS NOT NULL AND (SELECT 1 FROM event_log e WHERE e.event_id = md5(:n::text || 'e4')::uuid LIMIT 1) IS NULL ON CONFLICT (event_id) DO NOTHING;
-- workflow: publish.succeeded -> published
UPDATE workflow_item SET state = 'published', updated_at = now() WHERE content_id = md5(:n::text || 'c')::uuid AND state IN ('approved', 'failed');
-- metrics: content.approved stops the approval clock
DELETE FROM metrics_pending WHERE content_id = md5(:n::text || 'c')::uuid RETURNING department, requested_at_ms;
-- hub sequencer: this item's four events, outbox -> event_log
WITH moved AS (DELETE FROM outbox WHERE event_id IN (md5(:n::text || 'e1')::uuid, md5(:n::text || 'e2')::uuid, md5(:n::text || 'e3')::uuid, md5(:n::text || 'e4')::uuid) RETURNING oid, event_id, type, department, correlation_id, causation_id, payload, created_at), ins AS (INSERT INTO event_log (seq, event_id, type, department, correlation_id, causation_id, payload, created_at) SELECT nextval('bench_event_seq'), event_id, type, department, correlation_id, causation_id, payload, created_at FROM moved m WHERE (SELECT 1 FROM event_log e WHERE e.event_id = m.event_id LIMIT 1) IS NULL RETURNING seq, type, department, payload) SELECT seq, type, department, payload FROM ins ORDER BY seq;
COMMIT;
