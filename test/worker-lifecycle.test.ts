import t from 'tap';
import { createTestDatabase } from './helpers/db.ts';
import { finished, startBin, TEST_SECRET_KEY, waitForOutput } from './helpers/processes.ts';

t.test('the worker starts, says "worker ready", and exits 0 within 10 s of SIGTERM', async (t) => {
  const { url, pool } = await createTestDatabase(t);
  const worker = startBin('worker', [], { env: { DATABASE_URL: url, SYNC_SECRET_KEY: TEST_SECRET_KEY } });
  t.teardown(() => worker.kill('SIGKILL'));
  await waitForOutput(worker, /worker ready/, 60_000);
  const schemas = await pool.query(`select 1 from information_schema.schemata where schema_name = 'pgboss'`);
  t.equal(schemas.rowCount, 1, 'pg-boss created its schema in the same database');

  const started = Date.now();
  worker.kill('SIGTERM');
  const r = await finished(worker, 12_000);
  t.equal(r.code, 0);
  t.ok(Date.now() - started < 10_000, `stopped in ${Date.now() - started} ms`);
  t.match(r.stdout, /worker stopping/);
});
