import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import type { MigrationResultSet } from 'kysely/migration';
import { createDb, waitForDatabase } from '../db/connect.ts';
import { ensureEmbeddedPostgres, readOrCreate } from '../db/embedded-postgres.ts';
import { migrateToLatest, pendingMigrations } from '../db/migrate.ts';
import { applyRolesSql, assertLeastPrivilege, grantRuntimeAccess, OWNER_ROLE, roleOf, RUNTIME_ROLE, urlAs } from '../db/roles.ts';
import type { Database } from '../db/schema.ts';
import type { Kysely } from 'kysely';
import { installBossSchema } from '../queue/boss.ts';
import { createKeyring, type Keyring } from '../security/secret-box.ts';
import type { Env } from '../config/config.ts';

const EMBEDDED_DATABASE = 'parse_sync';

export interface Runtime {
  /** The runtime role's URL: what the server and the worker connect as. */
  databaseUrl: string;
  /** The owner role's URL, which runs migrations; unset when only DATABASE_URL was given. */
  ownerUrl?: string;
  /** True when the URL points at the embedded cluster (DATABASE_URL unset). */
  embedded: boolean;
  keyring: Keyring;
  /** Stops the embedded cluster (only `make run` and `make db-stop` do: it is shared). */
  stopEmbedded(): Promise<void>;
  /** True when this process had to start the embedded cluster. */
  startedEmbedded: boolean;
}

/**
 * Resolves what every process needs before it builds anything: the database URL (embedded
 * PostgreSQL unless DATABASE_URL is set) and the secret keyring (SYNC_SECRET_KEY, or in the
 * embedded default a key generated once into DATA_DIR/secret.key with mode 0600).
 */
export async function resolveRuntime(
  env: Env,
  log: (line: string) => void = () => {},
  o: { startEmbedded?: boolean } = {},
): Promise<Runtime> {
  const previous = env.SYNC_SECRET_KEY_PREVIOUS?.split(',') ?? [];
  if (env.DATABASE_URL) {
    await waitForDatabase(env.DATABASE_URL, env.DB_CONNECT_TIMEOUT_SECONDS);
    return {
      databaseUrl: env.DATABASE_URL,
      ownerUrl: env.DATABASE_OWNER_URL,
      embedded: false,
      keyring: createKeyring(env.SYNC_SECRET_KEY!, previous),
      stopEmbedded: async () => {},
      startedEmbedded: false,
    };
  }
  const dataDir = path.resolve(env.DATA_DIR);
  const cluster = await ensureEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port: env.EMBEDDED_PG_PORT, start: o.startEmbedded });
  const key = env.SYNC_SECRET_KEY ?? (await readOrCreate(path.join(dataDir, 'secret.key'), () => randomBytes(32).toString('base64')));
  if (cluster.started) log(`embedded PostgreSQL started on 127.0.0.1:${env.EMBEDDED_PG_PORT} (data in ${dataDir}/pg)`);
  // The superuser URL stays here: it only creates the two roles and the database they use.
  const passwords = {
    owner: await readOrCreate(path.join(dataDir, 'pg-owner.password'), () => randomBytes(18).toString('base64url')),
    app: await readOrCreate(path.join(dataDir, 'pg-app.password'), () => randomBytes(18).toString('base64url')),
  };
  await applyRolesSql(cluster.url, passwords);
  await ensureDatabase(cluster.url, EMBEDDED_DATABASE);
  return {
    databaseUrl: urlAs(cluster.url, { role: RUNTIME_ROLE, password: passwords.app, database: EMBEDDED_DATABASE }),
    ownerUrl: urlAs(cluster.url, { role: OWNER_ROLE, password: passwords.owner, database: EMBEDDED_DATABASE }),
    embedded: true,
    keyring: createKeyring(key, previous),
    stopEmbedded: cluster.stop,
    startedEmbedded: cluster.started,
  };
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)} OWNER ${OWNER_ROLE}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04' && err.code !== '23505') throw err; // created meanwhile by the other process
      });
    } else {
      await client.query(`ALTER DATABASE ${client.escapeIdentifier(name)} OWNER TO ${OWNER_ROLE}`);
    }
  } finally {
    await client.end();
  }
}

/**
 * Migrations, then pg-boss's own schema and our queues, then the runtime role's grants, all under
 * one advisory lock, connected as the owner role (server and worker may start together).
 */
export async function prepareDatabase(db: Kysely<Database>, url: string, opts: { runtimeRole: string }): Promise<MigrationResultSet> {
  return migrateToLatest(db, url, {
    alsoUnderLock: async () => {
      await installBossSchema(url);
      await grantRuntimeAccess(db, opts.runtimeRole);
    },
  });
}

/** Raised when the schema is behind and this process has no owner URL to migrate it. */
export class SchemaOutdatedError extends Error {
  override readonly name = 'SchemaOutdatedError';
  readonly code = 'DB_SCHEMA_OUTDATED';
}

/**
 * What every process does before it uses the database: with the owner's URL, migrate (under the
 * advisory lock) and re-grant the runtime role; without it, refuse a schema that is behind. Then
 * refuse a runtime role with more than row privileges, unless DATABASE_ALLOW_PRIVILEGED_ROLE.
 */
export async function prepareRuntimeDatabase(runtime: Runtime, env: Env): Promise<MigrationResultSet | undefined> {
  let result: MigrationResultSet | undefined;
  if (runtime.ownerUrl) {
    const owner = createDb({ url: runtime.ownerUrl, max: 2 });
    try {
      await assertLeastPrivilege(owner.db, { allowPrivileged: env.DATABASE_ALLOW_PRIVILEGED_ROLE, variable: 'DATABASE_OWNER_URL' });
      result = await prepareDatabase(owner.db, runtime.ownerUrl, { runtimeRole: roleOf(runtime.databaseUrl) });
    } finally {
      await owner.close();
    }
  }
  const app = createDb({ url: runtime.databaseUrl, max: 1 });
  try {
    await assertLeastPrivilege(app.db, { allowPrivileged: env.DATABASE_ALLOW_PRIVILEGED_ROLE, variable: 'DATABASE_URL' });
    const pending = runtime.ownerUrl ? [] : await pendingMigrations(app.db);
    if (pending.length > 0) {
      throw new SchemaOutdatedError(
        `the database schema is behind (${pending.length} migrations pending, first ${pending[0]}); run \`make migrate\` with DATABASE_OWNER_URL set to the owner role (README, "Database roles")`,
      );
    }
  } finally {
    await app.close();
  }
  return result;
}
