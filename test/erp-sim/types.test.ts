/**
 * ERP SIMULATOR: every PostgreSQL type it serves arrives at tedious as the documented SQL Server
 * wire type, with the right value — and NULL of each.
 */
import t from 'tap';
import { connect, exec, startSimulator } from './tedious-client.ts';

t.test('each PostgreSQL type goes out as its SQL Server wire type, values and NULLs intact', async (t) => {
  const { sim, db } = await startSimulator(t, { legacyVarcharColumns: ['razon_vieja'] });
  const conn = await connect(t, sim); // the first session creates the simulator's domains (datetime, legacy_varchar…)
  await db.pool.query(`CREATE TABLE tipos (
    n int, i2 int2, i4 int4, i8 int8, dec numeric(18,4), mon money, txt text, vc varchar(40), leg legacy_varchar, razon_vieja text,
    ts timestamp, tstz timestamptz, dt datetime, b boolean, u uuid, bin bytea, f float8, d date)`);
  await db.pool.query(`SET lc_monetary = 'C'; INSERT INTO tipos VALUES
    (1, 32767, -2147483648, 9007199254740993, 12345678901234.5678, 1234.56, 'Ñandú 🦜', 'cañón', 'Ñandú', 'Pingüino €',
     '2026-03-01 09:30:00.123456', '2026-03-01 12:30:00.5+02', '2026-03-01 09:30:00.125', true,
     '6f9619ff-8b86-d011-b42d-00c04fc964ff', '\\xdeadbeef', 3.14159, '2026-03-01'),
    (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`);

  const { sets } = await exec(conn, 'SELECT * FROM tipos ORDER BY n');
  const set = sets[0]!;
  const col = Object.fromEntries(set.columns.map((c) => [c.name, c]));
  t.same(
    Object.fromEntries(set.columns.map((c) => [c.name, c.type])),
    {
      n: 'IntN',
      i2: 'IntN',
      i4: 'IntN',
      i8: 'IntN',
      dec: 'DecimalN',
      mon: 'MoneyN',
      txt: 'NVarChar',
      vc: 'NVarChar',
      leg: 'VarChar',
      razon_vieja: 'VarChar',
      ts: 'DateTime2',
      tstz: 'DateTimeOffset',
      dt: 'DateTimeN',
      b: 'BitN',
      u: 'UniqueIdentifier',
      bin: 'VarBinary',
      f: 'FloatN',
      d: 'Date',
    },
    'wire types',
  );
  t.equal(col.dec!.precision, 18);
  t.equal(col.dec!.scale, 4);
  t.equal(col.ts!.scale, 7, 'timestamp → DATETIME2(7)');
  t.equal(col.leg!.collation?.codepage, 'CP1252', 'legacy VARCHAR carries a code page 1252 collation');

  const [full, nulls] = set.rows.map((r) => Object.fromEntries(set.columns.map((c, i) => [c.name, r[i]]))) as Record<string, unknown>[];
  t.equal(full!.i2, 32767);
  t.equal(full!.i4, -2147483648);
  t.equal(full!.i8, '9007199254740993', 'BIGINT beyond 2^53 exact (tedious returns it as a string)');
  // tedious's own double, as the simulator sends it (src/erp decodes the exact digits instead).
  // eslint-disable-next-line no-loss-of-precision
  t.equal(full!.dec, 12345678901234.5678);
  t.equal(full!.mon, 1234.56);
  t.equal(full!.txt, 'Ñandú 🦜', 'NVARCHAR is UTF-16, astral characters included');
  t.equal(full!.vc, 'cañón');
  t.equal(full!.leg, 'Ñandú', 'CP1252 bytes decode back to Ñandú');
  t.equal(full!.razon_vieja, 'Pingüino €', 'a column named in legacyVarcharColumns is VARCHAR too (€ is 0x80 in CP1252)');
  const ts = full!.ts as Date & { nanosecondsDelta?: number };
  t.equal(ts.toISOString(), '2026-03-01T09:30:00.123Z');
  t.equal(Math.round((ts.nanosecondsDelta ?? 0) * 1e7), 4560, 'the sub-millisecond digits arrive (7 digits on the wire)');
  t.equal((full!.tstz as Date).toISOString(), '2026-03-01T10:30:00.500Z', 'DATETIMEOFFSET is the same instant');
  t.equal(
    (full!.dt as Date).toISOString(),
    '2026-03-01T09:30:00.127Z',
    'legacy DATETIME ticks are 1/300 s: .125 becomes .127, as on SQL Server',
  );
  t.equal(full!.b, true);
  t.equal(full!.u, '6F9619FF-8B86-D011-B42D-00C04FC964FF', 'GUID bytes in mixed-endian order');
  t.same(full!.bin, Buffer.from('deadbeef', 'hex'));
  t.equal(full!.f, 3.14159);
  t.equal((full!.d as Date).toISOString(), '2026-03-01T00:00:00.000Z');
  for (const [name, value] of Object.entries(nulls!)) if (name !== 'n') t.equal(value, null, `${name} NULL`);
});

t.test('negative decimals and money, false bits, empty strings, dates before 1970', async (t) => {
  const { sim } = await startSimulator(t);
  const conn = await connect(t, sim);
  await exec(conn, 'CREATE TABLE saldos (m MONEY)'); // T-SQL MONEY becomes the tsql_money domain, served as MONEY
  await exec(conn, 'INSERT INTO saldos (m) VALUES (-1234.5)');
  const { sets } = await exec(
    conn,
    `SELECT CAST(-0.05 AS numeric(10,2)) AS d, m, false AS b, '' AS s,
    CAST('1900-01-01 00:00:00' AS datetime) AS legacy, CAST('0001-01-01 00:00:00' AS timestamp) AS first_day FROM saldos`,
  );
  const [d, m, b, s, legacy, firstDay] = sets[0]!.rows[0]!;
  t.equal(d, -0.05);
  t.equal(m, -1234.5);
  t.equal(sets[0]!.columns[1]!.type, 'MoneyN', 'a T-SQL MONEY column goes out as MONEY');
  t.equal(b, false);
  t.equal(s, '');
  t.equal((legacy as Date).toISOString(), '1900-01-01T00:00:00.000Z', 'DATETIME day 0');
  t.equal((firstDay as Date).toISOString(), '0001-01-01T00:00:00.000Z', 'DATETIME2 day 0');
});
