/**
 * Years 0001–0099 (SQL Server's minimum `0001-01-01` is a common "no date" value) survive ERP → Hub
 * and Hub → ERP, as parameters and bulk load. Date.UTC maps years 0–99 to 1900–1999, which turned
 * them into 1901 on the way to the ERP and made the `date` rule reject them.
 */
import { createRequire } from 'node:module';
import t from 'tap';
import { ExactTypes } from '../../src/erp/tedious-exact.ts';
import { bulkColumnType } from '../../src/erp/erp-column-types.ts';
import { datetime2Param } from '../../src/erp/erp-params.ts';
import { applyTransforms } from '../../src/sync/transforms.ts';
import { readTypeInfo, readValue } from '../erp-sim/tds-types.ts';
import { TdsReader } from '../erp-sim/tds-buffer.ts';
import { simulatorTarget } from '../helpers/erp-target.ts';

const ZONE = 'America/Argentina/Buenos_Aires';
// The process runs west of UTC, as a server with TZ set would: tedious's own date types checked the
// year in local time, so 0001-01-01T00:00Z (31 Dec 1 BC locally) was "Out of range".
process.env.TZ = ZONE;
const require = createRequire(import.meta.url);
const WritableTrackingBuffer = require('tedious/lib/tracking-buffer/writable-tracking-buffer.js') as new () => { data: Buffer };

/** The bytes tedious's own writer puts on the wire for a value, decoded by the simulator's TDS reader (no PostgreSQL in between). */
function onTheWire(type: (typeof ExactTypes)[keyof typeof ExactTypes], value: unknown, scale?: number): unknown {
  const buf = new WritableTrackingBuffer();
  const parameter = { value: type.validate(value, undefined), scale };
  type.writeTypeInfo(buf as never, parameter, { useUTC: true } as never);
  void type.writeValue(buf as never, parameter, { useUTC: true } as never);
  const r = new TdsReader(buf.data);
  return readValue(r, readTypeInfo(r));
}

t.test('all seven digits of 0099-12-31T23:59:59.9999999 go on the wire, as parameter and as bulk-load value', async (t) => {
  t.equal(onTheWire(ExactTypes.DateTime2, datetime2Param('0099-12-31T23:59:59.9999999'), 7), '0099-12-31 23:59:59.9999999', 'parameter');
  t.equal(onTheWire(ExactTypes.Date, datetime2Param('0001-01-01')), '0001-01-01');
  t.equal(onTheWire(ExactTypes.DateTime2, datetime2Param('0001-01-01T00:00:00.0000001'), 7), '0001-01-01 00:00:00.0000001');
  const ts = bulkColumnType('DATETIME2(7)');
  t.equal(onTheWire(ts.type, ts.convert('0099-12-31T23:59:59.9999999'), 7), '0099-12-31 23:59:59.9999999', 'bulk load');
  const d = bulkColumnType('DATE');
  t.equal(onTheWire(d.type, d.convert('0001-01-01')), '0001-01-01');
});

t.test('DATE and DATETIME2 of years 0001 and 0099, both ways', async (t) => {
  const { pool, db } = await simulatorTarget(t, { timeZone: ZONE });
  await pool.execute('CREATE TABLE fechas (id INT, d DATE, ts DATETIME2(7))');

  // Hub → ERP as parameters.
  await pool.execute('INSERT INTO fechas (id, d, ts) VALUES (1, @d, @ts)', {
    d: { type: 'date', value: '0001-01-01' },
    ts: { type: 'datetime2', value: '0001-01-01T00:00:00.0000000' },
  });
  await pool.execute('INSERT INTO fechas (id, d, ts) VALUES (2, @d, @ts)', {
    d: { type: 'date', value: '0099-12-31' },
    ts: { type: 'datetime2', value: '0099-12-31T23:59:59.999999' },
  });
  // Hub → ERP as a bulk load.
  await pool.bulkLoadAndMerge({
    table: 'fechas',
    columns: [
      { name: 'id', type: 'INT' },
      { name: 'd', type: 'DATE' },
      { name: 'ts', type: 'DATETIME2(7)' },
    ],
    rows: [
      { id: 3, d: '0001-01-01', ts: '0001-01-01T00:00:00.0000000' },
      { id: 4, d: '0099-12-31', ts: '0099-12-31T23:59:59.999999' },
    ],
    mergeSql: 'INSERT INTO fechas (id, d, ts) SELECT id, d, ts FROM {temp_table}',
  });
  // The simulator stores DATETIME2 in a PostgreSQL timestamp (µs, and it rounds .9999999 up to the next
  // day), so the stored values use 6 digits; the 7th digit of the write is checked below, in the value bound.
  const stored = await db!.pool.query(
    `SELECT id, to_char(d, 'YYYY-MM-DD') AS d, to_char(ts, 'YYYY-MM-DD HH24:MI:SS.US') AS ts FROM fechas ORDER BY id`,
  );
  t.same(
    stored.rows,
    [
      { id: 1, d: '0001-01-01', ts: '0001-01-01 00:00:00.000000' },
      { id: 2, d: '0099-12-31', ts: '0099-12-31 23:59:59.999999' },
      { id: 3, d: '0001-01-01', ts: '0001-01-01 00:00:00.000000' },
      { id: 4, d: '0099-12-31', ts: '0099-12-31 23:59:59.999999' },
    ],
    'the ERP stored years 1 and 99, not 1901 and 1999',
  );

  // ERP → Hub: as the pull converts rows.
  await db!.pool.query(
    `INSERT INTO fechas VALUES (5, '0001-01-01', '0001-01-01 00:00:00'), (6, '0099-12-31', '0099-12-31 23:59:59.999999')`,
  );
  const read = (await pool.execute('SELECT id, d, ts FROM fechas WHERE id IN (5, 6) ORDER BY id')).rows;
  t.same(read, [
    { id: 5, d: '0001-01-01', ts: '0001-01-01T00:00:00.0000000' },
    { id: 6, d: '0099-12-31', ts: '0099-12-31T23:59:59.9999990' },
  ]);

  // What tedious is handed for 0099-12-31T23:59:59.9999999: year 99 (not 1999), 999 ms + 9 999 × 100 ns.
  const bound = datetime2Param('0099-12-31T23:59:59.9999999')! as Date & { nanosecondDelta: number };
  t.equal(bound.toISOString(), '0099-12-31T23:59:59.999Z');
  t.equal(Math.round(bound.nanosecondDelta * 1e7), 9999);
  t.equal(datetime2Param('0001-01-01')!.toISOString(), '0001-01-01T00:00:00.000Z');

  // The `date` rule accepts what the pull produced.
  const rules = [
    { rule: 'date', field: 'd', date_only: true },
    { rule: 'date', field: 'ts' },
  ] as const;
  const first = applyTransforms(read[0]!, [...rules], { timeZone: ZONE });
  t.equal(first.d, '0001-01-01');
  t.equal(
    first.ts,
    '0001-01-01T00:00:00.0000000-03:54',
    'local mean time before 1920: the wall time is exact, the offset rounded to minutes',
  );
  const last = applyTransforms(read[1]!, [...rules], { timeZone: ZONE });
  t.equal(last.d, '0099-12-31');
  t.equal(last.ts, '0099-12-31T23:59:59.9999990-03:54');
});
