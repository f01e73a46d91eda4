import t from 'tap';
import { sql } from 'kysely';
import { runPull } from '../../src/sync/pull.ts';
import { pullStack } from '../helpers/pull-stack.ts';
import { PROVEEDOR_CONFIG } from '../helpers/sync-fixture.ts';

t.test('pulls from the ERP simulator', async (t) => {
  const { db, erp, deps } = await pullStack(t, { batchSize: 20 });
  const config = await db.db
    .insertInto('sync_entity_config')
    .values({ tenant_id: 'acme', ...PROVEEDOR_CONFIG })
    .returning('id')
    .executeTakeFirstOrThrow();
  let run = 0;
  const pull = () => runPull(deps, { tenantId: 'acme', configId: config.id, runId: `run-${++run}` });

  await erp.pool.execute(
    'CREATE TABLE Proveedores (CodProv NVARCHAR(20) PRIMARY KEY, RazonSocial NVARCHAR(100), Cuit NVARCHAR(20), Saldo DECIMAL(14,2), FechaModif DATETIME2(7))',
  );
  // 50 suppliers with the SAME modified timestamp, across batches of 20, plus one earlier.
  const same = '2026-03-01 10:00:00.123456';
  await erp.db!.pool.query(
    `insert into "proveedores" select 'P' || lpad(g::text, 3, '0'), '  Proveedor ' || g || '  ', '30-' || g || '-9', g * 10.5, timestamp '${same}' from generate_series(1, 50) g`,
  );
  await erp.db!.pool.query(`insert into "proveedores" values ('P000', 'Primero', '20-1-1', 1, timestamp '2026-02-01 00:00:00')`);

  const first = await pull();
  t.match(first, { status: 'completed', mode: 'full', read: 51, changed: 51, deleted: 0, errors: 0 });
  const count = async (q: string) => Number((await sql.raw<{ n: string }>(q).execute(db.db)).rows[0]!.n);
  t.equal(
    await count("select count(*) n from sync_queue where destination = 'HUB' and entity_type = 'PROVEEDOR' and action = 'CREATE'"),
    51,
  );
  const p7 = await db.db.selectFrom('sync_data').selectAll().where('entity_id', '=', 'P007').executeTakeFirstOrThrow();
  t.match(p7, {
    version: 1,
    status: 'ACTIVE',
    payload: { id: 'P007', nombre: 'Proveedor 7', cuit: '3079', saldo: '73.50', modificado: '2026-03-01T10:00:00.1234560' },
  });
  const state = await db.db.selectFrom('sync_state').selectAll().executeTakeFirstOrThrow();
  t.equal(state.last_timestamp, '2026-03-01T10:00:00.1234560', 'cursor kept at full precision');
  t.equal(state.last_entity_id, 'P050');

  // Unchanged re-sync: no sync_data tuple written, nothing enqueued.
  const before = await sql<{
    n_tup_upd: string;
    n_tup_ins: string;
  }>`select n_tup_upd, n_tup_ins from pg_stat_user_tables where relname = 'sync_data'`.execute(db.db);
  const xmins = await sql<{ x: string }>`select string_agg(xmin::text, ',' order by id) x from sync_data`.execute(db.db);
  const queued = await count('select count(*) n from sync_queue');
  const second = await pull();
  t.match(second, { status: 'completed', mode: 'incremental', read: 50, changed: 0 });
  t.equal(
    (await sql<{ x: string }>`select string_agg(xmin::text, ',' order by id) x from sync_data`.execute(db.db)).rows[0]!.x,
    xmins.rows[0]!.x,
    'no row rewritten',
  );
  t.equal(await count('select count(*) n from sync_queue'), queued, 'nothing enqueued');
  void before;

  // A change: one UPDATE, version 2; a new row with the same timestamp as the cursor is not skipped.
  await erp.db!.pool.query(
    `update "proveedores" set "razonsocial" = 'Proveedor Siete SRL', "fechamodif" = timestamp '2026-03-01 10:05:00' where "codprov" = 'P007'`,
  );
  await erp.db!.pool.query(`insert into "proveedores" values ('P051', 'Tardío', '1', 1, timestamp '${same}')`);
  const third = await pull();
  t.match(third, { status: 'completed', changed: 2 });
  t.match(await db.db.selectFrom('sync_data').select(['version', 'payload']).where('entity_id', '=', 'P007').executeTakeFirstOrThrow(), {
    version: 2,
    payload: { nombre: 'Proveedor Siete SRL' },
  });
  t.ok(
    await db.db.selectFrom('sync_data').select('id').where('entity_id', '=', 'P051').executeTakeFirst(),
    'a row at the cursor value is never skipped',
  );
  const waiting = await db.db
    .selectFrom('sync_queue')
    .select(['action', 'status'])
    .where('entity_id', '=', 'P007')
    .orderBy('created_at')
    .execute();
  t.same(
    waiting,
    [
      { action: 'CREATE', status: 'SUPERSEDED' },
      { action: 'CREATE', status: 'PENDING' },
    ],
    'the Hub gets the newest version only (still a CREATE: it never saw the first)',
  );

  t.test('full mode marks what vanished — only after a complete read', async (t) => {
    const sector = await db.db
      .insertInto('sync_entity_config')
      .values({
        tenant_id: 'acme',
        entity_type: 'SECTOR',
        erp_type: 'AXIOMA',
        primary_key: 'CodCentro',
        direction: 'IN',
        queries: JSON.stringify({ select_all: 'SELECT CodCentro, Descripcion FROM Centros' }),
        field_mapping: JSON.stringify({ erp_to_hub: { CodCentro: 'codigo', Descripcion: 'nombre' } }),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await erp.pool.execute('CREATE TABLE Centros (CodCentro NVARCHAR(10) PRIMARY KEY, Descripcion NVARCHAR(50))');
    await erp.pool.execute("INSERT INTO Centros (CodCentro, Descripcion) VALUES ('C1', 'Compras'), ('C2', 'Obras'), ('C3', 'Taller')");
    const pullSector = () => runPull(deps, { tenantId: 'acme', configId: sector.id, runId: `s-${++run}` });
    t.match(await pullSector(), { changed: 3, deleted: 0 });
    await erp.pool.execute("DELETE FROM Centros WHERE CodCentro = 'C2'");
    erp.sim!.faults.dropAfterRows(1);
    const broken = await pullSector();
    t.match(broken, { status: 'failed', deleted: 0 }, 'a failed read deletes nothing');
    t.match(broken.error, /ESOCKET|ECONNRESET|ECLOSE|closed/i);
    t.match(await pullSector(), { status: 'completed', deleted: 1 });
    t.match(await db.db.selectFrom('sync_data').select(['status', 'version']).where('entity_id', '=', 'C2').executeTakeFirstOrThrow(), {
      status: 'DELETED',
      version: 2,
    });
    t.ok(
      await db.db.selectFrom('sync_queue').select('id').where('entity_id', '=', 'C2').where('action', '=', 'DELETE').executeTakeFirst(),
      'DELETE enqueued for the Hub',
    );
  });
});
