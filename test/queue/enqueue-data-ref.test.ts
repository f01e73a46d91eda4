/**
 * Issue 17: an ingest item names its sync_data row without a foreign key: enqueueing takes no lock
 * on the row, and deleting the row still clears the item's reference (as ON DELETE SET NULL did).
 */
import t from 'tap';
import { sql } from 'kysely';
import { createTenant } from '../../src/db/tenants.ts';
import { createSyncQueue } from '../../src/queue/sync-queue.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { startTestBoss } from '../helpers/boss.ts';

t.test('queue items reference sync_data rows', async (t) => {
  const { db, url } = await createTestDatabase(t);
  await createTenant(db, { id: 'acme', name: 'Acme' });
  const boss = await startTestBoss(t, url);
  const queue = createSyncQueue({ boss });
  const data = await db
    .insertInto('sync_data')
    .values({
      tenant_id: 'acme',
      entity_type: 'PROVEEDOR',
      erp_type: 'AXIOMA',
      entity_id: 'P-1',
      payload: JSON.stringify({ id: 'P-1', saldo: '10.50' }),
      payload_hash: 'a'.repeat(64),
      sync_direction: 'IN',
      status: 'DELETED',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const item = { tenantId: 'acme', source: 'ERP', destination: 'HUB', entityType: 'PROVEEDOR', entityId: 'P-1' } as const;

  let queued!: () => void;
  const inTrx = new Promise<void>((r) => (queued = r));
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const enqueueing = db.transaction().execute(async (trx) => {
    await queue.enqueue(trx, { ...item, action: 'UPDATE', dataId: data.id, dataVersion: 1 });
    queued();
    await done;
  });
  await inTrx;
  // While the enqueueing transaction is open, the row can still be locked for update by another one.
  const locked = await db.transaction().execute(async (trx) => {
    const r = await sql<{ id: string }>`select id from sync_data where id = ${data.id} for update nowait`.execute(trx);
    return r.rows.length;
  });
  t.equal(locked, 1, 'no lock taken on the sync_data row');
  finish();
  await enqueueing;

  const q = await sql<{
    payload: unknown;
    data_id: string | null;
  }>`select payload, data_id::text from sync_queue where entity_id = 'P-1'`.execute(db);
  t.same(q.rows, [{ payload: { id: 'P-1', saldo: '10.50' }, data_id: data.id }], 'payload copied, row referenced');
  await sql`update sync_queue set status = 'COMPLETED' where entity_id = 'P-1'`.execute(db);
  await db.deleteFrom('sync_data').where('id', '=', data.id).execute();
  const after = await sql<{ data_id: string | null }>`select data_id::text from sync_queue where entity_id = 'P-1'`.execute(db);
  t.same(after.rows, [{ data_id: null }], 'a deleted row clears the references to it');
});
