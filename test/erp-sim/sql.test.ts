/**
 * ERP SIMULATOR over the wire: each documented rewrite runs on PostgreSQL, several statements
 * give several result sets, what is not emulated says so, and PostgreSQL errors arrive with the
 * SQL Server number of the same meaning.
 */
import t from 'tap';
import { adminQuery } from '../helpers/db.ts';
import { connect, exec, rowsOf, startSimulator, TYPES } from './tedious-client.ts';

t.test('rewrites, run through TDS on PostgreSQL', async (t) => {
  const { sim, db } = await startSimulator(t);
  const conn = await connect(t, sim);

  // T-SQL types in CREATE TABLE, guarded by IF NOT EXISTS (sys.tables) … BEGIN … END, run twice;
  // [Proveedores] is folded to proveedores (T-SQL names are case-insensitive)
  const create =
    "IF NOT EXISTS (SELECT * FROM sys.tables WHERE name = 'Proveedores') BEGIN CREATE TABLE [Proveedores] (Id INT IDENTITY(1,1) PRIMARY KEY, [Razón Social] NVARCHAR(100) NOT NULL, Activo BIT NOT NULL DEFAULT 1, Alta DATETIME, Modif DATETIME2(7), Saldo MONEY, Guid UNIQUEIDENTIFIER) END";
  await exec(conn, create);
  await exec(conn, create);
  const types = await db.pool.query(
    `SELECT column_name, domain_name, data_type FROM information_schema.columns WHERE table_name = 'proveedores' ORDER BY ordinal_position`,
  );
  t.same(
    types.rows.map((r) => r.domain_name ?? r.data_type),
    ['integer', 'character varying', 'tsql_bit', 'datetime', 'timestamp without time zone', 'tsql_money', 'uuid'],
  );

  // [bracketed] identifiers; OUTPUT INSERTED.col returns the new id (the product's configured INSERTs)
  const ins = await rowsOf(conn, 'INSERT INTO [Proveedores] ([Razón Social], Alta) OUTPUT INSERTED.Id VALUES (@nombre, GETDATE())', [
    { name: 'nombre', type: TYPES.NVarChar, value: 'Ñandú S.A.' },
  ]);
  t.same(ins, [{ Id: 1 }], "OUTPUT INSERTED.Id → RETURNING Id, keeping the statement's spelling of the column");

  // GETDATE() / SYSDATETIME() are the current local timestamp; ISNULL → COALESCE
  const [now] = await rowsOf(
    conn,
    'SELECT GETDATE() AS g, SYSDATETIME() AS s, ISNULL(Modif, Alta) AS fallback, ISNULL(NULL, 7) AS seven FROM [Proveedores]',
  );
  t.ok(Math.abs((now!.g as Date).getTime() - Date.now()) < 60_000, 'GETDATE() is now');
  t.ok(now!.s instanceof Date);
  t.same(now!.fallback, now!.fallback === null ? null : now!.fallback, 'ISNULL(column, column) runs');
  t.equal(now!.seven, 7);
  t.equal(
    (await rowsOf(conn, 'SELECT COUNT(*) AS n FROM [Proveedores] WHERE Activo = 1'))[0]!.n,
    '1',
    'BIT DEFAULT 1 and `= 1` work as on SQL Server',
  );

  // #temp tables are per session: another connection does not see them
  await exec(conn, 'CREATE TABLE #tmp_prov (cod INT); INSERT INTO #tmp_prov VALUES (1), (2)');
  t.same(await rowsOf(conn, 'SELECT COUNT(*) AS n FROM #tmp_prov'), [{ n: '2' }]);
  const other = await connect(t, sim);
  await t.rejects(exec(other, 'SELECT * FROM #tmp_prov'), { number: 208, message: /tmp_prov/ }, 'another session has no #tmp_prov');

  // EXEC proc args → CALL proc(args)
  await db.pool.query(
    'CREATE TABLE marcas (n int, quien text); CREATE PROCEDURE marcar(v int, q text) LANGUAGE sql AS $$ INSERT INTO marcas VALUES (v, q) $$',
  );
  await exec(conn, "EXEC marcar 7, N'hub'");
  t.same((await db.pool.query('SELECT n, quien FROM marcas')).rows, [{ n: 7, quien: 'hub' }]);

  // what a connection test asks
  const [info] = await rowsOf(conn, "SELECT @@VERSION AS version, SERVERPROPERTY('ProductVersion') AS pv, DB_NAME() AS db");
  t.match(info!.version, /^Microsoft SQL Server .*ERP simulator/);
  t.equal(info!.pv, '15.0.2000.5');
  t.equal(info!.db, 'erp', 'DB_NAME() is the login database');
});

t.test('MERGE without INTO, qualified SET targets, WHEN NOT MATCHED BY SOURCE', async (t) => {
  const { sim } = await startSimulator(t);
  const conn = await connect(t, sim);
  await exec(conn, 'CREATE TABLE plan_cuentas (codigo NVARCHAR(20) PRIMARY KEY, nombre NVARCHAR(200), activo BIT NOT NULL DEFAULT 1)');
  await exec(conn, "INSERT INTO plan_cuentas (codigo, nombre) VALUES ('1', 'Caja'), ('2', 'Bancos')");
  await exec(
    conn,
    "CREATE TABLE #s (codigo NVARCHAR(20), nombre NVARCHAR(200)); INSERT INTO #s VALUES ('1', 'Caja y fondos'), ('3', 'Deudores')",
  );
  const merged = await exec(
    conn,
    `MERGE plan_cuentas AS t USING #s AS s ON t.codigo = s.codigo
    WHEN MATCHED THEN UPDATE SET t.nombre = s.nombre, t.activo = 1
    WHEN NOT MATCHED BY TARGET THEN INSERT (codigo, nombre) VALUES (s.codigo, s.nombre)
    WHEN NOT MATCHED BY SOURCE THEN UPDATE SET t.activo = 0;`,
  );
  t.equal(merged.rowCount, 3, 'one update, one insert, one deactivation');
  t.same(await rowsOf(conn, 'SELECT codigo, nombre, activo FROM plan_cuentas ORDER BY codigo'), [
    { codigo: '1', nombre: 'Caja y fondos', activo: true },
    { codigo: '2', nombre: 'Bancos', activo: false },
    { codigo: '3', nombre: 'Deudores', activo: true },
  ]);
});

t.test('several statements in one batch answer with several result sets and row counts', async (t) => {
  const { sim } = await startSimulator(t);
  const conn = await connect(t, sim);
  const r = await exec(
    conn,
    "CREATE TABLE a (n INT); INSERT INTO a VALUES (1), (2), (3); SELECT n FROM a ORDER BY n; SELECT 'x;y' AS [semi;colon]",
  );
  t.equal(r.sets.length, 2);
  t.same(r.sets[0]!.rows, [[1], [2], [3]]);
  t.same(r.sets[1], {
    columns: [{ name: 'semi;colon', type: 'NVarChar', precision: undefined, scale: undefined, collation: { codepage: 'CP1252' } }],
    rows: [['x;y']],
  });
  t.equal(r.rowCount, 7, 'INSERT 3 + SELECT 3 + SELECT 1 (DONE counts; DDL has none)');
  const rpc = await exec(conn, 'SELECT n FROM a WHERE n > @min; SELECT COUNT(*) AS c FROM a', [{ name: 'min', type: TYPES.Int, value: 1 }]);
  t.same(
    rpc.sets.map((s) => s.rows),
    [[[2], [3]], [['3']]],
    'the same inside sp_executesql (DONEINPROC per statement)',
  );
});

t.test('what the simulator does not emulate fails clearly', async (t) => {
  const { sim } = await startSimulator(t);
  const conn = await connect(t, sim);
  for (const sql of ['IF 1 = 1 SELECT 1', 'DELETE FROM x OUTPUT DELETED.id', "SELECT SERVERPROPERTY('Collation')", 'BEGIN TRANSACTION']) {
    await t.rejects(exec(conn, sql), { number: 102, message: /not supported by the ERP simulator: / }, sql);
  }
  const [row] = await rowsOf(conn, 'SELECT 1 AS still_alive');
  t.equal(row!.still_alive, 1, 'the connection survives the refusals');
});

t.test('PostgreSQL errors arrive as SQL Server error numbers', async (t) => {
  const { sim, db } = await startSimulator(t);
  const conn = await connect(t, sim);
  await exec(conn, 'CREATE TABLE prov (cod INT PRIMARY KEY); CREATE TABLE oc (id INT PRIMARY KEY, cod INT REFERENCES prov (cod))');
  await exec(conn, 'INSERT INTO prov VALUES (1)');
  const role = `ro_${db.name}`; // roles are cluster-wide: one per test database
  await db.pool.query(`CREATE ROLE ${role} NOLOGIN; CREATE TABLE secreto (n int); REVOKE ALL ON secreto FROM PUBLIC`);
  t.teardown(() => adminQuery(`DROP ROLE IF EXISTS ${role}`).catch(() => {}));
  const cases: [string, number, RegExp][] = [
    ['INSERT INTO prov VALUES (1)', 2627, /Violation of PRIMARY KEY/],
    ['SELEC 1', 102, /syntax/],
    ['SELECT * FROM no_existe', 208, /no_existe/],
    ['INSERT INTO oc VALUES (1, 99)', 547, /FOREIGN KEY/],
    [`SELECT set_config('role', '${role}', false); SELECT * FROM secreto`, 229, /permission denied/],
  ];
  for (const [sql, number, message] of cases) await t.rejects(exec(conn, sql), { number, message, class: 16 }, `${sql} → ${number}`);
  await exec(conn, "SELECT set_config('role', 'none', false)");

  // Deadlock (40P01 → 1205): two sessions lock two rows in opposite order.
  await exec(conn, 'INSERT INTO prov VALUES (2)');
  const other = await connect(t, sim);
  await new Promise<void>((resolve, reject) => conn.beginTransaction((e) => (e ? reject(e) : resolve())));
  await new Promise<void>((resolve, reject) => other.beginTransaction((e) => (e ? reject(e) : resolve())));
  await exec(conn, 'UPDATE prov SET cod = cod WHERE cod = 1');
  await exec(other, 'UPDATE prov SET cod = cod WHERE cod = 2');
  const results = await Promise.allSettled([
    exec(conn, 'UPDATE prov SET cod = cod WHERE cod = 2'),
    exec(other, 'UPDATE prov SET cod = cod WHERE cod = 1'),
  ]);
  const numbers = results.map((r) => (r.status === 'rejected' ? (r.reason as { number: number }).number : 0)).sort();
  t.same(numbers, [0, 1205], 'one session is the deadlock victim, 1205');
  t.equal(
    [conn, other].filter((c) => (c as unknown as { inTransaction: boolean }).inTransaction).length,
    1,
    "the victim's transaction is rolled back and tedious is told so (ENVCHANGE 10)",
  );
});
