/** ERP SIMULATOR: protocol behaviour seen through tedious and through FreeTDS tsql (an independent client). */
import t from 'tap';
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { simulatorTarget } from '../helpers/erp-target.ts';
import { createTestDatabase } from '../helpers/db.ts';

t.test('PostgreSQL errors map to SQL Server numbers; unsupported SQL says so', async (t) => {
  const { pool } = await simulatorTarget(t);
  await pool.execute('CREATE TABLE prov (cod INT PRIMARY KEY, nombre NVARCHAR(50) NOT NULL)');
  await pool.execute('CREATE TABLE oc (id INT PRIMARY KEY, cod INT REFERENCES prov (cod))');
  await pool.execute("INSERT INTO prov (cod, nombre) VALUES (1, 'a')");
  const cases: [string, number][] = [
    ["INSERT INTO prov (cod, nombre) VALUES (1, 'dup')", 2627],
    ['INSERT INTO oc (id, cod) VALUES (1, 99)', 547],
    ['SELECT * FROM no_existe', 208],
    ['SELEC 1', 102],
    ['IF 1 = 1 SELECT 1', 102],
  ];
  for (const [sql, number] of cases) await t.rejects(pool.execute(sql), { name: 'PermanentErpError', number });
  await t.rejects(pool.execute('IF 1 = 1 SELECT 1'), { message: /not supported by the ERP simulator/ });
});

t.test('the seed 001 plan_cuentas example runs as written: IF NOT EXISTS … CREATE TABLE, then MERGE with NOT MATCHED BY SOURCE', async (t) => {
  const { pool } = await simulatorTarget(t);
  const create = "IF NOT EXISTS (SELECT * FROM sys.tables WHERE name='plan_cuentas') BEGIN CREATE TABLE plan_cuentas (codigo VARCHAR(20) PRIMARY KEY, nombre VARCHAR(200) NOT NULL, tipo VARCHAR(50), activo BIT NOT NULL DEFAULT 1) END";
  await pool.execute(create);
  await pool.execute(create); // idempotent
  await pool.execute("INSERT INTO plan_cuentas (codigo, nombre) VALUES ('old', 'Vieja')");
  const r = await pool.bulkLoadAndMerge({
    table: 'plan_cuentas',
    columns: [{ name: 'codigo', type: 'VARCHAR(20)' }, { name: 'nombre', type: 'VARCHAR(200)' }, { name: 'tipo', type: 'VARCHAR(50)' }, { name: 'activo', type: 'BIT' }],
    rows: [{ codigo: '1', nombre: 'Activo', tipo: 'A', activo: true }],
    mergeSql: 'MERGE plan_cuentas AS t USING {temp_table} AS s ON t.codigo = s.codigo WHEN MATCHED THEN UPDATE SET t.nombre = s.nombre, t.tipo = s.tipo, t.activo = s.activo WHEN NOT MATCHED BY TARGET THEN INSERT (codigo, nombre, tipo, activo) VALUES (s.codigo, s.nombre, s.tipo, s.activo) WHEN NOT MATCHED BY SOURCE THEN UPDATE SET t.activo = 0;',
  });
  t.same(r, { loaded: 1, merged: 2 });
  t.same((await pool.execute('SELECT codigo, activo FROM plan_cuentas ORDER BY codigo')).rows, [{ codigo: '1', activo: true }, { codigo: 'old', activo: false }]);
});

t.test('EXEC runs a procedure (CALL on the PostgreSQL side)', async (t) => {
  const { pool, db } = await simulatorTarget(t);
  await pool.execute('CREATE TABLE marcas (n INT)');
  await db!.pool.query('CREATE PROCEDURE marcar(v int) LANGUAGE sql AS $$ INSERT INTO marcas (n) VALUES (v) $$');
  await pool.execute('EXEC marcar 7');
  t.same((await pg(db!, 'SELECT n FROM marcas')), [{ n: 7 }]);
});

const pg = async (db: { pool: { query(q: string): Promise<{ rows: unknown[] }> } }, q: string) => (await db.pool.query(q)).rows;

t.test('FreeTDS tsql, an independent client: login, a SELECT of several types, an error', async (t) => {
  const { sim, options } = await simulatorTarget(t);
  const run = (input: string, password = options.password) =>
    new Promise<{ stdout: string; stderr: string }>((resolve) => {
      const p = execFile('tsql', ['-H', '127.0.0.1', '-p', String(sim!.port), '-U', options.user, '-P', password, '-D', 'axioma'], { env: { ...process.env, TDSVER: '7.4' }, timeout: 20_000 }, (_e, stdout, stderr) => resolve({ stdout, stderr }));
      p.stdin!.end(input);
    });
  const ok = await run("SELECT 1 AS uno, N'Ñandú' AS nombre, CAST(12.50 AS DECIMAL(10,2)) AS importe, CAST(NULL AS INT) AS nada\ngo\nSELECT * FROM no_existe\ngo\nexit\n");
  t.match(ok.stdout, /uno\tnombre\timporte\tnada\n1\tÑandú\t12\.50\tNULL/);
  t.match(ok.stderr, /Msg 208 \(severity 16, state 1\) from ERP-SIMULATOR/);
  const bad = await run('exit\n', 'wrong');
  t.match(bad.stderr, /Login failed for user 'hub_sync'/);
});

t.test('standalone: npm run erp-sim prints where it listens and stops on SIGTERM', async (t) => {
  const db = await createTestDatabase(t, { empty: true });
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'main.ts'), '--port', '0', '--database-url', db.url, '--user', 'sa', '--password', 'pw'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  const line = await new Promise<string>((resolve) => child.stdout.on('data', (c: Buffer) => resolve(c.toString())));
  t.match(line, /^erp-sim listening on 127\.0\.0\.1:\d+$/m);
  child.kill('SIGTERM');
  t.equal(await new Promise((r) => child.on('exit', r)), 0);
});
