import t from 'tap';
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { entityConfigInputSchema } from '../../src/sync/entity-config-schema.ts';
import { createErpRegistry } from '../../src/erp/erp-registry.ts';
import type { QueueRow } from '../../src/db/schema.ts';
import { createSyncQueue } from '../../src/queue/sync-queue.ts';
import { runPull } from '../../src/sync/pull.ts';
import { createErpPushHandler } from '../../src/sync/push-erp.ts';
import { AXIOMA_SCHEMA, loadAxiomaSampleTsql } from '../erp-sim/axioma-demo.ts';
import { silentLogger, startTestBoss } from '../helpers/boss.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { eachTarget } from '../helpers/erp-target.ts';
import { keyring, tenantWithErp } from '../helpers/sync-fixture.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
/** psql exactly as `make seed` and the report headers run it. */
const psql = (url: string, file: string, vars: string[] = []) =>
  run('psql', [url, '-X', '-v', 'ON_ERROR_STOP=1', '-q', ...vars.flatMap((v) => ['-v', v]), '-f', path.join(ROOT, file)]);

const SEEDS = ['axioma.sql', 'softland.sql'];

t.test('psql seeds: idempotent, and every seeded row is a valid config', async (t) => {
  const db = await createTestDatabase(t);
  t.same((await readdir(path.join(ROOT, 'sql/seed'))).filter((f) => f.endsWith('.sql')).sort(), SEEDS);
  const dump = async () =>
    JSON.stringify({
      tenants: (await sql`select * from sync_tenant order by id`.execute(db.db)).rows,
      configs: (await sql`select * from sync_entity_config order by id`.execute(db.db)).rows,
    });
  for (const f of SEEDS) await psql(db.url, `sql/seed/${f}`);
  const first = await dump();
  for (const f of SEEDS) await psql(db.url, `sql/seed/${f}`);
  t.equal(await dump(), first, 'second run: same rows, same updated_at');

  const tenant = await db.db.selectFrom('sync_tenant').selectAll().where('id', '=', 'default').executeTakeFirstOrThrow();
  t.equal(tenant.timezone, 'America/Argentina/Buenos_Aires');
  t.equal(
    await db.db
      .selectFrom('sync_erp_connection')
      .select(db.db.fn.countAll().as('n'))
      .executeTakeFirst()
      .then((r) => Number(r!.n)),
    0,
    'no ERP connection is seeded',
  );

  const rows = await db.db.selectFrom('sync_entity_config').selectAll().orderBy('id').execute();
  t.same(
    rows.map((r) => `${r.erp_type}:${r.entity_type}:${r.direction}:${r.enabled}`),
    [
      'AXIOMA:PROVEEDOR:IN:true',
      'AXIOMA:SECTOR:IN:true',
      'AXIOMA:PAGO:IN:true',
      'AXIOMA:ORDEN_COMPRA:OUT:true',
      'AXIOMA:RECEPCION:OUT:true',
      'SOFTLAND:PROVEEDOR:IN:false',
      'SOFTLAND:SECTOR:IN:false',
      'SOFTLAND:PAGO:IN:false',
      'SOFTLAND:ORDEN_COMPRA:OUT:false',
      'SOFTLAND:RECEPCION:OUT:false',
    ],
  );
  for (const r of rows) {
    const { id: _id, tenant_id: _t, created_at: _c, updated_at: _u, ...input } = r;
    const parsed = entityConfigInputSchema.safeParse(input);
    t.ok(parsed.success, `${r.erp_type}/${r.entity_type} is a valid config ${parsed.success ? '' : JSON.stringify(parsed.error.issues)}`);
    // Parsing adds only defaults: what psql stored is what the admin API would have stored.
    if (parsed.success) t.same(parsed.data.queries.cursor ?? null, (r.queries as { cursor?: unknown }).cursor ?? null);
    const q = r.queries as Record<string, string>;
    if (r.direction === 'IN' && r.entity_type !== 'SECTOR') {
      t.match(
        q,
        { select_all: /^SELECT /, select_since: /@lastSync/, cursor: { field: /./, pk: /./, lookback_seconds: 300 } },
        `${r.erp_type}/${r.entity_type}: incremental`,
      );
    }
    if (r.direction === 'OUT') {
      t.match(
        q,
        { insert: /OUTPUT INSERTED\.\w+ INTO @\w+/, insert_item: /@header_id/, find_existing: /@numero/ },
        `${r.erp_type}/${r.entity_type}: idempotent ERP write`,
      );
      t.match(r.field_mapping, { hub_to_erp: {}, items: { from: 'items' } });
    } else t.match(r.field_mapping, { erp_to_hub: {} });
  }

  // A row someone changed is put back by the next run, with a new updated_at; the others stay untouched.
  await sql`update sync_entity_config set sync_frequency = '*/1 * * * *' where erp_type = 'AXIOMA' and entity_type = 'PAGO'`.execute(db.db);
  const before = await db.db.selectFrom('sync_entity_config').select(['entity_type', 'erp_type', 'updated_at']).orderBy('id').execute();
  await psql(db.url, 'sql/seed/axioma.sql');
  const after = await db.db
    .selectFrom('sync_entity_config')
    .select(['entity_type', 'erp_type', 'updated_at', 'sync_frequency'])
    .orderBy('id')
    .execute();
  const changed = after
    .filter((a, i) => a.updated_at.getTime() !== before[i]!.updated_at.getTime())
    .map((a) => `${a.erp_type}:${a.entity_type}`);
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

  const report = async (name: string, tenant = 'default') =>
    (await psql(db.url, `sql/reports/${name}.sql`, [`tenant=${tenant}`, 'QUIET=1'])).stdout;
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
  t.match(
    stats,
    /PROVEEDOR\s*\|\s*IN\s*\|\s*2\s*\|\s*1\s*\|\s*0\s*\|\s*1\s*\|\s*408\s*\|\s*120/,
    'PROVEEDOR: 2 runs, 1 ok, 1 error, avg 408 ms, 120 rows',
  );
  t.notMatch(stats, /SECTOR|sync\.completed/, 'last 30 days, no webhooks');

  t.match(await report('last_syncs', 'nobody'), /\(0 rows\)/, 'an unknown tenant is an empty report, not an error');
  await t.rejects(
    run('psql', [db.url, '-X', '-v', 'ON_ERROR_STOP=1', '-f', path.join(ROOT, 'sql/reports/last_syncs.sql')]),
    'without -v tenant psql stops with an error',
  );
});

/**
 * The shapes the seeds' SQL reads and writes. Axioma: test/erp-sim/axioma-demo.ts. Softland: the
 * auxiliaries and cost centres of its documented tables, and the softland.Parse* views/staging
 * tables the seed names as the customer's adaptation point.
 */
const SOFTLAND_SCHEMA = [
  'CREATE SCHEMA softland',
  'CREATE TABLE softland.cwtauxi (CodAux VARCHAR(10) PRIMARY KEY, NomAux VARCHAR(60) NOT NULL, RutAux VARCHAR(20), EMail VARCHAR(250), FonAux1 VARCHAR(15), ActAux CHAR(1) NOT NULL, ClaPro CHAR(1) NOT NULL, FechaUlMod DATETIME NOT NULL)',
  'CREATE TABLE softland.cwtccos (CodiCC VARCHAR(8) PRIMARY KEY, DescCC VARCHAR(60) NOT NULL, Activo CHAR(1) NOT NULL)',
  'CREATE TABLE softland.ParsePagos (NroPago NVARCHAR(20) PRIMARY KEY, CodProv NVARCHAR(20) NOT NULL, Fecha DATE NOT NULL, Importe DECIMAL(14,2) NOT NULL, Moneda NVARCHAR(3), Facturas NVARCHAR(400), FechaModif DATETIME2(7) NOT NULL)',
  'CREATE TABLE softland.ParseOrdenesCompra (IdOC INT IDENTITY(1,1) PRIMARY KEY, NumeroHub NVARCHAR(30) NOT NULL UNIQUE, Fecha DATE, CodProv NVARCHAR(20) NOT NULL, Total DECIMAL(14,2), CodCentro NVARCHAR(10))',
  'CREATE TABLE softland.ParseOrdenesCompraItems (IdOC INT NOT NULL REFERENCES softland.ParseOrdenesCompra (IdOC), Renglon INT NOT NULL, CodArt NVARCHAR(20), Descripcion NVARCHAR(200), Cantidad DECIMAL(12,2), PrecioUnitario DECIMAL(14,2))',
  'CREATE TABLE softland.ParseRecepciones (IdRecepcion INT IDENTITY(1,1) PRIMARY KEY, NumeroHub NVARCHAR(30) NOT NULL UNIQUE, IdOC INT NOT NULL REFERENCES softland.ParseOrdenesCompra (IdOC), Fecha DATE, Observaciones NVARCHAR(400))',
  'CREATE TABLE softland.ParseRecepcionesItems (IdRecepcion INT NOT NULL REFERENCES softland.ParseRecepciones (IdRecepcion), Renglon INT NOT NULL, CantidadRecibida DECIMAL(12,2))',
  "INSERT INTO softland.cwtauxi (CodAux, NomAux, RutAux, EMail, FonAux1, ActAux, ClaPro, FechaUlMod) VALUES ('P001', ' Ñandú SpA ', '76.123.456-7', 'Compras@Nandu.example', '+56 2 1', 'S', 'S', '2026-03-01 10:00:00'), ('P002', 'Lapacho Ltda', '77.000.111-2', '', NULL, 'N', 'S', '2026-03-02 11:30:00'), ('C001', 'Un cliente', '9.999.999-9', NULL, NULL, 'S', 'N', '2026-03-03 09:00:00')",
  "INSERT INTO softland.cwtccos (CodiCC, DescCC, Activo) VALUES ('ADM', 'Administración', 'S'), ('OBR', ' Obras ', 'N')",
  "INSERT INTO softland.ParsePagos (NroPago, CodProv, Fecha, Importe, Moneda, Facturas, FechaModif) VALUES ('OP-1', 'P001', '2026-03-05', 1234.57, 'CLP', 'F-1;F-2', '2026-03-05 12:00:00.1234560'), ('OP-2', 'P002', '2026-03-06', 10.00, NULL, NULL, '2026-03-06 08:00:00')",
];

const ORDER = {
  numero: 'OC-SEED-1',
  fecha: '2026-11-23',
  proveedor: 'PRV-00003',
  total: '1500.00',
  sector: 'COM',
  items: [
    { articulo: 'CEM-50', descripcion: 'Cemento', cantidad: 10, precio: '100.00' },
    { articulo: 'ARE-M3', descripcion: 'Arena', cantidad: 5, precio: '100.00' },
  ],
};
const RECEIPT = {
  numero: 'REC-SEED-1',
  orden: 'OC-SEED-1',
  fecha: '2026-11-24',
  observaciones: ' Parcial ',
  items: [{ renglon: 1, cantidad: 6 }],
};

eachTarget(
  t,
  'every query of every seeded Axioma and Softland config runs on the ERP: pulls (select_all, select_since), pushes (find_existing, insert OUTPUT, insert_item)',
  {},
  async (t, erp) => {
    const db = await createTestDatabase(t);
    for (const f of SEEDS) await psql(db.url, `sql/seed/${f}`);
    // Softland's set, enabled, under its own tenant (the seed loads it disabled beside Axioma's).
    await tenantWithErp(db.db, erp, 'ax');
    await tenantWithErp(db.db, erp, 'sl', { erpType: 'SOFTLAND' });
    await sql`insert into sync_entity_config (tenant_id, entity_type, erp_type, source_table, primary_key, timestamp_field, queries, field_mapping, transform_rules, direction, enabled)
            select case erp_type when 'AXIOMA' then 'ax' else 'sl' end, entity_type, erp_type, source_table, primary_key, timestamp_field, queries, field_mapping, transform_rules, direction, true
            from sync_entity_config where tenant_id = 'default'`.execute(db.db);
    for (const ddl of [...AXIOMA_SCHEMA, ...SOFTLAND_SCHEMA]) await erp.pool.execute(ddl);
    await loadAxiomaSampleTsql(erp.pool, 30);

    const boss = await startTestBoss(t, db.url);
    const registry = createErpRegistry({ db: db.db, keyring, destinations: { allowPrivate: true } });
    t.teardown(() => registry.closeAll());
    const deps = { db: db.db, queue: createSyncQueue({ boss }), boss, erp: registry, logger: silentLogger };
    const configs = await db.db.selectFrom('sync_entity_config').selectAll().where('tenant_id', 'in', ['ax', 'sl']).orderBy('id').execute();
    const expectedReads: Record<string, number> = {
      'ax:PROVEEDOR': 30,
      'ax:SECTOR': 8,
      'ax:PAGO': 10,
      'sl:PROVEEDOR': 2,
      'sl:SECTOR': 2,
      'sl:PAGO': 2,
    };
    let run = 0;
    for (const c of configs.filter((c) => c.direction === 'IN')) {
      const key = `${c.tenant_id}:${c.entity_type}`;
      const pull = () => runPull(deps, { tenantId: c.tenant_id, configId: c.id, runId: `r${++run}` });
      t.match(
        await pull(),
        { status: 'completed', read: expectedReads[key], changed: expectedReads[key], errors: 0 },
        `${key}: ${(c.queries as { cursor?: unknown }).cursor ? 'select_all' : 'select_all (no cursor)'}`,
      );
      if ((c.queries as { cursor?: unknown }).cursor)
        t.match(await pull(), { status: 'completed', mode: 'incremental', changed: 0, errors: 0 }, `${key}: select_since with @lastSync`);
    }
    const payload = async (tenant: string, entity: string, id: string) =>
      (
        await db.db
          .selectFrom('sync_data')
          .select('payload')
          .where('tenant_id', '=', tenant)
          .where('entity_type', '=', entity)
          .where('entity_id', '=', id)
          .executeTakeFirstOrThrow()
      ).payload;
    t.match(await payload('ax', 'PAGO', 'OP-000001'), { importe: '1234.57', fecha: '2026-02-02', proveedor_id: 'PRV-00003' });
    t.match(await payload('sl', 'PROVEEDOR', 'P001'), {
      nombre: 'Ñandú SpA',
      cuit: '761234567',
      email: 'compras@nandu.example',
      activo: true,
    });
    t.match(await payload('sl', 'PAGO', 'OP-1'), { importe: '1234.57', moneda: 'CLP' });

    const push = createErpPushHandler({ db: db.db, erp: registry });
    const item = (tenant: string, entity: string, p: { numero: string }) =>
      ({
        id: `${tenant}-${entity}`,
        tenant_id: tenant,
        entity_type: entity,
        entity_id: p.numero,
        action: 'CREATE',
        payload: p,
      }) as unknown as QueueRow;
    for (const [tenant, prefix] of [
      ['ax', ''],
      ['sl', 'softland.Parse'],
    ] as const) {
      const oc = await push(item(tenant, 'ORDEN_COMPRA', ORDER), { attempt: 1 });
      t.match(
        oc,
        { externalId: /^\d+$/, response: { already_existed: false, lines: 2 } },
        `${tenant}: insert OUTPUT INSERTED + insert_item`,
      );
      t.match(
        await push(item(tenant, 'ORDEN_COMPRA', ORDER), { attempt: 2 }),
        { externalId: oc!.externalId, response: { already_existed: true } },
        `${tenant}: find_existing`,
      );
      const rec = await push(item(tenant, 'RECEPCION', RECEIPT), { attempt: 1 });
      t.match(rec, { externalId: /^\d+$/, response: { already_existed: false, lines: 1 } });
      const table = (name: string) => (prefix ? `${prefix}${name}` : name);
      t.same(
        (
          await erp.pool.execute(
            `SELECT i.Renglon, i.CodArt, i.Cantidad, i.PrecioUnitario FROM ${table('OrdenesCompraItems')} i WHERE i.IdOC = @id ORDER BY i.Renglon`,
            { id: Number(oc!.externalId) },
          )
        ).rows,
        [
          { Renglon: 1, CodArt: 'CEM-50', Cantidad: '10.00', PrecioUnitario: '100.00' },
          { Renglon: 2, CodArt: 'ARE-M3', Cantidad: '5.00', PrecioUnitario: '100.00' },
        ],
      );
      t.same(
        (
          await erp.pool.execute(
            `SELECT r.Observaciones, i.CantidadRecibida FROM ${table('Recepciones')} r JOIN ${table('RecepcionesItems')} i ON i.IdRecepcion = r.IdRecepcion`,
          )
        ).rows,
        [{ Observaciones: 'Parcial', CantidadRecibida: '6.00' }],
      );
    }
  },
);
