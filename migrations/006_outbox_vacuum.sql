-- The outbox is a queue: every event leaves a dead row once sequenced, and
-- the sequencer's scan reads them until vacuum passes. Vacuum it eagerly.
ALTER TABLE outbox SET (autovacuum_vacuum_threshold = 1000,
                        autovacuum_vacuum_scale_factor = 0,
                        autovacuum_vacuum_cost_delay = 0);
