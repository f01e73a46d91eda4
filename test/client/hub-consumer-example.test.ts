/**
 * examples/hub-consumer.ts, the Hub-side sync job of the docs, against the real server and worker
 * and the ERP simulator: suppliers and payments land in the Hub's own tables, an approved purchase
 * order reaches the ERP once (even when sent twice), and its ERP id comes back by webhook.
 */
import t from 'tap';
import pg from 'pg';
import { createHubClient } from '../../src/client/index.ts';
import { rotateWebhookSecret } from '../../src/webhooks/webhook-secrets.ts';
import { prepareHubTables, pullFromErp, sendApprovedOrder, startWebhookReceiver } from '../../examples/hub-consumer.ts';
import { eventually } from '../helpers/boss.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { startE2eStack } from '../helpers/e2e-stack.ts';
import { freePort } from '../helpers/processes.ts';
import { keyring } from '../helpers/sync-fixture.ts';

t.test('the Hub consumer example, end to end', async (t) => {
  const hubDb = await createTestDatabase(t, { empty: true });
  const hub = new pg.Pool({ connectionString: hubDb.url, max: 4 });
  t.teardown(() => hub.end());
  await prepareHubTables(hub);
  const webhookPort = await freePort();
  const stack = await startE2eStack(t, { suppliers: 30, webhookUrl: `http://127.0.0.1:${webhookPort}/webhooks` });
  const secret = await rotateWebhookSecret(stack.db.db, keyring, { tenantId: 'default', keepPrevious: false });
  const receiver = await startWebhookReceiver(hub, secret, webhookPort);
  t.teardown(() => receiver.close());
  const client = createHubClient({ baseUrl: stack.base, apiKey: stack.keys.hub });

  const asAdmin = (method: string, path: string) =>
    fetch(stack.base + path, { method, headers: { 'x-api-key': stack.keys.admin } }).then((r) => r.json());
  for (const entity of ['PROVEEDOR', 'PAGO']) {
    const run = await asAdmin('POST', `/api/v1/sync/run?entity=${entity}`);
    await eventually(
      async () => {
        const s = await asAdmin('GET', '/api/v1/sync/status');
        return s.entities.find(
          (e: { entity_type: string; last_run: { run_id: string } | null }) =>
            e.entity_type === entity && e.last_run?.run_id === run.run_id,
        );
      },
      30_000,
      `run ${entity}`,
    );
  }
  t.same(await pullFromErp(client, hub), { proveedores: 30, pagos: 10 });
  t.equal((await hub.query('select count(*)::int n from hub_proveedores where activo')).rows[0].n, 30);
  t.equal(
    (await hub.query(`select datos->>'importe' importe from hub_pagos where id = 'OP-000001'`)).rows[0].importe,
    '1234.57',
    'money as sent, to the cent',
  );
  t.same(await pullFromErp(client, hub), { proveedores: 0, pagos: 0 }, 'a second pass finds nothing new');

  const order = {
    numero: 'OC-EJ-0001',
    fecha: '2026-11-23',
    proveedor: 'PRV-00003',
    total: '1500.00',
    sector: 'COM',
    items: [{ renglon: 1, articulo: 'CEM-50', descripcion: 'Cemento 50 kg', cantidad: 15, precio: '100.00' }],
  };
  const first = await sendApprovedOrder(client, hub, order);
  t.equal(await sendApprovedOrder(client, hub, order), first, 'sent twice, one item');
  const stored = await eventually(
    async () => {
      const r = (await hub.query(`select erp_id, estado from hub_ordenes where numero = 'OC-EJ-0001'`)).rows[0];
      return r?.erp_id ? r : undefined;
    },
    30_000,
    'sync.completed stored the ERP id',
  );
  t.equal(stored.estado, 'EN_ERP');
  const inErp = (await stack.erp.pool.execute("SELECT IdOC FROM OrdenesCompra WHERE NumeroHub = 'OC-EJ-0001'")).rows;
  t.same(inErp, [{ IdOC: Number(stored.erp_id) }], 'one document in the ERP, the id the Hub stored');
});
