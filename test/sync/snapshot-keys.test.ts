/**
 * Issue 17: a full snapshot's keys live in a TEMP table of the pull's connection (bounded memory);
 * "not in the snapshot" is an anti-join there, and the table does not outlive the run.
 */
import t from 'tap';
import { sql } from 'kysely';
import { openSnapshotKeys } from '../../src/db/snapshot-keys.ts';
import { createTestDatabase } from '../helpers/db.ts';

t.test('snapshot keys', async (t) => {
  const { db } = await createTestDatabase(t);
  await db.connection().execute(async (conn) => {
    const seen = await openSnapshotKeys(conn);
    // Keys arrive batch by batch, each in its own transaction, duplicates included.
    await conn.transaction().execute((trx) => seen.add(trx, ['A', 'B']));
    await conn.transaction().execute((trx) => seen.add(trx, ['B', 'C']));
    await seen.add(conn, []);
    await seen.index(conn);
    const missing = await sql<{ id: string }>`
      select id from (values ('A'), ('C'), ('D'), ('E')) as v(id) where ${seen.notSeen(sql.ref('v.id'))} order by id`.execute(conn);
    t.same(
      missing.rows.map((r) => r.id),
      ['D', 'E'],
    );
    // A second run on the same session starts empty.
    const again = await openSnapshotKeys(conn);
    const all = await sql<{ n: string }>`select count(*) n from (values ('A')) as v(id) where ${again.notSeen(sql.ref('v.id'))}`.execute(
      conn,
    );
    t.equal(all.rows[0]!.n, '1', 'emptied');
    await again.drop(conn);
    const left = await sql<{ n: string }>`select count(*) n from pg_class where relname = 'sync_snapshot_keys'`.execute(conn);
    t.equal(left.rows[0]!.n, '0', 'dropped');
  });
});
