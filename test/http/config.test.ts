import t from 'tap';
import { startTestApi } from '../helpers/api.ts';

t.test('config CRUD (admin)', async (t) => {
  const api = await startTestApi(t);
  const { admin } = api.keys;
  const articulo = {
    entity_type: 'ARTICULO',
    erp_type: 'AXIOMA',
    source_table: 'Articulos',
    primary_key: 'CodArt',
    timestamp_field: 'FechaModif',
    direction: 'IN',
    queries: {
      select_all: 'SELECT * FROM Articulos WHERE Activo = 1',
      select_since: 'SELECT * FROM Articulos WHERE FechaModif > @lastSync',
    },
    field_mapping: { erp_to_hub: { CodArt: 'id', Descripcion: 'nombre', PrecioVenta: 'precio' } },
    transform_rules: [{ rule: 'number', field: 'precio', scale: 2 }],
    sync_frequency: '*/15 * * * *',
  };

  const created = await api.call('POST', '/api/v1/sync/config', { key: admin, body: articulo });
  t.equal(created.status, 201);
  t.match(created.body, {
    id: /^\d+$/,
    entity_type: 'ARTICULO',
    enabled: true,
    sync_frequency: '*/15 * * * *',
    transform_rules: [{ rule: 'number' }],
  });
  t.notOk('tenant_id' in created.body);
  const id = created.body.id as string;

  t.equal((await api.call('POST', '/api/v1/sync/config', { key: admin, body: articulo })).status, 409, 'duplicate → 409');
  const list = await api.call('GET', '/api/v1/sync/config', { key: admin });
  t.same(
    list.body.items.map((c: { entity_type: string }) => c.entity_type),
    ['ARTICULO', 'ORDEN_COMPRA', 'PROVEEDOR'],
  );
  t.equal((await api.call('GET', `/api/v1/sync/config/${id}`, { key: admin })).body.source_table, 'Articulos');
  t.equal((await api.call('GET', `/api/v1/sync/config/${id}`, { key: api.keys.otherAdmin })).status, 404, 'another tenant: 404');

  const put = await api.call('PUT', `/api/v1/sync/config/${id}`, { key: admin, body: { ...articulo, sync_frequency: '0 4 * * *' } });
  t.equal(put.status, 200);
  t.equal(put.body.sync_frequency, '0 4 * * *');
  const del = await api.call('DELETE', `/api/v1/sync/config/${id}`, { key: admin });
  t.equal(del.status, 200);
  t.equal(del.body.enabled, false, 'DELETE disables, keeps history');

  const before = await api.snapshot();
  const cases: [unknown, RegExp][] = [
    [{ ...articulo, entity_type: 'OTRO', queries: { select_everything: 'x' } }, /^body\.queries/],
    [{ ...articulo, entity_type: 'OTRO', transform_rules: [{ rule: 'explode', field: 'x' }] }, /^body\.transform_rules\.0\.rule/],
    [{ ...articulo, entity_type: 'OTRO', sync_frequency: 'every minute' }, /^body\.sync_frequency/],
    [{ ...articulo, entity_type: "X'; DROP TABLE sync_entity_config; --" }, /^body\.entity_type/],
    [{ ...articulo, entity_type: 'OTRO', direction: 'SIDEWAYS' }, /^body\.direction/],
  ];
  for (const [body, path] of cases) {
    const r = await api.call('POST', '/api/v1/sync/config', { key: admin, body });
    t.equal(r.status, 400);
    t.match(r.body.error.details.map((d: { path: string }) => d.path).join(' '), path);
  }
  t.same(await api.snapshot(), before, 'nothing written by invalid configs');
});
