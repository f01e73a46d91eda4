/**
 * Two transactions racing on a lock, step by step: one is held open after its statements ran, the
 * other is started and seen waiting in PostgreSQL, then the first commits.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { eventually } from './boss.ts';

/** Runs `fn` in a transaction left open: `ran` resolves once it has run, `commit()` ends it, `done` settles with it. */
export function heldTransaction<T>(db: Kysely<Database>, fn: (trx: Transaction<Database>) => Promise<T>) {
  let commit!: () => void;
  const release = new Promise<void>((r) => (commit = r));
  let ran!: () => void;
  const hasRun = new Promise<void>((r) => (ran = r));
  const done = db.transaction().execute(async (trx) => {
    const result = await fn(trx);
    ran();
    await release;
    return result;
  });
  // A failure before `ran` is reported through `done` (and `ran` would never resolve).
  return { ran: Promise.race([hasRun, done.then(() => {})]), commit, done };
}

/** Resolves once a session of the database waits on a lock (the other transaction's statement reached PostgreSQL). */
export function someoneWaitsOnALock(db: Kysely<Database>, what: string): Promise<unknown> {
  return eventually(
    async () =>
      (
        await sql<{
          n: string;
        }>`select count(*) n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db)
      ).rows[0]!.n !== '0',
    10_000,
    what,
  );
}
