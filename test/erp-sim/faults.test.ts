/**
 * ERP SIMULATOR fault injection (dropAfterRows, delay, failNext) and ATTENTION (tedious cancel).
 */
import t from 'tap';
import { Request, type Connection } from 'tedious';
import { connect, exec, rowsOf, startSimulator } from './tedious-client.ts';

/** Runs a batch counting the rows that arrive before it ends or fails. */
function countRows(
  conn: Connection,
  sql: string,
  onRow?: (n: number, request: Request) => void,
): Promise<{ rows: number; error?: Error & { code?: string } }> {
  let rows = 0;
  return new Promise((resolve) => {
    const request = new Request(sql, (error) => resolve({ rows, error: error ?? undefined }));
    request.on('row', () => {
      rows++;
      onRow?.(rows, request);
    });
    conn.execSqlBatch(request);
  });
}

const tx = (conn: Connection, op: 'beginTransaction') =>
  new Promise<void>((resolve, reject) => conn[op]((err) => (err ? reject(err) : resolve())));

t.test('dropAfterRows: the connection is lost after exactly n rows, and the open transaction with it', async (t) => {
  const { sim, db } = await startSimulator(t);
  const conn = await connect(t, sim);
  await exec(conn, 'CREATE TABLE marcas (n INT)');
  await tx(conn, 'beginTransaction');
  await exec(conn, 'INSERT INTO marcas VALUES (1)');
  sim.faults.dropAfterRows(5);
  await exec(conn, 'INSERT INTO marcas VALUES (2)'); // no result set: the fault waits for one
  const r = await countRows(conn, 'SELECT g FROM generate_series(1, 10000) g');
  t.equal(r.rows, 5, 'exactly 5 rows arrived');
  t.match(r.error?.code, /^(ESOCKET|ECONNRESET)$/, `then tedious reports a lost connection (${r.error?.message})`);
  await new Promise((resolve) => setTimeout(resolve, 300)); // the simulator's PostgreSQL session ends with the socket
  t.equal((await db.pool.query('SELECT count(*)::int AS n FROM marcas')).rows[0].n, 0, 'the half-done transaction was rolled back');

  const again = await connect(t, sim);
  t.equal((await countRows(again, 'SELECT g FROM generate_series(1, 10000) g')).rows, 10000, 'the fault fires once');
});

t.test('delay: every response waits; reset clears it', async (t) => {
  const { sim } = await startSimulator(t);
  const conn = await connect(t, sim);
  sim.faults.delay(400);
  let started = Date.now();
  await exec(conn, 'SELECT 1');
  t.ok(Date.now() - started >= 390, `delayed ${Date.now() - started} ms`);
  sim.faults.reset();
  started = Date.now();
  await exec(conn, 'SELECT 1');
  t.ok(Date.now() - started < 300, 'no delay after reset');
});

t.test('failNext: the next statement answers with the chosen SQL Server error, once', async (t) => {
  const { sim } = await startSimulator(t);
  const conn = await connect(t, sim);
  sim.faults.failNext(1205, 'Transaction was deadlocked (simulated).');
  await t.rejects(exec(conn, 'SELECT 1'), { number: 1205, message: 'Transaction was deadlocked (simulated).' });
  t.same(await rowsOf(conn, 'SELECT 2 AS n'), [{ n: 2 }], 'only once');

  sim.faults.failNext(4060);
  const fresh = await connect(t, sim); // tedious's connection set-up (SET options) does not consume the fault
  await t.rejects(exec(fresh, 'SELECT 1'), { number: 4060, message: /4060/ });
});

t.test('ATTENTION: cancel stops a running query and a stream; the connection stays usable', async (t) => {
  const { sim } = await startSimulator(t);
  const conn = await connect(t, sim);
  let started = Date.now();
  const sleeping = countRows(conn, 'SELECT pg_sleep(20)');
  setTimeout(() => (conn as unknown as { cancel(): void }).cancel(), 200);
  const slept = await sleeping;
  t.match(slept.error, { code: 'ECANCEL' });
  t.ok(Date.now() - started < 5000, `PostgreSQL's query was cancelled too (${Date.now() - started} ms)`);
  t.same(await rowsOf(conn, 'SELECT 3 AS n'), [{ n: 3 }], 'next request answered normally');

  started = Date.now();
  const streamed = await countRows(conn, "SELECT g, repeat('x', 100) AS pad FROM generate_series(1, 2000000) g", (n) => {
    if (n === 100) (conn as unknown as { cancel(): void }).cancel();
  });
  t.match(streamed.error, { code: 'ECANCEL' });
  t.ok(streamed.rows < 2_000_000, `the stream stopped early (${streamed.rows} rows)`);
  t.same(await rowsOf(conn, 'SELECT 4 AS n'), [{ n: 4 }]);
});
