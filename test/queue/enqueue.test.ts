import t from 'tap';
import { sql } from 'kysely';
import { createTenant } from '../../src/db/tenants.ts';
import { createSyncQueue, type EnqueueInput } from '../../src/queue/sync-queue.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { consistencyProblems, jobState, startTestBoss } from '../helpers/boss.ts';
import { heldTransaction, someoneWaitsOnALock } from '../helpers/held-transaction.ts';

const po = (over: Partial<EnqueueInput> = {}): EnqueueInput => ({
  tenantId: 'acme',
  source: 'HUB',
  destination: 'ERP',
  entityType: 'ORDEN_COMPRA',
  entityId: 'OC-1',
  action: 'CREATE',
  payload: { total: '10.00' },
  ...over,
});

t.test('enqueue', async (t) => {
  const { db, url } = await createTestDatabase(t);
  await createTenant(db, { id: 'acme', name: 'Acme' });
  await createTenant(db, { id: 'other', name: 'Other' });
  const boss = await startTestBoss(t, url);
  const queue = createSyncQueue({ boss });
  const count = async () => Number((await sql<{ n: string }>`select count(*) n from sync_queue`.execute(db)).rows[0]!.n);
  const jobs = async () =>
    Number((await sql<{ n: string }>`select count(*) n from pgboss.job where name like 'sync-push-%'`.execute(db)).rows[0]!.n);

  t.test('rollback of the caller transaction leaves no row and no job; commit leaves both', async (t) => {
    const [rows0, jobs0] = [await count(), await jobs()];
    await t.rejects(
      db.transaction().execute(async (trx) => {
        await queue.enqueue(trx, po({ entityId: 'RB-1' }));
        throw new Error('caller fails after enqueue');
      }),
      /caller fails/,
    );
    t.equal(await count(), rows0, 'no row');
    t.equal(await jobs(), jobs0, 'no job');

    const r = await db.transaction().execute((trx) => queue.enqueue(trx, po({ entityId: 'CM-1' })));
    t.equal(r.status, 'PENDING');
    const row = await db.selectFrom('sync_queue').selectAll().where('id', '=', r.id).executeTakeFirstOrThrow();
    t.ok(row.job_id, 'row carries its job id');
    t.equal(await jobState(db, row.job_id!), 'created', 'the job exists');
    t.same(await consistencyProblems(db), []);
  });

  t.test('the same idempotency key and body returns the existing item and creates nothing; another body is refused', async (t) => {
    const a = await queue.enqueue(db, po({ entityId: 'IK-1', idempotencyKey: 'hub-123' }));
    const before = [await count(), await jobs()];
    const b = await queue.enqueue(db, po({ entityId: 'IK-1', idempotencyKey: 'hub-123' }));
    t.equal(b.id, a.id);
    t.equal(b.created, false);
    await t.rejects(queue.enqueue(db, po({ entityId: 'IK-1', idempotencyKey: 'hub-123', payload: { changed: true } })), {
      name: 'IdempotencyKeyReusedError',
    });
    t.same([await count(), await jobs()], before);
    const c = await queue.enqueue(db, po({ tenantId: 'other', entityId: 'IK-1', idempotencyKey: 'hub-123' }));
    t.not(c.id, a.id, 'keys are per tenant');
  });

  t.test('a batch with a key already used answers that item from the existing row and creates the others', async (t) => {
    const first = await queue.enqueue(db, po({ entityId: 'MK-1', idempotencyKey: 'mk-1' }));
    const before = await count();
    const [again, x, y] = await queue.enqueueMany(db, [
      po({ entityId: 'MK-1', idempotencyKey: 'mk-1' }),
      po({ entityId: 'MK-2', idempotencyKey: 'mk-2' }),
      po({ entityId: 'MK-3' }),
    ]);
    t.same(again, { id: first.id, status: 'PENDING', created: false });
    t.match(
      [x, y],
      [
        { status: 'PENDING', created: true },
        { status: 'PENDING', created: true },
      ],
    );
    t.equal(await count(), before + 2, 'two rows written, not three');
    const rows = await db.selectFrom('sync_queue').select(['id', 'job_id']).where('id', 'in', [x!.id, y!.id]).execute();
    t.equal(new Set(rows.map((r) => r.job_id)).size, 1, 'the two new items share one job');
    t.same(await consistencyProblems(db), [], 'and that job names exactly them');
  });

  t.test('coalescing: a newer item supersedes a waiting one; a superseded CREATE keeps the newer one a CREATE', async (t) => {
    const first = await queue.enqueue(db, po({ entityId: 'CO-1', action: 'CREATE', payload: { v: 1 } }));
    const second = await queue.enqueue(db, po({ entityId: 'CO-1', action: 'UPDATE', payload: { v: 2 } }));
    const rows = await db
      .selectFrom('sync_queue')
      .select(['id', 'status', 'action', 'payload', 'job_id'])
      .where('entity_id', '=', 'CO-1')
      .orderBy('created_at')
      .execute();
    t.same(
      rows.map((r) => [r.id, r.status]),
      [
        [first.id, 'SUPERSEDED'],
        [second.id, 'PENDING'],
      ],
    );
    t.equal(rows[1]!.action, 'CREATE', 'the record is still new to the ERP');
    t.same(rows[1]!.payload, { v: 2 });
    t.equal(await jobState(db, rows[0]!.job_id!), 'cancelled', 'the superseded job is cancelled');
    t.same(await consistencyProblems(db), []);
  });

  t.test('a leased Hub item is not superseded; a waiting one is', async (t) => {
    const hub = (v: number) =>
      po({ destination: 'HUB', source: 'ERP', entityType: 'PROVEEDOR', entityId: 'P-9', action: 'UPSERT', payload: { v } });
    const a = await queue.enqueue(db, hub(1));
    const leased = await queue.dequeue(db, 'acme', 'HUB', 'PROVEEDOR', { limit: 10, leaseSeconds: 60 });
    t.same(
      leased.items.map((i) => i.id),
      [a.id],
    );
    const b = await queue.enqueue(db, hub(2));
    const c = await queue.enqueue(db, hub(3));
    const st = async (id: string) => (await queue.getStatus(db, 'acme', id))!.status;
    t.same([await st(a.id), await st(b.id), await st(c.id)], ['IN_FLIGHT', 'SUPERSEDED', 'PENDING']);
  });

  t.test('batch form: many items in one transaction; within a batch the last version of a record wins', async (t) => {
    const before = await count();
    const res = await queue.enqueueMany(db, [
      po({ entityId: 'B-1', payload: { v: 1 } }),
      po({ entityId: 'B-2' }),
      po({ entityId: 'B-1', action: 'UPDATE', payload: { v: 2 } }),
    ]);
    t.same(
      res.map((r) => r.status),
      ['SUPERSEDED', 'PENDING', 'PENDING'],
    );
    t.equal(await count(), before + 3);
    const live = await db.selectFrom('sync_queue').select(['action', 'payload']).where('id', '=', res[2]!.id).executeTakeFirstOrThrow();
    t.same(live, { action: 'CREATE', payload: { v: 2 } });
    t.same(await consistencyProblems(db), []);
  });

  t.test('shared push jobs: per tenant, priority and start, ten rows at most; each job names exactly its rows', async (t) => {
    const later = new Date(Date.now() + 3_600_000);
    const res = await queue.enqueueMany(db, [
      ...Array.from({ length: 23 }, (_, n) => po({ entityId: `SJ-${n}` })),
      po({ entityId: 'SJ-P', priority: 5 }),
      po({ entityId: 'SJ-S', scheduledAt: later }),
      po({ tenantId: 'other', entityId: 'SJ-O' }),
      po({ destination: 'HUB', source: 'ERP', entityType: 'PROVEEDOR', entityId: 'SJ-H', action: 'UPSERT' }),
    ]);
    const rows = await sql<{ id: string; entity_id: string; tenant_id: string; job_id: string | null; queue_ids: string[] | null }>`
      select q.id, q.entity_id, q.tenant_id, q.job_id, array(select jsonb_array_elements_text(j.data->'queueIds')) as queue_ids
        from sync_queue q left join pgboss.job j on j.id = q.job_id
       where q.id = any(${res.map((r) => r.id)}::uuid[])`.execute(db);
    const byJob = new Map<string | null, typeof rows.rows>();
    for (const r of rows.rows) byJob.set(r.job_id, [...(byJob.get(r.job_id) ?? []), r]);
    t.same(
      byJob.get(null)?.map((r) => r.entity_id),
      ['SJ-H'],
      'the Hub item has no job',
    );
    const sizes = [...byJob.entries()].filter(([job]) => job).map(([, list]) => list.length);
    t.same(
      sizes.sort((a, b) => b - a),
      [10, 10, 3, 1, 1, 1],
      '23 plain items in jobs of ten; priority, start and tenant apart',
    );
    for (const [job, list] of byJob) {
      if (!job) continue;
      t.same(list[0]!.queue_ids!.sort(), list.map((r) => r.id).sort(), `job ${job} names exactly its rows`);
      t.equal(new Set(list.map((r) => r.tenant_id)).size, 1, 'one tenant per job');
    }
    t.same(await consistencyProblems(db), []);
  });

  t.test('a shared job stays while one of its rows waits, and is cancelled when the last is superseded', async (t) => {
    const [a, b] = await queue.enqueueMany(db, [po({ entityId: 'SC-A' }), po({ entityId: 'SC-B' })]);
    const job = (await db.selectFrom('sync_queue').select('job_id').where('id', '=', a!.id).executeTakeFirstOrThrow()).job_id!;
    await queue.enqueue(db, po({ entityId: 'SC-A', action: 'UPDATE' }));
    t.equal(await jobState(db, job), 'created', 'SC-B still waits for the job');
    t.same(await consistencyProblems(db), []);
    await queue.enqueue(db, po({ entityId: 'SC-B', action: 'UPDATE' }));
    t.equal(await jobState(db, job), 'cancelled', 'no row left for it');
    t.equal((await queue.getStatus(db, 'acme', b!.id))!.status, 'SUPERSEDED');
    t.same(await consistencyProblems(db), []);
  });

  t.test('two transactions superseding the last rows of one job at once: the second to commit cancels it', async (t) => {
    const [a] = await queue.enqueueMany(db, [po({ entityId: 'RC-A' }), po({ entityId: 'RC-B' })]);
    const job = (await db.selectFrom('sync_queue').select('job_id').where('id', '=', a!.id).executeTakeFirstOrThrow()).job_id!;
    const first = heldTransaction(db, (trx) => queue.enqueue(trx, po({ entityId: 'RC-A', action: 'UPDATE' })));
    await first.ran;
    // The second supersedes RC-B, then waits for the first's lock on the job; the first commits.
    const second = queue.enqueue(db, po({ entityId: 'RC-B', action: 'UPDATE' }));
    await someoneWaitsOnALock(db, 'the second transaction to wait for the job');
    first.commit();
    await Promise.all([first.done, second]);
    t.equal(await jobState(db, job), 'cancelled');
    t.same(await consistencyProblems(db), []);
  });
});
