/**
 * ERP SIMULATOR: a large result streams — the simulator reads PostgreSQL through a cursor only as
 * fast as the client takes rows (socket back-pressure), so 200 000 rows never sit in memory.
 * Observed from outside: each row the cursor produces calls nextval() on a sequence, which other
 * sessions can read while the client is paused.
 */
import t from 'tap';
import { Request } from 'tedious';
import { connect, startSimulator } from './tedious-client.ts';

const TOTAL = 200_000;

t.test(`${TOTAL} rows stream with back-pressure: a paused client stops the PostgreSQL cursor`, async (t) => {
  const { sim, db } = await startSimulator(t);
  const conn = await connect(t, sim);
  await db.pool.query('CREATE SEQUENCE producidas');
  // ~440 bytes a row on the wire (a 200-character NVARCHAR): 88 MB in all, far more than socket buffers hold.
  const sql = `SELECT g AS n, nextval('producidas') AS seq, repeat('ñ', 200) AS pad FROM generate_series(1, ${TOTAL}) g`;
  const produced = async () => Number((await db.pool.query('SELECT last_value FROM producidas')).rows[0].last_value);

  let rows = 0;
  let sum = 0;
  let pausedAt = -1;
  let request!: Request;
  const done = new Promise<void>((resolve, reject) => {
    request = new Request(sql, (err) => (err ? reject(err) : resolve()));
    request.on('row', (cols) => {
      rows++;
      sum += cols[0]!.value as number;
      if (rows === 1000) {
        request.pause();
        pausedAt = rows;
      }
    });
    conn.execSqlBatch(request);
  });
  while (pausedAt < 0) await new Promise((r) => setTimeout(r, 20));
  // No fixed sleep decides the outcome: wait (however long a loaded machine needs) until the
  // server has stopped producing. A server without back-pressure would instead run to TOTAL, and
  // the bound below — socket buffers hold a few hundred KB, not 88 MB — holds at any speed.
  let whilePaused = await produced();
  for (let stable = 0; stable < 3;) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await produced();
    stable = now === whilePaused ? stable + 1 : 0;
    whilePaused = now;
  }
  t.ok(
    whilePaused < TOTAL / 4,
    `the cursor stays put while the client is paused: only ${whilePaused} of ${TOTAL} rows were read from PostgreSQL`,
  );
  t.equal(rows, 1000, 'the paused client received no more rows');
  request.resume();
  await done;
  t.equal(rows, TOTAL, 'every row arrived after resume');
  t.equal(sum, (TOTAL * (TOTAL + 1)) / 2, 'in order, none twice');
  t.equal(await produced(), TOTAL);
});
