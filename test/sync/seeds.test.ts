import t from 'tap';
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { entityConfigInputSchema } from '../../src/sync/entity-config-schema.ts';
import { createTestDatabase } from '../helpers/db.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
/** psql exactly as `make seed` and the report headers run it. */
const psql = (url: string, file: string, vars: string[] = []) =>
  run('psql', [url, '-X', '-v', 'ON_ERROR_STOP=1', '-q', ...vars.flatMap((v) => ['-v', v]), '-f', path.join(ROOT, file)]);

const SEEDS = ['axioma.sql', 'softland.sql'];

t.test('psql seeds: idempotent, and every seeded row is a valid config', async (t) => {
  const db = await createTestDatabase(t);
  t.same((await readdir(path.join(ROOT, 'sql/seed'))).filter((f) => f.endsWith('.sql')).sort(), SEEDS);
  const dump = async () => JSON.stringify({
    tenants: (await sql`select * from sync_tenant order by id`.execute(db.db)).rows,
    configs: (await sql`select * from sync_entity_config order by id`.execute(db.db)).rows,
  });
  for (const f of SEEDS) await psql(db.url, `sql/seed/${f}`);
  const first = await dump();
  for (const f of SEEDS) await psql(db.url, `sql/seed/${f}`);
  t.equal(await dump(), first, 'second run: same rows, same updated_at');

  const tenant = await db.db.selectFrom('sync_tenant').selectAll().where('id', '=', 'default').executeTakeFirstOrThrow();
  t.equal(tenant.timezone, 'America/Argentina/Buenos_Aires');
  t.equal(await db.db.selectFrom('sync_erp_connection').select(db.db.fn.countAll().as('n')).executeTakeFirst().then((r) => Number(r!.n)), 0, 'no ERP connection is seeded');

  const rows = await db.db.selectFrom('sync_entity_config').selectAll().orderBy('id').execute();
  t.same(rows.map((r) => `${r.erp_type}:${r.entity_type}:${r.direction}:${r.enabled}`), [
    'AXIOMA:PROVEEDOR:IN:true', 'AXIOMA:SECTOR:IN:true', 'AXIOMA:PAGO:IN:true', 'AXIOMA:ORDEN_COMPRA:OUT:true', 'AXIOMA:RECEPCION:OUT:true',
    'SOFTLAND:PROVEEDOR:IN:false', 'SOFTLAND:SECTOR:IN:false', 'SOFTLAND:PAGO:IN:false', 'SOFTLAND:ORDEN_COMPRA:OUT:false', 'SOFTLAND:RECEPCION:OUT:false',
  ]);
  for (const r of rows) {
    const { id: _id, tenant_id: _t, created_at: _c, updated_at: _u, ...input } = r;
    const parsed = entityConfigInputSchema.safeParse(input);
    t.ok(parsed.success, `${r.erp_type}/${r.entity_type} is a valid config ${parsed.success ? '' : JSON.stringify(parsed.error.issues)}`);
    // Parsing adds only defaults: what psql stored is what the admin API would have stored.
    if (parsed.success) t.same(parsed.data.queries.cursor ?? null, (r.queries as { cursor?: unknown }).cursor ?? null);
    const q = r.queries as Record<string, string>;
    if (r.direction === 'IN' && r.entity_type !== 'SECTOR') {
      t.match(q, { select_all: /^SELECT /, select_since: /@lastSync/, cursor: { field: /./, pk: /./, lookback_seconds: 300 } }, `${r.erp_type}/${r.entity_type}: incremental`);
    }
    if (r.direction === 'OUT') {
      t.match(q, { insert: /OUTPUT INSERTED\.\w+ INTO @\w+/, insert_item: /@header_id/, find_existing: /@numero/ }, `${r.erp_type}/${r.entity_type}: idempotent ERP write`);
      t.match(r.field_mapping, { hub_to_erp: {}, items: { from: 'items' } });
    } else t.match(r.field_mapping, { erp_to_hub: {} });
  }

  // A row someone changed is put back by the next run, with a new updated_at; the others stay untouched.
  await sql`update sync_entity_config set sync_frequency = '*/1 * * * *' where erp_type = 'AXIOMA' and entity_type = 'PAGO'`.execute(db.db);
  const before = await db.db.selectFrom('sync_entity_config').select(['entity_type', 'erp_type', 'updated_at']).orderBy('id').execute();
  await psql(db.url, 'sql/seed/axioma.sql');
  const after = await db.db.selectFrom('sync_entity_config').select(['entity_type', 'erp_type', 'updated_at', 'sync_frequency']).orderBy('id').execute();
  const changed = after.filter((a, i) => a.updated_at.getTime() !== before[i]!.updated_at.getTime()).map((a) => `${a.erp_type}:${a.entity_type}`);
  t.same(changed, ['AXIOMA:PAGO']);
  t.equal(after.find((a) => a.erp_type === 'AXIOMA' && a.entity_type === 'PAGO')!.sync_frequency, '0 * * * *');
});

t.test('maintenance reports run with psql -v tenant=…', async (t) => {
  const db = await createTestDatabase(t);
  await psql(db.url, 'sql/seed/axioma.sql');
  await sql`insert into sync_tenant (id, name) values ('other', 'Other')`.execute(db.db);
  await sql`
    insert into sync_log (tenant_id, entity_type, entity_id, action, direction, status, phase, executed_on, rows_affected, duration_ms, message, error_detail, started_at, created_at)
    values ('default', 'PROVEEDOR', null, 'PULL', 'IN', 'SUCCESS', 'process', 'erp', 120, 800, 'process done', null, now() - interval '1 hour', now() - interval '1 hour'),
           ('default', 'PROVEEDOR', null, 'PULL', 'IN', 'FAILED', 'pre_process', 'erp', null, 15, 'pre_process failed', 'Could not find stored procedure', now(), now()),
           ('default', 'ORDEN_COMPRA', 'OC-1', 'CREATE', 'OUT', 'DEAD', null, null, null, 40, 'gave up', 'Violation of PRIMARY KEY', now(), now()),
           ('default', 'sync.completed', 'evt_1', 'WEBHOOK', 'IN', 'FAILED', null, null, null, 15000, 'timeout', null, now(), now()),
           ('default', 'SECTOR', null, 'PULL', 'IN', 'FAILED', 'process', 'erp', null, 5, 'old', 'too old', now() - interval '40 days', now() - interval '40 days'),
           ('other', 'SECRETO', null, 'PULL', 'IN', 'FAILED', 'process', 'erp', null, 5, 'other tenant', 'x', now(), now())`.execute(db.db);

  const report = async (name: string, tenant = 'default') => (await psql(db.url, `sql/reports/${name}.sql`, [`tenant=${tenant}`, 'QUIET=1'])).stdout;
  const last = await report('last_syncs');
  t.match(last, /PROVEEDOR.*pre_process.*erp/);
  t.match(last, /OC-1/);
  t.notMatch(last, /SECRETO|WEBHOOK/, 'only the tenant asked for; no webhook deliveries');
  t.match(last, /\(4 rows\)/, 'the old run too: last 50, not last N days');

  const errors = await report('recent_errors');
  t.match(errors, /Could not find stored procedure/);
  t.match(errors, /Violation of PRIMARY KEY/);
  t.match(errors, /WEBHOOK/, 'failed webhook deliveries are errors too');
  t.notMatch(errors, /too old|SECRETO/, 'last 7 days of this tenant only');

  const stats = await report('stats_per_table');
  t.match(stats, /PROVEEDOR\s*\|\s*IN\s*\|\s*2\s*\|\s*1\s*\|\s*0\s*\|\s*1\s*\|\s*408\s*\|\s*120/, 'PROVEEDOR: 2 runs, 1 ok, 1 error, avg 408 ms, 120 rows');
  t.notMatch(stats, /SECTOR|sync\.completed/, 'last 30 days, no webhooks');

  t.match(await report('last_syncs', 'nobody'), /\(0 rows\)/, 'an unknown tenant is an empty report, not an error');
  await t.rejects(run('psql', [db.url, '-X', '-v', 'ON_ERROR_STOP=1', '-f', path.join(ROOT, 'sql/reports/last_syncs.sql')]), 'without -v tenant psql stops with an error');
});
