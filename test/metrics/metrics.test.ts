import { spawnSync } from 'node:child_process';
import t from 'tap';
import { startTestApi } from '../helpers/api.ts';

const TOKEN = 'metrics-token-0123456789';

t.test('GET /metrics: operator token, every family from real rows, and promtool accepts the output', async (t) => {
  const api = await startTestApi(t, { metricsToken: TOKEN });
  const db = api.db.db;
  await db
    .insertInto('sync_queue')
    .values([
      {
        tenant_id: 'acme',
        source: 'HUB',
        destination: 'ERP',
        entity_type: 'ORDEN_COMPRA',
        entity_id: 'OC-1',
        action: 'CREATE',
        status: 'PENDING',
        created_at: new Date(Date.now() - 120_000),
      },
      {
        tenant_id: 'acme',
        source: 'HUB',
        destination: 'ERP',
        entity_type: 'ORDEN_COMPRA',
        entity_id: 'OC-2',
        action: 'CREATE',
        status: 'DEAD',
      },
      {
        tenant_id: 'other',
        source: 'ERP',
        destination: 'HUB',
        entity_type: 'PROVEEDOR',
        entity_id: 'P\\"1',
        action: 'UPDATE',
        status: 'COMPLETED',
      },
    ])
    .execute();
  await db
    .updateTable('sync_entity_config')
    .set({ sync_frequency: '*/15 * * * *' })
    .where('tenant_id', '=', 'acme')
    .where('entity_type', '=', 'PROVEEDOR')
    .execute();
  const now = Date.now();
  await db
    .insertInto('sync_log')
    .values([
      {
        tenant_id: 'acme',
        entity_type: 'PROVEEDOR',
        action: 'PULL',
        direction: 'IN',
        phase: 'process',
        status: 'SUCCESS',
        duration_ms: 2500,
        completed_at: new Date(now - 60_000),
        metadata: JSON.stringify({ read: 10, changed: 4, deleted: 1 }),
      },
      {
        tenant_id: 'acme',
        entity_type: 'PROVEEDOR',
        action: 'PULL',
        direction: 'IN',
        phase: 'process',
        status: 'FAILED',
        duration_ms: 400,
        completed_at: new Date(now),
        error_detail: 'SQL Server error 208 state 1: Invalid object name',
        metadata: JSON.stringify({ read: 0, changed: 0, deleted: 0 }),
      },
      { tenant_id: 'acme', entity_type: 'sync.completed', action: 'WEBHOOK', direction: 'IN', status: 'SUCCESS', duration_ms: 20 },
      { tenant_id: 'acme', entity_type: 'sync.failed', action: 'WEBHOOK', direction: 'IN', status: 'RETRY', duration_ms: 20 },
    ])
    .execute();
  await api.db.pool.query(`insert into sync_worker_heartbeat (worker_id, hostname, pid, started_at) values ('w1', 'test', 1, now())`);
  await api.call('GET', '/api/v1/sync/config', { key: api.keys.admin });

  const get = (headers: Record<string, string>) => fetch(`${api.base}/metrics`, { headers });
  t.equal((await get({})).status, 401, 'no token');
  const wrong = await get({ authorization: 'Bearer not-the-token-at-all' });
  t.equal(wrong.status, 401, 'wrong token');
  t.notMatch(await wrong.text(), TOKEN);
  const res = await get({ authorization: `Bearer ${TOKEN}` });
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const lines = [
    'parse_sync_queue_items{tenant="acme",entity="ORDEN_COMPRA",destination="ERP",status="PENDING"} 1',
    'parse_sync_queue_items{tenant="acme",entity="ORDEN_COMPRA",destination="ERP",status="DEAD"} 1',
    'parse_sync_pull_runs_total{tenant="acme",entity="PROVEEDOR",status="SUCCESS"} 1',
    'parse_sync_pull_runs_total{tenant="acme",entity="PROVEEDOR",status="FAILED"} 1',
    'parse_sync_pull_rows_total{tenant="acme",entity="PROVEEDOR",status="SUCCESS",kind="read"} 10',
    'parse_sync_pull_rows_total{tenant="acme",entity="PROVEEDOR",status="SUCCESS",kind="changed"} 4',
    'parse_sync_pull_rows_total{tenant="acme",entity="PROVEEDOR",status="SUCCESS",kind="deleted"} 1',
    'parse_sync_pull_duration_seconds_bucket{tenant="acme",entity="PROVEEDOR",le="1"} 1',
    'parse_sync_pull_duration_seconds_bucket{tenant="acme",entity="PROVEEDOR",le="5"} 2',
    'parse_sync_pull_duration_seconds_bucket{tenant="acme",entity="PROVEEDOR",le="+Inf"} 2',
    'parse_sync_pull_duration_seconds_sum{tenant="acme",entity="PROVEEDOR"} 2.9',
    'parse_sync_erp_errors_total{tenant="acme",entity="PROVEEDOR",number="208"} 1',
    'parse_sync_webhook_deliveries_total{tenant="acme",outcome="SUCCESS"} 1',
    'parse_sync_webhook_deliveries_total{tenant="acme",outcome="RETRY"} 1',
    'parse_sync_entity_schedule_period_seconds{tenant="acme",entity="PROVEEDOR",schedule="*/15 * * * *"} 900',
    'parse_sync_entity_never_run{tenant="other",entity="PROVEEDOR"} 1',
    'parse_sync_http_requests_total{method="GET",route="/api/v1/sync/config",status="200"} 1',
  ];
  for (const l of lines) t.ok(text.split('\n').includes(l), l);
  const pendingAge = Number(
    /parse_sync_queue_oldest_pending_age_seconds\{tenant="acme",entity="ORDEN_COMPRA",destination="ERP"\} (\S+)/.exec(text)?.[1],
  );
  t.ok(pendingAge >= 120, `oldest pending age ${pendingAge} s ≥ 120`);
  const fresh = Number(
    /parse_sync_entity_freshness_seconds\{tenant="acme",entity="PROVEEDOR",schedule="\*\/15 \* \* \* \*"\} (\S+)/.exec(text)?.[1],
  );
  t.ok(fresh >= 60, `freshness ${fresh} s counts from the last successful pull, not the failed one`);
  t.match(text, /^parse_sync_worker_heartbeat_age_seconds \d/m);
  t.match(text, /^parse_sync_server_process_cpu_seconds_total /m, 'process metrics of the server');

  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  t.equal(check.error, undefined, 'promtool runs (Debian package prometheus: make apt)');
  t.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}`);
  t.equal(`${check.stdout}${check.stderr}`.trim(), '', 'no lint findings');
});

t.test('GET /metrics is off (404) without METRICS_TOKEN', async (t) => {
  const api = await startTestApi(t);
  const res = await api.call('GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
  t.equal(res.status, 404);
  t.match(res.body.error.message, /METRICS_TOKEN/);
});
