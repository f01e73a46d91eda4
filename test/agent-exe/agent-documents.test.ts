/**
 * Hub → ERP through the agent, with the Linux executable: a purchase order the Hub sends to a
 * tenant in mode agent is left alone by the (running) worker, and reaches the ERP simulator
 * exactly once even when the agent dies between the ERP commit and the acknowledgement.
 */
import t from 'tap';
import { sql } from 'kysely';
import { insertApiKey } from '../../src/db/api-keys.ts';
import { generateApiKey } from '../../src/security/api-key.ts';
import { AXIOMA_SCHEMA } from '../erp-sim/axioma-demo.ts';
import { eventually } from '../helpers/boss.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { simulatorTarget } from '../helpers/erp-target.ts';
import { finished, startBin, TEST_SECRET_KEY, waitForOutput } from '../helpers/processes.ts';
import { tenantWithErp } from '../helpers/sync-fixture.ts';
import { agentDir, ensureAgentBuilt, runAgent, startServer } from './exe.ts';

ensureAgentBuilt();

t.test('a purchase order through the agent, exactly once across a crash after the ERP commit', async (t) => {
  const db = await createTestDatabase(t);
  const erp = await simulatorTarget(t);
  for (const ddl of AXIOMA_SCHEMA) await erp.pool.execute(ddl);
  await erp.pool.execute(
    "INSERT INTO Proveedores (CodProv, RazonSocial, Activo, FechaModif) VALUES ('PRV-1', 'Proveedor Uno', 1, '2026-01-01T00:00:00')",
  );
  await tenantWithErp(db.db, erp);
  await sql`update sync_erp_connection set mode = 'agent' where tenant_id = 'acme'`.execute(db.db);
  await db.db
    .insertInto('sync_entity_config')
    .values({
      tenant_id: 'acme',
      entity_type: 'ORDEN_COMPRA',
      erp_type: 'AXIOMA',
      direction: 'OUT',
      queries: JSON.stringify({
        find_existing: 'SELECT IdOC FROM OrdenesCompra WHERE NumeroHub = @numero',
        insert:
          'INSERT INTO OrdenesCompra (NumeroHub, Fecha, CodProv, Total) OUTPUT INSERTED.IdOC VALUES (@numero, @fecha, @proveedor, @total)',
        insert_item:
          'INSERT INTO OrdenesCompraItems (IdOC, Renglon, CodArt, Cantidad, PrecioUnitario) VALUES (@header_id, @renglon, @articulo, @cantidad, @precio)',
      }),
      field_mapping: JSON.stringify({
        hub_to_erp: { numero: 'numero', fecha: 'fecha', proveedor: 'proveedor', total: 'total' },
        items: { from: 'items', mapping: { articulo: 'articulo', cantidad: 'cantidad', precio: 'precio' } },
      }),
    })
    .execute();
  const agentKey = generateApiKey();
  const hubKey = generateApiKey();
  await insertApiKey(db.db, { tenantId: 'acme', hash: agentKey.hash, prefix: agentKey.prefix, scopes: ['agent'] });
  await insertApiKey(db.db, { tenantId: 'acme', hash: hubKey.hash, prefix: hubKey.prefix, scopes: ['hub'] });

  const server = await startServer(t, db.url);
  const worker = startBin('worker', [], { env: { DATABASE_URL: db.url, SYNC_SECRET_KEY: TEST_SECRET_KEY, QUEUE_SUPERVISE_SECONDS: '1' } });
  t.teardown(() => void worker.kill('SIGKILL'));
  await waitForOutput(worker, /worker ready/, 60_000);
  const dir = agentDir(t);
  const ocs = async () => (await erp.pool.execute('SELECT IdOC, NumeroHub, Total FROM OrdenesCompra')).rows;
  const lines = async () =>
    (await erp.pool.execute('SELECT IdOC, Renglon, CodArt, Cantidad, PrecioUnitario FROM OrdenesCompraItems ORDER BY Renglon')).rows;
  const item = (id: string) => db.db.selectFrom('sync_queue').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  const sent = await fetch(`${server.url}/api/v1/sync/outbound/ORDEN_COMPRA`, {
    method: 'POST',
    headers: { 'x-api-key': hubKey.raw, 'content-type': 'application/json' },
    body: JSON.stringify({
      entity_id: 'OC-2026-0001',
      action: 'CREATE',
      payload: {
        numero: 'OC-2026-0001',
        fecha: '2026-11-23',
        proveedor: 'PRV-1',
        total: '1234.50',
        items: [
          { articulo: 'A1', cantidad: '2', precio: '500.25' },
          { articulo: 'A2', cantidad: '1', precio: '234.00' },
        ],
      },
    }),
  });
  t.equal(sent.status, 202);
  const syncId = ((await sent.json()) as { sync_id: string }).sync_id;

  await t.test('the running worker takes the job but leaves the document PENDING for the agent', async (t) => {
    const jobId = (await item(syncId)).job_id!;
    await eventually(
      async () =>
        (await sql<{ state: string }>`select state from pgboss.job where id = ${jobId}`.execute(db.db)).rows[0]?.state === 'completed'
          ? true
          : undefined,
      30_000,
      'the worker to take the job',
    );
    t.match(await item(syncId), { status: 'PENDING', external_id: null });
    t.same(await ocs(), [], 'the worker wrote nothing to the ERP');
  });

  await t.test('the agent dies right after the ERP commit: the document is in the ERP, the item still leased', async (t) => {
    const init = await runAgent(dir, ['init', '--url', server.url, '--tenant', 'acme', '--key', agentKey.raw, '--encrypt', 'off']);
    t.equal(init.code, 0, init.stderr);
    const r = await runAgent(dir, ['sync', '--documents-only'], { AX_SYNC_TEST_CRASH_AFTER_ERP_COMMIT: '1' });
    t.equal(r.signal, 'SIGKILL', r.stdout + r.stderr);
    t.match(await ocs(), [{ NumeroHub: 'OC-2026-0001', Total: '1234.50' }]);
    t.equal((await lines()).length, 2);
    t.match(await item(syncId), { status: 'IN_FLIGHT', external_id: null });
  });

  await t.test(
    'after the lease expires the next run finds the document (find_existing) and acknowledges it with its id: one document',
    async (t) => {
      // The lease would run out by itself after lease_seconds; the test moves it to the past instead of waiting.
      await sql`update sync_queue set lease_expires_at = now() - interval '1 second' where id = ${syncId}`.execute(db.db);
      const r = await runAgent(dir, ['sync', '--documents-only']);
      t.equal(r.code, 0, r.stdout + r.stderr);
      t.match(r.stdout, /Documentos del Hub al ERP: 0 escritos, 1 ya estaban/);
      const docs = await ocs();
      t.equal(docs.length, 1, 'no second document');
      t.same(
        (await lines()).map((l) => [l.Renglon, l.CodArt, l.Cantidad, l.PrecioUnitario]),
        [
          [1, 'A1', '2.00', '500.25'],
          [2, 'A2', '1.00', '234.00'],
        ],
      );
      t.match(await item(syncId), {
        status: 'COMPLETED',
        external_id: String(docs[0]!.IdOC),
        retry_count: 1,
        response: { already_existed: true, via: 'agent' },
      });
      const again = await runAgent(dir, ['sync', '--documents-only']);
      t.match(again.stdout, /0 escritos, 0 ya estaban \(confirmados con su id\), 0 con error/, 'nothing left to deliver');
      t.equal((await ocs()).length, 1);
    },
  );

  worker.kill('SIGTERM');
  await finished(worker, 15_000);
});
