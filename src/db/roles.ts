/**
 * The two PostgreSQL roles of docs/security.md: an owner that runs migrations, and the runtime role
 * the server and the worker connect as. sql/roles.sql creates them (a DBA runs it with psql; the
 * embedded default and the test runner run the same file here); db/runtime-grants.sql is what the
 * runtime role may touch, re-applied by the owner after every migration run.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import pg from 'pg';
import type { Executor } from './connect.ts';

export const OWNER_ROLE = 'parse_sync_owner';
export const RUNTIME_ROLE = 'parse_sync_app';

const ROLES_SQL = fileURLToPath(new URL('../../sql/roles.sql', import.meta.url));
const GRANTS_SQL = fileURLToPath(new URL('../../db/runtime-grants.sql', import.meta.url));

/** Refused at start: the process's role can do more than rows of our tables. */
export class PrivilegedRoleError extends Error {
  override readonly name = 'PrivilegedRoleError';
  readonly code = 'DB_ROLE_PRIVILEGED';
}

/**
 * Runs sql/roles.sql over a superuser connection, with psql's `:'name'` variables bound as
 * literals (the file is written for psql; this is the only psql syntax it uses).
 */
export async function applyRolesSql(superuserUrl: string, passwords: { owner: string; app: string }): Promise<void> {
  const client = new pg.Client({ connectionString: superuserUrl });
  await client.connect();
  try {
    const values: Record<string, string> = { owner_password: passwords.owner, app_password: passwords.app };
    const text = (await readFile(ROLES_SQL, 'utf8')).replace(/:'(\w+)'/g, (_m, name: string) => {
      const v = values[name];
      if (v === undefined) throw new Error(`sql/roles.sql uses an unknown variable :'${name}'`);
      return client.escapeLiteral(v);
    });
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Gives `runtimeRole` exactly the grants of db/runtime-grants.sql; run by the owner. */
export async function grantRuntimeAccess(db: Executor, runtimeRole: string): Promise<void> {
  const text = await readFile(GRANTS_SQL, 'utf8');
  await db.transaction().execute(async (trx) => {
    await sql`select set_config('parse_sync.runtime_role', ${runtimeRole}, true)`.execute(trx);
    // db/runtime-grants.sql is ours; the role name travels as a bound set_config value, not in the text.
    await sql.raw(text).execute(trx);
  });
}

/** What the connected role could do beyond rows of our tables; empty when it is least-privileged. */
export async function excessPrivileges(db: Executor): Promise<string[]> {
  const { rows } = await sql<{ attribute: string }>`
    select a.attribute from pg_roles r,
      lateral (values ('SUPERUSER', r.rolsuper), ('CREATEROLE', r.rolcreaterole), ('CREATEDB', r.rolcreatedb),
                      ('BYPASSRLS', r.rolbypassrls), ('REPLICATION', r.rolreplication),
                      ('pg_read_server_files', pg_has_role(r.oid, 'pg_read_server_files', 'USAGE')),
                      ('pg_write_server_files', pg_has_role(r.oid, 'pg_write_server_files', 'USAGE')),
                      ('pg_execute_server_program', pg_has_role(r.oid, 'pg_execute_server_program', 'USAGE'))) as a(attribute, held)
     where r.rolname = current_user and a.held`.execute(db);
  return rows.map((r) => r.attribute);
}

/** Throws unless the connected role is least-privileged (or the operator explicitly allowed it). */
export async function assertLeastPrivilege(db: Executor, opts: { allowPrivileged: boolean; variable: string }): Promise<void> {
  const excess = await excessPrivileges(db);
  if (excess.length === 0 || opts.allowPrivileged) return;
  throw new PrivilegedRoleError(
    `the database role in ${opts.variable} has ${excess.join(', ')}; parse-sync refuses to run with more than it needs. ` +
      'Create the owner and runtime roles with sql/roles.sql (README, "Database roles"), or set DATABASE_ALLOW_PRIVILEGED_ROLE=true to accept the risk',
  );
}

/** The user name a PostgreSQL URL logs in as. */
export function roleOf(url: string): string {
  return decodeURIComponent(new URL(url).username);
}

/** `url` logged in as `role` on `database` (same host and port). */
export function urlAs(url: string, o: { role: string; password: string; database?: string }): string {
  const u = new URL(url);
  u.username = encodeURIComponent(o.role);
  u.password = encodeURIComponent(o.password);
  if (o.database) u.pathname = `/${o.database}`;
  return u.toString();
}
