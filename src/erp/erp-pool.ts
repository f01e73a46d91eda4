/**
 * A pool of raw tedious connections per ERP connection (tarn). Reads stream with back-pressure;
 * writes run in transactions; download tables go #temp + bulk load + MERGE on one connection.
 */
import { isSqlIdentifier } from '../core/sql-identifier.ts';
import { AsyncLocalStorage } from 'node:async_hooks';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { Pool } from 'tarn';
import { Connection, Request } from 'tedious';
import { bulkColumnType } from './erp-column-types.ts';
import { classifyErpError, PermanentErpError } from './erp-errors.ts';
import { bindParams, type ErpParams } from './erp-params.ts';
import { convertValue, type ErpRow } from './erp-values.ts';
import { updateInsertStatements, type UpdateInsertStrategy } from './update-insert.ts';

export interface ErpConnectionOptions {
  host: string;
  port?: number;
  instanceName?: string | null;
  database: string;
  user: string;
  /** Decrypted in memory only; never logged, never part of an error. */
  password: string;
  encrypt: 'off' | 'on' | 'strict';
  trustServerCertificate: boolean;
  /**
   * PEM certificate (or CA) to trust for this server: how a self-signed on-premise SQL Server is
   * accepted in `strict` mode, where trustServerCertificate does not apply.
   */
  serverCertificatePem?: string;
  /** Connect timeout, ms. */
  connectTimeoutMs?: number;
  /** Per-request timeout, ms: long by default, a full pull of a large table takes a while. */
  requestTimeoutMs?: number;
  packetSize?: number;
  /** IANA zone of the tenant: zone-less datetime columns are read as its local time. */
  timeZone: string;
  pool?: { min?: number; max?: number };
}

export const ERP_CONNECT_TIMEOUT_DEFAULT_MS = 15_000;
const ERP_REQUEST_TIMEOUT_DEFAULT_MS = 30 * 60_000;
/** Rows buffered before the driver is paused (back-pressure towards the ERP). */
const HIGH_WATER = 500;
/**
 * Rows handed to the consumer between two turns of the event loop. Buffered rows are delivered as
 * promise continuations, which run before any I/O: a consumer slower than the ERP never let the
 * process read anything else (the answers to a pull's statements waited up to 300 ms behind it).
 */
const ROWS_PER_TURN = 128;

export interface StatementOptions {
  /** The configured statement's name (`select_since`, `insert`), carried by errors. */
  name?: string;
  /** Called with each result set's columns (name and tedious type name, e.g. `DateTimeN`). */
  onColumns?: (columns: { name: string; type: string }[]) => void;
}

export interface ErpSession {
  query(sql: string, params?: ErpParams, opts?: StatementOptions): AsyncIterable<ErpRow>;
  execute(sql: string, params?: ErpParams, opts?: StatementOptions): Promise<{ rowsAffected: number; rows: ErpRow[] }>;
}

export interface BulkMergeInput {
  table: string;
  columns: { name: string; type: string; nullable?: boolean }[];
  rows: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>;
  /** The configured MERGE; `{temp_table}` is replaced by the loaded temporary table. */
  mergeSql?: string;
  /** Instead of a MERGE (engines without one): UPDATE … JOIN + INSERT … WHERE NOT EXISTS (+ deactivate missing). */
  updateInsert?: UpdateInsertStrategy;
}

type Conn = Connection & { dead?: boolean };
/** What tedious hands to a 'row' listener. */
interface ColumnValue {
  value: unknown;
  metadata: { colName: string; type: { name: string }; scale?: number; precision?: number };
}
const inTransaction = new AsyncLocalStorage<boolean>();
let tempSeq = 0;

function connect(o: ErpConnectionOptions): Promise<Conn> {
  const conn = new Connection({
    server: o.host,
    authentication: { type: 'default', options: { userName: o.user, password: o.password } },
    options: {
      port: o.instanceName ? undefined : (o.port ?? 1433),
      instanceName: o.instanceName ?? undefined,
      database: o.database,
      encrypt: o.encrypt === 'strict' ? 'strict' : o.encrypt === 'on',
      trustServerCertificate: o.trustServerCertificate,
      connectTimeout: o.connectTimeoutMs ?? ERP_CONNECT_TIMEOUT_DEFAULT_MS,
      requestTimeout: o.requestTimeoutMs ?? ERP_REQUEST_TIMEOUT_DEFAULT_MS,
      packetSize: o.packetSize ?? 16_384,
      useUTC: true,
      ...(o.serverCertificatePem ? { cryptoCredentialsDetails: { ca: o.serverCertificatePem } } : {}),
      rowCollectionOnRequestCompletion: false,
    },
  }) as Conn;
  // The server's ERROR token (e.g. 18456) carries the number a ConnectionError lacks.
  let serverError: { number: number; state: number } | undefined;
  conn.on('errorMessage', (m: { number: number; state: number }) => void (serverError = { number: m.number, state: m.state }));
  return new Promise((resolve, reject) => {
    conn.once('connect', (err) => (err ? reject(classifyErpError(Object.assign(err, serverError), 'connect')) : resolve(conn)));
    conn.on('end', () => void (conn.dead = true));
    conn.on('error', () => void (conn.dead = true));
    conn.connect();
  });
}

function rowOf(columns: ColumnValue[], timeZone: string): ErpRow {
  const row: ErpRow = {};
  for (const c of columns) row[c.metadata.colName] = convertValue(c.value, c.metadata, timeZone);
  return row;
}

function sessionOn(conn: Conn, timeZone: string, release?: (broken: boolean) => void): ErpSession {
  return {
    async *query(sql, params, opts) {
      const rows: ErpRow[] = [];
      let finished = false;
      let failure: unknown;
      let paused = false;
      let wake: (() => void) | undefined;
      const request = new Request(sql, (err) => {
        finished = true;
        failure = err;
        wake?.();
      });
      bindParams(request, params);
      if (opts?.onColumns) {
        request.on('columnMetadata', (cols) =>
          opts.onColumns!((Array.isArray(cols) ? cols : Object.values(cols)).map((c) => ({ name: c.colName, type: c.type.name }))),
        );
      }
      request.on('row', (columns: ColumnValue[]) => {
        rows.push(rowOf(columns, timeZone));
        if (rows.length >= HIGH_WATER && !paused) {
          paused = true;
          request.pause();
        }
        wake?.();
      });
      conn.execSql(request);
      let handed = 0;
      try {
        for (;;) {
          const row = rows.shift();
          if (row) {
            if (paused && rows.length < HIGH_WATER / 2) {
              paused = false;
              request.resume();
            }
            if (++handed % ROWS_PER_TURN === 0) await yieldToIo();
            yield row;
          } else if (finished) break;
          else await new Promise<void>((r) => (wake = r));
        }
        if (failure) throw classifyErpError(failure, opts?.name);
      } finally {
        if (!finished) {
          // The consumer stopped early: cancel, and wait until the connection is idle again.
          const done = new Promise<void>((r) => (wake = r));
          if (paused) request.resume();
          conn.cancel();
          await done;
        }
        release?.(Boolean(conn.dead));
      }
    },
    execute(sql, params, opts) {
      return new Promise((resolve, reject) => {
        const rows: ErpRow[] = [];
        const request = new Request(sql, (err, rowCount) => {
          release?.(Boolean(conn.dead));
          if (err) reject(classifyErpError(err, opts?.name));
          else resolve({ rowsAffected: rowCount ?? 0, rows });
        });
        bindParams(request, params);
        request.on('row', (columns: ColumnValue[]) => rows.push(rowOf(columns, timeZone)));
        conn.execSql(request);
      });
    },
  };
}

/** Runs a batch without sp_executesql: #temp tables it creates outlive it on the connection. */
function batch(conn: Conn, sql: string, name?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    conn.execSqlBatch(new Request(sql, (err) => (err ? reject(classifyErpError(err, name)) : resolve())));
  });
}

function txStep(conn: Conn, step: 'beginTransaction' | 'commitTransaction' | 'rollbackTransaction'): Promise<void> {
  return new Promise((resolve, reject) => conn[step]((err?: Error | null) => (err ? reject(classifyErpError(err, step)) : resolve())));
}

export function createErpPool(o: ErpConnectionOptions) {
  const pool = new Pool<Conn>({
    create: () => connect(o),
    destroy: (c) => c.close(),
    validate: (c) => !c.dead,
    min: o.pool?.min ?? 0,
    max: o.pool?.max ?? 4,
    acquireTimeoutMillis: (o.connectTimeoutMs ?? ERP_CONNECT_TIMEOUT_DEFAULT_MS) + 5_000,
    idleTimeoutMillis: 60_000,
    propagateCreateError: true,
  });
  const acquire = async () => {
    try {
      return await pool.acquire().promise;
    } catch (err) {
      throw classifyErpError(err, 'connect');
    }
  };
  const releaser = (conn: Conn) => (broken: boolean) => {
    // A broken connection is closed and marked; tarn's validate() discards it on the next acquire.
    if (broken && !conn.dead) {
      conn.dead = true;
      conn.close();
    }
    pool.release(conn);
  };

  async function transaction<T>(
    fn: (tx: ErpSession & { batch(sql: string, name?: string): Promise<void>; connection: Conn }) => Promise<T>,
  ): Promise<T> {
    if (inTransaction.getStore())
      throw new PermanentErpError('nested ERP transactions are not supported: use the transaction you are in', {
        statement: 'transaction',
      });
    const conn = await acquire();
    let broken = false;
    try {
      await txStep(conn, 'beginTransaction');
      const tx = { ...sessionOn(conn, o.timeZone), batch: (sql: string, name?: string) => batch(conn, sql, name), connection: conn };
      const result = await inTransaction.run(true, () => fn(tx));
      await txStep(conn, 'commitTransaction');
      return result;
    } catch (err) {
      if (!conn.dead) await txStep(conn, 'rollbackTransaction').catch(() => void (broken = true));
      throw classifyErpError(err);
    } finally {
      releaser(conn)(broken || Boolean(conn.dead));
    }
  }

  return {
    /** Streams rows; a result set is never buffered whole. Breaking out of the loop cancels the query. */
    async *query(sql: string, params?: ErpParams, opts?: StatementOptions): AsyncIterable<ErpRow> {
      const conn = await acquire();
      yield* sessionOn(conn, o.timeZone, releaser(conn)).query(sql, params, opts);
    },
    async execute(sql: string, params?: ErpParams, opts?: StatementOptions) {
      const conn = await acquire();
      return sessionOn(conn, o.timeZone, releaser(conn)).execute(sql, params, opts);
    },
    transaction,
    /**
     * #temp_<table>_<n> from `columns`, bulk-loaded, then the MERGE (or its UPDATE + INSERT
     * equivalent) — one connection, one transaction. `merged` counts the rows each statement touched.
     */
    async bulkLoadAndMerge(input: BulkMergeInput): Promise<{ loaded: number; merged: number }> {
      // 101: `#temp_<table>_<n>` must stay within a temporary table's 116 characters.
      if (!isSqlIdentifier(input.table, 101))
        throw new PermanentErpError(`invalid table name '${input.table}'`, { statement: 'bulk_load' });
      if (!input.mergeSql === !input.updateInsert)
        throw new PermanentErpError('a download needs exactly one of a MERGE statement or the update_insert strategy', {
          statement: 'merge',
        });
      for (const c of input.columns)
        if (!isSqlIdentifier(c.name)) throw new PermanentErpError(`invalid column name '${c.name}'`, { statement: 'bulk_load' });
      const types = input.columns.map((c) => ({ ...c, bulk: bulkColumnType(c.type) }));
      const temp = `#temp_${input.table}_${++tempSeq}`;
      const statements = input.updateInsert
        ? updateInsertStatements(
            input.updateInsert,
            input.columns.map((c) => c.name),
            temp,
          )
        : [{ name: 'merge', sql: input.mergeSql!.replaceAll('{temp_table}', temp), params: {} }];
      return transaction(async (tx) => {
        await tx.batch(
          `CREATE TABLE ${temp} (${types.map((c) => `[${c.name}] ${c.type} ${c.nullable === false ? 'NOT NULL' : 'NULL'}`).join(', ')})`,
          'create_temp',
        );
        const loaded = await new Promise<number>((resolve, reject) => {
          const bulk = tx.connection.newBulkLoad(temp, { keepNulls: true }, (err, count) =>
            err ? reject(classifyErpError(err, 'bulk_load')) : resolve(count ?? 0),
          );
          for (const c of types) bulk.addColumn(c.name, c.bulk.type, { ...c.bulk.options, nullable: c.nullable !== false });
          const rows = (async function* () {
            for await (const r of input.rows) yield Object.fromEntries(types.map((c) => [c.name, c.bulk.convert(r[c.name])]));
          })();
          tx.connection.execBulkLoad(bulk, rows);
        });
        let merged = 0;
        for (const st of statements) merged += (await tx.execute(st.sql, st.params ?? {}, { name: st.name })).rowsAffected;
        await tx.batch(`DROP TABLE ${temp}`, 'drop_temp');
        return { loaded, merged };
      });
    },
    async testConnection(): Promise<{ ok: true; serverVersion: string; database: string; latencyMs: number }> {
      const started = performance.now();
      const r = await this.execute('SELECT @@VERSION AS version', {}, { name: 'test_connection' });
      return {
        ok: true,
        serverVersion: String(r.rows[0]?.version ?? ''),
        database: o.database,
        latencyMs: Math.round(performance.now() - started),
      };
    },
    /** Closes every connection (waits for those in use). */
    async drain(): Promise<void> {
      await pool.destroy();
    },
    stats: () => ({ used: pool.numUsed(), free: pool.numFree(), pending: pool.numPendingAcquires() + pool.numPendingCreates() }),
  };
}

export type ErpPool = ReturnType<typeof createErpPool>;
