-- Dead letters that cannot be lost or abused (docs/deadletters.md,
-- common/hd_deadletter.h). The raw input stays bytea, exactly as received;
-- what is new: each row's size and SHA-256 (computed by PostgreSQL), the
-- client address without its port, the kind it is counted under, sampling
-- (repeats, last_at), replay (replays, replayed_*), and the running totals
-- (dead_letter_stats) that keep the store bounded without scanning it.

ALTER TABLE dead_letter
  ADD COLUMN IF NOT EXISTS size          integer GENERATED ALWAYS AS (octet_length(raw)) STORED,
  ADD COLUMN IF NOT EXISTS raw_sha256    bytea GENERATED ALWAYS AS (sha256(raw)) STORED,
  ADD COLUMN IF NOT EXISTS peer_host     text,     -- peer without its port: what sampling compares
  ADD COLUMN IF NOT EXISTS kind          text,     -- source[:status]: what eviction counts under
  ADD COLUMN IF NOT EXISTS repeats       integer NOT NULL DEFAULT 1,  -- refusals this row stands for
  ADD COLUMN IF NOT EXISTS last_at       timestamptz DEFAULT now(),   -- the last of them
  ADD COLUMN IF NOT EXISTS replays       integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS replayed_at   timestamptz,                 -- the last replay
  ADD COLUMN IF NOT EXISTS replayed_by   text,                        -- its person (email)
  ADD COLUMN IF NOT EXISTS replay_status integer,                     -- its HTTP status (0: no answer)
  ADD COLUMN IF NOT EXISTS replay_answer text;                        -- its answer (cut at 4 KiB)
UPDATE dead_letter SET last_at = received_at, kind = source WHERE kind IS NULL;

CREATE INDEX IF NOT EXISTS dead_letter_sample ON dead_letter (raw_sha256, received_at);
CREATE INDEX IF NOT EXISTS dead_letter_received ON dead_letter (received_at);

-- Per kind: what the store holds now (kept by the triggers below, whoever
-- inserts or deletes) and what eviction removed (dead_letter_evict).
CREATE TABLE IF NOT EXISTS dead_letter_stats (
  kind          text PRIMARY KEY,
  stored_rows   bigint NOT NULL DEFAULT 0,
  stored_bytes  bigint NOT NULL DEFAULT 0,
  evicted_rows  bigint NOT NULL DEFAULT 0,
  evicted_bytes bigint NOT NULL DEFAULT 0
);
INSERT INTO dead_letter_stats (kind, stored_rows, stored_bytes)
SELECT coalesce(kind, source), count(*), sum(size) FROM dead_letter GROUP BY 1
ON CONFLICT (kind) DO NOTHING;

CREATE OR REPLACE FUNCTION dead_letter_count_in() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO dead_letter_stats AS s (kind, stored_rows, stored_bytes)
  SELECT coalesce(n.kind, n.source), count(*), sum(n.size) FROM dl_new n GROUP BY 1
  ON CONFLICT (kind) DO UPDATE SET stored_rows = s.stored_rows + excluded.stored_rows,
                                   stored_bytes = s.stored_bytes + excluded.stored_bytes;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION dead_letter_count_out() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE dead_letter_stats s SET stored_rows = s.stored_rows - o.n, stored_bytes = s.stored_bytes - o.b
    FROM (SELECT coalesce(g.kind, g.source) AS kind, count(*) AS n, sum(g.size) AS b
            FROM dl_old g GROUP BY 1) o
   WHERE s.kind = o.kind;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION dead_letter_count_reset() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE dead_letter_stats SET stored_rows = 0, stored_bytes = 0;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS dead_letter_in ON dead_letter;
CREATE TRIGGER dead_letter_in AFTER INSERT ON dead_letter REFERENCING NEW TABLE AS dl_new
  FOR EACH STATEMENT EXECUTE FUNCTION dead_letter_count_in();
DROP TRIGGER IF EXISTS dead_letter_out ON dead_letter;
CREATE TRIGGER dead_letter_out AFTER DELETE ON dead_letter REFERENCING OLD TABLE AS dl_old
  FOR EACH STATEMENT EXECUTE FUNCTION dead_letter_count_out();
DROP TRIGGER IF EXISTS dead_letter_reset ON dead_letter;
CREATE TRIGGER dead_letter_reset AFTER TRUNCATE ON dead_letter
  FOR EACH STATEMENT EXECUTE FUNCTION dead_letter_count_reset();

-- A refusal: folded into the row of an identical one (same source, client
-- address without port, reason and raw bytes) received within p_sample_s
-- seconds, else a new row. dl_total: the raw bytes stored, all kinds.
CREATE OR REPLACE FUNCTION dead_letter_put(p_source text, p_peer text, p_peer_host text,
    p_reason text, p_field text, p_raw bytea, p_corr uuid, p_kind text, p_sample_s integer,
    OUT dl_id bigint, OUT dl_repeated boolean, OUT dl_total bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF p_sample_s > 0 THEN
    -- identical refusals arriving together wait for each other, so that
    -- the first one's row takes the others' repeats (two-key advisory
    -- locks: a space of their own, apart from the consumers' fences)
    PERFORM pg_advisory_xact_lock(17484, hashtext(p_source || encode(sha256(p_raw), 'hex')));
    UPDATE dead_letter d SET repeats = d.repeats + 1, last_at = now()
     WHERE d.id = (SELECT x.id FROM dead_letter x
                    WHERE x.raw_sha256 = sha256(p_raw)
                      AND x.received_at > now() - make_interval(secs => p_sample_s)
                      AND x.source = p_source AND x.reason = p_reason
                      AND x.peer_host IS NOT DISTINCT FROM p_peer_host
                    ORDER BY x.id DESC LIMIT 1)
    RETURNING d.id INTO dl_id;
  END IF;
  dl_repeated := dl_id IS NOT NULL;
  IF dl_id IS NULL THEN
    INSERT INTO dead_letter AS d (source, peer, peer_host, reason, field, raw, correlation_id, kind)
    VALUES (p_source, p_peer, p_peer_host, p_reason, p_field, p_raw, p_corr, p_kind)
    RETURNING d.id INTO dl_id;
  END IF;
  SELECT coalesce(sum(s.stored_bytes), 0) INTO dl_total FROM dead_letter_stats s;
END $$;

-- One eviction batch: the oldest rows (by id) until the total is back under
-- 90 % of p_max_bytes when it is over p_max_bytes, and rows older than
-- p_max_age_s; at most p_batch of each. Rows another eviction holds are
-- skipped. What it removed is counted by kind.
CREATE OR REPLACE FUNCTION dead_letter_evict(p_max_bytes bigint, p_max_age_s bigint,
    p_batch integer, OUT evicted_rows bigint, OUT evicted_bytes bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
  total bigint;
  excess bigint := 0;
BEGIN
  SELECT coalesce(sum(s.stored_bytes), 0) INTO total FROM dead_letter_stats s;
  IF total > p_max_bytes THEN
    excess := total - p_max_bytes * 9 / 10;
  END IF;
  WITH oldest AS (
         SELECT o.id, o.size, sum(o.size) OVER (ORDER BY o.id) AS upto
           FROM (SELECT d.id, d.size FROM dead_letter d WHERE excess > 0
                  ORDER BY d.id LIMIT p_batch FOR UPDATE SKIP LOCKED) o),
       pick AS (
         SELECT oldest.id FROM oldest WHERE oldest.upto - oldest.size < excess
         UNION
         SELECT a.id FROM (SELECT d.id FROM dead_letter d
                            WHERE d.received_at < now() - make_interval(secs => p_max_age_s)
                            ORDER BY d.received_at LIMIT p_batch FOR UPDATE SKIP LOCKED) a),
       gone AS (
         DELETE FROM dead_letter d USING pick WHERE d.id = pick.id
         RETURNING coalesce(d.kind, d.source) AS k, d.size AS sz),
       counted AS (
         INSERT INTO dead_letter_stats AS s (kind, evicted_rows, evicted_bytes)
         SELECT g.k, count(*), sum(g.sz) FROM gone g GROUP BY g.k
         ON CONFLICT (kind) DO UPDATE SET evicted_rows = s.evicted_rows + excluded.evicted_rows,
                                          evicted_bytes = s.evicted_bytes + excluded.evicted_bytes)
  SELECT count(*), coalesce(sum(g.sz), 0) INTO evicted_rows, evicted_bytes FROM gone g;
END $$;

-- Who may inspect and replay dead letters (hd_perm; the orchestrator's '*'
-- covers it already: the grant says so by name).
INSERT INTO admin_grant (role, permission, scope)
VALUES ('orchestrator', 'deadletters', 'organization') ON CONFLICT DO NOTHING;
