/**
 * Per-file test databases: each test file gets its own database cloned from the migrated
 * template that test/run-suite.ts prepares, so files run in parallel without sharing rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb, type DbHandle } from '../../src/db/connect.ts';

export interface TestDatabase extends DbHandle {
  url: string;
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
export async function createTestDatabase(t: Teardown, opts: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const template = opts.empty ? 'template0' : (process.env.TEST_TEMPLATE_DB ?? 'parse_sync_template');
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  const url = databaseUrl(name);
  const handle = createDb({ url, max: 5 });
  t.teardown(async () => {
    await handle.close();
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  return { ...handle, url, name };
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
