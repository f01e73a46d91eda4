import t from 'tap';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { createTenant } from '../../src/db/tenants.ts';
import { createSyncQueue, type EnqueueInput } from '../../src/queue/sync-queue.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { startTestBoss } from '../helpers/boss.ts';

const supplier = (entityId: string, over: Partial<EnqueueInput> = {}): EnqueueInput => ({
  tenantId: 'acme',
  source: 'ERP',
  destination: 'HUB',
  entityType: 'PROVEEDOR',
  entityId,
  action: 'UPSERT',
  payload: { id: entityId },
  ...over,
});

t.test('pull leases for the Hub', async (t) => {
  const { db, url } = await createTestDatabase(t);
  await createTenant(db, { id: 'acme', name: 'Acme' });
  await createTenant(db, { id: 'other', name: 'Other' });
  const queue = createSyncQueue({ boss: await startTestBoss(t, url) });
  const expireLeases = () =>
    sql`update sync_queue set lease_expires_at = now() - interval '1 second' where status = 'IN_FLIGHT'`.execute(db);

  t.test('leases by priority then age, never the same item twice, and not before scheduled_at', async (t) => {
    await queue.enqueue(db, supplier('low-old', { priority: 0 }));
    await queue.enqueue(db, supplier('high', { priority: 5 }));
    await queue.enqueue(db, supplier('low-new', { priority: 0 }));
    await queue.enqueue(db, supplier('future', { priority: 9, scheduledAt: new Date(Date.now() + 3_600_000) }));
    const [a, b] = await Promise.all([
      queue.dequeue(db, 'acme', 'HUB', 'PROVEEDOR', { limit: 2, leaseSeconds: 60 }),
      queue.dequeue(db, 'acme', 'HUB', 'PROVEEDOR', { limit: 2, leaseSeconds: 60 }),
    ]);
    const all = [...a.items, ...b.items].map((i) => i.entity_id);
    t.same(all.sort(), ['high', 'low-new', 'low-old'], 'each leased once; the future item not at all');
    const one = a.items.length === 2 ? a : b;
    t.same(
      one.items.map((i) => i.entity_id),
      ['high', 'low-old'],
      'priority, then age',
    );
    t.ok(one.leaseExpiresAt.getTime() > Date.now() + 50_000, 'lease expiry reported');
    t.same(
      (await queue.dequeue(db, 'other', 'HUB', 'PROVEEDOR', { limit: 10, leaseSeconds: 60 })).items,
      [],
      'another tenant sees nothing',
    );
  });

  t.test('an expired lease returns the item with retry_count + 1; past max_retries it is DEAD', async (t) => {
    const { id } = await queue.enqueue(db, supplier('flaky', { maxRetries: 1, priority: 100 }));
    const first = await queue.dequeue(db, 'acme', 'HUB', 'PROVEEDOR', { limit: 1, leaseSeconds: 60 });
    t.equal(first.items[0]?.id, id);
    await expireLeases();
    const second = await queue.dequeue(db, 'acme', 'HUB', 'PROVEEDOR', { limit: 1, leaseSeconds: 60 });
    t.equal(second.items[0]?.id, id, 'back after the lease');
    t.equal(second.items[0]?.retry_count, 1);
    await expireLeases();
    await queue.dequeue(db, 'acme', 'HUB', 'PROVEEDOR', { limit: 1, leaseSeconds: 60 });
    const row = await queue.getStatus(db, 'acme', id);
    t.equal(row?.status, 'DEAD');
    t.equal(row?.retry_count, 2);
    const logs = await db.selectFrom('sync_log').select(['status', 'message']).where('sync_queue_id', '=', id).orderBy('id').execute();
    t.same(
      logs.map((l) => l.status),
      ['RETRY', 'DEAD'],
    );
  });

  t.test('acknowledge settles only this tenant’s leased items and reports the rest', async (t) => {
    await sql`update sync_queue set status = 'COMPLETED' where status in ('PENDING', 'IN_FLIGHT')`.execute(db);
    const mine = await queue.enqueueMany(db, [supplier('A1'), supplier('A2')]);
    const theirs = await queue.enqueue(db, supplier('B1', { tenantId: 'other' }));
    await queue.dequeue(db, 'acme', 'HUB', 'PROVEEDOR', { limit: 10, leaseSeconds: 60 });
    await queue.dequeue(db, 'other', 'HUB', 'PROVEEDOR', { limit: 10, leaseSeconds: 60 });
    const unknown = randomUUID();
    const r = await queue.acknowledge(db, 'acme', [
      { id: mine[0]!.id, status: 'COMPLETED', externalId: 'HUB-77', response: { ok: true } },
      { id: mine[1]!.id, status: 'FAILED', error: 'supplier CUIT invalid' },
      { id: theirs.id, status: 'COMPLETED' },
      { id: unknown, status: 'COMPLETED' },
      { id: "1' or '1'='1", status: 'COMPLETED' },
    ]);
    t.same(r, { acknowledged: [mine[0]!.id], failed: [mine[1]!.id], unknown: [theirs.id, unknown, "1' or '1'='1"] });
    const a1 = await queue.getStatus(db, 'acme', mine[0]!.id);
    t.match(a1, { status: 'COMPLETED', external_id: 'HUB-77', response: { ok: true }, lease_expires_at: null });
    t.match(await queue.getStatus(db, 'acme', mine[1]!.id), { status: 'FAILED', error_message: 'supplier CUIT invalid' });
    t.equal((await queue.getStatus(db, 'other', theirs.id))?.status, 'IN_FLIGHT', 'the other tenant’s item is untouched');
    t.equal(await queue.getStatus(db, 'acme', theirs.id), undefined, 'and invisible to this tenant');
    const again = await queue.acknowledge(db, 'acme', [{ id: mine[0]!.id, status: 'COMPLETED' }]);
    t.same(again.unknown, [mine[0]!.id], 'a second ack of a settled item changes nothing');

    const retried = await queue.retry(db, 'acme', mine[1]!.id);
    t.match(retried, { status: 'PENDING', retry_count: 0, error_message: null, job_id: null });
    await t.rejects(queue.retry(db, 'acme', mine[0]!.id), { code: 'QUEUE_ITEM_NOT_RETRYABLE' });
    await t.rejects(queue.retry(db, 'acme', theirs.id), { code: 'QUEUE_ITEM_NOT_FOUND' });
  });
});
