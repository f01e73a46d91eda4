/**
 * Issue 10 §3: failed authentication is limited per client address before any key lookup; HEAD
 * on the lease route does not lease; client X-Request-Id kept only when short printable ASCII.
 */
import t from 'tap';
import { ownerQuery } from '../helpers/db.ts';
import { sql } from 'kysely';
import { generateApiKey } from '../../src/security/api-key.ts';
import { startTestApi } from '../helpers/api.ts';

t.test('failed authentications from one address → 429 before auth; the per-key limit still applies after', async (t) => {
  const api = await startTestApi(t, { authFailuresPerMinute: 5, rateLimitPerMinute: 1000 });
  const statuses: number[] = [];
  for (let n = 0; n < 8; n++) statuses.push((await api.call('GET', '/api/v1/sync/inbound/pending', { key: generateApiKey().raw })).status);
  t.same(statuses, [401, 401, 401, 401, 401, 429, 429, 429], 'five wrong keys, then 429');
  const limited = await api.call('GET', '/api/v1/sync/inbound/pending', { key: null });
  t.match(limited.body, { success: false, error: { code: 'RATE_LIMITED' } }, 'no key at all is limited too');
  t.equal((await api.call('GET', '/api/sync/health')).status, 200, 'public routes are not behind the auth limiter');
});

t.test('successful requests do not spend the failed-auth budget', async (t) => {
  const api = await startTestApi(t, { authFailuresPerMinute: 2 });
  for (let n = 0; n < 5; n++) t.equal((await api.call('GET', '/api/v1/sync/inbound/pending', { key: api.keys.hub })).status, 200);
});

t.test('HEAD on the lease route leases nothing', async (t) => {
  const api = await startTestApi(t);
  await api.queue.enqueue(api.db.db, {
    tenantId: 'acme',
    source: 'ERP',
    destination: 'HUB',
    entityType: 'PROVEEDOR',
    entityId: 'P1',
    action: 'CREATE',
    payload: { id: 'P1' },
  });
  const head = await fetch(`${api.base}/api/v1/sync/inbound/PROVEEDOR`, { method: 'HEAD', headers: { 'x-api-key': api.keys.hub } });
  t.ok(head.status >= 400 && head.status < 500, `HEAD → ${head.status}`);
  const rows = (
    await sql<{
      status: string;
      lease_expires_at: Date | null;
    }>`select status, lease_expires_at from sync_queue where entity_id = 'P1'`.execute(api.db.db)
  ).rows;
  t.same(
    rows.map((r) => [r.status, r.lease_expires_at]),
    [['PENDING', null]],
    'still PENDING, no lease',
  );
  const get = await api.call('GET', '/api/v1/sync/inbound/PROVEEDOR', { key: api.keys.hub });
  t.equal(get.body.items.length, 1, 'GET still leases it');
});

t.test('X-Request-Id: kept when ≤ 128 printable ASCII, else replaced by a generated id', async (t) => {
  const api = await startTestApi(t);
  await ownerQuery(api.db, 'alter table sync_log rename to sync_log_gone');
  const idOf = async (id: string) =>
    (await api.call('GET', '/api/v1/sync/logs', { key: api.keys.admin, headers: { 'x-request-id': id } })).body.error.details
      .request_id as string;
  t.equal(await idOf('req-abc-123'), 'req-abc-123');
  t.equal(await idOf('x'.repeat(128)), 'x'.repeat(128));
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  for (const bad of ['x'.repeat(129), 'a b', 'ñandú', 'a\tb', 'line"quote\\']) {
    const id = await idOf(bad);
    if (bad === 'line"quote\\') t.equal(id, bad, 'quotes and backslashes are printable ASCII');
    else t.match(id, uuid, `${JSON.stringify(bad.slice(0, 20))} replaced`);
  }
});
