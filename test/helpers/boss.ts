import { readFile } from 'node:fs/promises';
import { sql, type Kysely } from 'kysely';
import { PgBoss } from 'pg-boss';
import pino from 'pino';
import type { Database } from '../../src/db/schema.ts';
import { createBoss } from '../../src/queue/boss.ts';
import { ensureQueues } from '../../src/queue/jobs.ts';

export const silentLogger = pino({ level: 'silent' });

/** A started pg-boss on the test database with our queues, stopped when the test ends. */
export async function startTestBoss(t: { teardown(fn: () => unknown): void }, url: string): Promise<PgBoss> {
  const boss = createBoss({ url, logger: silentLogger, max: 6, superviseIntervalSeconds: 1 });
  await boss.start();
  await ensureQueues(boss);
  t.teardown(() => boss.stop({ graceful: false, timeout: 2000 }));
  return boss;
}

/** Rows of sql/reports/queue_consistency.sql (zero when sync_queue and pg-boss agree). */
export async function consistencyProblems(db: Kysely<Database>): Promise<unknown[]> {
  const text = await readFile(new URL('../../sql/reports/queue_consistency.sql', import.meta.url), 'utf8');
  return (await sql.raw(text).execute(db)).rows;
}

export async function jobState(db: Kysely<Database>, id: string): Promise<string | undefined> {
  const r = await sql<{ state: string }>`select state::text from pgboss.job where id = ${id}`.execute(db);
  return r.rows[0]?.state;
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
