-- Issue 17: sync_data's key to sync_entity_config (seed 000 names it) is checked once per statement
-- instead of once per row. PostgreSQL's own check is a query and a KEY SHARE lock on the config row
-- for every row written: 31 of 104 ms of a 4 000-row insert, more than any index. The key stays
-- declared, with its ON DELETE SET NULL (NOT ENFORCED, PostgreSQL 18), and these triggers enforce it
-- as PostgreSQL would: a write naming a config that does not exist fails with 23503, a deleted config
-- leaves its records with config_id NULL, and a config's id cannot change while records name it.
ALTER TABLE sync_data DROP CONSTRAINT sync_data_config_id_fkey;
ALTER TABLE sync_data ADD CONSTRAINT sync_data_config_id_fkey
  FOREIGN KEY (config_id) REFERENCES sync_entity_config (id) ON DELETE SET NULL NOT ENFORCED;

-- Each config the statement's rows name is locked FOR KEY SHARE, as the per-row check did: a delete
-- of it waits for this transaction and then clears the rows it wrote; one already deleted is missing.
CREATE FUNCTION sync_data_check_config_refs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  missing bigint;
BEGIN
  WITH named AS (
    SELECT DISTINCT config_id FROM written WHERE config_id IS NOT NULL
  ), present AS (
    SELECT c.id FROM sync_entity_config c WHERE c.id IN (SELECT config_id FROM named) ORDER BY c.id FOR KEY SHARE
  )
  SELECT n.config_id INTO missing FROM named n WHERE n.config_id NOT IN (SELECT id FROM present) LIMIT 1;
  IF missing IS NOT NULL THEN
    RAISE foreign_key_violation USING
      MESSAGE = 'insert or update on table "sync_data" violates foreign key constraint "sync_data_config_id_fkey"',
      DETAIL = format('Key (config_id)=(%s) is not present in table "sync_entity_config".', missing),
      TABLE = 'sync_data', CONSTRAINT = 'sync_data_config_id_fkey';
  END IF;
  RETURN NULL;
END $$;

-- A trigger with transition tables takes one event: one for inserts, one for updates.
CREATE TRIGGER sync_data_config_ref_insert AFTER INSERT ON sync_data
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION sync_data_check_config_refs();
CREATE TRIGGER sync_data_config_ref_update AFTER UPDATE ON sync_data
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION sync_data_check_config_refs();

-- ON DELETE SET NULL.
CREATE FUNCTION sync_entity_config_clear_data_refs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE sync_data d SET config_id = NULL FROM gone WHERE d.config_id = gone.id;
  RETURN NULL;
END $$;

CREATE TRIGGER sync_entity_config_clear_data_refs AFTER DELETE ON sync_entity_config
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION sync_entity_config_clear_data_refs();

-- ON UPDATE NO ACTION: an id that changed (ids are identities: only `SET id = DEFAULT` can) must not be named.
CREATE FUNCTION sync_entity_config_keep_data_refs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed bigint[] := ARRAY(SELECT id FROM before EXCEPT SELECT id FROM after);
  orphaned bigint;
BEGIN
  -- An ordinary edit changes no id: no scan of sync_data (config_id has no index).
  IF cardinality(changed) = 0 THEN
    RETURN NULL;
  END IF;
  SELECT d.config_id INTO orphaned FROM sync_data d WHERE d.config_id = ANY (changed) LIMIT 1;
  IF orphaned IS NOT NULL THEN
    RAISE foreign_key_violation USING
      MESSAGE = 'update on table "sync_entity_config" violates foreign key constraint "sync_data_config_id_fkey" on table "sync_data"',
      DETAIL = format('Key (id)=(%s) is still referenced from table "sync_data".', orphaned),
      TABLE = 'sync_entity_config', CONSTRAINT = 'sync_data_config_id_fkey';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER sync_entity_config_keep_data_refs AFTER UPDATE ON sync_entity_config
  REFERENCING OLD TABLE AS before NEW TABLE AS after FOR EACH STATEMENT EXECUTE FUNCTION sync_entity_config_keep_data_refs();
