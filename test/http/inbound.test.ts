import t from 'tap';
import { startTestApi } from '../helpers/api.ts';

t.test('inbound endpoints', async (t) => {
  const api = await startTestApi(t);
  const { hub } = api.keys;
  const enq = (entityId: string, tenantId = 'acme') =>
    api.queue.enqueue(api.db.db, {
      tenantId,
      source: 'ERP',
      destination: 'HUB',
      entityType: 'PROVEEDOR',
      entityId,
      action: 'UPSERT',
      payload: { id: entityId, nombre: `Proveedor ${entityId}` },
      dataVersion: 3,
    });
  const a = await enq('P-1');
  const b = await enq('P-2');
  await enq('P-9', 'other');

  t.test('GET /inbound/pending lists entity types with counts', async (t) => {
    const r = await api.call('GET', '/api/v1/sync/inbound/pending', { key: hub });
    t.equal(r.status, 200);
    t.equal(r.body.entities.length, 1);
    t.match(r.body.entities[0], { entity_type: 'PROVEEDOR', count: 2, oldest_created_at: /^\d{4}-\d\d-\d\dT/ });
  });

  t.test('GET /inbound/:entity leases items in the documented shape; lowercase entity works', async (t) => {
    const r = await api.call('GET', '/api/v1/sync/inbound/proveedor?limit=1&lease_seconds=60', { key: hub });
    t.equal(r.status, 200);
    t.same(Object.keys(r.body).sort(), ['items', 'lease_expires_at']);
    t.equal(r.body.items.length, 1);
    t.same(Object.keys(r.body.items[0]).sort(), ['action', 'created_at', 'entity_id', 'entity_type', 'payload', 'sync_id', 'version']);
    t.match(r.body.items[0], {
      sync_id: a.id,
      entity_type: 'PROVEEDOR',
      entity_id: 'P-1',
      action: 'UPSERT',
      version: 3,
      payload: { id: 'P-1' },
    });
    const second = await api.call('GET', '/api/v1/sync/inbound/PROVEEDOR?limit=10', { key: hub });
    t.same(
      second.body.items.map((i: { sync_id: string }) => i.sync_id),
      [b.id],
      'a leased item is not handed out twice',
    );
  });

  t.test('POST /inbound/:entity/ack settles; foreign and unknown ids are reported, untouched', async (t) => {
    const other = await api.queue.dequeue(api.db.db, 'other', 'HUB', 'PROVEEDOR', { limit: 10, leaseSeconds: 60 });
    const r = await api.call('POST', '/api/v1/sync/inbound/PROVEEDOR/ack', {
      key: hub,
      body: { ids: [a.id, other.items[0]!.id, '00000000-0000-4000-8000-000000000000'], failed: [{ id: b.id, error: 'CUIT inválido' }] },
    });
    t.equal(r.status, 200);
    t.same(r.body, { acknowledged: 1, failed: 1, unknown: [other.items[0]!.id, '00000000-0000-4000-8000-000000000000'] });
    t.equal((await api.queue.getStatus(api.db.db, 'acme', a.id))?.status, 'COMPLETED');
    t.match(await api.queue.getStatus(api.db.db, 'acme', b.id), { status: 'FAILED', error_message: 'CUIT inválido' });
    t.equal((await api.queue.getStatus(api.db.db, 'other', other.items[0]!.id))?.status, 'IN_FLIGHT');
  });

  t.test('an entity that is not configured inbound for the tenant is 404', async (t) => {
    for (const path of ['/api/v1/sync/inbound/ORDEN_COMPRA', '/api/v1/sync/inbound/ARTICULO']) {
      const r = await api.call('GET', path, { key: hub });
      t.equal(r.status, 404, path);
      t.match(r.body, { success: false, error: { code: 'NOT_FOUND' } });
    }
  });
});
