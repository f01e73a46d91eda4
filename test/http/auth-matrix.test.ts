/**
 * The auth matrix, generated from the app's own route table: a route added later cannot skip it.
 * For every protected route: no key, malformed key, revoked key → 401; a key without the
 * route's scope → 403; another tenant's key on an id of ours → 404 (as for an unknown id);
 * X-Tenant-Id that is not the key's tenant → 403. Nothing is written by any of them.
 */
import t from 'tap';
import { startTestApi } from '../helpers/api.ts';

t.test('auth matrix over every protected route', async (t) => {
  const api = await startTestApi(t);
  const sent = await api.call('POST', '/api/v1/sync/outbound/ORDEN_COMPRA', {
    key: api.keys.hub,
    body: { entity_id: 'OC-1', action: 'CREATE', payload: { numero: 'OC-1' } },
  });
  const ourId = sent.body.sync_id as string;
  const protectedRoutes = api.app.routeList.filter((r) => r.scopes);
  t.ok(protectedRoutes.length >= 9, `${protectedRoutes.length} protected routes found`);
  const configId = (await api.db.db.selectFrom('sync_entity_config').select('id').where('tenant_id', '=', 'acme').executeTakeFirstOrThrow())
    .id;
  const path = (url: string) =>
    url
      .replace(':entity', 'ORDEN_COMPRA')
      .replace(':id', url.includes('/config/') ? configId : ourId)
      .replace(':tenantId', 'acme');
  const keyOfScope = { hub: api.keys.hub, admin: api.keys.admin, agent: api.keys.agent };
  // A body that is valid for as many routes as possible, so refusals are about auth, not shape.
  const bodyFor = (url: string) =>
    url.includes('/config')
      ? { entity_type: 'ARTICULO', erp_type: 'AXIOMA', direction: 'IN' }
      : url.includes('/batch')
        ? { items: [{ entity_type: 'ORDEN_COMPRA', entity_id: 'x', action: 'CREATE', payload: {} }] }
        : url.includes('/ack')
          ? { ids: [ourId] }
          : { entity_id: 'OC-2', action: 'CREATE', payload: {} };

  const before = await api.snapshot();
  for (const route of protectedRoutes) {
    const name = `${route.method} ${route.url}`;
    const send = (key: string | null, headers: Record<string, string> = {}) =>
      api.call(route.method, path(route.url), {
        key,
        headers,
        body: route.method === 'GET' || route.method === 'DELETE' ? undefined : bodyFor(route.url),
      });
    t.equal((await send(null)).status, 401, `${name}: no key → 401`);
    t.equal((await send('sk_live_short')).status, 401, `${name}: malformed key → 401`);
    t.equal((await send(api.keys.revoked)).status, 401, `${name}: revoked key → 401`);
    for (const [scope, key] of Object.entries(keyOfScope)) {
      if (scope === 'admin' || route.scopes!.includes(scope)) continue;
      const r = await send(key);
      t.equal(r.status, 403, `${name}: ${scope} key → 403`);
      t.equal(r.body.error.code, 'FORBIDDEN');
    }
    const allowedKey = route.scopes!.includes('hub') ? api.keys.hub : route.scopes!.includes('agent') ? api.keys.agent : api.keys.admin;
    t.equal((await send(allowedKey, { 'x-tenant-id': 'other' })).status, 403, `${name}: X-Tenant-Id of another tenant → 403`);
    if (route.url.includes(':id')) {
      const otherKey = route.scopes!.includes('hub') ? api.keys.otherHub : api.keys.otherAdmin;
      t.equal((await send(otherKey)).status, 404, `${name}: another tenant's key on our id → 404`);
    }
  }
  t.same(await api.snapshot(), before, 'nothing written by any refused request');
});
