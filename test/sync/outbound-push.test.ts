/**
 * Hub → ERP push of documents against the ERP simulator: an UPDATE of a document the ERP already
 * has runs the configured `update` and replaces its lines; a DELETE runs `delete`. Rows asserted in
 * the ERP's own tables.
 */
import t from 'tap';
import type { QueueRow } from '../../src/db/schema.ts';
import { createErpRegistry } from '../../src/erp/erp-registry.ts';
import { entityConfigInputSchema } from '../../src/sync/entity-config-schema.ts';
import { createErpPushHandler } from '../../src/sync/push-erp.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { simulatorTarget } from '../helpers/erp-target.ts';
import { OC_MAPPING, OC_QUERIES } from '../helpers/outbound-fixture.ts';
import { keyring, tenantWithErp } from '../helpers/sync-fixture.ts';

t.test('push of UPDATE and DELETE for documents the ERP already has', async (t) => {
  const db = await createTestDatabase(t);
  const erp = await simulatorTarget(t);
  await tenantWithErp(db.db, erp);
  const registry = createErpRegistry({ db: db.db, keyring, destinations: { allowPrivate: true } });
  t.teardown(() => registry.closeAll());
  const config = entityConfigInputSchema.parse({
    entity_type: 'ORDEN_COMPRA',
    erp_type: 'AXIOMA',
    direction: 'OUT',
    queries: OC_QUERIES,
    field_mapping: OC_MAPPING,
  });
  await db.db
    .insertInto('sync_entity_config')
    .values({
      tenant_id: 'acme',
      entity_type: config.entity_type,
      erp_type: config.erp_type,
      direction: config.direction,
      queries: JSON.stringify(config.queries),
      field_mapping: JSON.stringify(config.field_mapping),
      transform_rules: '[]',
    })
    .execute();
  await erp.pool.execute(
    'CREATE TABLE OrdenesCompra (IdOC INT IDENTITY(1,1) PRIMARY KEY, NumeroHub NVARCHAR(30), Fecha DATE, Total DECIMAL(14,2))',
  );
  await erp.pool.execute('CREATE TABLE OrdenesCompraItems (IdOC INT, Renglon INT, CodArt NVARCHAR(20), Cantidad DECIMAL(12,3))');

  // Issue 18 item 1: ERP document tables commonly have triggers.
  await erp.db!.pool.query(`create function audit() returns trigger language plpgsql as $$ begin return new; end $$;
                             create trigger ordenescompra_audit after insert on ordenescompra for each row execute function audit()`);
  await t.rejects(
    erp.pool.execute('INSERT INTO OrdenesCompra (NumeroHub) OUTPUT INSERTED.IdOC VALUES (@n)', { n: 'X' }),
    { message: /cannot have any enabled triggers if the statement contains an OUTPUT clause without INTO/ },
    'the simulator refuses a bare OUTPUT on a table with a trigger (error 334), as SQL Server does',
  );

  const push = createErpPushHandler({ db: db.db, erp: registry });
  const item = (action: QueueRow['action'], payload: Record<string, unknown>) =>
    ({
      id: '00000000-0000-4000-8000-000000000001',
      tenant_id: 'acme',
      entity_type: 'ORDEN_COMPRA',
      entity_id: String(payload.numero),
      action,
      payload,
    }) as QueueRow;
  const header = async () =>
    (await erp.db!.pool.query(`select "numerohub" n, "fecha"::text f, "total"::text t from "ordenescompra" order by 1`)).rows;
  const lines = async () =>
    (await erp.db!.pool.query(`select "idoc" id, "renglon" r, "codart" a, "cantidad"::text c from "ordenescompraitems" order by 1, 2`))
      .rows;

  const created = await push(
    item('CREATE', {
      numero: 'OC-1',
      fecha: '2026-03-01',
      total: '1500.00',
      items: [
        { articulo: 'A1', cantidad: '2' },
        { articulo: 'A2', cantidad: '1.5' },
      ],
    }),
    {} as never,
  );
  t.match(
    created,
    { externalId: '1', response: { already_existed: false, lines: 2 } },
    'OUTPUT … INTO @t then SELECT works on the triggered table',
  );

  const updated = await push(
    item('UPDATE', { numero: 'OC-1', fecha: '2026-03-02', total: '1750.25', items: [{ articulo: 'B9', cantidad: '7' }] }),
    {} as never,
  );
  t.match(updated, { externalId: '1', response: { already_existed: true, updated: true, lines: 1 } });
  t.same(await header(), [{ n: 'OC-1', f: '2026-03-02', t: '1750.25' }], 'the header changed in the ERP');
  t.same(await lines(), [{ id: 1, r: 1, a: 'B9', c: '7.000' }], 'the lines were replaced in the same transaction');

  const headerOnly = await push(item('UPDATE', { numero: 'OC-1', fecha: '2026-03-03', total: '1.00' }), {} as never);
  t.match(headerOnly, { response: { updated: true, lines: 0 } });
  t.same(await lines(), [{ id: 1, r: 1, a: 'B9', c: '7.000' }], 'an UPDATE without the lines array leaves the lines alone');

  const retriedCreate = await push(item('CREATE', { numero: 'OC-1', fecha: '2026-01-01', total: '9.99' }), {} as never);
  t.match(retriedCreate, { response: { already_existed: true, updated: false } });
  t.same(await header(), [{ n: 'OC-1', f: '2026-03-03', t: '1.00' }], 'a retried CREATE changes nothing');

  const deleted = await push(item('DELETE', { numero: 'OC-1' }), {} as never);
  t.match(deleted, { externalId: '1', response: { deleted: 1 } });
  t.same(await header(), [], 'header deleted');
  t.same(await lines(), [], 'lines deleted');
  const data = await db.db
    .selectFrom('sync_data')
    .select(['status', 'external_id'])
    .where('entity_id', '=', 'OC-1')
    .executeTakeFirstOrThrow();
  t.same(data, { status: 'DELETED', external_id: '1' });
});
