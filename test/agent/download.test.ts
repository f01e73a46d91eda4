/** Seed 001's download examples run end to end over TDS against the ERP simulator (server-side, direct mode). */
import t from 'tap';
import { sql } from 'kysely';
import { createErpRegistry } from '../../src/erp/erp-registry.ts';
import { runDownload } from '../../src/sync/download.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { silentLogger } from '../helpers/boss.ts';
import { simulatorTarget } from '../helpers/erp-target.ts';
import { keyring, tenantWithErp } from '../helpers/sync-fixture.ts';

t.test('download tables into the ERP: #temp + bulk load + MERGE, three phases logged', async (t) => {
  const db = await createTestDatabase(t);
  const erp = await simulatorTarget(t);
  await tenantWithErp(db.db, erp);
  const registry = createErpRegistry({ db: db.db, keyring, destinations: { allowPrivate: true } });
  t.teardown(() => registry.closeAll());
  const deps = { db: db.db, erp: registry, logger: silentLogger };
  await sql`insert into sync_data (tenant_id, entity_type, erp_type, entity_id, payload, payload_hash, sync_direction)
            values ('acme', 'CUENTA', 'AXIOMA', '1.1.01', '{"nombre": "Caja", "tipo": "Activo", "nivel": 3}', repeat('a', 64), 'IN'),
                   ('acme', 'CUENTA', 'AXIOMA', '1.1.02', '{"nombre": "Banco", "tipo": "Activo", "nivel": 3}', repeat('b', 64), 'IN')`.execute(
    db.db,
  );
  const phases = async () =>
    await db.db
      .selectFrom('sync_log')
      .select(['phase', 'executed_on', 'status', 'rows_affected'])
      .where('action', '=', 'DOWNLOAD')
      .orderBy('id')
      .execute();

  t.test('seed 001 example 3: plan_cuentas_erp (IF NOT EXISTS … CREATE TABLE, then MERGE)', async (t) => {
    const config = await db.db
      .insertInto('sync_entity_config')
      .values({
        tenant_id: 'acme',
        entity_type: 'PLAN_CUENTAS_ERP',
        erp_type: 'AXIOMA',
        primary_key: 'codigo',
        direction: 'OUT',
        queries: JSON.stringify({
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
          post_process: {
            run_on: 'erp',
            sql: 'MERGE plan_cuentas_erp AS target USING {temp_table} AS source ON target.codigo = source.codigo WHEN MATCHED THEN UPDATE SET nombre = source.nombre, nivel = source.nivel WHEN NOT MATCHED THEN INSERT (codigo, nombre, nivel) VALUES (source.codigo, source.nombre, source.nivel);',
          },
        }),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    t.match(await runDownload(deps, config, { tenantId: 'acme', runId: 'r1' }), { status: 'completed', loaded: 2, merged: 2 });
    t.same((await erp.pool.execute('SELECT codigo, nombre, nivel FROM plan_cuentas_erp ORDER BY codigo')).rows, [
      { codigo: '1.1.01', nombre: 'Caja', nivel: 3 },
      { codigo: '1.1.02', nombre: 'Banco', nivel: 3 },
    ]);
    t.same(
      await phases(),
      [
        { phase: 'pre_process', executed_on: 'erp', status: 'SUCCESS', rows_affected: 0 },
        { phase: 'process', executed_on: 'hub', status: 'SUCCESS', rows_affected: 2 },
        { phase: 'post_process', executed_on: 'erp', status: 'SUCCESS', rows_affected: 2 },
      ],
      'three phases, in order',
    );
  });

  t.test('the tablasBajada example: WHEN NOT MATCHED BY SOURCE THEN UPDATE SET t.activo = 0', async (t) => {
    await erp.pool.execute(
      "IF NOT EXISTS (SELECT * FROM sys.tables WHERE name='plan_cuentas') BEGIN CREATE TABLE plan_cuentas (codigo VARCHAR(20) PRIMARY KEY, nombre VARCHAR(200) NOT NULL, tipo VARCHAR(50), activo BIT NOT NULL DEFAULT 1) END",
    );
    await erp.pool.execute("INSERT INTO plan_cuentas (codigo, nombre, tipo) VALUES ('9.9.99', 'Cuenta dada de baja', 'Resultado')");
    const config = await db.db
      .insertInto('sync_entity_config')
      .values({
        tenant_id: 'acme',
        entity_type: 'PLAN_CUENTAS',
        erp_type: 'AXIOMA',
        primary_key: 'codigo',
        direction: 'OUT',
        queries: JSON.stringify({
          schema: {
            columns: [
              { name: 'codigo', type: 'VARCHAR(20)', nullable: false },
              { name: 'nombre', type: 'VARCHAR(200)', nullable: false },
              { name: 'tipo', type: 'VARCHAR(50)', nullable: true },
              { name: 'activo', type: 'BIT', nullable: false },
            ],
          },
          process: { query: 'parametros_maestros.tipo_campo=cuenta' },
          post_process: {
            run_on: 'erp',
            sql: 'MERGE plan_cuentas AS t USING {temp_table} AS s ON t.codigo = s.codigo WHEN MATCHED THEN UPDATE SET t.nombre = s.nombre, t.tipo = s.tipo, t.activo = s.activo WHEN NOT MATCHED BY TARGET THEN INSERT (codigo, nombre, tipo, activo) VALUES (s.codigo, s.nombre, s.tipo, s.activo) WHEN NOT MATCHED BY SOURCE THEN UPDATE SET t.activo = 0;',
          },
        }),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    t.match(await runDownload(deps, config, { tenantId: 'acme', runId: 'r2' }), { status: 'completed', loaded: 2, merged: 3 });
    t.same((await erp.pool.execute('SELECT codigo, tipo, activo FROM plan_cuentas ORDER BY codigo')).rows, [
      { codigo: '1.1.01', tipo: 'Activo', activo: true },
      { codigo: '1.1.02', tipo: 'Activo', activo: true },
      { codigo: '9.9.99', tipo: 'Resultado', activo: false },
    ]);
  });

  t.test('a failing pre_process stops the run, is logged, and nothing reaches the ERP', async (t) => {
    const config = await db.db
      .insertInto('sync_entity_config')
      .values({
        tenant_id: 'acme',
        entity_type: 'ROTO',
        erp_type: 'AXIOMA',
        primary_key: 'codigo',
        direction: 'OUT',
        queries: JSON.stringify({
          schema: { columns: [{ name: 'codigo', type: 'VARCHAR(20)' }] },
          pre_process: { run_on: 'erp', sql: 'EXEC sp_que_no_existe' },
          process: { query: 'parametros_maestros.tipo_campo=cuenta' },
          post_process: {
            run_on: 'erp',
            sql: 'MERGE roto AS t USING {temp_table} AS s ON t.codigo = s.codigo WHEN NOT MATCHED THEN INSERT (codigo) VALUES (s.codigo);',
          },
        }),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const r = await runDownload(deps, config, { tenantId: 'acme', runId: 'r3' });
    t.match(r, { status: 'failed', loaded: 0 });
    const logs = await db.db.selectFrom('sync_log').select(['phase', 'status', 'error_detail']).where('entity_type', '=', 'ROTO').execute();
    t.match(
      logs,
      [{ phase: 'pre_process', status: 'FAILED', error_detail: /sp_que_no_existe/ }],
      'one line: the failed phase; no process, no post_process',
    );
  });
});
