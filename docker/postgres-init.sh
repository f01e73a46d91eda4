#!/bin/sh
# First start of the postgres container only (docker-entrypoint-initdb.d): sql/roles.sql's two
# roles and the database, owned by the owner role. The image's superuser is left to the DBA.
set -eu
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres \
  -v owner_password="$PARSE_SYNC_OWNER_PASSWORD" -v app_password="$PARSE_SYNC_APP_PASSWORD" -f /parse-sync/roles.sql
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres -c 'CREATE DATABASE parse_sync OWNER parse_sync_owner'
