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
const psql = (url: string, file: string, vars: string[] = []) =>
  run('psql', [url, '-v', 'ON_ERROR_STOP=1', '-q', ...vars.flatMap((v) => ['-v', v]), '-f', path.join(ROOT, file)]);

t.test('psql seeds are idempotent and every seeded config passes the config schema', async (t) => {
  const db = await createTestDatabase(t);
  const files = (await readdir(path.join(ROOT, 'sql/seed'))).filter((f) => f.endsWith('.sql')).sort();
  t.same(files, ['axioma.sql', 'softland.sql']);
  const dump = async () => JSON.stringify((await sql`select * from sync_entity_config order by id`.execute(db.db)).rows);
  for (const f of files) await psql(db.url, `sql/seed/${f}`);
  const first = await dump();
  for (const f of files) await psql(db.url, `sql/seed/${f}`);
  t.equal(await dump(), first, 'second run: same rows, same updated_at');

  const rows = await db.db.selectFrom('sync_entity_config').selectAll().orderBy('id').execute();
  t.same(rows.map((r) => `${r.erp_type}:${r.entity_type}:${r.direction}:${r.enabled}`), [
    'AXIOMA:PROVEEDOR:IN:true', 'AXIOMA:SECTOR:IN:true', 'AXIOMA:PAGO:IN:true', 'AXIOMA:ORDEN_COMPRA:OUT:true', 'AXIOMA:RECEPCION:OUT:true',
    'SOFTLAND:PROVEEDOR:IN:false', 'SOFTLAND:SECTOR:IN:false', 'SOFTLAND:PAGO:IN:false', 'SOFTLAND:ORDEN_COMPRA:OUT:false', 'SOFTLAND:RECEPCION:OUT:false',
  ]);
  for (const r of rows) {
    const { id: _id, tenant_id: _t, created_at: _c, updated_at: _u, ...input } = r;
    const parsed = entityConfigInputSchema.safeParse(input);
    t.ok(parsed.success, `${r.erp_type}/${r.entity_type} is a valid config ${parsed.success ? '' : JSON.stringify(parsed.error.issues)}`);
  }
  const proveedor = rows[0]!;
  t.match(proveedor.queries, { select_since: /@lastSync/, cursor: { field: 'FechaModif', pk: 'CodProv' } });
  t.match(rows[3]!.queries, { insert: /OUTPUT INSERTED\./, insert_item: /@header_id/, find_existing: /./ });

  for (const report of ['last_syncs', 'recent_errors', 'stats_per_table', 'queue_consistency']) {
    await sql`insert into sync_log (tenant_id, entity_type, action, direction, status, duration_ms, rows_affected) values ('default', 'PROVEEDOR', 'PULL', 'IN', 'FAILED', 12, 3)`.execute(db.db);
    const r = await psql(db.url, `sql/reports/${report}.sql`, ['tenant=default']);
    if (report !== 'queue_consistency') t.match(r.stdout, /PROVEEDOR/, `${report} runs and reports`);
  }
});

t.test('the config schema names the JSON path of what is wrong', async (t) => {
  const base = { entity_type: 'ARTICULO', erp_type: 'AXIOMA', direction: 'IN' };
  const issue = (v: unknown) => {
    const r = entityConfigInputSchema.safeParse(v);
    return r.success ? 'valid' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  };
  t.equal(issue({ ...base, queries: { select_all: 'SELECT 1' } }), 'valid');
  t.match(issue({ ...base, queries: { select_everything: 'SELECT 1' } }), /queries: Unrecognized key.*select_everything/);
  t.match(issue({ ...base, transform_rules: [{ rule: 'trim', field: 'a' }, { rule: 'explode', field: 'b' }] }), /^transform_rules\.1\.rule/);
  t.match(issue({ ...base, sync_frequency: '61 * * * *' }), /sync_frequency: not a cron expression/);
  t.match(issue({ ...base, entity_type: 'X; DROP TABLE sync_queue' }), /^entity_type/);
  t.match(issue({ ...base, queries: { cursor: { field: 'a b', pk: 'id' } } }), /^queries\.cursor\.field/);
  t.match(issue({ ...base, queries: { schema: { columns: [{ name: 'codigo', type: 'VARCHAR(20); DROP' }] } } }), /^queries\.schema\.columns\.0\.type/);
  t.match(issue({ ...base, transform_rules: [{ rule: 'regex_replace', field: 'a', pattern: '(', replacement: '' }] }), /transform_rules\.0\.pattern: not a valid regular expression/);
});
