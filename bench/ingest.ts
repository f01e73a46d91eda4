/**
 * Ingest: supplier rows pulled from the ERP SIMULATOR (its own process) through the whole path
 * (connector → mapping/transforms → hash → sync_data upsert → queue → checkpoint), beside
 * COPY of the same rows as JSONB into an identically indexed table, and seed 000's naive approach
 * (buffer everything, one INSERT … ON CONFLICT per row), in the same run.
 */
import { spawn } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import pino from 'pino';
import type { BenchContext } from './run.ts';
import { figure, type BenchFigure } from './results.ts';
import { createDb } from '../src/db/connect.ts';
import { upsertErpConnection } from '../src/db/erp-connections.ts';
import { sealErpPassword } from '../src/security/erp-password.ts';
import { createTenant } from '../src/db/tenants.ts';
import { createErpPool } from '../src/erp/erp-pool.ts';
import { createErpRegistry } from '../src/erp/erp-registry.ts';
import { createBoss } from '../src/queue/boss.ts';
import { createSyncQueue } from '../src/queue/sync-queue.ts';
import { createKeyring } from '../src/security/secret-box.ts';
import { payloadHash } from '../src/sync/canonical-json.ts';
import { RUNTIME_ROLE } from '../src/db/roles.ts';
import { ingestStages } from '../src/sync/ingest.ts';
import { runPull } from '../src/sync/pull.ts';
import { procDelta, procStats } from './proc-stats.ts';

const ROWS = Number(process.env.BENCH_INGEST_ROWS ?? 1_000_000);
const NAIVE_ROWS = 20_000;

export default async function run(ctx: BenchContext): Promise<BenchFigure[]> {
  const logger = pino({ level: 'warn' });
  const keyring = createKeyring(Buffer.alloc(32, 3).toString('base64'));
  const erpUrl = new URL(ctx.superuserUrl);
  erpUrl.pathname = '/bench_ingest_erp';
  const admin = new pg.Client({ connectionString: new URL('/postgres', ctx.superuserUrl).toString() });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS bench_ingest_erp WITH (FORCE)');
  await admin.query('CREATE DATABASE bench_ingest_erp');
  await admin.end();
  const erpPg = new pg.Client({ connectionString: erpUrl.toString() });
  await erpPg.connect();
  ctx.progress(`ERP simulator database: ${ROWS} suppliers`);
  await erpPg.query(`CREATE TABLE proveedores AS SELECT 'PRV-' || lpad(g::text, 8, '0') AS codprov, 'Proveedor ' || g || ' S.A.' AS razonsocial,
    '30-' || lpad(g::text, 8, '0') || '-1' AS cuit, (g * 1.5)::numeric(14,2) AS saldo, timestamp '2026-01-01' + g * interval '1 second' AS fechamodif
    FROM generate_series(1, ${ROWS}) g`);
  await erpPg.end();

  const sim = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      new URL('../test/erp-sim/main.ts', import.meta.url).pathname,
      '--port',
      '0',
      '--database-url',
      erpUrl.toString(),
      '--user',
      'sa',
      '--password',
      'Bench-Pw1',
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

  const dbh = createDb({ url: ctx.databaseUrl, max: 6 });
  const db = dbh.db;
  await createTenant(db, { id: 'bench', name: 'Bench', timezone: 'America/Argentina/Buenos_Aires' });
  await upsertErpConnection(db, {
    tenantId: 'bench',
    erpType: 'AXIOMA',
    host: '127.0.0.1',
    port,
    database: 'axioma',
    username: 'sa',
    password: sealErpPassword('Bench-Pw1', keyring, { tenantId: 'bench', erpType: 'AXIOMA' }),
    encrypt: 'off',
    trustServerCertificate: true,
  });
  const select = 'SELECT CodProv, RazonSocial, Cuit, Saldo, FechaModif FROM Proveedores';
  const config = await db
    .insertInto('sync_entity_config')
    .values({
      tenant_id: 'bench',
      entity_type: 'PROVEEDOR',
      erp_type: 'AXIOMA',
      primary_key: 'CodProv',
      direction: 'IN',
      queries: JSON.stringify({ select_all: select }),
      field_mapping: JSON.stringify({
        erp_to_hub: { CodProv: 'id', RazonSocial: 'nombre', Cuit: 'cuit', Saldo: 'saldo', FechaModif: 'modificado' },
      }),
      transform_rules: JSON.stringify([
        { rule: 'trim', field: 'nombre' },
        { rule: 'number', field: 'saldo', scale: 2 },
      ]),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const boss = createBoss({ url: ctx.databaseUrl, logger, supervise: false, schedule: false });
  await boss.start();
  const erp = createErpRegistry({ db, keyring, destinations: { allowPrivate: true } });
  const deps = { db, queue: createSyncQueue({ boss }), boss, erp, logger };

  let peakRss = process.memoryUsage().rss;
  // What holds the memory at its peak: V8 heap (used / reserved), buffers outside it, MB.
  const memory = { rss_mb_at_start: Math.round(peakRss / 1048576), heap_used_mb: 0, heap_total_mb: 0, external_mb: 0, array_buffers_mb: 0 };
  const rssTimer = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    memory.heap_used_mb = Math.max(memory.heap_used_mb, Math.round(m.heapUsed / 1048576));
    memory.heap_total_mb = Math.max(memory.heap_total_mb, Math.round(m.heapTotal / 1048576));
    memory.external_mb = Math.max(memory.external_mb, Math.round(m.external / 1048576));
    memory.array_buffers_mb = Math.max(memory.array_buffers_mb, Math.round(m.arrayBuffers / 1048576));
  }, 200);
  /**
   * Runs one pull with per-stage timings, summed over batches. Several batches are written at once
   * (pull.ts), so the stages add up to more than the wall time; `busy_ms` is the sum of the
   * top-level stages, and `busy_ms / wall_ms` how many batch stages ran at once on average.
   */
  const measuredPull = async (runId: string) => {
    const stages: Record<string, number> = {};
    const onStage = (m: unknown) => {
      const { stage, ms } = m as { stage: string; ms: number };
      stages[stage] = (stages[stage] ?? 0) + ms;
    };
    subscribe(ingestStages.name, onStage);
    const [self0, sim0] = [procStats(), procStats(sim.pid)];
    const t = performance.now();
    const result = await runPull(deps, { tenantId: 'bench', configId: config.id, runId });
    const wallMs = performance.now() - t;
    unsubscribe(ingestStages.name, onStage);
    // `outer.inner` stages are parts of `outer`: counted once.
    const busy = Object.entries(stages)
      .filter(([k]) => !k.includes('.'))
      .reduce((a, [, b]) => a + b, 0);
    const stages_ms = Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, Math.round(v)]));
    const detail = {
      rows: result.read,
      wall_ms: Math.round(wallMs),
      busy_ms: Math.round(busy),
      stages_ms,
      ingest_process: procDelta(self0, procStats()),
      erp_simulator: procDelta(sim0, procStats(sim.pid)),
    };
    ctx.progress(`${runId}: ${JSON.stringify(detail)}`);
    return { result, rate: result.read / (wallMs / 1000), detail };
  };
  ctx.progress('ingest.full_sync');
  const { result: full, rate: fullRate, detail: fullDetail } = await measuredPull('bench-full');
  ctx.progress(`full sync: ${JSON.stringify(full)} at ${fullRate.toFixed(0)} rows/s`);
  let t0: number;

  // The tuples the resync wrote, read off the rows: every sync_data row version written after
  // `start` carries a later xmin (a fresh bench database: no xid wraparound in between). The
  // statistics views cannot tell: each pool backend flushes its counts up to 10 s after its last
  // transaction, so the full sync's last batches were counted into the resync (2 000 once).
  const start = BigInt((await sql<{ x: string }>`select pg_current_xact_id()::text as x`.execute(db)).rows[0]!.x) % 2n ** 32n;
  ctx.progress('ingest.unchanged_resync');
  const { rate: unchangedRate, detail: unchangedDetail } = await measuredPull('bench-unchanged');
  const written = Number(
    (await sql<{ n: string }>`select count(*) n from sync_data where xmin::text::bigint > ${String(start)}::bigint`.execute(db)).rows[0]!.n,
  );
  clearInterval(rssTimer);
  const ingestPeakMb = Math.max(peakRss / 1048576, procStats()?.peakRssMb ?? 0);

  // The baselines' tables are created by the superuser: the runtime role may not create tables (least privilege).
  const su = new pg.Client({ connectionString: ctx.superuserUrl });
  await su.connect();
  for (const table of ['copy_target', 'naive_target']) {
    await su.query(`create table ${table} (like sync_data including all)`);
    await su.query(`grant select, insert, update, delete on ${table} to ${RUNTIME_ROLE}`);
    await su.query(`grant usage on all sequences in schema public to ${RUNTIME_ROLE}`);
  }
  await su.end();

  // Baseline: COPY of the same rows (as the pull produced them) as JSONB into an identically indexed table.
  ctx.progress('pg.copy_jsonb');
  const client = await dbh.pool.connect();
  const rows = (
    await client.query(`select tenant_id, entity_type, erp_type, entity_id, payload::text, payload_hash, sync_direction from sync_data`)
  ).rows as string[][];
  t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const stream = client.query(
      copyFrom('COPY copy_target (tenant_id, entity_type, erp_type, entity_id, payload, payload_hash, sync_direction) FROM STDIN'),
    );
    stream.on('finish', resolve).on('error', reject);
    const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
    let i = 0;
    const pump = () => {
      while (i < rows.length) {
        const r = Object.values(rows[i++]!) as string[];
        if (!stream.write(r.map(esc).join('\t') + '\n')) return void stream.once('drain', pump);
      }
      stream.end();
    };
    pump();
  });
  const copyRate = rows.length / ((performance.now() - t0) / 1000);
  client.release();

  // Baseline: seed 000's sketch — buffer the recordset, then one INSERT … ON CONFLICT per row.
  ctx.progress('ingest.naive_rowwise');
  const pool = createErpPool({
    host: '127.0.0.1',
    port,
    database: 'axioma',
    user: 'sa',
    password: 'Bench-Pw1',
    encrypt: 'off',
    trustServerCertificate: true,
    timeZone: 'UTC',
  });
  t0 = performance.now();
  const recordset = [];
  for await (const r of pool.query(`${select} WHERE CodProv <= 'PRV-${String(NAIVE_ROWS).padStart(8, '0')}'`)) recordset.push(r);
  for (const r of recordset) {
    const payload = { id: r.CodProv, nombre: r.RazonSocial, cuit: r.Cuit, saldo: r.Saldo, modificado: r.FechaModif };
    await sql`insert into naive_target (tenant_id, entity_type, erp_type, entity_id, payload, payload_hash, sync_direction)
              values ('bench', 'PROVEEDOR', 'AXIOMA', ${String(r.CodProv)}, ${JSON.stringify(payload)}::jsonb, ${payloadHash(payload)}, 'IN')
              on conflict (tenant_id, entity_type, erp_type, entity_id) do update set payload = excluded.payload`.execute(db);
  }
  const naiveRate = recordset.length / ((performance.now() - t0) / 1000);

  const simPeakMb = procStats(sim.pid)?.peakRssMb ?? null;
  await pool.drain();
  await erp.closeAll();
  await boss.stop({ graceful: false });
  await dbh.close();
  sim.kill('SIGTERM');
  return [
    figure('pg.copy_jsonb', copyRate, 'rows/s'),
    figure('ingest.naive_rowwise', naiveRate, 'rows/s'),
    figure('ingest.full_sync', fullRate, 'rows/s', { name: 'pg.copy_jsonb', value: copyRate }, fullDetail),
    figure('ingest.full_sync_vs_naive', fullRate, 'rows/s', { name: 'ingest.naive_rowwise', value: naiveRate }),
    figure('ingest.unchanged_resync', unchangedRate, 'rows/s', { name: 'ingest.full_sync', value: fullRate }, unchangedDetail),
    figure('ingest.unchanged_tuples_written', written, 'tuples'),
    figure('ingest.peak_rss_mb', ingestPeakMb, 'MB', null, { rows: full.read, erp_simulator_peak_rss_mb: simPeakMb, ...memory }),
  ];
}
