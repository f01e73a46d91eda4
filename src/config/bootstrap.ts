import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { waitForDatabase } from '../db/connect.ts';
import { ensureEmbeddedPostgres, readOrCreate } from '../db/embedded-postgres.ts';
import { createKeyring, type Keyring } from '../security/secret-box.ts';
import type { Env } from './config.ts';

const EMBEDDED_DATABASE = 'parse_sync';

export interface Runtime {
  databaseUrl: string;
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
export async function resolveRuntime(env: Env, log: (line: string) => void = () => {}): Promise<Runtime> {
  const previous = env.SYNC_SECRET_KEY_PREVIOUS?.split(',') ?? [];
  if (env.DATABASE_URL) {
    await waitForDatabase(env.DATABASE_URL, env.DB_CONNECT_TIMEOUT_SECONDS);
    return { databaseUrl: env.DATABASE_URL, embedded: false, keyring: createKeyring(env.SYNC_SECRET_KEY!, previous), stopEmbedded: async () => {}, startedEmbedded: false };
  }
  const dataDir = path.resolve(env.DATA_DIR);
  const key = env.SYNC_SECRET_KEY ?? (await readOrCreate(path.join(dataDir, 'secret.key'), () => randomBytes(32).toString('base64')));
  const cluster = await ensureEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port: env.EMBEDDED_PG_PORT });
  if (cluster.started) log(`embedded PostgreSQL started on 127.0.0.1:${env.EMBEDDED_PG_PORT} (data in ${dataDir}/pg)`);
  await ensureDatabase(cluster.url, EMBEDDED_DATABASE);
  const url = new URL(cluster.url);
  url.pathname = `/${EMBEDDED_DATABASE}`;
  return { databaseUrl: url.toString(), embedded: true, keyring: createKeyring(key, previous), stopEmbedded: cluster.stop, startedEmbedded: cluster.started };
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04' && err.code !== '23505') throw err; // created meanwhile by the other process
      });
    }
  } finally {
    await client.end();
  }
}
