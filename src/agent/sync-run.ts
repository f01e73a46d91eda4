/**
 * One `sync` run: seed 001's 3 phases per table. Upload (tablasSubida): pre_process on the local
 * SQL Server, the process query (with @ultimaSync/@lastSync when incremental), rows streamed and
 * sent in gzip batches, post_process. Download (tablasBajada): pages from the backend, pre_process
 * on the SQL Server, #temp + bulk load + MERGE in one transaction (the project's ERP pool).
 */
import type { ErpPool } from '../erp/erp-pool.ts';
import { cursorText, maxCursor } from '../sync/cursor.ts';
import type { Backend, LogEntry } from './backend.ts';
import type { RemoteTable } from './config-file.ts';
import type { LastSync } from './state.ts';

/** Rows per upload request: well under the server's 5 MB body limit for typical ERP rows. */
const UPLOAD_BATCH = 1000;

export interface RunDeps {
  pool: ErpPool;
  backend: Backend;
  state: LastSync;
  /** Persists `state` (called after every acknowledged step). */
  saveState(): void;
  log(entry: LogEntry): void;
  progress?(table: string, rows: number): void;
}

export interface TableResult {
  table: string;
  direction: 'upload' | 'download';
  ok: boolean;
  read: number;
  changed: number;
  error?: string;
}

const now = () => new Date().toISOString();

async function phase(
  deps: RunDeps,
  t: RemoteTable,
  which: 'pre_process' | 'post_process',
  direction: 'upload' | 'download',
): Promise<void> {
  const p = t[which];
  if (!p.enabled || !p.sql) return;
  const started = Date.now();
  const base = {
    direccion: direction,
    tabla: t.nombre,
    fase: which,
    ejecutadoEn: p.ejecutarEn,
    fechaInicio: new Date(started).toISOString(),
  } as const;
  // The agent reaches only the SQL Server: a phase that runs on the backend's side is the backend's job.
  const onSqlServer = (direction === 'upload') === (p.ejecutarEn === 'origen');
  if (!onSqlServer) return;
  try {
    const r = await deps.pool.execute(p.sql, {}, { name: which });
    deps.log({ ...base, estado: 'exitoso', registrosAfectados: r.rowsAffected, duracionMs: Date.now() - started, fechaFin: now() });
  } catch (err) {
    deps.log({ ...base, estado: 'error', errorDetalle: (err as Error).message, duracionMs: Date.now() - started, fechaFin: now() });
    throw err;
  }
}

/** The parameter name the query uses for the cursor: seed 001 writes @ultimaSync, the server's configs @lastSync. */
const cursorParam = (query: string) => (/@ultimaSync\b/i.test(query) ? 'ultimaSync' : /@lastSync\b/i.test(query) ? 'lastSync' : undefined);

export async function uploadTable(deps: RunDeps, t: RemoteTable, o: { full: boolean }): Promise<TableResult> {
  const started = Date.now();
  const prev = deps.state.tables[t.nombre];
  const param = cursorParam(t.process.query);
  const incremental = Boolean(t.incremental && t.campoFecha && param && prev?.cursor && !o.full);
  let read = 0;
  let changed = 0;
  let cursor = prev?.cursor;
  try {
    await phase(deps, t, 'pre_process', 'upload');
    // A full run still binds the parameter (to the oldest date) when the query names it.
    const since = incremental ? prev!.cursor! : '1753-01-01T00:00:00.0000000';
    const params = param ? { [param]: { type: 'datetime2' as const, value: since } } : {};
    let batch: Record<string, unknown>[] = [];
    let batchMax: string | undefined;
    const send = async () => {
      if (!batch.length) return;
      const r = await deps.backend.upload(t.nombre, batch);
      changed += r.registrosInsertados;
      read += batch.length;
      deps.progress?.(t.nombre, read);
      cursor = maxCursor(cursor, batchMax);
      batch = [];
      batchMax = undefined;
    };
    for await (const row of deps.pool.query(t.process.query, params, { name: 'process' })) {
      batch.push(row);
      if (t.campoFecha) batchMax = maxCursor(batchMax, cursorText(row[t.campoFecha]));
      if (batch.length >= UPLOAD_BATCH) await send();
    }
    await send();
    deps.log({
      direccion: 'upload',
      tabla: t.nombre,
      fase: 'process',
      ejecutadoEn: 'origen',
      estado: 'exitoso',
      registrosAfectados: read,
      mensaje: `${read} filas leídas, ${changed} nuevas o modificadas`,
      duracionMs: Date.now() - started,
      fechaInicio: new Date(started).toISOString(),
      fechaFin: now(),
    });
    await phase(deps, t, 'post_process', 'upload');
    // The cursor moves only now: every row up to it was acknowledged by the backend. An interrupted
    // run keeps the old cursor and re-reads; the backend stores unchanged rows once (by content hash).
    deps.state.tables[t.nombre] = {
      cursor: t.campoFecha ? cursor : undefined,
      lastRun: now(),
      status: 'ok',
      rowsRead: read,
      rowsChanged: changed,
    };
    deps.saveState();
    return { table: t.nombre, direction: 'upload', ok: true, read, changed };
  } catch (err) {
    const message = (err as Error).message;
    deps.log({
      direccion: 'upload',
      tabla: t.nombre,
      fase: 'process',
      ejecutadoEn: 'origen',
      estado: 'error',
      registrosAfectados: read,
      errorDetalle: message,
      duracionMs: Date.now() - started,
      fechaInicio: new Date(started).toISOString(),
      fechaFin: now(),
    });
    deps.state.tables[t.nombre] = {
      ...(prev ?? { rowsRead: 0, rowsChanged: 0 }),
      lastRun: now(),
      status: 'error',
      error: message,
      cursor: prev?.cursor,
    };
    deps.saveState();
    return { table: t.nombre, direction: 'upload', ok: false, read, changed, error: message };
  }
}

async function* pages(backend: Backend, table: string) {
  let cursor: string | null = null;
  do {
    const page = await backend.download(table, cursor);
    for (const r of page.data) {
      // The parametros_maestros shorthand nests attributes in parametros_json: read them from there too.
      const extra = (r.parametros_json && typeof r.parametros_json === 'object' ? r.parametros_json : {}) as Record<string, unknown>;
      yield { ...extra, ...r };
    }
    cursor = page.next_cursor;
  } while (cursor);
}

export async function downloadTable(deps: RunDeps, t: RemoteTable): Promise<TableResult> {
  const started = Date.now();
  try {
    if (!t.schema || !t.post_process.sql?.includes('{temp_table}'))
      throw new Error(`${t.nombre}: a download table needs schema.columns and a MERGE using {temp_table}`);
    await phase(deps, t, 'pre_process', 'download');
    const r = await deps.pool.bulkLoadAndMerge({
      table: t.nombre,
      columns: t.schema.columns,
      rows: pages(deps.backend, t.nombre),
      mergeSql: t.post_process.sql,
    });
    const at = {
      direccion: 'download' as const,
      tabla: t.nombre,
      estado: 'exitoso' as const,
      duracionMs: Date.now() - started,
      fechaInicio: new Date(started).toISOString(),
      fechaFin: now(),
    };
    deps.log({ ...at, fase: 'process', ejecutadoEn: 'origen', registrosAfectados: r.loaded, mensaje: `${r.loaded} filas cargadas` });
    deps.log({
      ...at,
      fase: 'post_process',
      ejecutadoEn: 'destino',
      registrosAfectados: r.merged,
      mensaje: `MERGE afectó ${r.merged} filas`,
    });
    deps.state.tables[`bajada:${t.nombre}`] = { lastRun: now(), status: 'ok', rowsRead: r.loaded, rowsChanged: r.merged };
    deps.saveState();
    return { table: t.nombre, direction: 'download', ok: true, read: r.loaded, changed: r.merged };
  } catch (err) {
    const message = (err as Error).message;
    deps.log({
      direccion: 'download',
      tabla: t.nombre,
      fase: 'post_process',
      ejecutadoEn: 'destino',
      estado: 'error',
      errorDetalle: message,
      mensaje: 'carga + MERGE fallaron; la transacción se deshizo',
      duracionMs: Date.now() - started,
      fechaInicio: new Date(started).toISOString(),
      fechaFin: now(),
    });
    deps.state.tables[`bajada:${t.nombre}`] = { lastRun: now(), status: 'error', rowsRead: 0, rowsChanged: 0, error: message };
    deps.saveState();
    return { table: t.nombre, direction: 'download', ok: false, read: 0, changed: 0, error: message };
  }
}
