-- Wake the hub's sequencer when events are recorded. NOTIFY is delivered at
-- commit (and coalesced per transaction), so a hint never points at rows not
-- yet visible. It is only a hint: the sequencer also polls (DESIGN.md,
-- bus invariant 7).
CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('huddle_outbox', '');
  RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS outbox_notify ON outbox;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
