/**
 * Seed 001's example 3 (download plan_cuentas_erp into the ERP) both ways: the configured MERGE
 * (simulator, SQL Server) and `merge_strategy: update_insert` (every engine, Babelfish included),
 * through runDownload: #temp + bulk load + the statements, in one ERP transaction.
 */
import t from 'tap';
import { sql } from 'kysely';
import { createErpRegistry } from '../../src/erp/erp-registry.ts';
import { runDownload } from '../../src/sync/download.ts';
import { entityConfigInputSchema } from '../../src/sync/entity-config-schema.ts';
import { silentLogger } from '../helpers/boss.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { eachTarget, NO_MERGE, type ErpTarget } from '../helpers/erp-target.ts';
import { keyring, tenantWithErp } from '../helpers/sync-fixture.ts';

const EXAMPLE_3 = {
  schema: {
    columns: [
      { name: 'codigo', type: 'VARCHAR(20)', nullable: false },
      { name: 'nombre', type: 'VARCHAR(200)', nullable: false },
      { name: 'nivel', type: 'INT', nullable: false },
    ],
  },
  pre_process: {
    run_on: 'erp',
    sql: "IF NOT EXISTS (SELECT * FROM sys.tables WHERE name='plan_cuentas_erp') CREATE TABLE plan_cuentas_erp (codigo VARCHAR(20) PRIMARY KEY, nombre VARCHAR(200), nivel INT)",
  },
  process: {
    query:
      "SELECT codigo, nombre, parametros_json->>'nivel' as nivel FROM parametros_maestros WHERE tipo_campo = 'cuenta' AND activo = true",
  },
};
const MERGE_3 = {
  run_on: 'erp',
  sql: 'MERGE plan_cuentas_erp AS target USING {temp_table} AS source ON target.codigo = source.codigo WHEN MATCHED THEN UPDATE SET nombre = source.nombre, nivel = source.nivel WHEN NOT MATCHED THEN INSERT (codigo, nombre, nivel) VALUES (source.codigo, source.nombre, source.nivel);',
};

async function setup(t: Parameters<Parameters<typeof eachTarget>[3]>[0], erp: ErpTarget) {
  const db = await createTestDatabase(t);
  await tenantWithErp(db.db, erp);
  const registry = createErpRegistry({ db: db.db, keyring, destinations: { allowPrivate: true } });
  t.teardown(() => registry.closeAll());
  const deps = { db: db.db, erp: registry, logger: silentLogger };
  const account = (codigo: string, nombre: string, nivel: number) =>
    sql`insert into sync_data (tenant_id, entity_type, erp_type, entity_id, payload, payload_hash, sync_direction)
        values ('acme', 'CUENTA', 'AXIOMA', ${codigo}, ${JSON.stringify({ nombre, tipo: 'Activo', nivel })}::jsonb, repeat('a', 64), 'IN')
        on conflict (tenant_id, entity_type, erp_type, entity_id) do update set payload = excluded.payload`.execute(db.db);
  const config = (entity: string, queries: object, primaryKey = 'codigo') =>
    db.db
      .insertInto('sync_entity_config')
      .values({
        tenant_id: 'acme',
        entity_type: entity,
        erp_type: 'AXIOMA',
        primary_key: primaryKey,
        direction: 'OUT',
        queries: JSON.stringify(entityConfigInputSchema.shape.queries.parse(queries)),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  return { db, deps, account, config };
}

/** First run inserts both accounts; the second updates one, inserts a third, leaves the other as is. */
async function twoRuns(t: Parameters<Parameters<typeof eachTarget>[3]>[0], erp: ErpTarget, queries: object) {
  const { db, deps, account, config } = await setup(t, erp);
  await account('1.1.01', 'Caja', 3);
  await account('1.1.02', 'Banco', 3);
  const c = await config('PLAN_CUENTAS_ERP', queries);
  t.match(await runDownload(deps, c, { tenantId: 'acme', runId: 'r1' }), { status: 'completed', loaded: 2, merged: 2 });
  await account('1.1.02', 'Banco Nación', 4);
  await account('2.1.01', 'Proveedores', 3);
  t.match(await runDownload(deps, c, { tenantId: 'acme', runId: 'r2' }), { status: 'completed', loaded: 3, merged: 3 });
  t.same((await erp.pool.execute('SELECT codigo, nombre, nivel FROM plan_cuentas_erp ORDER BY codigo')).rows, [
    { codigo: '1.1.01', nombre: 'Caja', nivel: 3 },
    { codigo: '1.1.02', nombre: 'Banco Nación', nivel: 4 },
    { codigo: '2.1.01', nombre: 'Proveedores', nivel: 3 },
  ]);
  const logs = await db.db
    .selectFrom('sync_log')
    .select(['phase', 'status', 'rows_affected', 'message'])
    .where('action', '=', 'DOWNLOAD')
    .where('phase', '=', 'post_process')
    .orderBy('id')
    .execute();
  t.same(
    logs.map((l) => [l.status, l.rows_affected]),
    [
      ['SUCCESS', 2],
      ['SUCCESS', 3],
    ],
  );
  return logs;
}

eachTarget(t, 'seed 001 example 3 with its MERGE: insert, then update + insert', { not: { babelfish: NO_MERGE } }, async (t, erp) => {
  const logs = await twoRuns(t, erp, { ...EXAMPLE_3, post_process: MERGE_3 });
  t.match(logs[0]!.message, /^MERGE affected 2 rows/);
});

eachTarget(t, 'seed 001 example 3 with merge_strategy update_insert: the same rows, without MERGE', {}, async (t, erp) => {
  const logs = await twoRuns(t, erp, { ...EXAMPLE_3, merge_strategy: { mode: 'update_insert', table: 'plan_cuentas_erp' } });
  t.match(logs[0]!.message, /^UPDATE \+ INSERT affected 2 rows/);
});

eachTarget(
  t,
  'update_insert with deactivate_missing = WHEN NOT MATCHED BY SOURCE THEN UPDATE SET activo = 0; a failure rolls all back',
  {},
  async (t, erp) => {
    const { deps, account, config } = await setup(t, erp);
    await erp.pool.execute(
      'CREATE TABLE plan_cuentas (codigo VARCHAR(20) PRIMARY KEY, nombre VARCHAR(200) NOT NULL, tipo VARCHAR(50), activo BIT NOT NULL DEFAULT 1)',
    );
    await erp.pool.execute(
      "INSERT INTO plan_cuentas (codigo, nombre, tipo) VALUES ('1.1.01', 'Caja vieja', 'Activo'), ('9.9.99', 'Cuenta dada de baja', 'Resultado')",
    );
    await account('1.1.01', 'Caja', 3);
    await account('1.1.02', 'Banco', 3);
    const columns = [
      { name: 'codigo', type: 'VARCHAR(20)', nullable: false },
      { name: 'nombre', type: 'VARCHAR(200)', nullable: false },
      { name: 'tipo', type: 'VARCHAR(50)', nullable: true },
    ];
    const c = await config('PLAN_CUENTAS', {
      schema: { columns },
      process: { query: 'parametros_maestros.tipo_campo=cuenta' },
      merge_strategy: { mode: 'update_insert', table: 'plan_cuentas', key: ['codigo'], deactivate_missing: { column: 'activo', value: 0 } },
    });
    t.match(
      await runDownload(deps, c, { tenantId: 'acme', runId: 'r1' }),
      { status: 'completed', loaded: 2, merged: 3 },
      '1 updated, 1 inserted, 1 deactivated',
    );
    const rows = async () => (await erp.pool.execute('SELECT codigo, nombre, activo FROM plan_cuentas ORDER BY codigo')).rows;
    const expected = [
      { codigo: '1.1.01', nombre: 'Caja', activo: true },
      { codigo: '1.1.02', nombre: 'Banco', activo: true },
      { codigo: '9.9.99', nombre: 'Cuenta dada de baja', activo: false },
    ];
    t.same(await rows(), expected);

    // An account without a name: the INSERT fails (515, nombre is NOT NULL in the ERP) after the UPDATE ran; nothing stays.
    await account('1.1.01', 'Caja central', 3);
    await sql`insert into sync_data (tenant_id, entity_type, erp_type, entity_id, payload, payload_hash, sync_direction)
            values ('acme', 'CUENTA', 'AXIOMA', '3.1.01', '{"tipo": "Pasivo"}', repeat('c', 64), 'IN')`.execute(deps.db);
    const loose = await config('PLAN_CUENTAS_SIN_NOMBRE', {
      schema: { columns: columns.map((col) => ({ ...col, nullable: true })) },
      process: { query: 'parametros_maestros.tipo_campo=cuenta' },
      merge_strategy: { mode: 'update_insert', table: 'plan_cuentas', key: ['codigo'] },
    });
    t.match(await runDownload(deps, loose, { tenantId: 'acme', runId: 'r2' }), { status: 'failed', error: /\b515\b/ });
    t.same(await rows(), expected, 'the UPDATE of 1.1.01 was rolled back with the failed INSERT');
  },
);

t.test('merge_strategy is validated with the path of what is wrong', async (t) => {
  const base = {
    schema: { columns: [{ name: 'codigo', type: 'VARCHAR(20)' }] },
    process: { query: 'parametros_maestros.tipo_campo=cuenta' },
  };
  const issues = (q: object) => {
    const r = entityConfigInputSchema.shape.queries.safeParse(q);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  t.same(issues({ ...base, merge_strategy: { mode: 'update_insert', table: 'plan_cuentas', key: ['codigo'] } }), []);
  t.match(issues({ ...base, merge_strategy: { mode: 'update_insert', table: 'plan_cuentas', key: ['nivel'] } }), [
    'merge_strategy.key.0: must be one of schema.columns',
  ]);
  t.match(issues({ ...base, merge_strategy: { mode: 'update_insert', table: 'plan; DROP TABLE x' } }), [
    /^merge_strategy\.table: table name/,
  ]);
  t.match(issues({ ...base, merge_strategy: { mode: 'upsert', table: 'p' } }), [/^merge_strategy\.mode/]);
  t.match(issues({ process: base.process, merge_strategy: { mode: 'update_insert', table: 'p' } }), [
    'merge_strategy: needs schema.columns (the downloaded columns)',
  ]);
  t.match(
    issues({ ...base, merge_strategy: { mode: 'update_insert', table: 'p', deactivate_missing: { column: 'activo; --', value: 0 } } }),
    [/^merge_strategy\.deactivate_missing\.column/],
  );
});
