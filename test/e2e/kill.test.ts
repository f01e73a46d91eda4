/**
 * SIGKILL of the worker in the middle of a push or a pull loses nothing and creates no duplicate
 * document in the ERP (find_existing makes a redelivered write idempotent).
 */
import t from 'tap';
import { sql } from 'kysely';
import { createSyncQueue } from '../../src/queue/sync-queue.ts';
import { createPullScheduler } from '../../src/sync/pull-scheduler.ts';
import { AXIOMA_SCHEMA } from '../erp-sim/axioma-demo.ts';
import { eventually, startTestBoss } from '../helpers/boss.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { simulatorTarget } from '../helpers/erp-target.ts';
import { finished, startBin, TEST_SECRET_KEY, waitForOutput } from '../helpers/processes.ts';
import { tenantWithErp } from '../helpers/sync-fixture.ts';

t.test('worker SIGKILLed mid-push and mid-pull', async (t) => {
  const db = await createTestDatabase(t);
  const erp = await simulatorTarget(t);
  for (const ddl of AXIOMA_SCHEMA) await erp.pool.execute(ddl);
  await erp.db!.pool.query(
    `insert into proveedores (codprov, razonsocial, activo, fechamodif) select 'PRV-' || lpad(g::text, 6, '0'), 'Proveedor ' || g, 1, timestamp '2026-01-01' + g * interval '1 second' from generate_series(1, 20000) g`,
  );
  await tenantWithErp(db.db, erp);
  const ocConfig = {
    tenant_id: 'acme',
    entity_type: 'ORDEN_COMPRA',
    erp_type: 'AXIOMA',
    direction: 'OUT' as const,
    queries: JSON.stringify({
      find_existing: 'SELECT IdOC FROM OrdenesCompra WHERE NumeroHub = @numero',
      insert: 'INSERT INTO OrdenesCompra (NumeroHub, CodProv, Total) OUTPUT INSERTED.IdOC VALUES (@numero, @proveedor, @total)',
    }),
    field_mapping: JSON.stringify({ hub_to_erp: { numero: 'numero', proveedor: 'proveedor', total: 'total' } }),
  };
  const provConfig = {
    tenant_id: 'acme',
    entity_type: 'PROVEEDOR',
    erp_type: 'AXIOMA',
    primary_key: 'CodProv',
    direction: 'IN' as const,
    queries: JSON.stringify({ select_all: 'SELECT CodProv, RazonSocial, FechaModif FROM Proveedores ORDER BY CodProv' }),
    field_mapping: JSON.stringify({ erp_to_hub: { CodProv: 'id', RazonSocial: 'nombre' } }),
  };
  await db.db.insertInto('sync_entity_config').values([ocConfig, provConfig]).execute();
  const boss = await startTestBoss(t, db.url);
  const queue = createSyncQueue({ boss, timing: { expireInSeconds: 3, crashRetryLimit: 20 } });
  const pulls = createPullScheduler({ boss });
  const env = {
    DATABASE_URL: db.url,
    SYNC_SECRET_KEY: TEST_SECRET_KEY,
    QUEUE_SUPERVISE_SECONDS: '1',
    WORKER_BATCH_SIZE: '5',
    WORKER_CONCURRENCY: '2',
    RETRY_BASE_MS: '200',
  };
  const startWorker = async () => {
    const w = startBin('worker', [], { env });
    t.teardown(() => w.kill('SIGKILL'));
    await waitForOutput(w, /worker ready/, 60_000);
    return w;
  };

  await t.test('push: no document lost, none written twice', async (t) => {
    erp.sim!.faults.delay(40); // slow ERP: the kill lands mid-batch
    await queue.enqueueMany(
      db.db,
      Array.from({ length: 40 }, (_, i) => ({
        tenantId: 'acme',
        source: 'HUB' as const,
        destination: 'ERP' as const,
        entityType: 'ORDEN_COMPRA',
        entityId: `OC-${i}`,
        action: 'CREATE' as const,
        payload: { numero: `OC-${i}`, proveedor: 'PRV-000001', total: '10.00' },
      })),
    );
    const w1 = await startWorker();
    await eventually(
      async () => Number((await erp.pool.execute('SELECT IdOC FROM OrdenesCompra')).rows.length) >= 8,
      30_000,
      'some documents written',
    );
    w1.kill('SIGKILL');
    await finished(w1, 10_000);
    const mid = (await erp.pool.execute('SELECT IdOC FROM OrdenesCompra')).rows.length;
    erp.sim!.faults.reset();
    const w2 = await startWorker();
    await eventually(
      async () =>
        (
          await sql<{ n: string }>`select count(*) n from sync_queue where entity_type = 'ORDEN_COMPRA' and status = 'COMPLETED'`.execute(
            db.db,
          )
        ).rows[0]!.n === '40',
      60_000,
      'all 40 completed',
    );
    const docs = (await erp.pool.execute('SELECT NumeroHub FROM OrdenesCompra')).rows.map((r) => r.NumeroHub);
    t.ok(mid < 40, `the kill interrupted the pushes (${mid} of 40 written before it)`);
    t.equal(docs.length, 40, 'every purchase order reached the ERP');
    t.equal(new Set(docs).size, 40, 'and none twice');
    w2.kill('SIGTERM');
    await finished(w2, 12_000);
  });

  await t.test('pull: a run killed midway, then run again, stores every supplier once and queues each once', async (t) => {
    const w1 = await startWorker();
    const config = await db.db
      .selectFrom('sync_entity_config')
      .select('id')
      .where('entity_type', '=', 'PROVEEDOR')
      .executeTakeFirstOrThrow();
    await pulls.triggerPull(db.db, { tenantId: 'acme', configId: config.id });
    await eventually(
      async () =>
        Number((await sql<{ n: string }>`select count(*) n from sync_data where entity_type = 'PROVEEDOR'`.execute(db.db)).rows[0]!.n) >=
        2000,
      60_000,
      'part of the pull committed',
    );
    w1.kill('SIGKILL');
    await finished(w1, 10_000);
    const partial = Number(
      (await sql<{ n: string }>`select count(*) n from sync_data where entity_type = 'PROVEEDOR'`.execute(db.db)).rows[0]!.n,
    );
    const w2 = await startWorker();
    await pulls.triggerPull(db.db, { tenantId: 'acme', configId: config.id });
    await eventually(
      async () =>
        (
          await sql<{
            n: string;
          }>`select count(*) n from sync_log where action = 'PULL' and phase = 'process' and status = 'SUCCESS'`.execute(db.db)
        ).rows[0]!.n === '1',
      90_000,
      'the second run completes',
    );
    const counts = (
      await sql<{ data: string; queued: string; distinct_queued: string }>`
      select (select count(*) from sync_data where entity_type = 'PROVEEDOR') data,
             (select count(*) from sync_queue where entity_type = 'PROVEEDOR' and status = 'PENDING') queued,
             (select count(distinct entity_id) from sync_queue where entity_type = 'PROVEEDOR') distinct_queued`.execute(db.db)
    ).rows[0]!;
    t.ok(partial < 20_000, `the kill interrupted the pull (${partial} stored before it)`);
    t.same(counts, { data: '20000', queued: '20000', distinct_queued: '20000' }, 'each supplier stored and queued exactly once');
    w2.kill('SIGTERM');
    await finished(w2, 12_000);
  });
});
