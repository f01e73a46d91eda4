/**
 * Where ERP-side tests run: the project's ERP SIMULATOR (TDS over loopback, backed by a fresh
 * PostgreSQL database) — or, when MSSQL_URL is set, a real SQL Server too.
 * MSSQL_URL form: mssql://user:password@127.0.0.1:1433/database
 */
import { createErpPool, type ErpConnectionOptions, type ErpPool } from '../../src/erp/erp-pool.ts';
import { startErpSimulator, type ErpSimulator } from '../erp-sim/index.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export interface ErpTarget {
  kind: 'simulator' | 'mssql';
  options: ErpConnectionOptions;
  pool: ErpPool;
  /** Present on the simulator only (fault injection, its PostgreSQL). */
  sim?: ErpSimulator;
  db?: TestDatabase;
}

const SIM_PASSWORD = 'Sim-Passw0rd!';

export async function simulatorTarget(
  t: { teardown(fn: () => unknown): void },
  opts: { tls?: 'off' | 'strict'; legacyVarcharColumns?: string[]; timeZone?: string; defaultLanguage?: string } = {},
): Promise<ErpTarget> {
  const db = await createTestDatabase(t, { empty: true });
  const sim = await startErpSimulator({ databaseUrl: db.url, user: 'hub_sync', password: SIM_PASSWORD, tls: opts.tls, legacyVarcharColumns: opts.legacyVarcharColumns, defaultLanguage: opts.defaultLanguage });
  const options: ErpConnectionOptions = {
    host: '127.0.0.1', port: sim.port, database: 'axioma', user: 'hub_sync', password: SIM_PASSWORD,
    encrypt: opts.tls === 'strict' ? 'strict' : 'off', trustServerCertificate: true, serverCertificatePem: sim.certificatePem, timeZone: opts.timeZone ?? 'America/Argentina/Buenos_Aires',
  };
  const pool = createErpPool(options);
  t.teardown(async () => {
    await pool.drain();
    await sim.close();
  });
  return { kind: 'simulator', options, pool, sim, db };
}

/** The real SQL Server of MSSQL_URL, or undefined (tests then report themselves skipped). */
export function mssqlTarget(t: { teardown(fn: () => unknown): void }, timeZone = 'America/Argentina/Buenos_Aires'): ErpTarget | undefined {
  const raw = process.env.MSSQL_URL;
  if (!raw) return undefined;
  const u = new URL(raw);
  const options: ErpConnectionOptions = {
    host: u.hostname, port: Number(u.port || 1433), database: u.pathname.slice(1) || 'master', user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password), encrypt: (u.searchParams.get('encrypt') as 'off' | 'on' | 'strict' | null) ?? 'on', trustServerCertificate: true, timeZone,
  };
  const pool = createErpPool(options);
  t.teardown(() => pool.drain());
  return { kind: 'mssql', options, pool };
}

export const MSSQL_SKIP = process.env.MSSQL_URL ? false : 'MSSQL_URL not set: the real SQL Server suite is opt-in';
