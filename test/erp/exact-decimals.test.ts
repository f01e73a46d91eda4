/**
 * DECIMAL / NUMERIC / MONEY / SMALLMONEY travel exactly, both ways, through the real tedious driver
 * and the ERP simulator: ERP → Hub as the pull path converts rows (pool.query → convertValue), Hub →
 * ERP as bound parameters and as a bulk load. Values are compared as text to the last digit, and
 * what landed is read back from the simulator's PostgreSQL as well, not only through the driver.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import t from 'tap';
import { exactDecodingInstalled, REVIEWED_TEDIOUS_VERSION, tediousReviewProblem } from '../../src/erp/tedious-exact.ts';
import { simulatorTarget } from '../helpers/erp-target.ts';

/** The test's own formatter (independent of src/core/decimal.ts): units of 10^-scale → text. */
function text(units: bigint, scale: number): string {
  const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
  const s = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return units < 0n ? `-${s}` : s;
}

const MONEY = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const SMALLMONEY = [-(2n ** 31n), 2n ** 31n - 1n] as const;

t.test('the exact reader is what tedious calls, and tedious is the reviewed, pinned release', async (t) => {
  t.ok(exactDecodingInstalled(), 'tedious value parser replaced');
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
  t.equal(pkg.dependencies.tedious, REVIEWED_TEDIOUS_VERSION, 'package.json pins tedious exactly: an upgrade is a reviewed change');
  const installed = JSON.parse(readFileSync(new URL('../../node_modules/tedious/package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  t.equal(installed.version, REVIEWED_TEDIOUS_VERSION);
  // An upgrade fails loudly instead of bringing the doubles back.
  t.match(tediousReviewProblem('20.4.0', {}), /tedious 20\.4\.0 is installed but .* reviewed against/);
  t.match(
    tediousReviewProblem(REVIEWED_TEDIOUS_VERSION, { 'row-token-parser.js': 'const result = readValue(parser.buffer)' }),
    /row-token-parser\.js no longer calls readValue/,
  );
  t.equal(
    tediousReviewProblem(REVIEWED_TEDIOUS_VERSION, { 'row-token-parser.js': '(0, _valueParser.readValue)(parser.buffer' }),
    undefined,
  );
});

t.test("the issue's values, ERP → Hub and Hub → ERP", async (t) => {
  const { pool, db } = await simulatorTarget(t);

  // Read: the bytes on the wire are exact, and so is the payload.
  const [read] = (
    await pool.execute(`SELECT CAST('-12345678901234.5678' AS MONEY) AS m1, CAST('922337203685477.5807' AS MONEY) AS m2,
    CAST('-922337203685477.5808' AS MONEY) AS m3, CAST('-214748.3648' AS SMALLMONEY) AS sm,
    CAST('999999999999999.9999' AS DECIMAL(19,4)) AS d19, CAST('2850590940090418135201' AS DECIMAL(22,0)) AS cuenta,
    CAST('-99999999999999999999999999999999999999' AS DECIMAL(38,0)) AS d38, CAST('0.00000000000000000000000000000000000001' AS DECIMAL(38,38)) AS tiny,
    CAST('-0.05' AS NUMERIC(10,2)) AS neg`)
  ).rows;
  t.same(read, {
    m1: '-12345678901234.5678',
    m2: '922337203685477.5807',
    m3: '-922337203685477.5808',
    sm: '-214748.3648',
    d19: '999999999999999.9999',
    cuenta: '2850590940090418135201',
    d38: '-99999999999999999999999999999999999999',
    tiny: '0.00000000000000000000000000000000000001',
    neg: '-0.05',
  });

  // The simulator narrows an unconstrained PostgreSQL numeric (served as DECIMAL(38,10)) by rounding,
  // as SQL Server narrows a decimal; it used to truncate (…6666).
  t.same((await pool.execute('SELECT CAST(2 AS NUMERIC) / 3 AS q')).rows, [{ q: '0.6666666667' }]);

  // Write: a MONEY parameter of 19.99 is 19.9900, not 19.9899; decimals beyond 2^53 keep every digit.
  await pool.execute('CREATE TABLE pagos (id INT, importe MONEY, chico SMALLMONEY, cuenta DECIMAL(22,0), grande DECIMAL(38,6))');
  await pool.execute('INSERT INTO pagos (id, importe, chico, cuenta, grande) VALUES (1, @importe, @chico, @cuenta, @grande)', {
    importe: { type: 'money', value: '19.99' },
    chico: { type: 'smallmoney', value: '214748.3647' },
    cuenta: { type: 'decimal', value: '2850590940090418135201' },
    grande: { type: 'decimal', value: '-12345678901234567890123456789012.123456', precision: 38, scale: 6 },
  });
  await pool.execute('INSERT INTO pagos (id, importe, cuenta) VALUES (2, @importe, @cuenta)', {
    importe: { type: 'money', value: 19.99 },
    cuenta: { type: 'decimal', value: '9007199254740993', precision: 22, scale: 0 },
  });
  const landed = await db!.pool.query('SELECT importe::text, chico::text, cuenta::text, grande::text FROM pagos ORDER BY id');
  t.same(
    landed.rows,
    [
      { importe: '19.9900', chico: '214748.3647', cuenta: '2850590940090418135201', grande: '-12345678901234567890123456789012.123456' },
      { importe: '19.9900', chico: null, cuenta: '9007199254740993', grande: null },
    ],
    "exactly what the Hub sent, in the ERP's own storage (a JS number 19.99 too)",
  );

  await t.rejects(
    pool.execute('SELECT @m AS m', { m: { type: 'money', value: '922337203685477.5808' } }),
    /out of range for MONEY/,
    'beyond MONEY is refused, not wrapped',
  );
  await t.rejects(
    pool.execute('SELECT @d AS d', { d: { type: 'decimal', value: '1.5e', precision: 5, scale: 2 } }),
    /not a decimal number/,
  );
  await t.rejects(
    pool.execute('SELECT @d AS d', { d: { type: 'decimal', value: '1234.5', precision: 5, scale: 2 } }),
    /1234\.5 does not fit DECIMAL\(5, 2\)/,
    'beyond the precision is refused, not truncated',
  );
  await t.rejects(
    pool.bulkLoadAndMerge({
      table: 'pagos',
      columns: [{ name: 'cuenta', type: 'DECIMAL(3,0)' }],
      rows: [{ cuenta: '1000' }],
      mergeSql: 'SELECT 1',
    }),
    /1000 does not fit DECIMAL\(3, 0\)/,
  );
});

t.test('a 1 000-row bulk load of i/100 MONEY values sums to exactly 4995.0000', async (t) => {
  const { pool, db } = await simulatorTarget(t);
  await pool.execute('CREATE TABLE movimientos (id INT PRIMARY KEY, importe MONEY)');
  const rows = Array.from({ length: 1000 }, (_, i) => ({ id: i, importe: i / 100 })); // JSON numbers, as the Hub sends them
  const r = await pool.bulkLoadAndMerge({
    table: 'movimientos',
    columns: [
      { name: 'id', type: 'INT', nullable: false },
      { name: 'importe', type: 'MONEY' },
    ],
    rows,
    mergeSql: 'INSERT INTO movimientos (id, importe) SELECT id, importe FROM {temp_table}',
  });
  t.same(r, { loaded: 1000, merged: 1000 });
  t.equal((await db!.pool.query('SELECT sum(importe)::text AS s FROM movimientos')).rows[0].s, '4995.0000');
  t.same((await pool.execute('SELECT CAST(SUM(importe) AS MONEY) AS s FROM movimientos')).rows, [{ s: '4995.0000' }]);
  t.same((await pool.execute('SELECT importe FROM movimientos WHERE id = 29')).rows, [{ importe: '0.2900' }]);
  // ~37 KB of numeric cells spans several TDS packets: a value split across two is decoded exactly too.
  const all = [];
  for await (const row of pool.query(
    'SELECT id, importe, CAST(importe AS DECIMAL(38,4)) AS d, CAST(importe AS NUMERIC(9,2)) AS n FROM movimientos ORDER BY id',
  ))
    all.push(row);
  const cents = (i: number) => `${Math.floor(i / 100)}.${String(i % 100).padStart(2, '0')}`;
  t.same(
    all,
    rows.map(({ id }) => ({ id, importe: `${cents(id)}00`, d: `${cents(id)}00`, n: cents(id) })),
  );
});

interface Sample {
  sql: string;
  param: Record<string, unknown>;
  bulk: string;
  expected: string;
}

/** DECIMAL(p,s) for every precision 1..38 and scale 0..p, edges included. */
const decimalSample: fc.Arbitrary<Sample> = fc
  .integer({ min: 1, max: 38 })
  .chain((p) =>
    fc.tuple(
      fc.constant(p),
      fc.integer({ min: 0, max: p }),
      fc.oneof(
        fc.bigInt({ min: -(10n ** BigInt(p)) + 1n, max: 10n ** BigInt(p) - 1n }),
        fc.constantFrom(0n, 10n ** BigInt(p) - 1n, -(10n ** BigInt(p)) + 1n, 1n, -1n),
      ),
    ),
  )
  .map(([p, s, units]) => ({
    sql: `DECIMAL(${p},${s})`,
    param: { type: 'decimal', precision: p, scale: s },
    bulk: `DECIMAL(${p},${s})`,
    expected: text(units, s),
  }));

const moneySample = (kind: 'MONEY' | 'SMALLMONEY', [min, max]: readonly [bigint, bigint]): fc.Arbitrary<Sample> =>
  fc.oneof(fc.bigInt({ min, max }), fc.constantFrom(min, max, 0n, 199900n, -1n)).map((units) => ({
    sql: kind,
    param: { type: kind.toLowerCase() },
    bulk: kind,
    expected: text(units, 4),
  }));

const samples = fc.array(
  fc.oneof(
    { arbitrary: decimalSample, weight: 4 },
    { arbitrary: moneySample('MONEY', MONEY), weight: 1 },
    { arbitrary: moneySample('SMALLMONEY', SMALLMONEY), weight: 1 },
  ),
  { minLength: 1, maxLength: 12 },
);

t.test('property: random decimals of every precision and scale, MONEY and SMALLMONEY, round-trip unchanged both ways', async (t) => {
  const { pool, db } = await simulatorTarget(t);
  let run = 0;
  await fc.assert(
    fc.asyncProperty(samples, async (list) => {
      // ERP → Hub: the column's wire type decoded by tedious, converted as a pull converts rows.
      const read = (await pool.execute(`SELECT ${list.map((s, i) => `CAST('${s.expected}' AS ${s.sql}) AS v${i}`).join(', ')}`)).rows[0]!;
      for (const [i, s] of list.entries())
        if (read[`v${i}`] !== s.expected) throw new Error(`read ${s.sql} ${s.expected} → ${String(read[`v${i}`])}`);

      // Hub → ERP as parameters: what the server received (as text) and what comes back out.
      const params = Object.fromEntries(list.map((s, i) => [`p${i}`, { ...s.param, value: s.expected }]));
      const bound = (
        await pool.execute(`SELECT ${list.map((_, i) => `CAST(@p${i} AS VARCHAR(60)) AS t${i}, @p${i} AS b${i}`).join(', ')}`, params)
      ).rows[0]!;
      for (const [i, s] of list.entries()) {
        if (bound[`t${i}`] !== s.expected || bound[`b${i}`] !== s.expected)
          throw new Error(`param ${s.sql} ${s.expected} landed as ${String(bound[`t${i}`])} / ${String(bound[`b${i}`])}`);
      }

      // Hub → ERP as a bulk load: one column per sample, read back from the ERP's storage.
      const table = `exactos_${++run}`;
      const columns = list.map((s, i) => ({ name: `c${i}`, type: s.bulk }));
      await pool.execute(`CREATE TABLE ${table} (${columns.map((c) => `${c.name} ${c.type}`).join(', ')})`);
      await pool.bulkLoadAndMerge({
        table,
        columns,
        rows: [Object.fromEntries(list.map((s, i) => [`c${i}`, s.expected]))],
        mergeSql: `INSERT INTO ${table} SELECT * FROM {temp_table}`,
      });
      const stored = (await db!.pool.query(`SELECT ${columns.map((c) => `${c.name}::text`).join(', ')} FROM ${table}`)).rows[0] as Record<
        string,
        string
      >;
      for (const [i, s] of list.entries())
        if (stored[`c${i}`] !== s.expected) throw new Error(`bulk ${s.sql} ${s.expected} stored as ${stored[`c${i}`]}`);
    }),
    { numRuns: 40 },
  );
  t.pass('every sample exact in all three paths');
});
