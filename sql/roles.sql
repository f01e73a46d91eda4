-- The two PostgreSQL roles parse-sync connects as (docs/security.md). Run once as a superuser:
--
--   psql "postgres://postgres@127.0.0.1/postgres" -v owner_password="$OWNER_PW" -v app_password="$APP_PW" -f sql/roles.sql
--   createdb -h 127.0.0.1 -U postgres -O parse_sync_owner parse_sync
--
-- then give the processes:
--   DATABASE_OWNER_URL=postgres://parse_sync_owner:$OWNER_PW@127.0.0.1:5432/parse_sync   (migrations)
--   DATABASE_URL=postgres://parse_sync_app:$APP_PW@127.0.0.1:5432/parse_sync             (server, worker)
--
-- parse_sync_owner owns the schema and runs migrations; parse_sync_app is what the server and the
-- worker use: no SUPERUSER, CREATEROLE, CREATEDB, BYPASSRLS, no pg_read/write_server_files or
-- pg_execute_server_program, and only the table grants db/runtime-grants.sql gives it after each
-- migration. Re-running this file only resets the two passwords. The embedded default runs it itself.
SELECT set_config('parse_sync.owner_password', :'owner_password', false),
       set_config('parse_sync.app_password', :'app_password', false);

DO $$
DECLARE
  role_name text;
  pw text;
BEGIN
  FOREACH role_name IN ARRAY ARRAY['parse_sync_owner', 'parse_sync_app'] LOOP
    pw := current_setting(CASE role_name WHEN 'parse_sync_owner' THEN 'parse_sync.owner_password' ELSE 'parse_sync.app_password' END);
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = role_name) THEN
      EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', role_name, pw);
    ELSE
      EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L', role_name, pw);
    END IF;
    EXECUTE format('ALTER ROLE %I NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION', role_name);
  END LOOP;
END $$;

SELECT set_config('parse_sync.owner_password', '', false), set_config('parse_sync.app_password', '', false);
