import t from 'tap';
import { sql } from 'kysely';
import { createTenant } from '../../src/db/tenants.ts';
import { upsertErpConnection } from '../../src/db/erp-connections.ts';
import type { SecretEnvelope } from '../../src/db/schema.ts';
import { backoffDelayMs } from '../../src/queue/backoff.ts';
import { PermanentError, RetryableError } from '../../src/core/failure.ts';
import { JOB_TIMING_DEFAULT } from '../../src/queue/jobs.ts';
import { createPushWorker, type PushHandler } from '../../src/queue/push-worker.ts';
import { createSyncQueue, type EnqueueInput } from '../../src/queue/sync-queue.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { consistencyProblems, eventually, silentLogger, startTestBoss } from '../helpers/boss.ts';

t.test('backoff grows, is capped and jittered', async (t) => {
  const policy = { baseMs: 1000, factor: 2, capMs: 5000 };
  t.equal(
    backoffDelayMs(1, policy, () => 0),
    500,
  );
  t.equal(
    backoffDelayMs(1, policy, () => 1),
    1000,
  );
  t.equal(
    backoffDelayMs(3, policy, () => 1),
    4000,
  );
  t.equal(
    backoffDelayMs(10, policy, () => 1),
    5000,
    'capped',
  );
  const samples = new Set(Array.from({ length: 50 }, () => backoffDelayMs(2, policy)));
  t.ok(samples.size > 10, 'jittered');
  for (const s of samples) t.ok(s >= 1000 && s <= 2000, 'within [d/2, d]');
});

t.test('push worker', async (t) => {
  const { db, url } = await createTestDatabase(t);
  await createTenant(db, { id: 'acme', name: 'Acme' });
  const boss = await startTestBoss(t, url);
  const queue = createSyncQueue({ boss });
  const calls: string[] = [];
  const behaviour = new Map<string, PushHandler>();
  const handler: PushHandler = async (item, ctx) => {
    calls.push(item.entity_id);
    const b = behaviour.get(item.entity_id);
    return b ? b(item, ctx) : { externalId: `ERP-${item.entity_id}`, response: { inserted: 1 } };
  };
  const worker = createPushWorker({
    db,
    boss,
    logger: silentLogger,
    concurrency: 1,
    batchSize: 10,
    timing: JOB_TIMING_DEFAULT,
    backoff: { baseMs: 400, factor: 2, capMs: 1000 },
    handlers: [{ destination: 'ERP', entityType: 'ORDEN_COMPRA', handler }],
  });
  await worker.start();
  t.teardown(() => worker.stop());
  const order = (entityId: string, over: Partial<EnqueueInput> = {}): EnqueueInput => ({
    tenantId: 'acme',
    source: 'HUB',
    destination: 'ERP',
    entityType: 'ORDEN_COMPRA',
    entityId,
    action: 'CREATE',
    payload: { n: entityId },
    ...over,
  });
  const settled = (id: string, statuses: string[]) =>
    eventually(
      async () => {
        const r = await queue.getStatus(db, 'acme', id);
        return r && statuses.includes(r.status) ? r : undefined;
      },
      20_000,
      `${id} to reach ${statuses}`,
    );

  t.test('success: COMPLETED with external_id and response, one sync_log line', async (t) => {
    const { id } = await queue.enqueue(db, order('OK-1'));
    const row = await settled(id, ['COMPLETED']);
    t.match(row, { external_id: 'ERP-OK-1', response: { inserted: 1 }, error_message: null });
    t.ok(row.started_at && row.completed_at, 'timestamps kept');
    const logs = await db.selectFrom('sync_log').selectAll().where('sync_queue_id', '=', id).execute();
    t.equal(logs.length, 1);
    t.match(logs[0], { status: 'SUCCESS', direction: 'OUT', action: 'CREATE', request_payload: null, response_data: { inserted: 1 } });
    t.type(logs[0]!.duration_ms, 'number');
  });

  t.test('retryable failures back off (growing, capped), then DEAD after max_retries; manual retry succeeds', async (t) => {
    let fail = true;
    behaviour.set('FLAKY', async () => {
      if (fail) throw new RetryableError('ERP timeout');
      return { externalId: 'ERP-FLAKY' };
    });
    const { id } = await queue.enqueue(db, order('FLAKY', { maxRetries: 2 }));
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 2; attempt++) {
      const row = await eventually(async () => {
        const r = await queue.getStatus(db, 'acme', id);
        return r?.status === 'RETRY' && r.retry_count === attempt ? r : undefined;
      });
      delays.push(row.scheduled_at.getTime() - row.updated_at.getTime());
      t.match(row.error_message, /ERP timeout/);
    }
    t.ok(delays[0]! >= 200 - 50 && delays[0]! <= 400 + 50, `first delay ${delays[0]} in [200, 400]`);
    t.ok(delays[1]! >= 400 - 50 && delays[1]! <= 800 + 50, `second delay ${delays[1]} in [400, 800]`);
    const dead = await settled(id, ['DEAD']);
    t.equal(dead.retry_count, 3);
    const statuses = (await db.selectFrom('sync_log').select('status').where('sync_queue_id', '=', id).orderBy('id').execute()).map(
      (r) => r.status,
    );
    t.same(statuses, ['RETRY', 'RETRY', 'DEAD']);
    const dl = await sql<{
      n: string;
    }>`select count(*) n from pgboss.job where name = 'sync-dead-letter' and data->>'queueId' = ${id}`.execute(db);
    t.equal(dl.rows[0]!.n, '1', 'recorded in pg-boss dead-letter queue');

    fail = false;
    await queue.retry(db, 'acme', id);
    t.match(await settled(id, ['COMPLETED']), { external_id: 'ERP-FLAKY', retry_count: 0 });
    t.same(await consistencyProblems(db), []);
  });

  t.test('a permanent error is DEAD at once, without retries', async (t) => {
    behaviour.set('BAD', async () => {
      throw new PermanentError('Violation of PRIMARY KEY constraint (2627)');
    });
    const before = calls.filter((c) => c === 'BAD').length;
    const { id } = await queue.enqueue(db, order('BAD'));
    const row = await settled(id, ['DEAD']);
    t.equal(row.retry_count, 0);
    t.match(row.error_message, /2627/);
    t.equal(calls.filter((c) => c === 'BAD').length - before, 1, 'handler ran once');
  });

  t.test("mode = agent: the worker leaves the tenant's ERP items PENDING for its agent (its job completes untouched)", async (t) => {
    await createTenant(db, { id: 'remote', name: 'Remote' });
    await upsertErpConnection(db, {
      tenantId: 'remote',
      erpType: 'AXIOMA',
      host: '127.0.0.1',
      port: 1433,
      database: 'db',
      username: 'u',
      mode: 'agent',
      password: { v: 1, kid: 'k', iv: '', tag: '', ct: '' } satisfies SecretEnvelope,
      encrypt: 'off',
      trustServerCertificate: true,
    });
    const { id } = await queue.enqueue(db, order('AG-1', { tenantId: 'remote' }));
    const jobId = (await db.selectFrom('sync_queue').select('job_id').where('id', '=', id).executeTakeFirstOrThrow()).job_id!;
    await eventually(
      async () => {
        const r = await sql<{ state: string }>`select state from pgboss.job where id = ${jobId}`.execute(db);
        return r.rows[0]?.state === 'completed' ? true : undefined;
      },
      20_000,
      'the worker to take the job',
    );
    const row = await db.selectFrom('sync_queue').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    t.match(row, { status: 'PENDING', external_id: null, started_at: null, retry_count: 0 });
    t.notOk(calls.includes('AG-1'), 'the handler never ran');
    t.equal((await db.selectFrom('sync_log').select('id').where('sync_queue_id', '=', id).execute()).length, 0, 'nothing logged');
    const direct = await queue.enqueue(db, order('DIRECT-1'));
    await settled(direct.id, ['COMPLETED']);
  });

  t.test('a future scheduled_at is not delivered early; priority orders a batch', async (t) => {
    const later = await queue.enqueue(db, order('LATER', { scheduledAt: new Date(Date.now() + 1500) }));
    await new Promise((r) => setTimeout(r, 700));
    t.equal((await queue.getStatus(db, 'acme', later.id))?.status, 'PENDING', 'still waiting');
    t.notOk(calls.includes('LATER'));
    await settled(later.id, ['COMPLETED']);

    await worker.stop();
    calls.length = 0;
    const items = await queue.enqueueMany(db, [
      order('P-low', { priority: 1 }),
      order('P-high', { priority: 9 }),
      order('P-mid', { priority: 5 }),
    ]);
    await worker.start();
    for (const i of items) await settled(i.id, ['COMPLETED']);
    t.same(calls, ['P-high', 'P-mid', 'P-low']);
  });

  t.test('shared jobs: a fetch of more rows than the batch size is settled batch by batch, each item once', async (t) => {
    await worker.stop();
    calls.length = 0;
    const items = await queue.enqueueMany(
      db,
      Array.from({ length: 35 }, (_, n) => order(`SH-${n}`)),
    );
    await worker.start();
    for (const i of items) await settled(i.id, ['COMPLETED']);
    t.same([...calls].sort(), items.map((_, n) => `SH-${n}`).sort(), 'each item delivered once');
    // xmin: the transaction that last wrote a row, i.e. the batch that settled it.
    const batches = await sql<{ n: number }>`
      select count(*)::int n from sync_queue where id = any(${items.map((i) => i.id)}::uuid[]) group by xmin::text`.execute(db);
    t.ok(batches.rows.length >= 4 && batches.rows.every((b) => b.n <= 10), `batches of at most 10: ${batches.rows.map((b) => b.n)}`);
  });

  t.test('a job queued before grouping ({ queueId, jobId }) is still delivered', async (t) => {
    await worker.stop();
    const { id } = await queue.enqueue(db, order('LEGACY-1'));
    const old = (await db.selectFrom('sync_queue').select('job_id').where('id', '=', id).executeTakeFirstOrThrow()).job_id!;
    await boss.cancel('sync-push-erp', old);
    const jobId = crypto.randomUUID();
    await db.updateTable('sync_queue').set({ job_id: jobId }).where('id', '=', id).execute();
    await boss.insert('sync-push-erp', [{ id: jobId, data: { queueId: id, jobId } }]);
    await worker.start();
    t.match(await settled(id, ['COMPLETED']), { external_id: 'ERP-LEGACY-1' });
  });

  t.test('a push job pg-boss dead-lettered (either shape): its rows still carrying it become DEAD', async (t) => {
    await worker.stop();
    const [a, b, moved] = await queue.enqueueMany(db, [order('DL-A'), order('DL-B'), order('DL-C')]);
    const job = (await db.selectFrom('sync_queue').select('job_id').where('id', '=', a!.id).executeTakeFirstOrThrow()).job_id!;
    const single = await queue.enqueue(db, order('DL-D'));
    const singleJob = (await db.selectFrom('sync_queue').select('job_id').where('id', '=', single.id).executeTakeFirstOrThrow()).job_id!;
    await boss.cancel('sync-push-erp', [job, singleJob]);
    // DL-C moved on to another job (an operator's retry, say): the dead letter must not touch it.
    await db.updateTable('sync_queue').set({ job_id: crypto.randomUUID() }).where('id', '=', moved!.id).execute();
    await boss.insert('sync-dead-letter', [
      { data: { jobId: job, queueIds: [a!.id, b!.id, moved!.id] } },
      { data: { jobId: singleJob, queueId: single.id } },
    ]);
    await worker.start();
    for (const id of [a!.id, b!.id, single.id])
      t.match(await settled(id, ['DEAD']), { error_message: 'the worker failed repeatedly while processing this item' });
    t.equal((await queue.getStatus(db, 'acme', moved!.id))!.status, 'PENDING', 'a row that moved on is left alone');
  });
});
