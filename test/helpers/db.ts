/**
 * Per-file test databases: each test file gets its own database cloned from the migrated
 * template that test/run-suite.ts prepares, so files run in parallel without sharing rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb, type DbHandle } from '../../src/db/connect.ts';
import { OWNER_ROLE, RUNTIME_ROLE, urlAs } from '../../src/db/roles.ts';

/** Passwords of sql/roles.sql's two roles in the throwaway test cluster (test/run-suite.ts creates them). */
export const TEST_ROLE_PASSWORDS = { owner: 'test-owner-pw', app: 'test-app-pw' };

export interface TestDatabase extends DbHandle {
  /** The runtime role's URL (what server and worker use); for an `empty` database, the superuser's. */
  url: string;
  /** The owner role's URL (migrations, DDL in tests). */
  ownerUrl: string;
  name: string;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

function adminUrl(): string {
  const url = process.env.TEST_PG_URL;
  if (!url) throw new Error('TEST_PG_URL is not set: run the suite with `make test` (or `node --import tsx test/run-suite.ts <files>`)');
  return url;
}

export function databaseUrl(name: string): string {
  const u = new URL(adminUrl());
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates a fresh database (migrated unless `empty`), dropped when the test ends. */
export async function createTestDatabase(t: Teardown, opts: { empty?: boolean; unmigrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const template = opts.empty || opts.unmigrated ? 'template0' : (process.env.TEST_TEMPLATE_DB ?? 'parse_sync_template');
  // An empty database is an ERP simulator's backing store (test tooling): it keeps the superuser.
  // An unmigrated one belongs to the owner role, for tests of migrations themselves.
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${template}${opts.empty ? '' : ` OWNER ${OWNER_ROLE}`}`);
  const ownerUrl = urlAs(adminUrl(), { role: OWNER_ROLE, password: TEST_ROLE_PASSWORDS.owner, database: name });
  const url = opts.empty ? databaseUrl(name) : urlAs(adminUrl(), { role: RUNTIME_ROLE, password: TEST_ROLE_PASSWORDS.app, database: name });
  const handle = createDb({ url, max: 5 });
  t.teardown(async () => {
    await handle.close();
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  return { ...handle, url, ownerUrl, name };
}

export async function adminQuery(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

/** Runs DDL a test needs as the database's owner role (the runtime role cannot change the schema). */
export async function ownerQuery(db: Pick<TestDatabase, 'ownerUrl'>, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: db.ownerUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
