/**
 * `make bench [BENCH=group]`: runs benchmark groups (bench/<group>.ts) against a throwaway
 * PostgreSQL (embedded unless DATABASE_URL is set), prints a table and merges the figures into
 * bench/results.json. Benchmarks never fail CI: they measure, each beside its baseline.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { WORKER_NODE_FLAGS } from '../src/bin/node-flags.ts';
import { ensureEmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { figure, saveFigures, type BenchFigure } from './results.ts';

export interface BenchContext {
  /** An empty, migrated database of its own, as the runtime role. */
  databaseUrl: string;
  /** The same database as the cluster's superuser: for test tooling only (the ERP simulator's tables). */
  superuserUrl: string;
  progress(message: string): void;
}

export type BenchGroup = (ctx: BenchContext) => Promise<BenchFigure[]>;

const GROUPS = ['queue', 'erp', 'api', 'ingest'];

const BENCH_ROLE_PASSWORDS = { owner: 'bench-owner-pw', app: 'bench-app-pw' };

/**
 * Each group runs in a process of its own on the shared cluster, so one group's memory and JIT
 * state do not count in the next one's figures (the ingest's peak RSS began at 487 MB after the
 * queue, ERP and API groups had run in the same process). The child writes its figures to a file.
 */
async function runInChild(group: string, adminUrl: string): Promise<BenchFigure[]> {
  const out = path.join(os.tmpdir(), `parse-sync-bench-${process.pid}-${group}.json`);
  // The queue, ERP and ingest groups run the worker's code in their own process, so with the worker's
  // node flags; the API group starts a server, which runs without them (as in production).
  const flags = group === 'api' ? [] : WORKER_NODE_FLAGS;
  const child = spawn(process.execPath, [...process.execArgv, ...flags, fileURLToPath(import.meta.url), group], {
    env: { ...process.env, DATABASE_URL: adminUrl, BENCH_FIGURES_OUT: out },
    stdio: 'inherit',
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`bench ${group}: its process exited with code ${code}`);
  const figures = JSON.parse(await readFile(out, 'utf8')) as BenchFigure[];
  await rm(out, { force: true });
  return figures;
}

/** A database owned and migrated by sql/roles.sql's owner role; the figures run as the runtime role, like the product. */
async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  const { applyRolesSql, OWNER_ROLE, RUNTIME_ROLE, urlAs } = await import('../src/db/roles.ts');
  await applyRolesSql(adminUrl, BENCH_ROLE_PASSWORDS);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await client.query(`CREATE DATABASE ${name} OWNER ${OWNER_ROLE}`);
  await client.end();
  const ownerUrl = urlAs(adminUrl, { role: OWNER_ROLE, password: BENCH_ROLE_PASSWORDS.owner, database: name });
  const { createDb } = await import('../src/db/connect.ts');
  const { prepareDatabase } = await import('../src/bin/bootstrap.ts');
  const h = createDb({ url: ownerUrl, max: 2 });
  await prepareDatabase(h.db, ownerUrl, { runtimeRole: RUNTIME_ROLE });
  await h.close();
  return urlAs(adminUrl, { role: RUNTIME_ROLE, password: BENCH_ROLE_PASSWORDS.app, database: name });
}

async function main(): Promise<void> {
  const wanted = process.argv[2] ? [process.argv[2]] : GROUPS;
  const unknown = wanted.filter((g) => !GROUPS.includes(g));
  if (unknown.length) throw new Error(`unknown bench group ${unknown.join(', ')}; groups: ${GROUPS.join(', ')}`);
  let adminUrl = process.env.DATABASE_URL;
  let stop = async () => {};
  if (!adminUrl) {
    const dataDir = path.join(os.tmpdir(), `parse-sync-bench-pg-${process.pid}`);
    const cluster = await ensureEmbeddedPostgres({
      dataDir,
      port: 5400 + (process.pid % 500),
      settings: { max_connections: '200', shared_buffers: '256MB' },
    });
    adminUrl = cluster.url;
    stop = async () => {
      await cluster.stop();
      await rm(dataDir, { recursive: true, force: true });
      await rm(`${dataDir}.password`, { force: true });
    };
  }
  const all: BenchFigure[] = [];
  try {
    const separate = !process.env.BENCH_FIGURES_OUT;
    if (separate) for (const group of wanted) all.push(...(await runInChild(group, adminUrl)));
    for (const group of separate ? [] : wanted) {
      const file = new URL(`./${group}.ts`, import.meta.url);
      if (!existsSync(file)) {
        process.stdout.write(`bench ${group}: not written yet, skipped\n`);
        continue;
      }
      const run = (await import(file.href)).default as BenchGroup;
      const databaseUrl = await freshDatabase(adminUrl, `bench_${group}`);
      const started = Date.now();
      const superuserUrl = new URL(`/bench_${group}`, adminUrl).toString();
      const figures = await run({ databaseUrl, superuserUrl, progress: (m) => process.stdout.write(`bench ${group}: ${m}\n`) });
      process.stdout.write(`bench ${group}: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      await saveFigures(figures);
      all.push(...figures);
    }
  } finally {
    await stop();
  }
  if (process.env.BENCH_FIGURES_OUT) {
    await writeFile(process.env.BENCH_FIGURES_OUT, JSON.stringify(all));
    return;
  }
  const rows = all.map((f) => [f.name, `${f.value} ${f.unit}`, f.baseline ?? '', f.baseline_value ?? '', f.ratio ?? '']);
  const widths = [0, 1, 2, 3, 4].map((i) =>
    Math.max(...[['figure', 'value', 'baseline', 'baseline value', 'ratio'], ...rows].map((r) => String(r[i]).length)),
  );
  for (const r of [['figure', 'value', 'baseline', 'baseline value', 'ratio'], ...rows]) {
    process.stdout.write(r.map((c, i) => String(c).padEnd(widths[i]!)).join('  ') + '\n');
  }
  process.stdout.write(`results: bench/results.json\n`);
}

export { figure };
await main();
