-- Issue 17: sync_data.tenant_id is checked by the code that writes it, not by a foreign key. The
-- key's check ran once per inserted row (a lookup of sync_tenant and a KEY SHARE lock on it): 6.5 of
-- 48 ms of a 1 000-row ingest upsert (EXPLAIN ANALYZE). Every writer takes the tenant from an
-- authenticated key or from its sync_entity_config row, whose own key to sync_tenant stays, and so
-- does sync_data -> sync_entity_config (SPEC §2). Deleting a tenant still deletes its records (what
-- ON DELETE CASCADE did), once per statement. TRUNCATE sync_tenant CASCADE no longer reaches
-- sync_data: truncate it by name.
ALTER TABLE sync_data DROP CONSTRAINT sync_data_tenant_id_fkey;

CREATE FUNCTION sync_data_delete_tenant_records() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM sync_data d USING gone WHERE d.tenant_id = gone.id;
  RETURN NULL;
END $$;

CREATE TRIGGER sync_tenant_delete_data AFTER DELETE ON sync_tenant
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION sync_data_delete_tenant_records();
