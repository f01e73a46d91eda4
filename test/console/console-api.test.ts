/** The console's JSON endpoints over a real socket: queue browse/retry/discard, overview, agent activity. */
import t from 'tap';
import { startTestApi, type TestApi } from '../helpers/api.ts';

async function seedQueue(api: TestApi) {
  const item = (o: { tenant?: string; status: string; error?: string; id: string; dest?: 'ERP' | 'HUB'; entity?: string }) => ({
    tenant_id: o.tenant ?? 'acme',
    source: o.dest === 'HUB' ? ('ERP' as const) : ('HUB' as const),
    destination: o.dest ?? ('ERP' as const),
    entity_type: o.entity ?? 'ORDEN_COMPRA',
    entity_id: o.id,
    action: 'CREATE' as const,
    status: o.status as 'DEAD',
    error_message: o.error ?? null,
  });
  const rows = await api.db.db
    .insertInto('sync_queue')
    .values([
      item({ id: 'OC-1', status: 'DEAD', error: 'SQL Server error 547: FK violation' }),
      item({ id: 'OC-2', status: 'DEAD', error: 'SQL Server error 547: FK violation' }),
      item({ id: 'OC-3', status: 'RETRY', error: 'timeout' }),
      item({ id: 'OC-4', status: 'PENDING' }),
      item({ id: 'OC-5', status: 'COMPLETED' }),
      item({ id: 'P-1', status: 'DEAD', error: 'hub said 422', dest: 'HUB', entity: 'PROVEEDOR' }),
      item({ id: 'OC-9', status: 'DEAD', error: 'other tenant', tenant: 'other' }),
    ])
    .returning(['id', 'entity_id'])
    .execute();
  return Object.fromEntries(rows.map((r) => [r.entity_id, r.id])) as Record<string, string>;
}

const statusOf = async (api: TestApi, id: string) =>
  (await api.db.db.selectFrom('sync_queue').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

t.test('queue: list with filters and grouped errors; retry many and discard, all or nothing', async (t) => {
  const api = await startTestApi(t);
  const ids = await seedQueue(api);
  const key = api.keys.admin;

  const all = await api.call('GET', '/api/v1/sync/queue', { key });
  t.equal(all.status, 200);
  t.same(
    all.body.items.map((i: { entity_id: string }) => i.entity_id).sort(),
    ['OC-1', 'OC-2', 'OC-3', 'OC-4', 'P-1'],
    'own tenant, browse statuses only',
  );
  t.same(all.body.errors, [
    { message: 'SQL Server error 547: FK violation', count: 2, statuses: ['DEAD'] },
    { message: 'hub said 422', count: 1, statuses: ['DEAD'] },
    { message: 'timeout', count: 1, statuses: ['RETRY'] },
  ]);
  t.same(all.body.counts, { DEAD: 3, RETRY: 1, PENDING: 1, COMPLETED: 1 });
  const dead = await api.call('GET', '/api/v1/sync/queue?status=DEAD&direction=OUT', { key });
  t.same(dead.body.items.map((i: { entity_id: string }) => i.entity_id).sort(), ['OC-1', 'OC-2']);
  const inbound = await api.call('GET', '/api/v1/sync/queue?direction=IN&entity_type=PROVEEDOR', { key });
  t.same(
    inbound.body.items.map((i: { entity_id: string; direction: string }) => [i.entity_id, i.direction]),
    [['P-1', 'IN']],
  );
  const bad = await api.call('GET', '/api/v1/sync/queue?status=COMPLETED', { key });
  t.equal(bad.status, 400, 'a status the page does not list → 400');

  // Retry: one unknown id or a RETRY item → nothing retried.
  const before = await api.snapshot();
  const unknown = await api.call('POST', '/api/v1/sync/queue/retry', { key, body: { ids: [ids['OC-1'], ids['OC-9']] } });
  t.equal(unknown.status, 404, "another tenant's id → 404");
  const notDead = await api.call('POST', '/api/v1/sync/queue/retry', { key, body: { ids: [ids['OC-1'], ids['OC-3']] } });
  t.equal(notDead.status, 409, 'a RETRY item → 409');
  const notUuid = await api.call('POST', '/api/v1/sync/queue/retry', { key, body: { ids: ['x'] } });
  t.equal(notUuid.status, 400);
  t.match(notUuid.body.error.details[0].path, /ids/);
  t.same(await api.snapshot(), before, 'nothing written');
  t.equal(await statusOf(api, ids['OC-1']!), 'DEAD');

  const retried = await api.call('POST', '/api/v1/sync/queue/retry', { key, body: { ids: [ids['OC-1'], ids['OC-2']] } });
  t.equal(retried.status, 200);
  t.same(
    retried.body.items.map((i: { status: string }) => i.status),
    ['PENDING', 'PENDING'],
  );
  t.equal(await statusOf(api, ids['OC-2']!), 'PENDING');

  // Discard.
  const discardPending = await api.call('POST', '/api/v1/sync/queue/discard', { key, body: { ids: [ids['P-1'], ids['OC-4']] } });
  t.equal(discardPending.status, 409, 'a PENDING item cannot be discarded');
  t.same(discardPending.body.error.details.not_discardable, [{ id: ids['OC-4'], status: 'PENDING' }]);
  t.equal(await statusOf(api, ids['P-1']!), 'DEAD', 'nothing discarded');
  t.equal((await api.call('POST', '/api/v1/sync/queue/discard', { key: api.keys.otherAdmin, body: { ids: [ids['P-1']] } })).status, 404);
  const discarded = await api.call('POST', '/api/v1/sync/queue/discard', { key, body: { ids: [ids['P-1']] } });
  t.equal(discarded.status, 200);
  t.equal(await statusOf(api, ids['P-1']!), 'DISCARDED');
  const log = await api.db.db.selectFrom('sync_log').selectAll().where('sync_queue_id', '=', ids['P-1']!).execute();
  t.equal(log.length, 1);
  t.match(log[0]!.message, /^discarded by an operator \(key sk_live_.{8}; was DEAD\): hub said 422$/);
  t.equal(log[0]!.direction, 'IN');
  t.equal(
    (await api.call('POST', '/api/v1/sync/queue/retry', { key, body: { ids: [ids['P-1']] } })).status,
    409,
    'a discarded item is final',
  );
});

t.test('overview: never run → ok with rows, failed, open alerts, schedule and next run', async (t) => {
  const api = await startTestApi(t);
  const key = api.keys.admin;
  const first = await api.call('GET', '/api/v1/sync/overview', { key });
  t.equal(first.status, 200);
  const prov = () => first.body.entities.find((e: { entity_type: string }) => e.entity_type === 'PROVEEDOR');
  t.match(prov(), { direction: 'IN', state: 'never', last_run: null, last_sync_at: null, freshness_seconds: null, alerts: [] });
  t.match(
    first.body.entities.find((e: { entity_type: string }) => e.entity_type === 'ORDEN_COMPRA'),
    { direction: 'OUT', state: 'on_demand', last_run: null },
    'an OUT entity is pushed on demand, not "never run"',
  );

  await api.db.db
    .insertInto('sync_log')
    .values({
      tenant_id: 'acme',
      entity_type: 'PROVEEDOR',
      action: 'PULL',
      direction: 'IN',
      phase: 'process',
      status: 'SUCCESS',
      metadata: JSON.stringify({ read: 30, changed: 30, deleted: 0 }),
    })
    .execute();
  await api.db.db
    .insertInto('sync_state')
    .values({
      tenant_id: 'acme',
      entity_type: 'PROVEEDOR',
      erp_type: 'AXIOMA',
      direction: 'IN',
      last_sync_at: new Date(Date.now() - 120_000),
    })
    .execute();
  await api.db.db
    .updateTable('sync_entity_config')
    .set({ sync_frequency: '*/15 * * * *' })
    .where('tenant_id', '=', 'acme')
    .where('entity_type', '=', 'PROVEEDOR')
    .execute();
  await api.db.db
    .insertInto('sync_alert')
    .values({ tenant_id: 'acme', kind: 'pull_failing', entity_type: 'PROVEEDOR', detail: 'x' })
    .execute();
  await api.db.db.insertInto('sync_alert').values({ tenant_id: 'acme', kind: 'queue_large', detail: 'big' }).execute();
  await api.db.db.insertInto('sync_alert').values({ tenant_id: 'other', kind: 'queue_large', detail: 'not ours' }).execute();
  const ok = await api.call('GET', '/api/v1/sync/overview', { key });
  const p = ok.body.entities.find((e: { entity_type: string }) => e.entity_type === 'PROVEEDOR');
  t.match(p, {
    state: 'ok',
    last_run: { status: 'SUCCESS', rows_read: 30, rows_changed: 30, rows_deleted: 0 },
    schedule_period_seconds: 900,
    alerts: [{ kind: 'pull_failing', detail: 'x' }],
  });
  t.ok(p.freshness_seconds >= 120 && p.freshness_seconds < 600, `freshness ${p.freshness_seconds}`);
  t.same(
    ok.body.tenant_alerts.map((a: { detail: string }) => a.detail),
    ['big'],
  );
  await api.db.db
    .insertInto('sync_log')
    .values({
      tenant_id: 'acme',
      entity_type: 'PROVEEDOR',
      action: 'PULL',
      direction: 'IN',
      phase: 'process',
      status: 'FAILED',
      error_detail: 'boom',
    })
    .execute();
  const failed = await api.call('GET', '/api/v1/sync/overview', { key });
  t.match(
    failed.body.entities.find((e: { entity_type: string }) => e.entity_type === 'PROVEEDOR'),
    { state: 'failed', last_run: { error: 'boom' } },
  );
});

t.test('agent activity: recorded from the agent routes, listed for operators', async (t) => {
  const api = await startTestApi(t);
  const none = await api.call('GET', '/api/v1/sync/agent/activity', { key: api.keys.admin });
  t.same(none.body, { agents: [] });
  const headers = { 'x-tenant-id': 'acme', 'x-agent-version': 'parse-sync-agent/1.4.2' };
  t.equal((await api.call('GET', '/api/sync/config/acme', { key: api.keys.agent, headers })).status, 200);
  let list = await api.call('GET', '/api/v1/sync/agent/activity', { key: api.keys.admin });
  t.match(list.body.agents, [{ version: 'parse-sync-agent/1.4.2', last_upload_at: null, last_download_at: null, revoked: false }]);
  await api.db.db.updateTable('sync_entity_config').set({ primary_key: 'CodProv' }).where('entity_type', '=', 'PROVEEDOR').execute();
  const up = await api.call('POST', '/api/sync/upload/acme', {
    key: api.keys.agent,
    headers,
    body: { tabla: 'PROVEEDOR', data: [{ CodProv: 'P1', RazonSocial: 'Uno' }] },
  });
  t.equal(up.status, 200, JSON.stringify(up.body));
  list = await api.call('GET', '/api/v1/sync/agent/activity', { key: api.keys.admin });
  t.ok(list.body.agents[0].last_upload_at, 'upload recorded');
  t.equal(list.body.agents[0].last_download_at, null);
  const refused = await api.call('GET', '/api/sync/config/acme', { key: api.keys.agent, headers: { 'x-tenant-id': 'other' } });
  t.equal(refused.status, 403);
  const other = await api.call('GET', '/api/v1/sync/agent/activity', { key: api.keys.otherAdmin });
  t.same(other.body, { agents: [] }, 'another tenant sees none of ours');
});
