import t from 'tap';
import { sql } from 'kysely';
import { evaluateAlerts } from '../../src/alerts/evaluate.ts';
import { createTenant } from '../../src/db/tenants.ts';
import { insertApiKey } from '../../src/db/api-keys.ts';
import { generateApiKey } from '../../src/security/api-key.ts';
import { startTestBoss } from '../helpers/boss.ts';
import { createTestDatabase } from '../helpers/db.ts';

async function alertJobs(db: import('kysely').Kysely<import('../../src/db/schema.ts').Database>) {
  const r = await sql<{ type: string; tenant: string; body: string }>`
    select data->>'type' as type, data->>'tenantId' as tenant, data->>'body' as body from pgboss.job where data->>'type' like 'alert.%' order by created_on, id`.execute(
    db,
  );
  return r.rows;
}

t.test('alerts: raised once and resolved once, as alert.raised / alert.resolved webhook jobs; per-tenant thresholds', async (t) => {
  const tdb = await createTestDatabase(t);
  const db = tdb.db;
  const boss = await startTestBoss(t, tdb.url);
  await createTenant(db, { id: 'acme', name: 'ACME', timezone: 'America/Argentina/Buenos_Aires' });
  await createTenant(db, { id: 'calm', name: 'CALM', timezone: 'UTC' });
  await db.updateTable('sync_tenant').set({ webhook_url: 'http://127.0.0.1:9/hook' }).execute();
  await db.insertInto('sync_alert_threshold').values({ tenant_id: 'calm', pull_failures: 5 }).execute();
  const fail = (tenant: string) => ({
    tenant_id: tenant,
    entity_type: 'PROVEEDOR',
    action: 'PULL',
    direction: 'IN' as const,
    phase: 'process' as const,
    status: 'FAILED' as const,
    error_detail: 'SQL Server error 208 state 1: Invalid object name',
  });
  await db
    .insertInto('sync_log')
    .values([fail('acme'), fail('acme'), fail('acme'), fail('calm'), fail('calm'), fail('calm')])
    .execute();
  await db
    .insertInto('sync_queue')
    .values({
      tenant_id: 'acme',
      source: 'HUB',
      destination: 'ERP',
      entity_type: 'ORDEN_COMPRA',
      entity_id: 'OC-1',
      action: 'CREATE',
      status: 'DEAD',
    })
    .execute();

  t.same(await evaluateAlerts(db, boss), { raised: 2, resolved: 0 });
  const open = await db
    .selectFrom('sync_alert')
    .select(['tenant_id', 'kind', 'entity_type'])
    .where('resolved_at', 'is', null)
    .orderBy('kind')
    .execute();
  t.same(
    open,
    [
      { tenant_id: 'acme', kind: 'dead_items', entity_type: 'ORDEN_COMPRA' },
      { tenant_id: 'acme', kind: 'pull_failing', entity_type: 'PROVEEDOR' },
    ],
    "calm's threshold is 5 failures: 3 do not raise",
  );
  let jobs = await alertJobs(db);
  t.same(
    jobs.map((j) => [j.type, j.tenant]),
    [
      ['alert.raised', 'acme'],
      ['alert.raised', 'acme'],
    ],
  );
  t.match(JSON.parse(jobs.find((j) => j.body.includes('pull_failing'))!.body), {
    type: 'alert.raised',
    data: { kind: 'pull_failing', entity_type: 'PROVEEDOR', detail: /3 failed pulls in a row; last: SQL Server error 208/ },
  });

  t.same(await evaluateAlerts(db, boss), { raised: 0, resolved: 0 }, 'still true: not raised again');
  t.equal((await alertJobs(db)).length, 2);

  // The entity recovers and the DEAD item is discarded: each alert resolves once.
  await db
    .insertInto('sync_log')
    .values({ ...fail('acme'), status: 'SUCCESS', error_detail: null, completed_at: new Date() })
    .execute();
  await db.updateTable('sync_queue').set({ status: 'FAILED' }).where('status', '=', 'DEAD').execute();
  t.same(await evaluateAlerts(db, boss), { raised: 0, resolved: 2 });
  t.same(await evaluateAlerts(db, boss), { raised: 0, resolved: 0 });
  jobs = await alertJobs(db);
  t.same(
    jobs.map((j) => j.type),
    ['alert.raised', 'alert.raised', 'alert.resolved', 'alert.resolved'],
  );
  t.equal((await db.selectFrom('sync_alert').select('id').where('resolved_at', 'is', null).execute()).length, 0);

  // Two more failures for calm reach its threshold of 5.
  await db
    .insertInto('sync_log')
    .values([fail('calm'), fail('calm')])
    .execute();
  t.same(await evaluateAlerts(db, boss), { raised: 1, resolved: 0 });
});

t.test('alerts: entity late against its schedule, queue too old, agent not seen', async (t) => {
  const tdb = await createTestDatabase(t);
  const db = tdb.db;
  const boss = await startTestBoss(t, tdb.url);
  await createTenant(db, { id: 'acme', name: 'ACME', timezone: 'UTC' });
  await db.insertInto('sync_alert_threshold').values({ tenant_id: 'acme', queue_age_seconds: 60, agent_silence_seconds: 600 }).execute();
  const hourAgo = new Date(Date.now() - 3600_000);
  await db
    .insertInto('sync_entity_config')
    .values({
      tenant_id: 'acme',
      entity_type: 'PROVEEDOR',
      erp_type: 'AXIOMA',
      direction: 'IN',
      sync_frequency: '*/5 * * * *',
      created_at: hourAgo,
    })
    .execute();
  await db
    .insertInto('sync_log')
    .values({
      tenant_id: 'acme',
      entity_type: 'PROVEEDOR',
      action: 'PULL',
      direction: 'IN',
      phase: 'process',
      status: 'SUCCESS',
      completed_at: new Date(Date.now() - 20 * 60_000),
    })
    .execute();
  await db
    .insertInto('sync_queue')
    .values({
      tenant_id: 'acme',
      source: 'HUB',
      destination: 'ERP',
      entity_type: 'ORDEN_COMPRA',
      entity_id: 'OC-1',
      action: 'CREATE',
      status: 'PENDING',
      created_at: new Date(Date.now() - 120_000),
    })
    .execute();
  const agentKey = generateApiKey();
  await insertApiKey(db, { tenantId: 'acme', hash: agentKey.hash, prefix: agentKey.prefix, scopes: ['agent'] });
  await db.updateTable('sync_api_key').set({ last_used_at: hourAgo }).execute();
  t.same(await evaluateAlerts(db, boss), { raised: 3, resolved: 0 });
  const open = await db.selectFrom('sync_alert').select(['kind', 'entity_type', 'detail']).orderBy('kind').execute();
  t.same(
    open.map((a) => a.kind),
    ['agent_silent', 'entity_late', 'queue_old'],
  );
  t.match(open.find((a) => a.kind === 'entity_late')!.detail, /schedule \*\/5 \* \* \* \* allows 900 s/);
});

t.test("GET /api/v1/sync/alerts: open alerts of the key's tenant; state=all adds the resolved ones", async (t) => {
  const { startTestApi } = await import('../helpers/api.ts');
  const api = await startTestApi(t);
  await api.db.db
    .insertInto('sync_alert')
    .values([
      { tenant_id: 'acme', kind: 'dead_items', entity_type: 'ORDEN_COMPRA', detail: '1 DEAD item(s)' },
      { tenant_id: 'acme', kind: 'queue_old', detail: 'old', resolved_at: new Date() },
      { tenant_id: 'other', kind: 'queue_large', detail: 'large' },
    ])
    .execute();
  const open = await api.call('GET', '/api/v1/sync/alerts', { key: api.keys.admin });
  t.equal(open.status, 200);
  t.same(
    open.body.items.map((a: { kind: string; entity_type: string | null }) => [a.kind, a.entity_type]),
    [['dead_items', 'ORDEN_COMPRA']],
  );
  const all = await api.call('GET', '/api/v1/sync/alerts?state=all', { key: api.keys.admin });
  t.same(
    all.body.items.map((a: { kind: string }) => a.kind),
    ['dead_items', 'queue_old'],
    'open first; no other tenant',
  );
  const bad = await api.call('GET', '/api/v1/sync/alerts?state=closed', { key: api.keys.admin });
  t.equal(bad.status, 400);
  t.match(JSON.stringify(bad.body), /state/);
  t.equal((await api.call('GET', '/api/v1/sync/alerts', { key: api.keys.hub })).status, 403);
});
