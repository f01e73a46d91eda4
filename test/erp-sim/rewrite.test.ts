/** ERP SIMULATOR: each documented T-SQL → PostgreSQL rewrite, and what is refused. */
import t from 'tap';
import { splitBatch } from './split-batch.ts';
import { rewriteTsql } from './sql-rewrite.ts';

const rw = (sql: string, declared: Record<string, string> = {}) => rewriteTsql(sql, new Map(Object.entries(declared))).sql;

t.test('parameter markers become $n with the declared type; the same name reuses its number', async (t) => {
  const r = rewriteTsql(
    'SELECT * FROM P WHERE FechaModif > @lastSync AND Cod = @id OR Alt = @id',
    new Map([
      ['lastSync', 'timestamp'],
      ['id', 'int4'],
    ]),
  );
  t.equal(r.sql, 'SELECT * FROM P WHERE FechaModif > $1::timestamp AND Cod = $2::int4 OR Alt = $2::int4');
  t.same(r.params, ['lastSync', 'id']);
  t.throws(() => rw('SELECT @undeclared'), /not supported by the ERP simulator: parameter @undeclared/);
  t.equal(rw("SELECT '@notaparam' AS x"), "SELECT '@notaparam' AS x", 'literals are never rewritten');
});

t.test('#temp tables are session temporary tables', async (t) => {
  t.equal(rw('CREATE TABLE #temp_plan_1 (codigo VARCHAR(20))'), 'CREATE TEMP TABLE "#temp_plan_1" (codigo legacy_varchar_20)');
  t.equal(rw('SELECT * FROM #temp_plan_1 s'), 'SELECT * FROM "#temp_plan_1" s');
});

t.test('[bracketed] identifiers become quoted identifiers; N literals plain literals', async (t) => {
  t.equal(
    rw("SELECT [Razón Social] FROM [dbo].[Proveedores] WHERE x = N'Ñ'"),
    `SELECT "razón social" FROM "dbo"."proveedores" WHERE x = 'Ñ'`,
    'folded like unquoted names: T-SQL identifiers are case-insensitive',
  );
});

t.test('GETDATE(), SYSDATETIME(), ISNULL(a, b)', async (t) => {
  t.equal(
    rw('SELECT GETDATE() AS a, SYSDATETIME() AS b, ISNULL(x, 0) AS c FROM t'),
    'SELECT LOCALTIMESTAMP AS a, LOCALTIMESTAMP AS b, COALESCE(x, 0) AS c FROM t',
  );
});

t.test('joined UPDATE … FROM … JOIN and UPDATE … FROM … WHERE NOT EXISTS (MERGE-less downloads)', async (t) => {
  t.equal(
    rw('UPDATE t SET t.nombre = s.nombre, t.activo = s.activo FROM plan_cuentas AS t INNER JOIN #temp_p_1 AS s ON t.codigo = s.codigo'),
    'UPDATE plan_cuentas AS t SET nombre = s.nombre, activo = s.activo FROM "#temp_p_1" AS s WHERE t.codigo = s.codigo',
  );
  t.equal(
    rw('UPDATE t SET t.activo = @v FROM plan_cuentas AS t WHERE NOT EXISTS (SELECT 1 FROM #temp_p_1 AS s WHERE s.codigo = t.codigo)', {
      v: 'int4',
    }),
    'UPDATE plan_cuentas AS t SET activo = $1::int4 WHERE NOT EXISTS (SELECT 1 FROM "#temp_p_1" AS s WHERE s.codigo = t.codigo)',
  );
  t.equal(
    rw('UPDATE x SET x.a = s.a FROM t x JOIN s ON x.id = s.id WHERE x.b = 1'),
    'UPDATE t AS x SET a = s.a FROM s WHERE x.id = s.id AND (x.b = 1)',
  );
  t.equal(rw('UPDATE t SET a = 1 WHERE id = 2'), 'UPDATE t SET a = 1 WHERE id = 2', 'a plain UPDATE is untouched');
});

t.test("TOP n / TOP (expr) at the start of a SELECT → LIMIT; SCOPE_IDENTITY() → the session's lastval() as numeric(38,0)", async (t) => {
  t.equal(rw('SELECT TOP 2 n FROM numeros ORDER BY n'), 'SELECT n FROM numeros ORDER BY n LIMIT 2');
  t.equal(rw('SELECT TOP (@k) n FROM numeros', { k: 'int4' }), 'SELECT n FROM numeros LIMIT ($1::int4)');
  t.throws(() => rw('SELECT * FROM (SELECT TOP 1 n FROM numeros) x'), /not supported by the ERP simulator: TOP other than/);
  t.equal(rw('SELECT SCOPE_IDENTITY() AS id'), 'SELECT CAST(lastval() AS numeric(38,0)) AS id');
});

t.test('MERGE without INTO, qualified SET targets', async (t) => {
  t.equal(
    rw(
      'MERGE plan_cuentas AS t USING #s AS s ON t.codigo = s.codigo WHEN MATCHED THEN UPDATE SET t.nombre = s.nombre, t.tipo = s.tipo WHEN NOT MATCHED BY SOURCE THEN UPDATE SET t.activo = 0;',
    ),
    'MERGE INTO plan_cuentas AS t USING "#s" AS s ON t.codigo = s.codigo WHEN MATCHED THEN UPDATE SET nombre = s.nombre, tipo = s.tipo WHEN NOT MATCHED BY SOURCE THEN UPDATE SET activo = 0',
  );
});

t.test('IF NOT EXISTS (SELECT * FROM sys.tables …) [BEGIN] CREATE TABLE … [END]', async (t) => {
  const expected = 'CREATE TABLE IF NOT EXISTS plan_cuentas (codigo legacy_varchar_20 PRIMARY KEY, activo tsql_bit NOT NULL DEFAULT 1)';
  t.equal(
    rw(
      "IF NOT EXISTS (SELECT * FROM sys.tables WHERE name='plan_cuentas') BEGIN CREATE TABLE plan_cuentas (codigo VARCHAR(20) PRIMARY KEY, activo BIT NOT NULL DEFAULT 1) END",
    ),
    expected,
  );
  t.equal(
    rw(
      "IF NOT EXISTS (SELECT * FROM sys.tables WHERE name = 'plan_cuentas') CREATE TABLE plan_cuentas (codigo VARCHAR(20) PRIMARY KEY, activo BIT NOT NULL DEFAULT 1)",
    ),
    expected,
  );
  t.throws(() => rw('IF 1 = 1 SELECT 1'), /not supported by the ERP simulator: IF other than/);
});

t.test('EXEC proc args → CALL proc(args)', async (t) => {
  t.equal(rw("EXEC sp_prepara_export 'PROVEEDOR', 5"), "CALL sp_prepara_export('PROVEEDOR', 5)");
});

t.test('T-SQL column types in CREATE TABLE', async (t) => {
  t.equal(
    rw(
      'CREATE TABLE x (a BIT, b NVARCHAR(50), c NVARCHAR(MAX), d DATETIME, e DATETIME2(7), f MONEY, g UNIQUEIDENTIFIER, h INT IDENTITY(1,1))',
    ),
    'CREATE TABLE x (a tsql_bit, b character varying(50), c text, d datetime, e timestamp, f tsql_money, g uuid, h INT GENERATED BY DEFAULT AS IDENTITY)',
  );
});

t.test("SMALLMONEY, and MONEY/SMALLMONEY in CAST: the exact tsql domains, not PostgreSQL's 2-decimal money", async (t) => {
  t.equal(rw('CREATE TABLE x (a SMALLMONEY, b MONEY)'), 'CREATE TABLE x (a tsql_smallmoney, b tsql_money)');
  t.equal(
    rw("SELECT CAST('1.2345' AS MONEY) AS m, CAST(x AS smallmoney) AS s FROM t"),
    "SELECT CAST('1.2345' AS tsql_money) AS m, CAST(x AS tsql_smallmoney) AS s FROM t",
  );
  t.equal(rw('SELECT importe AS money FROM t'), 'SELECT importe AS money FROM t', 'an alias named money is left alone');
});

t.test('INSERT … OUTPUT INSERTED.col → RETURNING', async (t) => {
  t.equal(
    rw('INSERT INTO OC (Numero) OUTPUT INSERTED.IdOC VALUES (@n)', { n: '' }),
    'INSERT INTO OC (Numero) VALUES ($1) RETURNING IdOC',
    'character parameters stay untyped',
  );
  t.throws(() => rw('DELETE FROM OC OUTPUT DELETED.IdOC WHERE 1 = 0'), /not supported by the ERP simulator: OUTPUT/);
});

t.test('@@VERSION, SERVERPROPERTY(ProductVersion), DB_NAME() for a connection test; other properties refused', async (t) => {
  const r = rewriteTsql("SELECT @@VERSION AS v, SERVERPROPERTY('ProductVersion') AS pv, DB_NAME() AS db", new Map(), {
    database: 'axioma',
  }).sql;
  t.equal(r, "SELECT 'Microsoft SQL Server 2019 (ERP simulator over PostgreSQL)' AS v, '15.0.2000.5' AS pv, 'axioma' AS db");
  t.throws(() => rw("SELECT SERVERPROPERTY('IsClustered')"), /not supported by the ERP simulator: SERVERPROPERTY\('IsClustered'\)/);
});

t.test('a batch splits at top-level semicolons only', async (t) => {
  t.same(splitBatch('SELECT \'a;b\' AS [x;y]; -- c;d\nSELECT "e;f" /* g;h */ FROM t;;  '), [
    "SELECT 'a;b' AS [x;y]",
    '-- c;d\nSELECT "e;f" /* g;h */ FROM t',
  ]);
  t.same(splitBatch("SELECT 'it''s;' AS x"), ["SELECT 'it''s;' AS x"], 'doubled quotes stay inside the literal');
  t.same(splitBatch('  ;  '), []);
});

t.test('DECLARE @t TABLE and INSERT … OUTPUT INSERTED.c INTO @t (the form that works with triggers)', async (t) => {
  const decl = rewriteTsql('DECLARE @t TABLE (IdOC INT)');
  t.equal(decl.sql, 'CREATE TEMP TABLE "tablevar_t" (IdOC INT)');
  t.equal(decl.declaresTableVariable, 't');
  const vars = new Set(['t']);
  const ins = rewriteTsql('INSERT INTO OC (Numero) OUTPUT INSERTED.IdOC INTO @t VALUES (@n)', new Map([['n', '']]), {
    tableVariables: vars,
  });
  t.equal(
    ins.sql,
    'WITH erp_sim_output AS (INSERT INTO OC (Numero) VALUES ($1) RETURNING IdOC) INSERT INTO "tablevar_t" SELECT * FROM erp_sim_output',
  );
  t.equal(ins.bareOutputTarget, undefined);
  t.equal(rewriteTsql('SELECT IdOC FROM @t', new Map(), { tableVariables: vars }).sql, 'SELECT IdOC FROM "tablevar_t"');
  t.equal(
    rewriteTsql('INSERT INTO OC (Numero) OUTPUT INSERTED.IdOC VALUES (@n)', new Map([['n', '']])).bareOutputTarget,
    'OC',
    'the bare form names its table (334 when it has a trigger)',
  );
});
