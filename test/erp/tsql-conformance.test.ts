/**
 * T-SQL facts the product and the seeds rely on, checked on every ERP target with SQL Server's
 * documented answer. Where the simulator cannot follow, the case says so (docs/erp-simulator.md
 * keeps the same table: feature × simulator × Babelfish × SQL Server).
 */
import t from 'tap';
import { eachTarget } from '../helpers/erp-target.ts';

eachTarget(
  t,
  'identifiers are case-insensitive, bracketed or not; result columns are named as the SELECT list spells them',
  {},
  async (t, { pool }) => {
    await pool.execute('CREATE TABLE [Cuentas] ([Codigo] NVARCHAR(10) PRIMARY KEY, [Nombre Largo] NVARCHAR(50))');
    await pool.execute("INSERT INTO cuentas (codigo, [Nombre Largo]) VALUES ('1', 'Caja')");
    t.same((await pool.execute('SELECT CODIGO, [Nombre Largo] FROM [CUENTAS]')).rows, [{ CODIGO: '1', 'Nombre Largo': 'Caja' }]);
    t.same((await pool.execute('SELECT [Codigo] FROM Cuentas')).rows, [{ Codigo: '1' }]);
  },
);

eachTarget(t, 'TOP (n) with ORDER BY', {}, async (t, { pool }) => {
  await pool.execute('CREATE TABLE numeros (n INT)');
  await pool.execute('INSERT INTO numeros (n) VALUES (3), (1), (2)');
  t.same((await pool.execute('SELECT TOP 2 n FROM numeros ORDER BY n')).rows, [{ n: 1 }, { n: 2 }]);
  t.same((await pool.execute('SELECT TOP (@k) n FROM numeros ORDER BY n DESC', { k: 1 })).rows, [{ n: 3 }]);
});

eachTarget(t, 'SCOPE_IDENTITY() after an INSERT in the same batch', {}, async (t, { pool }) => {
  await pool.execute('CREATE TABLE docs (id INT IDENTITY(1,1) PRIMARY KEY, numero NVARCHAR(20))');
  await pool.execute("INSERT INTO docs (numero) VALUES ('a')");
  const r = await pool.execute('INSERT INTO docs (numero) VALUES (@n); SELECT CAST(SCOPE_IDENTITY() AS INT) AS id', { n: 'b' });
  t.same(r.rows, [{ id: 2 }]);
});

eachTarget(
  t,
  'FOR JSON PATH',
  { not: { simulator: 'FOR JSON is not emulated (the product does not use it; docs/erp-simulator.md)' } },
  async (t, { pool }) => {
    await pool.execute('CREATE TABLE items (codigo NVARCHAR(10), cantidad INT)');
    await pool.execute("INSERT INTO items (codigo, cantidad) VALUES ('A', 1), ('B', 2)");
    const r = await pool.execute('SELECT codigo, cantidad FROM items ORDER BY codigo FOR JSON PATH');
    t.same(JSON.parse(String(Object.values(r.rows[0]!)[0])), [
      { codigo: 'A', cantidad: 1 },
      { codigo: 'B', cantidad: 2 },
    ]);
  },
);

eachTarget(t, 'errors carry SQL Server numbers: 2627 unique, 547 foreign key, 515 NULL, 8152/2628 truncation', {}, async (t, { pool }) => {
  await pool.execute('CREATE TABLE padres (id INT PRIMARY KEY)');
  await pool.execute('CREATE TABLE hijos (id INT PRIMARY KEY, padre INT NOT NULL REFERENCES padres (id), nombre VARCHAR(5))');
  await pool.execute('INSERT INTO padres (id) VALUES (1)');
  await t.rejects(pool.execute('INSERT INTO padres (id) VALUES (1)'), { code: 'ERP_PERMANENT', number: 2627 });
  await t.rejects(pool.execute('INSERT INTO hijos (id, padre) VALUES (1, 9)'), { code: 'ERP_PERMANENT', number: 547 });
  await t.rejects(pool.execute('INSERT INTO hijos (id, padre) VALUES (1, NULL)'), { code: 'ERP_PERMANENT', number: 515 });
  // SQL Server 2019+ says 2628 (with the column) where older versions said 8152; both mean "would be truncated".
  const err = await pool.execute("INSERT INTO hijos (id, padre, nombre) VALUES (1, 1, 'demasiado largo')").then(
    () => undefined,
    (e: { number: number }) => e,
  );
  t.ok(err && [8152, 2628].includes(err.number), `truncation is refused (${err?.number})`);
});

eachTarget(
  t,
  'transactions as T-SQL text: BEGIN TRAN … ROLLBACK in one batch',
  { not: { simulator: 'refuses transactions as SQL text (the product uses TDS transaction requests)' } },
  async (t, { pool }) => {
    await pool.execute('CREATE TABLE movs (id INT)');
    await pool.execute('BEGIN TRAN; INSERT INTO movs (id) VALUES (1); ROLLBACK');
    t.same((await pool.execute('SELECT COUNT(*) AS n FROM movs')).rows, [{ n: 0 }]);
  },
);
