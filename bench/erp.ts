/**
 * ERP streaming: 1 000 000 rows × 10 mixed-type columns from the ERP SIMULATOR through the
 * connector (values converted), beside the same rows read straight from the same PostgreSQL table
 * with a server-side cursor — in the same run.
 */
import pg from 'pg';
import type { BenchContext } from './run.ts';
import { figure, type BenchFigure } from './results.ts';
import { createErpPool } from '../src/erp/erp-pool.ts';
import { spawn } from 'node:child_process';

const ROWS = Number(process.env.BENCH_ERP_ROWS ?? 1_000_000);

export default async function run(ctx: BenchContext): Promise<BenchFigure[]> {
  const client = new pg.Client({ connectionString: ctx.superuserUrl });
  await client.connect();
  ctx.progress(`creating ${ROWS} rows`);
  await client.query(`CREATE TABLE proveedores AS
    SELECT g AS id, 'PRV-' || g AS codigo, 'Proveedor número ' || g AS nombre, (g * 1.37)::numeric(14,2) AS saldo,
           (g % 2 = 0) AS activo, timestamp '2026-01-01' + g * interval '1 second' AS modificado,
           md5(g::text)::uuid AS guid, (g % 1000)::int2 AS zona, g::float8 / 7 AS ratio, decode(lpad(to_hex(g), 8, '0'), 'hex') AS firma
    FROM generate_series(1, ${ROWS}) g`);

  // The simulator runs in its own process, so the RSS measured here is the connector's alone.
  const sim = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      new URL('../test/erp-sim/main.ts', import.meta.url).pathname,
      '--port',
      '0',
      '--database-url',
      ctx.superuserUrl,
      '--user',
      'sa',
      '--password',
      'Bench-Pw1',
      '--legacy-varchar',
      'codigo',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    sim.stdout!.on('data', (c: Buffer) => {
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(c.toString());
      if (m) resolve(Number(m[1]));
    });
    sim.once('exit', () => reject(new Error('ERP simulator exited')));
  });
  const pool = createErpPool({
    host: '127.0.0.1',
    port,
    database: 'axioma',
    user: 'sa',
    password: 'Bench-Pw1',
    encrypt: 'off',
    trustServerCertificate: true,
    timeZone: 'America/Argentina/Buenos_Aires',
  });
  ctx.progress('connector through the simulator');
  let peakRss = process.memoryUsage().rss;
  let t0 = performance.now();
  let n = 0;
  for await (const _row of pool.query('SELECT id, codigo, nombre, saldo, activo, modificado, guid, zona, ratio, firma FROM proveedores')) {
    if (++n % 50_000 === 0) {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (n % 200_000 === 0) ctx.progress(`${n} rows`);
    }
  }
  const rate = n / ((performance.now() - t0) / 1000);
  await pool.drain();
  sim.kill('SIGTERM');

  // Baseline after the measured stream, so its buffers do not count in the connector's RSS.
  ctx.progress('baseline: pg cursor');
  t0 = performance.now();
  await client.query('BEGIN');
  await client.query('DECLARE c NO SCROLL CURSOR FOR SELECT * FROM proveedores');
  let raw = 0;
  for (;;) {
    const r = await client.query('FETCH 5000 FROM c');
    raw += r.rows.length;
    if (r.rows.length < 5000) break;
  }
  await client.query('COMMIT');
  const rawRate = raw / ((performance.now() - t0) / 1000);

  await client.end();
  return [
    figure('erp.sim_raw_rows', rawRate, 'rows/s'),
    figure('erp.stream_rows', rate, 'rows/s', { name: 'erp.sim_raw_rows', value: rawRate }),
    figure('erp.stream_peak_rss_mb', peakRss / 1048576, 'MB'),
  ];
}
