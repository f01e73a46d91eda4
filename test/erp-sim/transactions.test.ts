/**
 * ERP SIMULATOR: TDS transaction-manager requests (tedious beginTransaction / commitTransaction /
 * rollbackTransaction) and bulk load (INSERT BULK + BulkLoadBCP) into a #temp table, then the
 * seed 001 MERGE — all in one session and one transaction.
 */
import t from 'tap';
import type { Connection } from 'tedious';
import { connect, exec, rowsOf, startSimulator, TYPES } from './tedious-client.ts';

const tx = (conn: Connection, op: 'beginTransaction' | 'commitTransaction' | 'rollbackTransaction') =>
  new Promise<void>((resolve, reject) => conn[op]((err) => (err ? reject(err) : resolve())));

t.test('commit keeps, rollback undoes; a failed statement does not doom the transaction', async (t) => {
  const { sim, db } = await startSimulator(t);
  const conn = await connect(t, sim);
  await exec(conn, 'CREATE TABLE oc (id INT PRIMARY KEY)');
  const state = conn as unknown as { inTransaction: boolean; transactionDescriptors: Buffer[] };

  await tx(conn, 'beginTransaction');
  t.equal(state.inTransaction, true, 'ENVCHANGE begin: tedious is in a transaction');
  t.equal(state.transactionDescriptors.at(-1)!.length, 8, 'with an 8-byte descriptor');
  t.not(state.transactionDescriptors.at(-1)!.toString('hex'), '0000000000000000');
  await exec(conn, 'INSERT INTO oc VALUES (1)');
  t.equal((await db.pool.query('SELECT count(*)::int AS n FROM oc')).rows[0].n, 0, 'not visible outside before commit');
  await t.rejects(exec(conn, 'INSERT INTO oc VALUES (1)'), { number: 2627, message: /PRIMARY KEY/ });
  await exec(conn, 'INSERT INTO oc VALUES (2)'); // statement-level rollback only (XACT_ABORT OFF)
  await tx(conn, 'commitTransaction');
  t.equal(state.inTransaction, false, 'ENVCHANGE commit');
  t.same((await db.pool.query('SELECT id FROM oc ORDER BY id')).rows, [{ id: 1 }, { id: 2 }]);

  await tx(conn, 'beginTransaction');
  await exec(conn, 'INSERT INTO oc VALUES (3); DELETE FROM oc WHERE id = 1');
  await tx(conn, 'rollbackTransaction');
  t.equal(state.inTransaction, false, 'ENVCHANGE rollback');
  t.same((await db.pool.query('SELECT id FROM oc ORDER BY id')).rows, [{ id: 1 }, { id: 2 }], 'rollback undid the insert and the delete');

  await t.rejects(tx(conn, 'commitTransaction'), { number: 3902, message: /no corresponding BEGIN/ }, 'COMMIT without BEGIN is error 3902');
});

t.test('bulk load into #temp, then MERGE with WHEN NOT MATCHED BY SOURCE THEN UPDATE SET activo = 0, in one transaction', async (t) => {
  const { sim } = await startSimulator(t);
  const conn = await connect(t, sim);
  await exec(
    conn,
    "IF NOT EXISTS (SELECT * FROM sys.tables WHERE name = 'plan_cuentas') CREATE TABLE plan_cuentas (codigo VARCHAR(20) PRIMARY KEY, nombre NVARCHAR(200) NOT NULL, saldo DECIMAL(14,2), alta DATETIME2(7), activo BIT NOT NULL DEFAULT 1)",
  );
  await exec(conn, "INSERT INTO plan_cuentas (codigo, nombre) VALUES ('1.1', 'Caja'), ('9.9', 'Vieja')");

  await tx(conn, 'beginTransaction');
  await exec(
    conn,
    'CREATE TABLE #temp_plan_cuentas_1 (codigo VARCHAR(20), nombre NVARCHAR(200), saldo DECIMAL(14,2), alta DATETIME2(7), activo BIT)',
  );
  const rows = [
    { codigo: '1.1', nombre: 'Caja y bancos', saldo: 1500.25, alta: new Date('2026-03-01T09:30:00.123Z'), activo: true },
    { codigo: '2.1', nombre: 'Ñandú proveedores', saldo: -20.5, alta: null, activo: true },
    ...Array.from({ length: 1500 }, (_, i) => ({ codigo: `5.${i}`, nombre: `cuenta ${i}`, saldo: i, alta: null, activo: false })),
  ];
  const loaded = await new Promise<number>((resolve, reject) => {
    const bulk = conn.newBulkLoad('#temp_plan_cuentas_1', { keepNulls: true }, (err, n) => (err ? reject(err) : resolve(n ?? -1)));
    bulk.addColumn('codigo', TYPES.VarChar, { length: 20, nullable: false });
    bulk.addColumn('nombre', TYPES.NVarChar, { length: 200, nullable: false });
    bulk.addColumn('saldo', TYPES.Decimal, { precision: 14, scale: 2, nullable: true });
    bulk.addColumn('alta', TYPES.DateTime2, { scale: 7, nullable: true });
    bulk.addColumn('activo', TYPES.Bit, { nullable: false });
    conn.execBulkLoad(bulk, rows);
  });
  t.equal(loaded, 1502, 'the bulk load reports its row count');
  const merged = await exec(
    conn,
    `MERGE plan_cuentas AS t USING #temp_plan_cuentas_1 AS s ON t.codigo = s.codigo
    WHEN MATCHED THEN UPDATE SET t.nombre = s.nombre, t.saldo = s.saldo, t.alta = s.alta, t.activo = s.activo
    WHEN NOT MATCHED BY TARGET THEN INSERT (codigo, nombre, saldo, alta, activo) VALUES (s.codigo, s.nombre, s.saldo, s.alta, s.activo)
    WHEN NOT MATCHED BY SOURCE THEN UPDATE SET t.activo = 0;`,
  );
  t.equal(merged.rowCount, 1503, '1 update + 1501 inserts + 1 deactivation');
  await tx(conn, 'commitTransaction');

  const got = await rowsOf(
    conn,
    "SELECT codigo, nombre, saldo, alta, activo FROM plan_cuentas WHERE codigo IN ('1.1', '2.1', '9.9') ORDER BY codigo",
  );
  t.same(got, [
    { codigo: '1.1', nombre: 'Caja y bancos', saldo: 1500.25, alta: new Date('2026-03-01T09:30:00.123Z'), activo: true },
    { codigo: '2.1', nombre: 'Ñandú proveedores', saldo: -20.5, alta: null, activo: true },
    { codigo: '9.9', nombre: 'Vieja', saldo: null, alta: null, activo: false },
  ]);
  t.same(await rowsOf(conn, 'SELECT COUNT(*) AS n FROM plan_cuentas WHERE activo = 0'), [{ n: '1501' }]);
});

t.test('a bulk load rolled back with its transaction leaves nothing', async (t) => {
  const { sim, db } = await startSimulator(t);
  const conn = await connect(t, sim);
  await exec(conn, 'CREATE TABLE destino (n INT)');
  await tx(conn, 'beginTransaction');
  await new Promise<number>((resolve, reject) => {
    const bulk = conn.newBulkLoad('destino', (err, n) => (err ? reject(err) : resolve(n ?? -1)));
    bulk.addColumn('n', TYPES.Int, { nullable: true });
    conn.execBulkLoad(bulk, [{ n: 1 }, { n: null }]);
  });
  t.same(await rowsOf(conn, 'SELECT COUNT(*) AS n FROM destino'), [{ n: '2' }], 'visible inside the transaction');
  await tx(conn, 'rollbackTransaction');
  t.equal((await db.pool.query('SELECT count(*)::int AS n FROM destino')).rows[0].n, 0);
});
