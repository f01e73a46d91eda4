/**
 * Where ERP-side tests run. Three T-SQL engines, one switch:
 * - `simulator`: the project's ERP SIMULATOR (TDS over loopback, backed by a fresh PostgreSQL database);
 * - `babelfish`: Babelfish for PostgreSQL (../shared/babelfish), started once by test/run-suite.ts,
 *   which passes it as TEST_BABELFISH_URL (or TEST_BABELFISH_SKIP with the reason it could not);
 * - `mssql`: a real SQL Server, when MSSQL_URL is set (mssql://user:password@127.0.0.1:1433/master).
 * ERP_TARGET=simulator|babelfish|both (default both) chooses between the first two. On Babelfish and
 * SQL Server every call gets its own database (CREATE DATABASE), so test files run in parallel.
 * Each test registered through `eachTarget` is tallied for the runner's per-target summary.
 */
import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Test } from 'tap';
import { createErpPool, type ErpConnectionOptions, type ErpPool } from '../../src/erp/erp-pool.ts';
import { startErpSimulator, type ErpSimulator } from '../erp-sim/index.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export type ErpTargetKind = 'simulator' | 'babelfish' | 'mssql';

export interface ErpTarget {
  kind: ErpTargetKind;
  options: ErpConnectionOptions;
  pool: ErpPool;
  /** Present on the simulator only (fault injection, its PostgreSQL). */
  sim?: ErpSimulator;
  db?: TestDatabase;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

const SIM_PASSWORD = 'Sim-Passw0rd!';
const DEFAULT_ZONE = 'America/Argentina/Buenos_Aires';

export async function simulatorTarget(
  t: Teardown,
  opts: { tls?: 'off' | 'strict'; legacyVarcharColumns?: string[]; timeZone?: string; defaultLanguage?: string } = {},
): Promise<ErpTarget> {
  const db = await createTestDatabase(t, { empty: true });
  const sim = await startErpSimulator({
    databaseUrl: db.url,
    user: 'hub_sync',
    password: SIM_PASSWORD,
    tls: opts.tls,
    legacyVarcharColumns: opts.legacyVarcharColumns,
    defaultLanguage: opts.defaultLanguage,
  });
  const options: ErpConnectionOptions = {
    host: '127.0.0.1',
    port: sim.port,
    database: 'axioma',
    user: 'hub_sync',
    password: SIM_PASSWORD,
    encrypt: opts.tls === 'strict' ? 'strict' : 'off',
    trustServerCertificate: true,
    serverCertificatePem: sim.certificatePem,
    timeZone: opts.timeZone ?? DEFAULT_ZONE,
  };
  const pool = createErpPool(options);
  t.teardown(async () => {
    await pool.drain();
    await sim.close();
  });
  return { kind: 'simulator', options, pool, sim, db };
}

function optionsFromUrl(raw: string, timeZone: string, defaultEncrypt: 'off' | 'on'): ErpConnectionOptions {
  const u = new URL(raw);
  return {
    host: u.hostname,
    port: Number(u.port || 1433),
    database: u.pathname.slice(1) || 'master',
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    encrypt: (u.searchParams.get('encrypt') as 'off' | 'on' | 'strict' | null) ?? defaultEncrypt,
    trustServerCertificate: true,
    timeZone,
  };
}

/**
 * Babelfish's CREATE/DROP DATABASE fail when another session runs one at the same moment
 * ("tuple concurrently updated", nothing left behind), and test files run in parallel: try again.
 */
async function retryingCatalogRace<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 40 || !/concurrently updated/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 25 + Math.random() * 100));
    }
  }
}

/** A fresh database on a T-SQL server (Babelfish in multi-db mode, SQL Server), dropped at teardown. */
async function ownDatabase(t: Teardown, kind: 'babelfish' | 'mssql', server: ErpConnectionOptions): Promise<ErpTarget> {
  const master = createErpPool({ ...server, database: 'master', pool: { max: 1 } });
  const name = `t_${randomBytes(6).toString('hex')}`;
  await retryingCatalogRace(() => master.execute(`CREATE DATABASE ${name}`));
  const options = { ...server, database: name };
  const pool = createErpPool(options);
  t.teardown(async () => {
    await pool.drain();
    await retryingCatalogRace(() => master.execute(`DROP DATABASE ${name}`)).catch(() => undefined); // the server may be stopping
    await master.drain();
  });
  return { kind, options, pool };
}

/** Babelfish, in a database of its own. Call only when `skipReason('babelfish')` is false. */
export function babelfishTarget(t: Teardown, timeZone = DEFAULT_ZONE): Promise<ErpTarget> {
  const url = process.env.TEST_BABELFISH_URL;
  if (!url) throw new Error(`Babelfish is not available: ${skipReason('babelfish')}`);
  return ownDatabase(t, 'babelfish', optionsFromUrl(url, timeZone, 'off'));
}

/** The real SQL Server of MSSQL_URL, in a database of its own. */
export function mssqlTarget(t: Teardown, timeZone = DEFAULT_ZONE): Promise<ErpTarget> {
  const url = process.env.MSSQL_URL;
  if (!url) throw new Error('MSSQL_URL is not set');
  return ownDatabase(t, 'mssql', optionsFromUrl(url, timeZone, 'on'));
}

export function startTarget(
  t: Teardown,
  kind: ErpTargetKind,
  timeZone = DEFAULT_ZONE,
  simulator: EachTargetOptions['simulator'] = {},
): Promise<ErpTarget> {
  if (kind === 'simulator') return simulatorTarget(t, { ...simulator, timeZone });
  return kind === 'babelfish' ? babelfishTarget(t, timeZone) : mssqlTarget(t, timeZone);
}

/** Why tests on `kind` do not run in this process, or false when they do. */
export function skipReason(kind: ErpTargetKind): string | false {
  const selected = (process.env.ERP_TARGET ?? 'both').toLowerCase();
  if (kind === 'mssql') return process.env.MSSQL_URL ? false : 'MSSQL_URL not set: the real SQL Server suite is opt-in';
  if (selected !== 'both' && selected !== kind) return `ERP_TARGET=${selected}`;
  if (kind === 'babelfish' && !process.env.TEST_BABELFISH_URL) {
    return process.env.TEST_BABELFISH_SKIP ?? 'Babelfish not started: run the suite through test/run-suite.ts (make test)';
  }
  return false;
}

export const MSSQL_SKIP = skipReason('mssql');
/** Babelfish's answer to MERGE; downloads there use `merge_strategy: update_insert`. */
export const NO_MERGE = "no MERGE ('MERGE' is not currently supported in Babelfish): downloads use merge_strategy update_insert";

/**
 * Records that a target test ran or was skipped, for the runner's summary
 * (TEST_TARGET_TALLY is a directory; one file per test process, one line per test).
 */
function tally(kind: ErpTargetKind, outcome: 'ran' | 'skipped', name: string, reason = ''): void {
  const dir = process.env.TEST_TARGET_TALLY;
  if (!dir) return;
  const file = path.relative(process.cwd(), process.argv[1] ?? '');
  appendFileSync(
    path.join(dir, `${process.pid}.tsv`),
    `${[kind, outcome, file, name, reason].map((s) => s.replace(/[\t\n]/g, ' ')).join('\t')}\n`,
  );
}

/**
 * For a step inside an `eachTarget` test that only some targets can run: the skip reason on the
 * others (tallied like a skipped test), false where it runs.
 */
export function stepSkip(target: ErpTarget, step: string, only: ErpTargetKind[], reason: string): string | false {
  if (only.includes(target.kind)) return false;
  tally(target.kind, 'skipped', step, `${target.kind}: ${reason}`);
  return `${target.kind}: ${reason}`;
}

export interface EachTargetOptions {
  /** Targets that cannot run this test, each with the reason (e.g. `{ babelfish: 'no MERGE' }`). */
  not?: Partial<Record<ErpTargetKind, string>>;
  timeZone?: string;
  /** Simulator options (TLS strict, CP1252 columns). */
  simulator?: { tls?: 'off' | 'strict'; legacyVarcharColumns?: string[] };
}

/**
 * Registers `name [kind]` once per target — simulator, Babelfish, SQL Server — each with a fresh
 * target, or skipped with its reason (never silently absent).
 */
export function eachTarget(t: Test, name: string, opts: EachTargetOptions, fn: (t: Test, target: ErpTarget) => Promise<void>): void {
  for (const kind of ['simulator', 'babelfish', 'mssql'] as const) {
    // An absent target is reported as such first; a target that cannot run this test, second.
    const reason = skipReason(kind) || (opts.not?.[kind] ? `${kind}: ${opts.not[kind]}` : false);
    const title = `${name} [${kind}]`;
    if (reason) {
      tally(kind, 'skipped', title, reason);
      t.test(title, { skip: reason }, async () => {});
      continue;
    }
    t.test(title, async (tt) => {
      tally(kind, 'ran', title);
      await fn(tt, await startTarget(tt, kind, opts.timeZone, opts.simulator));
    });
  }
}
