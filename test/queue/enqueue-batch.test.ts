/**
 * The set-based enqueue path: a whole batch goes in as one array per column (one value when the
 * batch shares it), and an item that names its sync_data row without a payload gets that row's
 * payload copied inside the database — byte for byte, decimals as strings.
 */
import t from 'tap';
import { sql } from 'kysely';
import { createTenant } from '../../src/db/tenants.ts';
import { createSyncQueue, type EnqueueInput } from '../../src/queue/sync-queue.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { consistencyProblems, startTestBoss } from '../helpers/boss.ts';

t.test('enqueue batches', async (t) => {
  const { db, url } = await createTestDatabase(t);
  await createTenant(db, { id: 'acme', name: 'Acme' });
  const boss = await startTestBoss(t, url);
  const queue = createSyncQueue({ boss });

  t.test("an item with dataId and no payload carries its sync_data row's payload", async (t) => {
    const payload = { id: 'PRV-1', saldo: '12345678901234567890.12', nombre: 'Peña “Ñandú” S.A.', nested: { a: [1, '0.10', null] } };
    const row = (
      await sql<{ id: string }>`
      insert into sync_data (tenant_id, entity_type, erp_type, entity_id, payload, payload_hash, sync_direction)
      values ('acme', 'PROVEEDOR', 'AXIOMA', 'PRV-1', ${JSON.stringify(payload)}::jsonb, repeat('a', 64), 'IN') returning id`.execute(db)
    ).rows[0]!;
    const [r] = await queue.enqueueMany(db, [
      {
        tenantId: 'acme',
        source: 'ERP',
        destination: 'HUB',
        entityType: 'PROVEEDOR',
        entityId: 'PRV-1',
        action: 'CREATE',
        dataId: row.id,
        dataVersion: 1,
      },
    ]);
    const q = (
      await sql<{ payload: string; data_id: string; data_version: number; status: string }>`
      select payload::text, data_id::text, data_version, status from sync_queue where id = ${r!.id}`.execute(db)
    ).rows[0]!;
    t.same(JSON.parse(q.payload), payload, 'payload copied exactly');
    t.match(q.payload, /"12345678901234567890\.12"/, 'the decimal is still a string');
    t.same([q.data_id, q.data_version, q.status], [row.id, 1, 'PENDING']);
  });

  t.test('a 1 000-item push batch: every row and job written, payloads exact, the last of a record wins', async (t) => {
    // A future start: pg-boss's maintenance drops a waiting job whose start + retention lies in the past.
    const items: EnqueueInput[] = Array.from({ length: 1000 }, (_, i) => ({
      tenantId: 'acme',
      source: 'HUB',
      destination: 'ERP',
      entityType: 'ORDEN_COMPRA',
      entityId: `OC-${i % 990}`,
      action: 'CREATE',
      payload: { n: i, total: `${i}.50` },
      priority: i % 3,
      scheduledAt: new Date('2099-01-01T00:00:00.123Z'),
    }));
    const res = await queue.enqueueMany(db, items);
    t.equal(res.length, 1000);
    const rows = (
      await sql<{
        id: string;
        payload: { n: number; total: string };
        status: string;
        priority: number;
        scheduled_at: Date;
        job_id: string | null;
      }>`
      select id, payload, status, priority, scheduled_at, job_id from sync_queue where entity_type = 'ORDEN_COMPRA'`.execute(db)
    ).rows;
    const byId = new Map(rows.map((r) => [r.id, r]));
    items.forEach((item, i) => {
      const row = byId.get(res[i]!.id)!;
      if (row.payload.n !== i || row.payload.total !== `${i}.50` || row.priority !== i % 3)
        t.fail(`item ${i} stored as ${JSON.stringify(row)}`);
      if (row.scheduled_at.toISOString() !== '2099-01-01T00:00:00.123Z') t.fail(`item ${i} scheduled_at ${row.scheduled_at.toISOString()}`);
    });
    t.equal(rows.filter((r) => r.status === 'PENDING' && r.job_id).length, 990, 'one live item with a job per record');
    t.equal(rows.filter((r) => r.status === 'SUPERSEDED' && !r.job_id).length, 10, 'earlier items of the 10 repeated records superseded');
    t.same(await consistencyProblems(db), [], 'sync_queue and pg-boss agree');
  });

  t.test('text that means something to an array literal or to JSON arrives as it was sent', async (t) => {
    const awkward = ['a"b\\c', '{x,y}', 'NULL', ' padded ', 'ñ,\u00e9;--', ''];
    const results = await queue.enqueueMany(
      db,
      awkward.map((s, n) => ({
        tenantId: 'acme',
        source: 'HUB' as const,
        destination: 'ERP' as const,
        entityType: 'RAW',
        entityId: s === '' ? 'empty' : s,
        action: 'CREATE' as const,
        payload: { s, n, nested: [s, null] },
        idempotencyKey: `raw-${n}`,
      })),
    );
    const rows = await db
      .selectFrom('sync_queue')
      .select(['id', 'entity_id', 'payload', 'idempotency_key'])
      .where('entity_type', '=', 'RAW')
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    t.same(
      results.map((r) => byId.get(r.id)),
      awkward.map((s, n) => ({
        id: results[n]!.id,
        entity_id: s === '' ? 'empty' : s,
        payload: { s, n, nested: [s, null] },
        idempotency_key: `raw-${n}`,
      })),
    );
  });

  t.test('a value the whole batch shares (sent once, not per item) arrives in every row as sent', async (t) => {
    const shared = { s: 'a"b\\c {x,y} NULL ñ', total: '0.10', nested: [null, '{}'] };
    const at = new Date('2099-02-03T04:05:06.789Z');
    const results = await queue.enqueueMany(
      db,
      ['S-1', 'S-2', 'S-3'].map((entityId) => ({
        tenantId: 'acme',
        source: 'HUB' as const,
        destination: 'ERP' as const,
        entityType: 'SHARED',
        entityId,
        action: 'UPSERT' as const,
        payload: shared,
        priority: 7,
        maxRetries: 2,
        scheduledAt: at,
      })),
    );
    const rows = await db
      .selectFrom('sync_queue')
      .select(['id', 'tenant_id', 'entity_id', 'action', 'payload', 'priority', 'max_retries', 'scheduled_at', 'status'])
      .where('entity_type', '=', 'SHARED')
      .orderBy('entity_id')
      .execute();
    t.same(
      rows.map((r) => ({ ...r, scheduled_at: r.scheduled_at.toISOString() })),
      ['S-1', 'S-2', 'S-3'].map((entityId, n) => ({
        id: results[n]!.id,
        tenant_id: 'acme',
        entity_id: entityId,
        action: 'UPSERT',
        payload: shared,
        priority: 7,
        max_retries: 2,
        scheduled_at: at.toISOString(),
        status: 'PENDING',
      })),
    );
  });
});
