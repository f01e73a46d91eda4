/**
 * ERP SIMULATOR: `sp_executesql` parameters are decoded from their TYPE_INFO and reach
 * PostgreSQL as `$n` cast to the declared type — values exact, NULLs included.
 */
import t from 'tap';
import { connect, exec, rowsOf, startSimulator, TYPES, type TypedParam } from './tedious-client.ts';

const withDelta = (iso: string, seconds: number) => Object.assign(new Date(iso), { nanosecondDelta: seconds });

t.test('each typed parameter arrives with its declared type and value', async (t) => {
  const { sim } = await startSimulator(t);
  const conn = await connect(t, sim);
  const cases: [TypedParam, string, unknown][] = [
    [{ name: 'tiny', type: TYPES.TinyInt, value: 255 }, 'smallint', 255],
    [{ name: 'small', type: TYPES.SmallInt, value: -5 }, 'smallint', -5],
    [{ name: 'int', type: TYPES.Int, value: 42 }, 'integer', 42],
    [{ name: 'big', type: TYPES.BigInt, value: '9007199254740993' }, 'bigint', '9007199254740993'],
    [{ name: 'bit', type: TYPES.Bit, value: true }, 'smallint', 1],
    [{ name: 'dec', type: TYPES.Decimal, value: -12345.6789, options: { precision: 18, scale: 4 } }, 'numeric', -12345.6789],
    [{ name: 'num', type: TYPES.Numeric, value: 0.5, options: { precision: 5, scale: 2 } }, 'numeric', 0.5],
    [{ name: 'mon', type: TYPES.Money, value: 1500.25 }, 'numeric', 1500.25],
    [{ name: 'flt', type: TYPES.Float, value: 0.1 }, 'double precision', 0.1],
    [
      { name: 'dt2', type: TYPES.DateTime2, value: withDelta('2026-03-01T09:30:00.123Z', 0.000456), options: { scale: 7 } },
      'timestamp without time zone',
      '2026-03-01 09:30:00.123456',
    ],
    [
      { name: 'dto', type: TYPES.DateTimeOffset, value: new Date('2026-03-01T09:30:00.500Z') },
      'timestamp with time zone',
      '2026-03-01 09:30:00.5+00',
    ],
    [
      { name: 'legacy', type: TYPES.DateTime, value: new Date('2026-03-01T09:30:00.127Z') },
      'timestamp without time zone',
      '2026-03-01 09:30:00.126667',
    ],
    [{ name: 'day', type: TYPES.Date, value: new Date('2026-03-01T00:00:00Z') }, 'date', '2026-03-01'],
    [
      { name: 'guid', type: TYPES.UniqueIdentifier, value: '6F9619FF-8B86-D011-B42D-00C04FC964FF' },
      'uuid',
      '6f9619ff-8b86-d011-b42d-00c04fc964ff',
    ],
    [{ name: 'bin', type: TYPES.VarBinary, value: Buffer.from('00ff10', 'hex') }, 'bytea', '\\x00ff10'],
    [{ name: 'nulo', type: TYPES.Int, value: null }, 'integer', null],
  ];
  for (const [param, pgType, expected] of cases) {
    // `::text` shows the value exactly as PostgreSQL received it; numbers come back through the wire type.
    const textual = typeof expected === 'string';
    const [row] = await rowsOf(conn, `SELECT pg_typeof(@${param.name})::text AS t, @${param.name}${textual ? '::text' : ''} AS v`, [param]);
    t.equal(row!.t, pgType, `@${param.name} declared ${param.type.name} → ${pgType}`);
    t.equal(row!.v, expected, `@${param.name} value`);
  }
});

t.test('character parameters: NVARCHAR (UTF-16) and VARCHAR (CP1252) decode exactly; NULL stays NULL', async (t) => {
  const { sim } = await startSimulator(t);
  const conn = await connect(t, sim);
  const [row] = await rowsOf(conn, 'SELECT @n AS n, @v AS v, @nulo AS nulo, @long AS long', [
    { name: 'n', type: TYPES.NVarChar, value: 'Ñandú 🦜' },
    { name: 'v', type: TYPES.VarChar, value: 'Ñandú €' },
    { name: 'nulo', type: TYPES.NVarChar, value: null },
    { name: 'long', type: TYPES.NVarChar, value: 'x'.repeat(20_000), options: { length: Infinity } },
  ]);
  t.equal(row!.n, 'Ñandú 🦜');
  t.equal(row!.v, 'Ñandú €');
  t.equal(row!.nulo, null);
  t.equal((row!.long as string).length, 20_000, 'NVARCHAR(MAX) parameters arrive as PLP chunks');
});

t.test('a DATETIME2(7) cursor parameter compares at full precision (nothing equal to it is re-read)', async (t) => {
  const { sim } = await startSimulator(t);
  const conn = await connect(t, sim);
  await exec(conn, 'CREATE TABLE prov (cod INT, modificado DATETIME2(7))');
  await exec(
    conn,
    "INSERT INTO prov VALUES (1, '2026-03-01 09:30:00.123455'), (2, '2026-03-01 09:30:00.123456'), (3, '2026-03-01 09:30:00.123457')",
  );
  const rows = await rowsOf(conn, 'SELECT cod FROM prov WHERE modificado > @lastSync ORDER BY cod', [
    { name: 'lastSync', type: TYPES.DateTime2, value: withDelta('2026-03-01T09:30:00.123Z', 0.000456), options: { scale: 7 } },
  ]);
  t.same(rows, [{ cod: 3 }]);
});
