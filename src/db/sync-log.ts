import { sql } from 'kysely';
import type { Executor } from './connect.ts';
import type { LogRow, LogStatus, NewLogRow, QueueEndpoint, QueueRow } from './schema.ts';

/** sync_log.direction of a queue item: towards the Hub is IN (seed 000's "inbound"), towards the ERP is OUT. */
export function directionOf(destination: QueueEndpoint): 'IN' | 'OUT' {
  return destination === 'HUB' ? 'IN' : 'OUT';
}

/** The queue item a log line is about. */
export type LoggedItem = Pick<QueueRow, 'id' | 'tenant_id' | 'entity_type' | 'entity_id' | 'action' | 'destination'>;

/** A sync_log row about one queue item: who and what from the item, what happened from `line`. */
export function queueItemLog(
  item: LoggedItem,
  line: Omit<NewLogRow, 'tenant_id' | 'sync_queue_id' | 'entity_type' | 'entity_id' | 'action' | 'direction'>,
): NewLogRow {
  return {
    tenant_id: item.tenant_id,
    sync_queue_id: item.id,
    entity_type: item.entity_type,
    entity_id: item.entity_id,
    action: item.action,
    direction: directionOf(item.destination),
    ...line,
  };
}

const COLUMNS = [
  'tenant_id',
  'sync_queue_id',
  'entity_type',
  'entity_id',
  'action',
  'direction',
  'status',
  'message',
  'request_payload',
  'response_data',
  'duration_ms',
  'phase',
  'executed_on',
  'rows_affected',
  'error_detail',
  'metadata',
  'started_at',
  'completed_at',
] as const;
// Our own column list and record type (constants): the rows themselves travel as one bound JSON parameter.
const RECORD_TYPE = sql.raw(
  'x(tenant_id text, sync_queue_id uuid, entity_type text, entity_id text, action text, direction text, status text, message text, ' +
    'request_payload jsonb, response_data jsonb, duration_ms int, phase text, executed_on text, rows_affected int, error_detail text, ' +
    'metadata jsonb, started_at timestamptz, completed_at timestamptz)',
);

const asJson = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

/**
 * Appends audit rows in one statement. The rows travel as ONE jsonb parameter: a batch of 500
 * multi-column VALUES would be thousands of bind parameters, and this is the worker's hot path.
 */
export async function insertLogs(db: Executor, rows: NewLogRow[]): Promise<void> {
  if (rows.length === 0) return;
  const records = rows.map((r) => ({
    ...r,
    request_payload: asJson(r.request_payload ?? null),
    response_data: asJson(r.response_data ?? null),
    metadata: asJson(r.metadata ?? null),
  }));
  // COLUMNS is our own constant list of column names: no caller's text reaches this sql.raw.
  const cols = sql.raw(COLUMNS.join(', '));
  await sql`insert into sync_log (${cols}) select ${cols} from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as ${RECORD_TYPE}`.execute(
    db,
  );
}

/**
 * The last log row a run wrote (a pull's `process` row carries read/changed/deleted), or undefined while
 * it has written none. `since` (when the run was queued) keeps the look on the tenant's recent rows.
 */
export async function findRunLog(db: Executor, o: { tenantId: string; runId: string; since: Date }) {
  return db
    .selectFrom('sync_log')
    .select(['status', 'message', 'error_detail', 'metadata', 'completed_at'])
    .where('tenant_id', '=', o.tenantId)
    .where('created_at', '>=', o.since)
    .where(sql<string>`metadata->>'run_id'`, '=', o.runId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The process line of an entity's latest pull (its metadata holds the run's counts). */
export async function lastPullRun(db: Executor, tenantId: string, entityType: string): Promise<LogRow | undefined> {
  return db
    .selectFrom('sync_log')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('entity_type', '=', entityType)
    .where('action', '=', 'PULL')
    .where('phase', '=', 'process')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export interface LogFilter {
  entityType?: string;
  status?: LogStatus;
  since?: Date;
  until?: Date;
  /** Keyset position: rows strictly older than this (created_at, id). */
  before?: { createdAt: Date; id: string };
  limit: number;
}

/** The tenant's audit log, newest first, keyset-paginated on (created_at, id). */
export async function listLogs(db: Executor, tenantId: string, f: LogFilter): Promise<LogRow[]> {
  let query = db.selectFrom('sync_log').selectAll().where('tenant_id', '=', tenantId);
  if (f.entityType) query = query.where('entity_type', '=', f.entityType);
  if (f.status) query = query.where('status', '=', f.status);
  if (f.since) query = query.where('created_at', '>=', f.since);
  if (f.until) query = query.where('created_at', '<', f.until);
  if (f.before) query = query.where(sql<boolean>`(created_at, id) < (${f.before.createdAt}, ${f.before.id}::bigint)`);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
}
