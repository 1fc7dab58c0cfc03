-- No NOTIFY at commit. A transaction that notifies takes a database-wide
-- lock in PreCommit_Notify and holds it until its commit record is flushed,
-- so no two event-writing transactions ever shared an fsync: with durable
-- commits every producer queued behind every other (make bench: COMMIT after
-- an outbox insert 262-319 ms at 64 clients against 8-11 ms for the other
-- commits; one whole item 41 -> 89 items/s without the trigger). The hub's
-- sequencer polls the outbox adaptively instead (services/hub/sequencer.c);
-- wake-ups were only ever hints (DESIGN.md, bus invariant 7).
DROP TRIGGER IF EXISTS outbox_notify ON outbox;
DROP FUNCTION IF EXISTS outbox_notify();
