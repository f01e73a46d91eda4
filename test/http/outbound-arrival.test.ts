/**
 * What POST outbound refuses on arrival (issue 11 §4): actions the config cannot carry out, values
 * of the wrong declared type, an Idempotency-Key reused for another body. Nothing is written.
 */
import t from 'tap';
import { startTestApi } from '../helpers/api.ts';
import { OC_MAPPING, OC_QUERIES } from '../helpers/outbound-fixture.ts';

t.test('outbound arrival checks', async (t) => {
  const api = await startTestApi(t);
  const { hub } = api.keys;
  await api.db.db
    .insertInto('sync_entity_config')
    .values({
      tenant_id: 'acme',
      entity_type: 'OC_TIPADA',
      erp_type: 'AXIOMA',
      direction: 'OUT',
      queries: JSON.stringify(OC_QUERIES),
      field_mapping: JSON.stringify(OC_MAPPING),
    })
    .execute();
  const post = (entity: string, body: unknown, headers?: Record<string, string>) =>
    api.call('POST', `/api/v1/sync/outbound/${entity}`, { key: hub, body, headers });
  const doc = { numero: 'OC-7', fecha: '2026-11-23', total: '1500.00', items: [{ articulo: 'A1', cantidad: '2.5' }] };

  t.test('UPDATE / DELETE without the statements to do it → 400 naming the missing config keys', async (t) => {
    const before = await api.snapshot();
    const upd = await post('ORDEN_COMPRA', { entity_id: 'OC-1', action: 'UPDATE', payload: { numero: 'OC-1' } });
    t.equal(upd.status, 400);
    t.match(upd.body.error.details, [{ path: 'action', message: /queries\.find_existing, queries\.update/ }]);
    const del = await post('ORDEN_COMPRA', { entity_id: 'OC-1', action: 'DELETE', payload: { numero: 'OC-1' } });
    t.equal(del.status, 400);
    t.match(del.body.error.details, [{ path: 'action', message: /no queries\.delete/ }]);
    const batch = await api.call('POST', '/api/v1/sync/outbound/batch', {
      key: hub,
      body: { items: [{ entity_type: 'ORDEN_COMPRA', entity_id: 'X', action: 'DELETE', payload: {} }] },
    });
    t.equal(batch.status, 400);
    t.match(batch.body.error.details, [{ index: 0, errors: [{ path: 'items.0.action', message: /queries\.delete/ }] }]);
    t.same(await api.snapshot(), before, 'nothing enqueued');
    for (const action of ['UPDATE', 'DELETE']) {
      const ok = await post('OC_TIPADA', { entity_id: 'OC-7', action, payload: doc });
      t.equal(ok.status, 202, `${action} accepted when configured`);
    }
  });

  t.test('declared field types: "1.500,00" for an amount → 400 naming the field', async (t) => {
    const before = await api.snapshot();
    const bad = await post('OC_TIPADA', {
      entity_id: 'OC-8',
      action: 'CREATE',
      payload: { ...doc, total: '1.500,00', fecha: '23/11/2026', items: [{ articulo: 'A1', cantidad: 2.5 }] },
    });
    t.equal(bad.status, 400);
    t.same(bad.body.error.details.map((d: { path: string }) => d.path).sort(), [
      'payload.fecha',
      'payload.items.0.cantidad',
      'payload.total',
    ]);
    t.match(bad.body.error.details.find((d: { path: string }) => d.path === 'payload.total').message, /decimal string like "1500.00"/);
    const impossible = await post('OC_TIPADA', { entity_id: 'OC-8', action: 'CREATE', payload: { ...doc, fecha: '2026-02-30' } });
    t.equal(impossible.status, 400);
    t.match(impossible.body.error.details, [{ path: 'payload.fecha' }]);
    t.same(await api.snapshot(), before, 'nothing enqueued');
    const good = await post('OC_TIPADA', {
      entity_id: 'OC-8',
      action: 'CREATE',
      payload: { ...doc, total: '-0.50', fecha: '0001-01-01', items: [] },
    });
    t.equal(good.status, 202);
  });

  t.test('Idempotency-Key reused with another body → 422; same body → 200 with the first id', async (t) => {
    const key = { 'idempotency-key': 'hub-oc-9' };
    const first = await post('OC_TIPADA', { entity_id: 'OC-9', action: 'CREATE', payload: doc }, key);
    t.equal(first.status, 202);
    const before = await api.snapshot();
    const reordered = { items: doc.items, total: doc.total, fecha: doc.fecha, numero: doc.numero };
    const same = await post('OC_TIPADA', { entity_id: 'OC-9', action: 'CREATE', payload: reordered }, key);
    t.equal(same.status, 200);
    t.equal(same.body.sync_id, first.body.sync_id);
    for (const [what, body] of [
      ['payload', { entity_id: 'OC-9', action: 'CREATE', payload: { ...doc, total: '1500.01' } }],
      ['entity_id', { entity_id: 'OC-10', action: 'CREATE', payload: doc }],
      ['action', { entity_id: 'OC-9', action: 'DELETE', payload: doc }],
    ] as const) {
      const r = await post('OC_TIPADA', body, key);
      t.equal(r.status, 422, what);
      t.equal(r.body.error.code, 'IDEMPOTENCY_KEY_REUSED');
      t.match(r.body.error.message, first.body.sync_id);
    }
    const otherEntity = await post('ORDEN_COMPRA', { entity_id: 'OC-9', action: 'CREATE', payload: { numero: 'OC-9' } }, key);
    t.equal(otherEntity.status, 422, 'entity type');
    t.same(await api.snapshot(), before, 'nothing enqueued');
  });

  t.test('config API: a bare OUTPUT INSERTED (no INTO) is saved with a warning naming the query', async (t) => {
    const base = { erp_type: 'AXIOMA', direction: 'OUT', field_mapping: { hub_to_erp: { numero: 'numero' } } };
    const bare = await api.call('POST', '/api/v1/sync/config', {
      key: api.keys.admin,
      body: { ...base, entity_type: 'OC_BARE', queries: { insert: 'INSERT INTO OC (NumeroHub) OUTPUT INSERTED.IdOC VALUES (@numero)' } },
    });
    t.equal(bare.status, 201);
    t.match(bare.body.warnings, [{ path: 'queries.insert', message: /error 334.*INTO @t/ }]);
    t.equal(bare.body.warnings.length, 1);
    const into = await api.call('POST', '/api/v1/sync/config', {
      key: api.keys.admin,
      body: { ...base, entity_type: 'OC_INTO', queries: { insert: OC_QUERIES.insert } },
    });
    t.equal(into.status, 201);
    t.same(into.body.warnings, []);
  });
});
