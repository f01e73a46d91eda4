/**
 * `make test`: prepares PostgreSQL (embedded unless DATABASE_URL is set), migrates a template
 * database that every test file clones, starts Babelfish (test/helpers/babelfish.ts) for the ERP
 * targets, runs tap, prints how many ERP tests ran on each target, and ends with the line CI reads:
 * `N passed, N failed` (assertion counts from tap's result files).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDb } from '../src/db/connect.ts';
import { ensureEmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { removeOrphanBabelfish, startBabelfish } from './helpers/babelfish.ts';
import { freePort } from './helpers/processes.ts';
import { prepareDatabase } from '../src/bin/bootstrap.ts';
import { applyRolesSql, OWNER_ROLE, RUNTIME_ROLE, urlAs } from '../src/db/roles.ts';
import { TEST_ROLE_PASSWORDS } from './helpers/db.ts';
import { targetSummary } from './helpers/target-tally.ts';

const TEMPLATE = 'parse_sync_template';

/** The roles of sql/roles.sql with test passwords: the template is owned and migrated by the owner role. */
async function prepareTemplate(adminUrl: string): Promise<void> {
  await applyRolesSql(adminUrl, TEST_ROLE_PASSWORDS);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE} OWNER ${OWNER_ROLE}`);
  await admin.end();
  const ownerUrl = urlAs(adminUrl, { role: OWNER_ROLE, password: TEST_ROLE_PASSWORDS.owner, database: TEMPLATE });
  const handle = createDb({ url: ownerUrl, max: 2 });
  await prepareDatabase(handle.db, ownerUrl, { runtimeRole: RUNTIME_ROLE });
  await handle.close();
}

/** tap's closing summary, e.g. `# { total: 28, pass: 27, fail: 1, skip: 2 }`. */
function parseSummary(output: string): { pass: number; fail: number; skip: number } | undefined {
  const line = [...output.matchAll(/^# \{ total: (\d+)(.*)\}$/gm)].at(-1);
  if (!line) return undefined;
  const field = (name: string) => Number(new RegExp(`${name}: (\\d+)`).exec(line[2] ?? '')?.[1] ?? 0);
  return { pass: field('pass'), fail: field('fail'), skip: field('skip') + field('todo') };
}

/** Clusters left by runs that died before cleaning up (a killed terminal, a closed pipe). */
async function removeOrphanClusters(): Promise<void> {
  for (const name of await readdir(os.tmpdir())) {
    const m = /^parse-sync-test-pg-(\d+)$/.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      process.kill(Number(m[1]), 0);
      continue; // its runner is alive
    } catch {
      /* runner gone: stop and remove */
    }
    const dataDir = path.join(os.tmpdir(), name);
    const pid = Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
    if (pid) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        /* already gone */
      }
    }
    await rm(dataDir, { recursive: true, force: true });
    await rm(`${dataDir}.password`, { force: true });
  }
}

async function main(): Promise<number> {
  // A closed pipe (`make test | head`) must not kill the runner before it stops its cluster.
  process.stdout.on('error', () => {});
  await removeOrphanClusters();
  let stop = async () => {};
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dataDir = path.join(os.tmpdir(), `parse-sync-test-pg-${process.pid}`);
    const port = await freePort();
    process.stdout.write(`test: starting embedded PostgreSQL on 127.0.0.1:${port}\n`);
    const cluster = await ensureEmbeddedPostgres({
      dataDir,
      port,
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '400' },
    });
    process.once('SIGINT', () => void cluster.stop().then(() => process.exit(130)));
    adminUrl = cluster.url;
    stop = async () => {
      await cluster.stop();
      await rm(dataDir, { recursive: true, force: true });
      await rm(`${dataDir}.password`, { force: true });
    };
  }
  const tallyDir = await mkdtemp(path.join(os.tmpdir(), 'parse-sync-targets-'));
  let stopBabelfish = async () => {};
  try {
    await prepareTemplate(adminUrl);
    await removeOrphanBabelfish();
    const bbf = await startBabelfish();
    process.stdout.write(`test: ${bbf.url ? `Babelfish on ${new URL(bbf.url).host}` : `Babelfish tests skipped: ${bbf.skip}`}\n`);
    stopBabelfish = bbf.stop;
    const bbfEnv = bbf.url ? { TEST_BABELFISH_URL: bbf.url } : { TEST_BABELFISH_SKIP: bbf.skip };
    let output = '';
    const code = await new Promise<number>((resolve) => {
      const child = spawn(path.resolve('node_modules/.bin/tap'), process.argv.slice(2), {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, TEST_PG_URL: adminUrl, TEST_TEMPLATE_DB: TEMPLATE, TEST_TARGET_TALLY: tallyDir, ...bbfEnv },
      });
      child.stdout.on('data', (chunk: Buffer) => {
        process.stdout.write(chunk);
        output += chunk.toString();
      });
      child.on('close', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
    });
    const { pass, fail, skip } = parseSummary(output) ?? { pass: 0, fail: 1, skip: 0 };
    // A crash tap did not count as an assertion is still a failure; tap's non-zero exit for files
    // that load no src/ code ("No coverage generated", e.g. the simulator's own tests run alone) is not.
    const noCoverageOnly = /^# No coverage generated$/m.test(output) && fail === 0 && pass > 0;
    const failed = code !== 0 && fail === 0 && !noCoverageOnly ? 1 : fail;
    process.stdout.write(await targetSummary(tallyDir));
    process.stdout.write(`${pass} passed, ${failed} failed${skip ? `, ${skip} skipped` : ''}\n`);
    return (code === 0 || noCoverageOnly) && failed === 0 ? 0 : 1;
  } finally {
    await stopBabelfish();
    await rm(tallyDir, { recursive: true, force: true });
    await stop();
  }
}

process.exitCode = await main();
