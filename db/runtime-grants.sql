-- What the runtime role (server, worker) may do, re-applied by the owner after every migration run
-- (src/db/roles.ts). `parse_sync.runtime_role` is set by the caller in the same transaction.
-- Rows only: no DDL, no migration bookkeeping writes, nothing outside our two schemas.
DO $$
DECLARE
  app text := current_setting('parse_sync.runtime_role');
BEGIN
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), app);
  REVOKE CREATE ON SCHEMA public FROM PUBLIC;
  EXECUTE format('GRANT USAGE ON SCHEMA public, pgboss TO %I', app);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public, pgboss TO %I', app);
  EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON kysely_migration, kysely_migration_lock FROM %I', app);
  EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public, pgboss TO %I', app);
  EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pgboss TO %I', app);
END $$;
