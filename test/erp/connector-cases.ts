/**
 * The connector's behaviour, written once and run against each target (test/helpers/erp-target.ts):
 * the ERP simulator, Babelfish, and a real SQL Server when MSSQL_URL is set. Tables are created
 * with T-SQL all of them accept.
 */
import type { Test } from 'tap';
import { eachTarget, NO_MERGE, type ErpTargetKind } from '../helpers/erp-target.ts';

let seq = 0;
const table = (base: string) => `${base}_${process.pid}_${++seq}`;

/**
 * Babelfish answers syntax errors and unknown objects with one generic number (its README; SQL Server
 * says 102 / 208): the connector classifies both as permanent either way.
 */
const GENERIC_ERROR = 33557097;
const errorNumber = (kind: ErpTargetKind, sqlServer: number) => (kind === 'babelfish' ? GENERIC_ERROR : sqlServer);

export function connectorCases(t: Test): void {
  eachTarget(
    t,
    'types: exact decimals and money, tenant-zone datetime, datetime2 sub-ms digits, bit, guid, varbinary, NULLs',
    {},
    async (t, { pool }) => {
      const name = table('tipos');
      await pool.execute(
        `CREATE TABLE ${name} (id INT PRIMARY KEY, importe DECIMAL(18,2), saldo MONEY, alta DATETIME, modificado DATETIME2(7), activo BIT, guid UNIQUEIDENTIFIER, foto VARBINARY(MAX), nombre NVARCHAR(100))`,
      );
      await pool.execute(
        `INSERT INTO ${name} (id, importe, saldo, alta, modificado, activo, guid, foto, nombre) VALUES (@id, @importe, @saldo, @alta, @modificado, @activo, @guid, @foto, @nombre)`,
        {
          id: 1,
          importe: { type: 'decimal', value: '1234567.89', precision: 18, scale: 2 },
          saldo: { type: 'money', value: '1500.2500' },
          alta: { type: 'datetime', value: '2026-03-01T09:30:00.000' },
          modificado: { type: 'datetime2', value: '2026-03-01T09:30:00.1234560' },
          activo: true,
          guid: { type: 'uniqueidentifier', value: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' },
          foto: Buffer.from([1, 2, 255]),
          nombre: 'Ñandú & Cía',
        },
      );
      await pool.execute(`INSERT INTO ${name} (id) VALUES (@id)`, { id: 2 });
      const rows = [];
      for await (const r of pool.query(`SELECT id, importe, saldo, alta, modificado, activo, guid, foto, nombre FROM ${name} ORDER BY id`))
        rows.push(r);
      t.same(rows[0], {
        id: 1,
        importe: '1234567.89',
        saldo: '1500.2500',
        alta: '2026-03-01T09:30:00.000-03:00',
        modificado: '2026-03-01T09:30:00.1234560',
        activo: true,
        guid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        foto: Buffer.from([1, 2, 255]).toString('base64'),
        nombre: 'Ñandú & Cía',
      });
      t.same(rows[1], {
        id: 2,
        importe: null,
        saldo: null,
        alta: null,
        modificado: null,
        activo: null,
        guid: null,
        foto: null,
        nombre: null,
      });
    },
  );

  eachTarget(t, 'typed parameters arrive with their types: a datetime2(7) cursor selects exactly past it', {}, async (t, { pool }) => {
    const name = table('cursor');
    await pool.execute(`CREATE TABLE ${name} (id INT, modificado DATETIME2(7))`);
    for (const [id, ts] of [
      [1, '2026-03-01T09:30:00.0000010'],
      [2, '2026-03-01T09:30:00.0000020'],
      [3, '2026-03-01T09:30:00.0010000'],
    ] as const) {
      await pool.execute(`INSERT INTO ${name} (id, modificado) VALUES (@id, @ts)`, { id, ts: { type: 'datetime2', value: ts } });
    }
    const after = [];
    for await (const r of pool.query(`SELECT id FROM ${name} WHERE modificado > @lastSync ORDER BY id`, {
      lastSync: { type: 'datetime2', value: '2026-03-01T09:30:00.0000010' },
    }))
      after.push(r.id);
    t.same(after, [2, 3], 'a microsecond apart is not "the same millisecond"');
  });

  eachTarget(
    t,
    'datetime2(7) keeps the 7th digit (100 ns) both ways',
    { not: { simulator: 'PostgreSQL keeps microseconds (6 digits)', babelfish: 'datetime2 keeps 6 digits (PostgreSQL µs)' } },
    async (t, { pool }) => {
      const name = table('ticks');
      await pool.execute(`CREATE TABLE ${name} (id INT, modificado DATETIME2(7))`);
      await pool.execute(`INSERT INTO ${name} (id, modificado) VALUES (1, @a), (2, @b)`, {
        a: { type: 'datetime2', value: '2026-03-01T09:30:00.1234567' },
        b: { type: 'datetime2', value: '2026-03-01T09:30:00.1234568' },
      });
      t.same(
        (
          await pool.execute(`SELECT id, modificado FROM ${name} WHERE modificado > @c ORDER BY id`, {
            c: { type: 'datetime2', value: '2026-03-01T09:30:00.1234567' },
          })
        ).rows,
        [{ id: 2, modificado: '2026-03-01T09:30:00.1234568' }],
      );
    },
  );

  eachTarget(t, 'transactions: commit keeps; an error inside rolls everything back; nesting is refused', {}, async (t, { pool }) => {
    const name = table('oc');
    await pool.execute(`CREATE TABLE ${name} (numero NVARCHAR(20) PRIMARY KEY, total DECIMAL(12,2))`);
    await pool.transaction(async (tx) => {
      await tx.execute(`INSERT INTO ${name} (numero, total) VALUES (@n, @t)`, {
        n: 'OC-1',
        t: { type: 'decimal', value: '10.50', scale: 2 },
      });
    });
    await t.rejects(
      pool.transaction(async (tx) => {
        await tx.execute(`INSERT INTO ${name} (numero, total) VALUES (@n, 1)`, { n: 'OC-2' });
        await tx.execute(`INSERT INTO ${name} (numero, total) VALUES (@n, 1)`, { n: 'OC-1' }); // duplicate key
      }),
      { code: 'ERP_PERMANENT', number: 2627 },
    );
    const left = (await pool.execute(`SELECT numero FROM ${name} ORDER BY numero`)).rows.map((r) => r.numero);
    t.same(left, ['OC-1'], 'OC-2 was rolled back with the failed transaction');
    await t.rejects(
      pool.transaction(() => pool.transaction(async () => 1)),
      /nested ERP transactions/,
    );
  });

  eachTarget(
    t,
    'bulk load + MERGE: insert, update, and WHEN NOT MATCHED BY SOURCE THEN UPDATE SET activo = 0',
    { not: { babelfish: NO_MERGE } },
    async (t, { pool }) => {
      const name = table('plan_cuentas');
      await pool.execute(
        `CREATE TABLE ${name} (codigo VARCHAR(20) PRIMARY KEY, nombre VARCHAR(200) NOT NULL, tipo VARCHAR(50), activo BIT NOT NULL DEFAULT 1)`,
      );
      await pool.execute(
        `INSERT INTO ${name} (codigo, nombre, tipo) VALUES ('1.1', 'Caja vieja', 'activo'), ('9.9', 'Obsoleta', 'resultado')`,
      );
      const merge = `MERGE ${name} AS t USING {temp_table} AS s ON t.codigo = s.codigo
      WHEN MATCHED THEN UPDATE SET t.nombre = s.nombre, t.tipo = s.tipo, t.activo = s.activo
      WHEN NOT MATCHED BY TARGET THEN INSERT (codigo, nombre, tipo, activo) VALUES (s.codigo, s.nombre, s.tipo, s.activo)
      WHEN NOT MATCHED BY SOURCE THEN UPDATE SET t.activo = 0;`;
      const r = await pool.bulkLoadAndMerge({
        table: 'plan_cuentas',
        columns: [
          { name: 'codigo', type: 'VARCHAR(20)', nullable: false },
          { name: 'nombre', type: 'VARCHAR(200)' },
          { name: 'tipo', type: 'VARCHAR(50)' },
          { name: 'activo', type: 'BIT' },
        ],
        rows: [
          { codigo: '1.1', nombre: 'Caja', tipo: 'activo', activo: 1 },
          { codigo: '2.1', nombre: 'Proveedores', tipo: 'pasivo', activo: 1 },
        ],
        mergeSql: merge,
      });
      t.same(r, { loaded: 2, merged: 3 });
      const rows = (await pool.execute(`SELECT codigo, nombre, activo FROM ${name} ORDER BY codigo`)).rows;
      t.same(rows, [
        { codigo: '1.1', nombre: 'Caja', activo: true },
        { codigo: '2.1', nombre: 'Proveedores', activo: true },
        { codigo: '9.9', nombre: 'Obsoleta', activo: false },
      ]);
    },
  );

  eachTarget(t, 'bulk load + update_insert (no MERGE): the same three rows as the MERGE above', {}, async (t, { pool }) => {
    const name = table('plan_cuentas');
    await pool.execute(
      `CREATE TABLE ${name} (codigo VARCHAR(20) PRIMARY KEY, nombre VARCHAR(200) NOT NULL, tipo VARCHAR(50), activo BIT NOT NULL DEFAULT 1)`,
    );
    await pool.execute(
      `INSERT INTO ${name} (codigo, nombre, tipo) VALUES ('1.1', 'Caja vieja', 'activo'), ('9.9', 'Obsoleta', 'resultado')`,
    );
    const r = await pool.bulkLoadAndMerge({
      table: 'plan_cuentas',
      columns: [
        { name: 'codigo', type: 'VARCHAR(20)', nullable: false },
        { name: 'nombre', type: 'VARCHAR(200)' },
        { name: 'tipo', type: 'VARCHAR(50)' },
        { name: 'activo', type: 'BIT' },
      ],
      rows: [
        { codigo: '1.1', nombre: 'Caja', tipo: 'activo', activo: 1 },
        { codigo: '2.1', nombre: 'Proveedores', tipo: 'pasivo', activo: 1 },
      ],
      updateInsert: { table: name, key: ['codigo'], deactivateMissing: { column: 'activo', value: false } },
    });
    t.same(r, { loaded: 2, merged: 3 });
    const rows = (await pool.execute(`SELECT codigo, nombre, activo FROM ${name} ORDER BY codigo`)).rows;
    t.same(rows, [
      { codigo: '1.1', nombre: 'Caja', activo: true },
      { codigo: '2.1', nombre: 'Proveedores', activo: true },
      { codigo: '9.9', nombre: 'Obsoleta', activo: false },
    ]);
    await t.rejects(
      pool.bulkLoadAndMerge({
        table: 'x',
        columns: [{ name: 'codigo', type: 'INT' }],
        rows: [],
        updateInsert: { table: name, key: ['otra'] },
      }),
      /key column\(s\) otra not in schema.columns/,
    );
  });

  eachTarget(
    t,
    'errors are classified: syntax and unknown table permanent; breaking out of a stream cancels it',
    {},
    async (t, { pool, kind }) => {
      await t.rejects(pool.execute('SELEC 1', {}, { name: 'select_all' }), {
        name: 'PermanentErpError',
        statement: 'select_all',
        number: errorNumber(kind, 102),
      });
      await t.rejects(pool.execute('SELECT * FROM tabla_que_no_existe'), { code: 'ERP_PERMANENT', number: errorNumber(kind, 208) });
      const name = table('big');
      await pool.execute(`CREATE TABLE ${name} (id INT)`);
      await pool.execute(`INSERT INTO ${name} (id) VALUES (1), (2), (3), (4), (5)`);
      let n = 0;
      for await (const _ of pool.query(`SELECT id FROM ${name}`)) if (++n === 2) break;
      t.equal(n, 2);
      t.equal((await pool.execute(`SELECT id FROM ${name}`)).rows.length, 5, 'the connection is usable after a cancelled stream');
    },
  );
}
