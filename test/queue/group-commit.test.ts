/**
 * Group commit (src/queue/group-commit.ts): calls made in the same turn of the event loop share one
 * transaction — seen in the rows' xmin, the id of the transaction that wrote them — per tenant and
 * per stream, and one caller's bad item does not fail the others.
 */
import t from 'tap';
import { sql } from 'kysely';
import pg from 'pg';
import { createTenant } from '../../src/db/tenants.ts';
import { IdempotencyKeyReusedError } from '../../src/queue/errors.ts';
import { createSyncQueue, type EnqueueInput } from '../../src/queue/sync-queue.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { startTestBoss } from '../helpers/boss.ts';

const order = (tenantId: string, entityId: string, over: Partial<EnqueueInput> = {}): EnqueueInput => ({
  tenantId,
  source: 'HUB',
  destination: 'ERP',
  entityType: 'ORDEN_COMPRA',
  entityId,
  action: 'CREATE',
  payload: { numero: entityId, total: '10.10' },
  ...over,
});

t.test('group commit of enqueues and leases', async (t) => {
  const { db, url } = await createTestDatabase(t);
  for (const id of ['acme', 'other']) await createTenant(db, { id, name: id });
  const queue = createSyncQueue({ boss: await startTestBoss(t, url) });
  /** The transactions that last wrote these items, with their tenant. */
  const writers = async (ids: string[]) =>
    (
      await sql<{
        tenant_id: string;
        xmin: string;
      }>`select distinct tenant_id, xmin::text from sync_queue where id = any(${ids}::uuid[])`.execute(db)
    ).rows;

  t.test("one tenant's concurrent enqueues commit together; another tenant's never join them", async (t) => {
    const calls = [
      ...Array.from({ length: 20 }, (_, n) => queue.enqueue(db, order('acme', `G-${n}`))),
      ...Array.from({ length: 5 }, (_, n) => queue.enqueue(db, order('other', `G-${n}`))),
    ];
    const results = await Promise.all(calls);
    t.equal(new Set(results.map((r) => r.id)).size, 25, 'each call its own item');
    t.ok(results.every((r) => r.created && r.status === 'PENDING'));
    const rows = await writers(results.map((r) => r.id));
    t.same(rows.map((r) => r.tenant_id).sort(), ['acme', 'other'], 'one transaction per tenant');
    // Items of one transaction share a job (up to PUSH_JOB_MAX_ITEMS); each item's job names it.
    const jobs = await sql<{ n: string }>`
      select count(*) n from sync_queue q join pgboss.job j on j.id = q.job_id and j.data->'queueIds' ? q.id::text
       where q.id = any(${results.map((r) => r.id)}::uuid[])`.execute(db);
    t.equal(Number(jobs.rows[0]!.n), 25, 'every item has its pg-boss job');
  });

  t.test('an Idempotency-Key reused with another body fails its own call only; the rest are written', async (t) => {
    const first = await queue.enqueue(db, order('acme', 'K-1', { idempotencyKey: 'k-1' }));
    const calls = Array.from({ length: 8 }, (_, n) =>
      n === 3
        ? queue.enqueue(db, order('acme', 'K-1', { idempotencyKey: 'k-1', payload: { numero: 'K-1', total: '99.00' } }))
        : queue.enqueue(db, order('acme', `K-${n + 10}`)),
    );
    const settled = await Promise.allSettled(calls);
    t.ok(settled[3]!.status === 'rejected' && settled[3]!.reason instanceof IdempotencyKeyReusedError, 'the reused key is refused');
    t.equal(settled.filter((s) => s.status === 'fulfilled').length, 7, 'the other seven are accepted');
    const stored = await db.selectFrom('sync_queue').select(['entity_id', 'payload']).where('entity_id', 'like', 'K-%').execute();
    t.equal(stored.length, 8, 'the first K-1 and seven new items');
    t.same(stored.find((r) => r.entity_id === 'K-1')!.payload, { numero: 'K-1', total: '10.10' }, 'the first body stays');
    t.ok(first.created);
  });

  t.test('two calls with one Idempotency-Key in one group: one item, both answered with its id', async (t) => {
    const [a, b] = await Promise.all([
      queue.enqueue(db, order('acme', 'D-1', { idempotencyKey: 'dup-1' })),
      queue.enqueue(db, order('acme', 'D-1', { idempotencyKey: 'dup-1' })),
    ]);
    t.equal(a.id, b.id);
    t.same([a.created, b.created], [true, false]);
    t.equal((await db.selectFrom('sync_queue').select('id').where('idempotency_key', '=', 'dup-1').execute()).length, 1);
  });

  t.test('a key another transaction inserts while the enqueue waits on it: answered with that item, not an error', async (t) => {
    // Another server (or a second group of this one) holds the key in a transaction not yet committed.
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    t.teardown(() => other.end());
    await other.query('begin');
    const theirs = await other.query<{ id: string }>(
      `insert into sync_queue (tenant_id, source, destination, entity_type, entity_id, action, payload, idempotency_key)
       values ('acme', 'HUB', 'ERP', 'ORDEN_COMPRA', 'R-1', 'CREATE', $1, 'race-1') returning id`,
      [JSON.stringify({ numero: 'R-1', total: '10.10' })],
    );
    const ours = queue.enqueue(db, order('acme', 'R-1', { idempotencyKey: 'race-1' }));
    // Commit once our insert waits on the unique index for the other transaction (a state, not a delay).
    for (;;) {
      const waiting = await sql<{ n: string }>`select count(*) n from pg_locks where locktype = 'transactionid' and not granted`.execute(
        db,
      );
      if (Number(waiting.rows[0]!.n) > 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    await other.query('commit');
    const r = await ours;
    t.same(r, { id: theirs.rows[0]!.id, status: 'PENDING', created: false });
    t.equal((await db.selectFrom('sync_queue').select('id').where('idempotency_key', '=', 'race-1').execute()).length, 1);
  });

  t.test("concurrent leases of one stream take one UPDATE and deal the items out in order, each caller's limit", async (t) => {
    const supplier = (n: number): EnqueueInput => ({
      tenantId: 'acme',
      source: 'ERP',
      destination: 'HUB',
      entityType: 'PROVEEDOR',
      entityId: `P-${String(n).padStart(2, '0')}`,
      action: 'UPSERT',
      payload: { n },
    });
    for (let n = 0; n < 20; n++) await queue.enqueue(db, supplier(n));
    const leases = await Promise.all(
      Array.from({ length: 8 }, () => queue.dequeue(db, 'acme', 'HUB', 'PROVEEDOR', { limit: 3, leaseSeconds: 60 })),
    );
    t.same(
      leases.map((l) => l.items.length),
      [3, 3, 3, 3, 3, 3, 2, 0],
    );
    const ids = leases.flatMap((l) => l.items.map((i) => i.entity_id));
    t.same(
      ids,
      Array.from({ length: 20 }, (_, n) => `P-${String(n).padStart(2, '0')}`),
      'oldest first, none twice',
    );
    t.equal((await writers(leases.flatMap((l) => l.items.map((i) => i.id)))).length, 1, 'one transaction leased them all');
    for (let n = 0; n < 2; n++) await queue.enqueue(db, { ...supplier(n), tenantId: 'other' });
    for (let n = 20; n < 22; n++) await queue.enqueue(db, supplier(n));
    const [acme, other] = await Promise.all([
      queue.dequeue(db, 'acme', 'HUB', 'PROVEEDOR', { limit: 5, leaseSeconds: 60 }),
      queue.dequeue(db, 'other', 'HUB', 'PROVEEDOR', { limit: 5, leaseSeconds: 60 }),
    ]);
    t.same(
      [acme.items.map((i) => i.tenant_id), other.items.map((i) => i.tenant_id)],
      [
        ['acme', 'acme'],
        ['other', 'other'],
      ],
      "each tenant's lease is its own group and gets only its own items",
    );
  });
});
