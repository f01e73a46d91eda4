-- Issue 17: sync_queue.tenant_id and sync_log.tenant_id are checked by the code that writes them, as
-- sync_data.tenant_id is since 0016. Each key's check ran once per inserted row (a lookup of
-- sync_tenant and a KEY SHARE lock on it): 7.4 of the ~43 µs an ingested item costs in its queue
-- insert, and a sync_log row is written for every settled item. Every writer takes the tenant from
-- an authenticated key or from its sync_entity_config row; the keys SPEC §2 and seed 000 name stay
-- (sync_log -> sync_queue, sync_data -> sync_entity_config). Deleting a tenant still deletes its
-- queue items, log lines and records, once per statement. TRUNCATE sync_tenant CASCADE no longer
-- reaches these three tables: truncate them by name.
ALTER TABLE sync_queue DROP CONSTRAINT sync_queue_tenant_id_fkey;
ALTER TABLE sync_log DROP CONSTRAINT sync_log_tenant_id_fkey;

DROP TRIGGER sync_tenant_delete_data ON sync_tenant;
DROP FUNCTION sync_data_delete_tenant_records();

-- Log lines first (their sync_queue_id would otherwise be set to NULL one by one), then the queue,
-- then the records (whose delete trigger clears queue references to them: none are left).
CREATE FUNCTION sync_delete_tenant_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM sync_log l USING gone WHERE l.tenant_id = gone.id;
  DELETE FROM sync_queue q USING gone WHERE q.tenant_id = gone.id;
  DELETE FROM sync_data d USING gone WHERE d.tenant_id = gone.id;
  RETURN NULL;
END $$;

CREATE TRIGGER sync_tenant_delete_rows AFTER DELETE ON sync_tenant
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION sync_delete_tenant_rows();
