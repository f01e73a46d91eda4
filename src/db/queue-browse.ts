/**
 * The console's view of sync_queue (issue 15 §4): items waiting, retrying or dead with filters,
 * their errors grouped by message, and discarding items an operator gave up on.
 */
import { sql } from 'kysely';
import type { Executor } from './connect.ts';
import type { QueueRow, QueueStatus } from './schema.ts';
import { insertLogs, queueItemLog } from './sync-log.ts';

/** The statuses the queue page lists. */
export const BROWSE_STATUSES = ['PENDING', 'RETRY', 'DEAD'] as const;
/** Only items no worker will touch again may be discarded (a PENDING one still has a job on its way). */
export const DISCARDABLE: QueueStatus[] = ['DEAD', 'FAILED'];

export interface QueueBrowseFilter {
  statuses: QueueStatus[];
  entityType?: string;
  /** IN: towards the Hub; OUT: towards the ERP (sync_log's meaning). */
  direction?: 'IN' | 'OUT';
  limit: number;
}

function filtered(db: Executor, tenantId: string, f: QueueBrowseFilter) {
  let q = db.selectFrom('sync_queue').where('tenant_id', '=', tenantId).where('status', 'in', f.statuses);
  if (f.entityType) q = q.where('entity_type', '=', f.entityType);
  if (f.direction) q = f.direction === 'IN' ? q.where('destination', '=', 'HUB') : q.where('destination', '<>', 'HUB');
  return q;
}

/** Newest first. */
export async function listQueueItems(db: Executor, tenantId: string, f: QueueBrowseFilter): Promise<QueueRow[]> {
  return filtered(db, tenantId, f).selectAll().orderBy('updated_at', 'desc').orderBy('id').limit(f.limit).execute();
}

/** Error messages of the filtered items with how many items carry each, most frequent first. */
export async function groupQueueErrors(
  db: Executor,
  tenantId: string,
  f: QueueBrowseFilter,
): Promise<{ message: string; count: number; statuses: string[] }[]> {
  const rows = await filtered(db, tenantId, f)
    .where('error_message', 'is not', null)
    .select(['error_message', sql<string>`count(*)`.as('n'), sql<string[]>`array_agg(distinct status order by status)`.as('statuses')])
    .groupBy('error_message')
    .orderBy(sql`count(*)`, 'desc')
    .orderBy('error_message')
    .limit(50)
    .execute();
  return rows.map((r) => ({ message: r.error_message!, count: Number(r.n), statuses: r.statuses }));
}

/** Counts per status of the tenant's queue (every status), for the page's tabs. */
export async function countQueueByStatus(db: Executor, tenantId: string): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('sync_queue')
    .select(['status', sql<string>`count(*)`.as('n')])
    .where('tenant_id', '=', tenantId)
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

export type DiscardResult =
  { ok: true; rows: QueueRow[] } | { ok: false; missing: string[]; notDiscardable: { id: string; status: string }[] };

/**
 * Marks DEAD/FAILED items DISCARDED (terminal) and logs each in sync_log, all or nothing: an unknown
 * id (or another tenant's) or an item in another status changes nothing. Call inside a transaction.
 */
export async function discardItems(trx: Executor, o: { tenantId: string; ids: string[]; by: string }): Promise<DiscardResult> {
  const found = await trx
    .selectFrom('sync_queue')
    .selectAll()
    .where('tenant_id', '=', o.tenantId)
    .where('id', 'in', o.ids)
    .forUpdate()
    .execute();
  const missing = o.ids.filter((id) => !found.some((r) => r.id === id));
  const notDiscardable = found.filter((r) => !DISCARDABLE.includes(r.status)).map((r) => ({ id: r.id, status: r.status }));
  if (missing.length || notDiscardable.length) return { ok: false, missing, notDiscardable };
  const rows = await trx
    .updateTable('sync_queue')
    .set({ status: 'DISCARDED', job_id: null, lease_expires_at: null, completed_at: sql`now()`, updated_at: sql`now()` })
    .where('tenant_id', '=', o.tenantId)
    .where('id', 'in', o.ids)
    .returningAll()
    .execute();
  await insertLogs(
    trx,
    found.map((r) =>
      queueItemLog(r, {
        status: 'INFO',
        message: `discarded by an operator (key ${o.by}; was ${r.status}): ${r.error_message ?? 'no error recorded'}`,
      }),
    ),
  );
  return { ok: true, rows };
}
