/**
 * ERP SIMULATOR tests: a thin promise layer over the real tedious client, so the simulator's
 * tests talk TDS exactly as the product's driver does, without depending on the connector in
 * src/erp (the simulator is checked on its own).
 */
import { Connection, Request, TYPES, type ConnectionConfiguration } from 'tedious';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startErpSimulator, type ErpSimulator, type ErpSimulatorOptions } from './index.ts';

export { TYPES };

export const SIM_USER = 'sa';
export const SIM_PASSWORD = 'Sim-Pa55word!';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A result set as tedious saw it: column metadata (type names, precision, scale) and values. */
export interface ResultSet {
  columns: { name: string; type: string; precision?: number; scale?: number; collation?: { codepage?: string } }[];
  rows: unknown[][];
}

export interface ExecResult {
  sets: ResultSet[];
  /** Sum of the DONE row counts, as tedious reports it. */
  rowCount: number;
}

export interface TypedParam {
  name: string;
  type: (typeof TYPES)[keyof typeof TYPES];
  value: unknown;
  options?: { precision?: number; scale?: number; length?: number };
}

/** A simulator over a fresh, empty PostgreSQL database; both go away when the test ends. */
export async function startSimulator(
  t: Teardown,
  opts: Partial<ErpSimulatorOptions> = {},
): Promise<{ sim: ErpSimulator; db: TestDatabase }> {
  const db = await createTestDatabase(t, { empty: true });
  const sim = await startErpSimulator({ databaseUrl: db.url, user: SIM_USER, password: SIM_PASSWORD, ...opts });
  t.teardown(() => sim.close());
  return { sim, db };
}

/** Connects with tedious; rejects with tedious's ConnectionError, `number` added from the server's ERROR token. */
export function connect(
  t: Teardown,
  sim: ErpSimulator & { certificatePem?: string },
  opts: { user?: string; password?: string; strict?: boolean; options?: ConnectionConfiguration['options'] } = {},
): Promise<Connection> {
  const conn = new Connection({
    server: sim.host,
    authentication: { type: 'default', options: { userName: opts.user ?? SIM_USER, password: opts.password ?? SIM_PASSWORD } },
    options: {
      port: sim.port,
      database: 'erp',
      encrypt: opts.strict ? 'strict' : false,
      ...(opts.strict ? { cryptoCredentialsDetails: { ca: sim.certificatePem } } : {}),
      connectTimeout: 10_000,
      requestTimeout: 30_000,
      useUTC: true,
      ...opts.options,
    },
  });
  let serverError: { number: number; state: number; class: number } | undefined;
  conn.on('errorMessage', (m) => void (serverError ??= { number: m.number, state: m.state, class: m.class }));
  conn.on('error', () => {});
  t.teardown(() => conn.close());
  return new Promise((resolve, reject) => {
    conn.connect((err) => (err ? reject(Object.assign(err, serverError)) : resolve(conn)));
  });
}

/**
 * Runs `sql`: as a SQL batch without parameters, as `sp_executesql` with them. Rejects with
 * tedious's RequestError (it carries the server's `number`, `state`, `class`).
 */
export function exec(conn: Connection, sql: string, params?: TypedParam[]): Promise<ExecResult> {
  const sets: ResultSet[] = [];
  return new Promise((resolve, reject) => {
    const request = new Request(sql, (err, rowCount) => (err ? reject(err) : resolve({ sets, rowCount: rowCount ?? 0 })));
    for (const p of params ?? []) request.addParameter(p.name, p.type, p.value, p.options);
    request.on('columnMetadata', (cols) => {
      const list = Array.isArray(cols) ? cols : Object.values(cols);
      sets.push({
        columns: list.map((c) => ({
          name: c.colName,
          type: c.type.name,
          precision: c.precision,
          scale: c.scale,
          collation: c.collation ? { codepage: c.collation.codepage } : undefined,
        })),
        rows: [],
      });
    });
    request.on('row', (cols) => {
      const list = Array.isArray(cols) ? cols : Object.values(cols);
      sets.at(-1)!.rows.push(list.map((c) => c.value));
    });
    if (params) conn.execSql(request);
    else conn.execSqlBatch(request);
  });
}

/** The rows of the only result set as objects keyed by column name. */
export async function rowsOf(conn: Connection, sql: string, params?: TypedParam[]): Promise<Record<string, unknown>[]> {
  const { sets } = await exec(conn, sql, params);
  const set = sets[0];
  if (!set) return [];
  return set.rows.map((r) => Object.fromEntries(set.columns.map((c, i) => [c.name, r[i]])));
}
