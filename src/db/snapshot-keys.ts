/**
 * The keys a full snapshot read, kept in a TEMP table on the pull's own connection instead of a JS
 * Set: the pull's memory stays bounded however large the snapshot (1M keys were ~100 MB of heap,
 * then a 1M-element array parameter), and "not in the snapshot" becomes an anti-join in PostgreSQL.
 *
 * Session-scoped: every statement that uses it must run on the connection that opened it (the
 * pull holds one connection for the whole run). Temp tables write no WAL.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Executor } from './connect.ts';

export interface SnapshotKeys {
  /** Records keys read in this batch (duplicates are fine). */
  add(db: Executor, keys: string[]): Promise<void>;
  /** SQL: true when `column` (an entity_id column reference) was NOT read by the snapshot. */
  notSeen(column: RawBuilder<string>): RawBuilder<boolean>;
  /** After the last `add`: the index and planner statistics the final anti-joins use (temp tables are never auto-analyzed). */
  index(db: Executor): Promise<void>;
  drop(db: Executor): Promise<void>;
}

/** Opens an empty key set on `conn` (one left over from an earlier run on the same session is replaced). */
export async function openSnapshotKeys(conn: Executor): Promise<SnapshotKeys> {
  // Keys are appended without an index (duplicates and all) and indexed once the read is complete:
  // one sort instead of a B-tree insertion per key read, on the run's own connection (issue 17).
  await sql`drop table if exists pg_temp.sync_snapshot_keys`.execute(conn);
  await sql`create temp table sync_snapshot_keys (entity_id text)`.execute(conn);
  return {
    async add(db, keys) {
      if (keys.length === 0) return;
      await sql`insert into pg_temp.sync_snapshot_keys select unnest(${keys}::text[])`.execute(db);
    },
    notSeen: (column) => sql<boolean>`not exists (select 1 from pg_temp.sync_snapshot_keys k where k.entity_id = ${column})`,
    async index(db) {
      await sql`create index on pg_temp.sync_snapshot_keys (entity_id)`.execute(db);
      await sql`analyze pg_temp.sync_snapshot_keys`.execute(db);
    },
    async drop(db) {
      await sql`drop table if exists pg_temp.sync_snapshot_keys`.execute(db);
    },
  };
}
