import t from 'tap';
import { startTestApi } from '../helpers/api.ts';

t.test('outbound endpoints', async (t) => {
  const api = await startTestApi(t);
  const { hub } = api.keys;
  const oc = (numero: string) => ({
    entity_id: numero,
    action: 'CREATE',
    payload: { numero, fecha: '2026-11-23', proveedor: 'P-1', total: '1234.50', items: [{ articulo: 'A1', cantidad: 2 }] },
  });

  t.test('POST /outbound/:entity → 202 { sync_id, status }; the same Idempotency-Key → 200, same id, nothing new', async (t) => {
    const first = await api.call('POST', '/api/v1/sync/outbound/ORDEN_COMPRA', {
      key: hub,
      body: oc('OC-1'),
      headers: { 'idempotency-key': 'hub-oc-1' },
    });
    t.equal(first.status, 202);
    t.same(Object.keys(first.body).sort(), ['status', 'sync_id']);
    t.equal(first.body.status, 'PENDING');
    const before = await api.snapshot();
    const again = await api.call('POST', '/api/v1/sync/outbound/ORDEN_COMPRA', {
      key: hub,
      body: oc('OC-1'),
      headers: { 'idempotency-key': 'hub-oc-1' },
    });
    t.equal(again.status, 200);
    t.equal(again.body.sync_id, first.body.sync_id);
    t.same(await api.snapshot(), before, 'nothing enqueued');
    const row = await api.queue.getStatus(api.db.db, 'acme', first.body.sync_id);
    t.match(row, {
      source: 'HUB',
      destination: 'ERP',
      entity_type: 'ORDEN_COMPRA',
      entity_id: 'OC-1',
      action: 'CREATE',
      payload: { total: '1234.50' },
    });
  });

  t.test('GET /outbound/:entity/:id/status by sync_id or by the Hub’s entity id', async (t) => {
    const sent = await api.call('POST', '/api/v1/sync/outbound/ORDEN_COMPRA', { key: hub, body: oc('OC-2025-001') });
    for (const id of [sent.body.sync_id, 'OC-2025-001']) {
      const r = await api.call('GET', `/api/v1/sync/outbound/ORDEN_COMPRA/${id}/status`, { key: hub });
      t.equal(r.status, 200, id);
      t.same(Object.keys(r.body).sort(), ['created_at', 'error_message', 'external_id', 'retry_count', 'status', 'sync_id', 'updated_at']);
      t.match(r.body, { sync_id: sent.body.sync_id, status: 'PENDING', external_id: null, retry_count: 0 });
    }
    const theirs = await api.call('GET', `/api/v1/sync/outbound/ORDEN_COMPRA/${sent.body.sync_id}/status`, { key: api.keys.otherHub });
    t.equal(theirs.status, 404, 'another tenant sees 404, as for an unknown id');
    const unknown = await api.call('GET', `/api/v1/sync/outbound/ORDEN_COMPRA/00000000-0000-4000-8000-000000000000/status`, { key: hub });
    t.equal(unknown.status, 404);
    t.same(theirs.body.error.code, unknown.body.error.code);
  });

  t.test('payload checked against the entity config; not configured → 404; nothing written', async (t) => {
    const before = await api.snapshot();
    const typo = await api.call('POST', '/api/v1/sync/outbound/ORDEN_COMPRA', {
      key: hub,
      body: { ...oc('OC-X'), payload: { numero: 'OC-X', totl: 5 } },
    });
    t.equal(typo.status, 400);
    t.match(typo.body.error, { code: 'VALIDATION_FAILED', details: [{ path: 'payload.totl' }] });
    const wrongAction = await api.call('POST', '/api/v1/sync/outbound/ORDEN_COMPRA', {
      key: hub,
      body: { ...oc('OC-X'), action: 'EXPLODE' },
    });
    t.equal(wrongAction.status, 400);
    t.match(wrongAction.body.error.details, [{ path: 'body.action' }]);
    const inboundOnly = await api.call('POST', '/api/v1/sync/outbound/PROVEEDOR', { key: hub, body: oc('X') });
    t.equal(inboundOnly.status, 404);
    t.same(await api.snapshot(), before);
  });

  t.test('POST /outbound/batch: one invalid item → 400 with per-item errors, nothing enqueued; valid → 202 in one go', async (t) => {
    const before = await api.snapshot();
    const bad = await api.call('POST', '/api/v1/sync/outbound/batch', {
      key: hub,
      body: {
        items: [
          { entity_type: 'ORDEN_COMPRA', ...oc('B-1') },
          { entity_type: 'ORDEN_COMPRA', ...oc('B-2'), payload: { nope: 1 } },
          { entity_type: 'RECEPCION', ...oc('B-3') },
        ],
      },
    });
    t.equal(bad.status, 400);
    t.same(
      bad.body.error.details.map((d: { index: number }) => d.index),
      [1, 2],
    );
    t.match(bad.body.error.details[0].errors, [{ path: 'items.1.payload.nope' }]);
    t.match(bad.body.error.details[1].errors, [{ path: 'items.2.entity_type' }]);
    t.same(await api.snapshot(), before, 'all or nothing');

    const good = await api.call('POST', '/api/v1/sync/outbound/batch', {
      key: hub,
      body: { items: Array.from({ length: 50 }, (_, n) => ({ entity_type: 'orden_compra', ...oc(`G-${n}`) })) },
    });
    t.equal(good.status, 202);
    t.equal(good.body.items.length, 50);
    t.match(good.body.items[7], { entity_type: 'ORDEN_COMPRA', entity_id: 'G-7', status: 'PENDING', sync_id: /^[0-9a-f-]{36}$/ });
    const tooMany = await api.call('POST', '/api/v1/sync/outbound/batch', {
      key: hub,
      body: { items: Array.from({ length: 1001 }, (_, n) => ({ entity_type: 'ORDEN_COMPRA', ...oc(`T-${n}`) })) },
    });
    t.equal(tooMany.status, 400);
    t.match(tooMany.body.error.details, [{ path: 'body.items' }]);
  });

  t.test('concurrent POSTs (committed in groups): a reused Idempotency-Key answers 422 to its request only', async (t) => {
    const send = (body: ReturnType<typeof oc>, key?: string) =>
      api.call('POST', '/api/v1/sync/outbound/ORDEN_COMPRA', { key: hub, body, headers: key ? { 'idempotency-key': key } : {} });
    const first = await send(oc('OC-G0'), 'g-0');
    t.equal(first.status, 202);
    const changed = { ...oc('OC-G0'), payload: { ...oc('OC-G0').payload, total: '1.00' } };
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        n === 7 ? send(changed, 'g-0') : n === 8 ? send(oc('OC-G0'), 'g-0') : send(oc(`OC-G${n + 100}`)),
      ),
    );
    t.same(
      answers.map((a) => a.status),
      answers.map((_, n) => (n === 7 ? 422 : n === 8 ? 200 : 202)),
    );
    t.equal(answers[7]!.body.error.code, 'IDEMPOTENCY_KEY_REUSED');
    t.equal(answers[8]!.body.sync_id, first.body.sync_id, 'the same request again is answered with the first item');
    const ids = answers.filter((a) => a.status === 202).map((a) => a.body.sync_id);
    const rows = await api.db.db.selectFrom('sync_queue').select('id').where('id', 'in', ids).execute();
    t.equal(rows.length, 28, 'every accepted request has its item');
  });
});
