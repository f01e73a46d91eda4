/** The agent's calls to parse-sync (docs/agent-protocol.md): key + tenant headers, gzip uploads. */
import { gzipSync } from 'node:zlib';
import type { RemoteConfig } from './config-file.ts';

/** The backend answered with an error status (`status`) or did not answer at all (`status` 0). */
export class BackendError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface LogEntry {
  direccion: 'upload' | 'download';
  tabla: string;
  fase?: 'pre_process' | 'process' | 'post_process';
  ejecutadoEn?: 'origen' | 'destino';
  estado: 'exitoso' | 'error' | 'parcial';
  registrosAfectados?: number;
  mensaje?: string;
  errorDetalle?: string;
  duracionMs?: number;
  fechaInicio: string;
  fechaFin?: string;
}

/** A Hub document leased for the ERP: the statements and the values to bind (routes/agent-outbound.ts). */
export interface LeasedDocument {
  sync_id: string;
  entity_type: string;
  entity_id: string;
  attempt: number;
  document: {
    action: string;
    queries: {
      find_existing?: string;
      insert?: string;
      insert_item?: string;
      update?: string;
      update_items?: 'replace';
      delete?: string;
      delete_items?: string;
    };
    header: Record<string, unknown>;
    items: Record<string, unknown>[];
    sent_lines: boolean;
  };
}

export type DocumentAck =
  | { sync_id: string; erp_id: string | null; already_existed: boolean; updated?: boolean; lines?: number; deleted?: number }
  | { sync_id: string; error: { number?: number; message: string; retryable: boolean } };

const TIMEOUT_MS = 120_000;

export function createBackend(o: { url: string; tenantId: string; apiKey: string }) {
  const base = o.url.replace(/\/+$/, '');
  const t = encodeURIComponent(o.tenantId);
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { 'x-api-key': o.apiKey, 'x-tenant-id': o.tenantId, accept: 'application/json' };
    let payload: Buffer | undefined;
    if (body !== undefined) {
      payload = gzipSync(JSON.stringify(body));
      headers['content-type'] = 'application/json';
      headers['content-encoding'] = 'gzip';
    }
    let res: Response;
    try {
      res = await fetch(base + path, {
        method,
        headers,
        body: payload ? new Uint8Array(payload) : undefined,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new BackendError(0, cause?.code ?? cause?.message ?? (err as Error).message);
    }
    const text = await res.text();
    if (!res.ok) {
      let detail = text.slice(0, 500);
      try {
        detail = (JSON.parse(text) as { message?: string }).message ?? detail;
      } catch {
        /* not JSON */
      }
      throw new BackendError(res.status, `HTTP ${res.status} ${method} ${path.split('?')[0]}: ${detail}`);
    }
    return JSON.parse(text) as T;
  }
  return {
    health: () => call<{ status: string }>('GET', '/api/sync/health'),
    config: () => call<RemoteConfig & { success: true }>('GET', `/api/sync/config/${t}`),
    upload: (tabla: string, data: Record<string, unknown>[]) =>
      call<{ registrosInsertados: number; registrosSinCambios: number }>('POST', `/api/sync/upload/${t}`, {
        tabla,
        data,
        timestamp: new Date().toISOString(),
      }),
    download: (tabla: string, cursor: string | null) =>
      call<{ data: Record<string, unknown>[]; next_cursor: string | null }>(
        'GET',
        `/api/sync/download/${t}?tabla=${encodeURIComponent(tabla)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      ),
    leaseDocuments: (o: { limit: number; leaseSeconds: number }) =>
      call<{ items: LeasedDocument[] }>('POST', `/api/sync/outbound/${t}/lease`, { limit: o.limit, lease_seconds: o.leaseSeconds }),
    ackDocuments: (results: DocumentAck[]) =>
      call<{ results: { sync_id: string; status: string }[] }>('POST', `/api/sync/outbound/${t}/ack`, { results }),
    logs: (logs: LogEntry[]) => call<{ logsInsertados: number }>('POST', `/api/sync/logs/${t}`, { logs }),
  };
}
export type Backend = ReturnType<typeof createBackend>;
