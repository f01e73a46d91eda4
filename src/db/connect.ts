import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

/** Any place a query can run: the database or a caller's open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;

// bigint (int8) and numeric come back as strings: exact, never rounded through a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

export interface DbHandle {
  db: Kysely<Database>;
  pool: pg.Pool;
  close(): Promise<void>;
}

/** Creates the shared Kysely layer over one pg pool. */
export function createDb(opts: {
  url: string;
  max?: number;
  onError?: (err: Error) => void;
  /** Set on every connection of the pool (the tenant pool's guard rails), ms. */
  timeouts?: { statementMs: number; lockMs: number; idleInTransactionMs: number };
  applicationName?: string;
}): DbHandle {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'parse-sync',
    ...(opts.timeouts && {
      statement_timeout: opts.timeouts.statementMs,
      lock_timeout: opts.timeouts.lockMs,
      idle_in_transaction_session_timeout: opts.timeouts.idleInTransactionMs,
    }),
  });
  // An idle client losing its connection must not crash the process.
  pool.on('error', (err) => opts.onError?.(err));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, pool, close: () => db.destroy() };
}

/** Rejects with a clear message (host:port, no stack) when PostgreSQL stays unreachable past `timeoutSeconds`. */
export async function waitForDatabase(url: string, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let lastError: unknown;
  for (let delay = 200; Date.now() < deadline; delay = Math.min(delay * 2, 2000)) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (err) {
      lastError = err;
    } finally {
      await client.end().catch(() => {});
    }
    await new Promise((r) => setTimeout(r, delay));
  }
  const { hostname, port } = new URL(url);
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new DatabaseUnreachableError(
    `cannot reach PostgreSQL at ${hostname}:${port || 5432} after ${timeoutSeconds}s (${reason}); check DATABASE_URL and that the server is running`,
  );
}

export class DatabaseUnreachableError extends Error {
  override readonly name = 'DatabaseUnreachableError';
  readonly code = 'DB_UNREACHABLE';
}

/** Whether the database answers a trivial query (readiness probes). */
export async function pingDatabase(db: Executor): Promise<true> {
  await sql`select 1`.execute(db);
  return true;
}
