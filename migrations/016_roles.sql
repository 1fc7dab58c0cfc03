-- Least privilege (DESIGN.md "Store"; docs/deploy.md "Database roles"):
-- one login role per service, granted what that service's SQL needs and
-- nothing else. The owner of the tables is the login that runs
-- huddle-migrate; the services no longer need it. huddle-migrate gives each
-- role a random password, written to $HUDDLE_KEYS_DIR/db/NAME.password.
--
-- Roles belong to the cluster, not to one database: another database of the
-- cluster (tests make many) may have created them, even concurrently, so
-- creation tolerates that, grants are made here per database, and no role is
-- ever dropped. Every statement here may run again without harm.
--
-- A migration that adds a table or a column a service uses must grant it to
-- that service's role (tests/hostile/test_db_roles.py fails on a table no
-- service role may use).

-- ---------- the roles ----------
DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['huddle_hub', 'huddle_ingest', 'huddle_policy', 'huddle_workflow',
                           'huddle_publisher', 'huddle_metrics', 'huddle_read'] LOOP
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
        EXECUTE format('CREATE ROLE %I LOGIN', r);
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END;
    -- huddle_read (008) was NOLOGIN: the API's read side now logs in as it,
    -- so that its connection cannot RESET ROLE into a role that writes.
    BEGIN
      IF NOT (SELECT rolcanlogin FROM pg_roles WHERE rolname = r) THEN
        EXECUTE format('ALTER ROLE %I LOGIN', r);
      END IF;
    EXCEPTION WHEN OTHERS THEN
      NULL; -- another database's migration did it at the same moment
    END;
  END LOOP;
END
$$;

-- Ingest reads the read side's views on its own connection too, and may
-- still take the role with "-c role=huddle_read" when no read password is
-- configured (an older set-up).
DO $$
BEGIN
  GRANT huddle_read TO huddle_ingest;
EXCEPTION WHEN OTHERS THEN
  NULL; -- granted by another database's migration (or at the same moment)
END
$$;

-- ---------- nothing for anyone by default ----------
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO huddle_hub, huddle_ingest, huddle_policy, huddle_workflow,
                                huddle_publisher, huddle_metrics, huddle_read;

-- ---------- the event log: written by the hub alone, changed by nobody ----------
-- Only the hub's sequencer appends (it moves the outbox into the log);
-- every producer checks an event id against it (hd_outbox.c), so they may
-- read that one column. No role may UPDATE, DELETE or TRUNCATE it, and the
-- trigger below refuses it even to the owner.
GRANT SELECT, INSERT ON event_log TO huddle_hub;
GRANT SELECT (event_id) ON event_log TO huddle_ingest, huddle_policy, huddle_workflow,
                                         huddle_publisher;

CREATE OR REPLACE FUNCTION event_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'event_log is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
DROP TRIGGER IF EXISTS event_log_append_only ON event_log;
CREATE TRIGGER event_log_append_only BEFORE UPDATE OR DELETE ON event_log
  FOR EACH ROW EXECUTE FUNCTION event_log_append_only();
DROP TRIGGER IF EXISTS event_log_no_truncate ON event_log;
CREATE TRIGGER event_log_no_truncate BEFORE TRUNCATE ON event_log
  FOR EACH STATEMENT EXECUTE FUNCTION event_log_append_only();

-- ---------- the bus: outbox, cursors, dead letters ----------
-- Producers insert into the outbox (hd_outbox); the hub's sequencer moves
-- its rows out (DELETE ... RETURNING). Workflow also asks whether an event
-- id is waiting there (services/workflow/read.c).
GRANT INSERT ON outbox TO huddle_ingest, huddle_policy, huddle_workflow, huddle_publisher;
GRANT USAGE ON SEQUENCE outbox_oid_seq TO huddle_ingest, huddle_policy, huddle_workflow,
                                          huddle_publisher;
GRANT SELECT, DELETE ON outbox TO huddle_hub;
-- ON CONFLICT (event_id) reads the column it arbitrates on.
GRANT SELECT (event_id) ON outbox TO huddle_ingest, huddle_policy, huddle_workflow,
                                      huddle_publisher;

-- Each consumer's cursor (hd_consumer).
GRANT SELECT, INSERT, UPDATE (seq, updated_at) ON consumer_cursor
  TO huddle_policy, huddle_workflow, huddle_publisher, huddle_metrics;

-- Every service keeps what it refused (hd_deadletter) through the functions
-- of 015 only: see "objects of the migrations written beside this one".

-- ---------- ingest: the door for input and the organization's tables ----------
GRANT SELECT, INSERT, UPDATE ON department, person, channel, api_token TO huddle_ingest;
GRANT SELECT, INSERT, DELETE ON person_role TO huddle_ingest;
GRANT SELECT, INSERT, UPDATE, DELETE ON channel_account, routing_rule, approval_step,
      review_role, role, admin_grant, certification, delegation, policy_review_step
  TO huddle_ingest;
GRANT USAGE ON SEQUENCE approval_step_id_seq TO huddle_ingest;
-- What people submit: recorded, never changed.
GRANT SELECT, INSERT ON content, mention, decision, policy_proposal, policy_review
  TO huddle_ingest;
-- POST /v1/policy/simulate runs policy's engine on ingest's connection
-- (services/ingest/policy_api.c, in a read-only transaction): it reads
-- the active version's source and the crises as policy does.
GRANT SELECT (version, active, source) ON policy_version TO huddle_ingest;
GRANT SELECT ON crisis TO huddle_ingest;
-- The read side's views come with huddle_read (above).

-- ---------- policy ----------
GRANT SELECT, INSERT, UPDATE ON policy_version TO huddle_policy;
GRANT SELECT, INSERT ON policy_verdict TO huddle_policy;
GRANT SELECT, INSERT, UPDATE ON policy_proposal_state TO huddle_policy;
GRANT SELECT ON crisis, policy_proposal_input, read_actor TO huddle_policy;
-- The facts its rules read (services/policy/policy_batch.c,
-- policy_simulate.c), column by column: never a token or a credential.
GRANT SELECT (id, kind, max_length) ON channel TO huddle_policy;
GRANT SELECT (id, email, active) ON person TO huddle_policy;
GRANT SELECT (person_id, channel_id, expires_at) ON certification TO huddle_policy;
GRANT SELECT (principal_id, delegate_id, channel_id, valid_from, valid_until) ON delegation
  TO huddle_policy;
GRANT SELECT (id, text, channel_id, department_id, kind, author_id, created_at, scheduled_at)
  ON content TO huddle_policy;

-- ---------- workflow ----------
GRANT SELECT, INSERT, UPDATE ON workflow_item TO huddle_workflow;
GRANT SELECT, INSERT ON workflow_approval, inbox_item TO huddle_workflow;
GRANT SELECT (id, department_id, role, same_department) ON approval_step TO huddle_workflow;
GRANT SELECT (role, same_department) ON review_role TO huddle_workflow;
GRANT SELECT (id, department_id, active) ON person TO huddle_workflow;
GRANT SELECT (person_id, role) ON person_role TO huddle_workflow;
GRANT SELECT (id, priority, keywords, channel_id, department_id) ON routing_rule
  TO huddle_workflow;

-- ---------- publisher ----------
GRANT SELECT, INSERT, UPDATE ON publish_job TO huddle_publisher;
GRANT SELECT (id, kind, base_url) ON channel TO huddle_publisher;
-- The sealed credential only: it holds the key (HUDDLE_CREDENTIALS_KEY).
GRANT SELECT (channel_id, department_id, secret) ON channel_account TO huddle_publisher;

-- ---------- metrics ----------
GRANT SELECT, INSERT, UPDATE ON metrics_counter, metrics_histogram, metrics_histogram_sum
  TO huddle_metrics;
GRANT SELECT, INSERT, UPDATE, DELETE ON metrics_pending TO huddle_metrics;

-- ---------- the read side: the views, nothing else ----------
-- Every read_* view is the read side's (008): those of 008, 010 and 013,
-- and any a migration beside this one added.
DO $$
DECLARE
  v text;
BEGIN
  FOR v IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'v' AND c.relname LIKE 'read\_%' LOOP
    EXECUTE format('GRANT SELECT ON %I TO huddle_read', v);
  END LOOP;
END
$$;

-- ---------- objects of the migrations written beside this one ----------
-- 014 (idempotency: a column on content) needs nothing more: ingest's
-- grants on content are table-wide. 015 (dead letters): services store and
-- evict only through dead_letter_put / dead_letter_evict (SECURITY DEFINER,
-- their running totals kept by triggers), so they need EXECUTE on those two
-- and nothing on the tables; the API's dead-letter routes (ingest) read the
-- store and record replays.
REVOKE EXECUTE ON FUNCTION dead_letter_put(text, text, text, text, text, bytea, uuid, text,
                                           integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION dead_letter_evict(bigint, bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dead_letter_put(text, text, text, text, text, bytea, uuid, text,
                                          integer),
                          dead_letter_evict(bigint, bigint, integer)
  TO huddle_hub, huddle_ingest, huddle_policy, huddle_workflow, huddle_publisher,
     huddle_metrics;
GRANT SELECT ON dead_letter, dead_letter_stats TO huddle_ingest;
GRANT UPDATE (replays, replayed_at, replayed_by, replay_status, replay_answer) ON dead_letter
  TO huddle_ingest;

-- The owner keeps huddle_read (008): a service run as the owner
-- (HUDDLE_DB_ROLE=owner) reads as before.
