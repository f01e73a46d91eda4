/**
 * Issue 10 §2: one tenant cannot slow the others. Tenant acme misbehaves (saturates its uploads,
 * downloads, runs, configs); tenant other's requests still succeed and /health stays 200.
 * Saturation is real: requests held by PostgreSQL locks the test takes, waited for through
 * pg_stat_activity (no sleeps, no timing assertions).
 */
import t from 'tap';
import pg from 'pg';
import { sql } from 'kysely';
import { insertApiKey } from '../../src/db/api-keys.ts';
import { createSyncQueue } from '../../src/queue/sync-queue.ts';
import { createPullScheduler } from '../../src/sync/pull-scheduler.ts';
import { generateApiKey } from '../../src/security/api-key.ts';
import { createSyncEngine } from '../../src/sync/sync-engine.ts';
import { TENANT_LIMITS_DEFAULT, type TenantLimits } from '../../src/sync/tenant-limits.ts';
import { startTestApi, type TestApi } from '../helpers/api.ts';
import { silentLogger, startTestBoss } from '../helpers/boss.ts';
import { keyring } from '../helpers/sync-fixture.ts';

const LIMITS: TenantLimits = {
  ...TENANT_LIMITS_DEFAULT,
  inFlight: { download: 2, upload: 2, pull: 1 },
  runsInFlight: 2,
  maxUploadRows: 3,
  maxConfigsPerTenant: 4,
  minScheduleSeconds: 300,
  // Long lock timeout: the test decides when held requests end.
  pool: { ...TENANT_LIMITS_DEFAULT.pool, max: 3, lockTimeoutMs: 600_000 },
};
const SCHEMA = {
  columns: [
    { name: 'codigo', type: 'VARCHAR(20)', nullable: false },
    { name: 'nombre', type: 'VARCHAR(200)', nullable: true },
  ],
};

async function setup(
  t: { teardown(fn: () => unknown): void },
  limits = LIMITS,
): Promise<TestApi & { otherAgent: string; as: (tenant: string) => { key: string; headers: Record<string, string> } }> {
  const api = await startTestApi(t, { limits, tenantPool: true });
  // A live worker, so /health speaks of the database (no worker → 503 WORKER_GONE, by design).
  await api.db.pool.query(`insert into sync_worker_heartbeat (worker_id, hostname, pid, started_at) values ('w1', 'test', 1, now())`);
  for (const tenant of ['acme', 'other']) {
    await api.db.db
      .insertInto('sync_entity_config')
      .values([
        { tenant_id: tenant, entity_type: 'CUENTA', erp_type: 'AXIOMA', direction: 'IN', primary_key: 'codigo', queries: '{}' },
        {
          tenant_id: tenant,
          entity_type: 'PLAN',
          erp_type: 'AXIOMA',
          direction: 'OUT',
          queries: JSON.stringify({
            schema: SCHEMA,
            process: { query: 'parametros_maestros.tipo_campo=cuenta' },
            merge: 'MERGE x USING {temp_table} s ON 1=0 WHEN NOT MATCHED THEN INSERT (codigo) VALUES (s.codigo);',
          }),
        },
      ])
      .execute();
  }
  const k = generateApiKey();
  await insertApiKey(api.db.db, { tenantId: 'other', hash: k.hash, prefix: k.prefix, scopes: ['agent'] });
  const as = (tenant: string) => ({ key: tenant === 'acme' ? api.keys.agent : k.raw, headers: { 'x-tenant-id': tenant } });
  return Object.assign(api, { otherAgent: k.raw, as });
}

/** A session of the test's own that holds a lock until released. */
async function holdLock(url: string, statement: string, values: unknown[] = []): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('begin');
  await client.query(statement, values);
  return {
    release: async () => {
      await client.query('rollback');
      await client.end();
    },
  };
}

/** Waits until `n` sessions of the database wait on a lock (the held requests have reached PostgreSQL). */
async function lockWaiters(api: TestApi, n: number): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const r = await sql<{
      n: string;
    }>`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(api.db.db);
    if (Number(r.rows[0]!.n) >= n) return;
  }
  throw new Error(`never saw ${n} sessions waiting on a lock`);
}

t.test('uploads: acme at its in-flight limit gets 429; other uploads; /health 200', async (t) => {
  const api = await setup(t);
  const upload = (tenant: string, data: object[]) =>
    api.call('POST', `/api/sync/upload/${tenant}`, { ...api.as(tenant), body: { tabla: 'cuenta', data } });
  t.equal((await upload('acme', [{ codigo: 'C1', nombre: 'v1' }])).status, 200);
  const lock = await holdLock(api.db.url, "select 1 from sync_data where tenant_id = 'acme' and entity_id = 'C1' for update");
  const held = [upload('acme', [{ codigo: 'C1', nombre: 'v2' }]), upload('acme', [{ codigo: 'C1', nombre: 'v3' }])];
  await lockWaiters(api, 2);
  const refused = await upload('acme', [{ codigo: 'C2', nombre: 'x' }]);
  t.equal(refused.status, 429, 'a third acme upload is refused at once');
  t.equal(refused.headers.get('retry-after'), '2');
  t.match(refused.body.error, { code: 'TENANT_LIMIT', message: /TENANT_UPLOADS_IN_FLIGHT/ });
  t.equal((await upload('other', [{ codigo: 'O1', nombre: 'o' }])).status, 200, "other's upload goes through");
  t.equal((await api.call('GET', '/api/v1/sync/health')).status, 200);
  await lock.release();
  t.same(
    (await Promise.all(held)).map((r) => r.status),
    [200, 200],
    "acme's held uploads finish once the lock goes",
  );
  t.same(
    (await api.db.db.selectFrom('sync_data').select('entity_id').where('tenant_id', '=', 'acme').execute()).map((r) => r.entity_id),
    ['C1'],
    'the refused upload wrote nothing',
  );
});

t.test('downloads: on their own pool; acme beyond its share gets 429; other still gets a connection; /health 200', async (t) => {
  const api = await setup(t);
  await sql`insert into sync_data (tenant_id, entity_type, erp_type, entity_id, payload, payload_hash, sync_direction)
            values ('acme', 'CUENTA', 'AXIOMA', 'A1', '{"nombre": "a"}', repeat('a', 64), 'IN'), ('other', 'CUENTA', 'AXIOMA', 'O1', '{"nombre": "o"}', repeat('b', 64), 'IN')`.execute(
    api.db.db,
  );
  const download = (tenant: string) => api.call('GET', `/api/sync/download/${tenant}?tabla=plan`, api.as(tenant));
  // Every read of sync_data now waits: acme's downloads stay in flight as long as the test wants.
  const lock = await holdLock(api.db.url, 'lock table sync_data in access exclusive mode');
  const held = [download('acme'), download('acme')];
  await lockWaiters(api, 2);
  const refused = await download('acme');
  t.equal(refused.status, 429);
  t.equal(refused.headers.get('retry-after'), '2');
  t.match(refused.body.error.message, /TENANT_DOWNLOADS_IN_FLIGHT/);
  const others = download('other');
  await lockWaiters(api, 3); // other's read reached PostgreSQL: acme did not take the whole pool
  t.equal((await api.call('GET', '/api/v1/sync/health')).status, 200, 'health answers while tenant reads wait');
  t.equal((await api.call('GET', '/api/sync/config/other', api.as('other'))).status, 200, "other's other requests are served");
  await lock.release();
  t.same(
    (await Promise.all(held)).map((r) => r.status),
    [200, 200],
  );
  const mine = await others;
  t.equal(mine.status, 200);
  t.same(
    mine.body.data.map((d: { codigo: string }) => d.codigo),
    ['O1'],
  );
});

t.test('a download read past the tenant pool lock_timeout ends with 503, not a hung request', async (t) => {
  const api = await setup(t, { ...LIMITS, pool: { ...LIMITS.pool, lockTimeoutMs: 100 } });
  const lock = await holdLock(api.db.url, 'lock table sync_data in access exclusive mode');
  const r = await api.call('GET', '/api/sync/download/acme?tabla=plan', api.as('acme'));
  await lock.release();
  t.equal(r.status, 503);
  t.match(r.body.error, { code: 'DOWNLOAD_TIMEOUT', message: /TENANT_LOCK_TIMEOUT_MS/ });
  t.equal((await api.call('GET', '/api/sync/download/acme?tabla=plan', api.as('acme'))).status, 200, 'the pool is fine afterwards');
});

t.test('caps: runs in flight, configs per tenant, rows per upload, shortest schedule', async (t) => {
  const api = await setup(t);
  const admin = (tenant: string) => (tenant === 'acme' ? api.keys.admin : api.keys.otherAdmin);
  const run = (tenant: string) => api.call('POST', '/api/v1/sync/run?entity=CUENTA', { key: admin(tenant) });

  t.same([(await run('acme')).status, (await run('acme')).status], [202, 202]);
  const refused = await run('acme');
  t.equal(refused.status, 429, 'a third run while two are queued');
  t.equal(refused.headers.get('retry-after'), '30');
  t.match(refused.body.error.message, /TENANT_RUNS_IN_FLIGHT/);
  t.equal((await run('other')).status, 202, "other's run is queued");
  const jobs = await sql<{
    tenant: string;
    n: string;
  }>`select data->>'tenantId' as tenant, count(*) as n from pgboss.job where name = 'sync-pull' group by 1 order by 1`.execute(api.db.db);
  t.same(
    jobs.rows,
    [
      { tenant: 'acme', n: '2' },
      { tenant: 'other', n: '1' },
    ],
    'the refused run queued nothing',
  );

  const newConfig = (over: object = {}) => ({
    entity_type: 'NUEVA',
    erp_type: 'AXIOMA',
    direction: 'IN',
    primary_key: 'id',
    queries: { select_all: 'SELECT * FROM nueva' },
    ...over,
  });
  let snap = await api.snapshot();
  const tooOften = await api.call('POST', '/api/v1/sync/config', { key: api.keys.admin, body: newConfig({ sync_frequency: '* * * * *' }) });
  t.equal(tooOften.status, 400);
  t.match(tooOften.body.error.details, [{ path: 'body.sync_frequency', message: /every 60 s.*minimum is 300 s \(MIN_SCHEDULE_SECONDS\)/ }]);
  const tooMany = await api.call('POST', '/api/v1/sync/config', { key: api.keys.admin, body: newConfig() });
  t.equal(tooMany.status, 400, 'acme has 4 enabled configs: the maximum');
  t.match(tooMany.body.error, { code: 'LIMIT_EXCEEDED', message: /MAX_CONFIGS_PER_TENANT/ });
  t.same(await api.snapshot(), snap, 'refused config writes wrote nothing');
  const otherConfigs = await api.call('GET', '/api/v1/sync/config', { key: api.keys.otherAdmin });
  const proveedor = otherConfigs.body.items.find((c: { entity_type: string }) => c.entity_type === 'PROVEEDOR');
  t.equal((await api.call('DELETE', `/api/v1/sync/config/${proveedor.id}`, { key: api.keys.otherAdmin })).status, 200);
  t.equal(
    (await api.call('POST', '/api/v1/sync/config', { key: api.keys.otherAdmin, body: newConfig({ sync_frequency: '*/5 * * * *' }) }))
      .status,
    201,
    'a disabled config frees its place; every 5 minutes is allowed',
  );

  snap = await api.snapshot();
  const big = await api.call('POST', '/api/sync/upload/acme', {
    ...api.as('acme'),
    body: { tabla: 'cuenta', data: [1, 2, 3, 4].map((i) => ({ codigo: `R${i}` })) },
  });
  t.equal(big.status, 413);
  t.match(big.body.error, { code: 'LIMIT_EXCEEDED', message: /MAX_UPLOAD_ROWS/, details: [{ path: 'body.data' }] });
  t.same(await api.snapshot(), snap, 'nothing of the upload was stored');
  t.equal((await api.call('GET', '/api/v1/sync/health')).status, 200);
});

t.test("worker: a tenant's pull beyond its share is re-queued with a delay, not run and not holding a slot", async (t) => {
  const api = await setup(t);
  const db = api.db.db;
  const boss = await startTestBoss(t, api.db.url);
  const queue = createSyncQueue({ boss });
  const engine = createSyncEngine({
    db,
    boss,
    queue,
    keyring,
    logger: silentLogger,
    limits: { ...LIMITS, pullRetrySeconds: 120 },
    destinations: { allowPrivate: true },
  });
  await engine.start();
  t.teardown(() => engine.stop());
  const config = async (tenant: string) =>
    (
      await db
        .selectFrom('sync_entity_config')
        .select('id')
        .where('tenant_id', '=', tenant)
        .where('entity_type', '=', 'CUENTA')
        .executeTakeFirstOrThrow()
    ).id;
  // acme already runs as many pulls as its share allows in this worker.
  const slot = engine.gate.tryAcquire('pull', 'acme')!;
  t.teardown(slot);
  const acmeRun = await createPullScheduler({ boss }).triggerPull(db, { tenantId: 'acme', configId: await config('acme') });
  const otherRun = await createPullScheduler({ boss }).triggerPull(db, { tenantId: 'other', configId: await config('other') });
  const ran = (s: string | undefined) => s === 'completed' || s === 'failed';
  const state = async (id: string) =>
    (await sql<{ state: string }>`select state::text from pgboss.job where id = ${id}`.execute(db)).rows[0]?.state;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    if ((await state(acmeRun)) === 'completed' && ran(await state(otherRun))) break;
  }
  t.equal(await state(acmeRun), 'completed', "acme's job was settled at once");
  // other's config has no query: its run fails, and a failed run fails its job (retried when scheduled).
  t.ok(ran(await state(otherRun)), "other's pull ran");
  const requeued = await sql<{
    run_id: string;
  }>`select data->>'runId' as run_id from pgboss.job where name = 'sync-pull' and state = 'created' and data->>'tenantId' = 'acme' and start_after > now() + interval '60 seconds'`.execute(
    db,
  );
  t.same(requeued.rows, [{ run_id: acmeRun }], "acme's pull is queued again, two minutes out, keeping the run id the API returned");
  t.same(
    await db.selectFrom('sync_log').select('tenant_id').where('action', '=', 'PULL').distinct().execute(),
    [{ tenant_id: 'other' }],
    'only other ran a pull',
  );
});

t.test('a schedule planted with psql more often than MIN_SCHEDULE_SECONDS is not scheduled by the worker', async (t) => {
  const api = await setup(t);
  const db = api.db.db;
  const boss = await startTestBoss(t, api.db.url);
  const engine = createSyncEngine({
    db,
    boss,
    queue: createSyncQueue({ boss }),
    keyring,
    logger: silentLogger,
    limits: LIMITS,
    destinations: { allowPrivate: true },
  });
  t.teardown(() => engine.stop());
  await sql`update sync_entity_config set sync_frequency = case tenant_id when 'acme' then '* * * * *' else '*/5 * * * *' end where entity_type = 'CUENTA'`.execute(
    db,
  );
  await engine.reconcile();
  const scheduled = await boss.getSchedules('sync-pull');
  const tenants = await db
    .selectFrom('sync_entity_config')
    .select(['id', 'tenant_id'])
    .where(
      'id',
      'in',
      scheduled.map((s) => s.key),
    )
    .execute();
  t.same(
    tenants.map((c) => c.tenant_id),
    ['other'],
    "only other's every-5-minutes schedule",
  );
});
