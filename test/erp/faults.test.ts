/**
 * Connector behaviour under faults. Most cases need the simulator's fault injection, TLS strict or
 * its PostgreSQL, and say so on the other targets; login failure and pooling run everywhere.
 */
import t from 'tap';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createErpPool } from '../../src/erp/erp-pool.ts';
import { eachTarget } from '../helpers/erp-target.ts';

const simulatorOnly = (why: string) => ({ not: { babelfish: why, mssql: why } });
const FAULTS = simulatorOnly('fault injection (dropAfterRows, failNext, delay) is a simulator feature');

eachTarget(
  t,
  'a connection dropped mid-stream surfaces RetryableErpError and leaves no half-applied transaction',
  FAULTS,
  async (t, { pool, sim }) => {
    await pool.execute('CREATE TABLE pagos (nro INT PRIMARY KEY, importe DECIMAL(12,2))');
    await pool.execute(
      `INSERT INTO pagos (nro, importe) VALUES ${Array.from({ length: 50 }, (_, i) => `(${i + 1}, ${i + 1}.50)`).join(', ')}`,
    );
    sim!.faults.dropAfterRows(10);
    const seen: unknown[] = [];
    await t.rejects(
      (async () => {
        for await (const r of pool.query('SELECT nro FROM pagos ORDER BY nro', {}, { name: 'select_all' })) seen.push(r.nro);
      })(),
      { name: 'RetryableErpError', code: 'ERP_TRANSIENT', statement: 'select_all' },
    );
    t.ok(seen.length <= 10, `stopped after ${seen.length} rows`);

    sim!.faults.dropAfterRows(1);
    await t.rejects(
      pool.transaction(async (tx) => {
        await tx.execute('INSERT INTO pagos (nro, importe) VALUES (@n, 1)', { n: 1001 });
        for await (const _ of tx.query('SELECT nro FROM pagos')) void _;
      }),
      { code: 'ERP_TRANSIENT' },
    );
    const after = (await pool.execute('SELECT nro FROM pagos WHERE nro = 1001')).rows;
    t.same(after, [], 'the insert of the broken transaction is not there');
    t.equal((await pool.execute('SELECT nro FROM pagos')).rows.length, 50, 'the pool replaced the broken connection');
  },
);

eachTarget(t, 'injected SQL Server errors are classified by number', FAULTS, async (t, { pool, sim }) => {
  for (const [number, code] of [
    [1205, 'ERP_TRANSIENT'],
    [4060, 'ERP_TRANSIENT'],
    [40613, 'ERP_TRANSIENT'],
    [2627, 'ERP_PERMANENT'],
    [547, 'ERP_PERMANENT'],
    [229, 'ERP_PERMANENT'],
  ] as const) {
    sim!.faults.failNext(number, `simulated ${number}`);
    await t.rejects(pool.execute('SELECT 1 AS x', {}, { name: 'insert' }), { code, number, statement: 'insert' }, `${number} → ${code}`);
  }
  sim!.faults.delay(300);
  const started = Date.now();
  await pool.execute('SELECT 1 AS x');
  t.ok(Date.now() - started >= 300, 'responses can be delayed');
});

eachTarget(t, 'a request timeout is retryable', FAULTS, async (t, { options, sim }) => {
  const slow = createErpPool({ ...options, requestTimeoutMs: 200 });
  t.teardown(() => slow.drain());
  await slow.execute('SELECT 1 AS warm');
  sim!.faults.delay(1000);
  await t.rejects(slow.execute('SELECT 1 AS x'), { code: 'ERP_TRANSIENT', driverCode: 'ETIMEOUT' });
  sim!.faults.reset();
});

eachTarget(t, 'wrong password → PermanentErpError 18456, and the password is in no error', {}, async (t, { options }) => {
  const bad = createErpPool({ ...options, password: 'Wr0ng-Secret!' });
  t.teardown(() => bad.drain());
  const err = (await bad.execute('SELECT 1 AS x').then(
    () => new Error('connected with a wrong password'),
    (e: unknown) => e,
  )) as Error;
  t.match(err, {
    name: 'PermanentErpError',
    code: 'ERP_PERMANENT',
    number: 18456,
    message: new RegExp(`Login failed for user .${options.user}.`),
  });
  const text = JSON.stringify({ ...err, message: err.message, stack: err.stack });
  t.notOk(text.includes('Wr0ng-Secret') || text.includes(options.password), 'neither password appears');
});

eachTarget(
  t,
  'encrypt strict (TDS 8, TLS first) works',
  {
    not: { babelfish: 'no TDS 8 strict (the socket closes)', mssql: "the test pins the simulator's own certificate" },
    simulator: { tls: 'strict' },
  },
  async (t, { pool, sim }) => {
    t.match(sim!.certificatePem, /BEGIN CERTIFICATE/, 'the simulator made a self-signed certificate, which the client pins');
    const r = await pool.testConnection();
    t.match(r, { ok: true, serverVersion: /SQL Server/, database: 'axioma' });
    t.type(r.latencyMs, 'number');
  },
);

eachTarget(t, 'legacy VARCHAR columns arrive in code page 1252 and decode correctly', {}, async (t, { pool }) => {
  await pool.execute('CREATE TABLE prov (cod INT, razon_social VARCHAR(100))');
  await pool.execute('INSERT INTO prov (cod, razon_social) VALUES (1, @n)', { n: 'Ñandú – “Café” €' });
  t.same((await pool.execute('SELECT razon_social FROM prov')).rows, [{ razon_social: 'Ñandú – “Café” €' }]);
});

eachTarget(t, 'pool: connections are reused, and drain closes them', {}, async (t, { options }) => {
  const pool = createErpPool({ ...options, pool: { max: 2 } });
  for (let i = 0; i < 5; i++) await pool.execute('SELECT 1 AS x');
  t.same(pool.stats(), { used: 0, free: 1, pending: 0 }, 'five statements, one connection');
  await Promise.all([pool.execute('SELECT 1 AS x'), pool.execute('SELECT 2 AS x'), pool.execute('SELECT 3 AS x')]);
  t.ok(pool.stats().free <= 2, 'never more than max');
  await pool.drain();
  t.same(pool.stats(), { used: 0, free: 0, pending: 0 });
});

eachTarget(
  t,
  '200 000 rows stream with flat memory, even with a slow consumer (back-pressure)',
  simulatorOnly("the rows are made in the simulator's PostgreSQL (kept lean: one 90 MB stream per run)"),
  async (t, { pool, db }) => {
    await db!.pool.query(
      `create table grande as select g as id, repeat('x', 200) || g as texto, (g * 1.25)::numeric(12,2) as importe from generate_series(1, 200000) g`,
    );
    // Live memory, not garbage: force a collection before each sample.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    const base = process.memoryUsage().heapUsed;
    let peak = 0;
    let n = 0;
    let sum = 0;
    for await (const r of pool.query('SELECT id, texto, importe FROM grande ORDER BY id')) {
      n++;
      sum += Number(r.importe);
      if (n % 20_000 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - base);
        if (n === 20_000) await new Promise((r) => setTimeout(r, 300)); // a slow consumer: the driver must pause, not buffer
      }
    }
    t.equal(n, 200_000);
    t.equal(sum.toFixed(2), ((1.25 * (200_000 * 200_001)) / 2).toFixed(2), 'every row, exact');
    t.ok(peak < 20 * 1024 * 1024, `live heap grew at most ${(peak / 1048576).toFixed(1)} MB (the result set is ~90 MB as JS strings)`);
  },
);

eachTarget(
  t,
  'a consumer slower than the ERP still lets the process read its other sockets (an event-loop turn every 128 rows)',
  simulatorOnly("the rows are made in the simulator's PostgreSQL"),
  async (t, { pool, db }) => {
    await db!.pool.query(`create table turnos as select g as id from generate_series(1, 5000) g`);
    // Rows handed over between two turns of the event loop (where sockets are read and timers run).
    let n = 0;
    let atTurn = 0;
    let longest = 0;
    let reading = true;
    const turn = () => {
      longest = Math.max(longest, n - atTurn);
      atTurn = n;
      if (reading) setImmediate(turn);
    };
    setImmediate(turn);
    for await (const r of pool.query('SELECT id FROM turnos ORDER BY id')) {
      n++;
      // Slower than the driver, so rows are always buffered: without the turns they would all run back to back.
      for (const end = performance.now() + 0.05; performance.now() < end;) void r;
    }
    reading = false;
    t.equal(n, 5000);
    t.ok(longest <= 128, `at most ${longest} rows between two turns`);
  },
);
