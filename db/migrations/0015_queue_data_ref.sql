-- Issue 17: sync_queue.data_id names the sync_data row an item was made from; its payload is copied
-- at enqueue and nothing reads the row through it later. As a foreign key it cost every ingest item
-- a trigger call and a KEY SHARE lock on its sync_data row (a second write to every changed row):
-- 84 of 235 ms of a 1 000-item insert. Items are only enqueued with the id of a row written in the
-- same transaction, and deleting sync_data rows still clears the references to them (what ON DELETE
-- SET NULL did, row by row, each a scan of the queue: data_id has no index), now once per statement.
ALTER TABLE sync_queue DROP CONSTRAINT sync_queue_data_id_fkey;

CREATE FUNCTION sync_queue_clear_data_refs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE sync_queue q SET data_id = NULL FROM gone WHERE q.data_id = gone.id;
  RETURN NULL;
END $$;

CREATE TRIGGER sync_data_clear_queue_refs AFTER DELETE ON sync_data
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION sync_queue_clear_data_refs();
