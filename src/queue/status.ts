import { sql } from 'kysely';
import type { QueueRow } from '../db/schema.ts';
import type { Executor } from '../db/connect.ts';
import { insertLogs, queueItemLog } from '../db/sync-log.ts';
import type { EnqueueDeps } from './enqueue.ts';
import { QueueItemNotFoundError, QueueItemNotRetryableError } from './errors.ts';
import { insertPushJobs, isPushDestination, type PushDestination } from './jobs.ts';
import { uuidV7 } from '../core/uuid-v7.ts';

import { isUuid } from './ids.ts';

/** One item of one tenant; another tenant's id is indistinguishable from an unknown one. */
export async function getStatus(db: Executor, tenantId: string, id: string): Promise<QueueRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('sync_queue').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

/**
 * The Hub's view of one document it sent: by sync_id, or by its own entity id (the newest item
 * that was not superseded). Another tenant's item is indistinguishable from an unknown one.
 */
export async function findOutboundItem(
  db: Executor,
  o: { tenantId: string; entityType: string; id: string },
): Promise<QueueRow | undefined> {
  let q = db
    .selectFrom('sync_queue')
    .selectAll()
    .where('tenant_id', '=', o.tenantId)
    .where('entity_type', '=', o.entityType)
    .where('destination', '=', 'ERP');
  q = isUuid(o.id) ? q.where('id', '=', o.id) : q.where('entity_id', '=', o.id).where('status', '<>', 'SUPERSEDED');
  return q.orderBy('created_at', 'desc').limit(1).executeTakeFirst();
}

export interface DeadFilter {
  destination?: QueueRow['destination'];
  entityType?: string;
  limit: number;
}

/** DEAD items of one tenant, newest first. */
export async function listDead(db: Executor, tenantId: string, f: DeadFilter): Promise<QueueRow[]> {
  let q = db.selectFrom('sync_queue').selectAll().where('tenant_id', '=', tenantId).where('status', '=', 'DEAD');
  if (f.destination) q = q.where('destination', '=', f.destination);
  if (f.entityType) q = q.where('entity_type', '=', f.entityType);
  return q.orderBy('updated_at', 'desc').orderBy('id').limit(f.limit).execute();
}

/** Moves a DEAD or FAILED item back to PENDING (retry_count reset) with a fresh job when it is pushed. */
export async function retryItem(executor: Executor, deps: EnqueueDeps, item: { tenantId: string; id: string }): Promise<QueueRow> {
  if (!executor.isTransaction) return executor.transaction().execute((trx) => retryItem(trx, deps, item));
  const { tenantId, id } = item;
  if (!isUuid(id)) throw new QueueItemNotFoundError(`sync item ${id} not found`);
  const current = await executor
    .selectFrom('sync_queue')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!current) throw new QueueItemNotFoundError(`sync item ${id} not found`);
  if (current.status !== 'DEAD' && current.status !== 'FAILED') {
    throw new QueueItemNotRetryableError(`sync item ${id} is ${current.status}; only DEAD or FAILED items can be retried`);
  }
  const push = isPushDestination(current.destination);
  const jobId = push ? uuidV7() : null;
  const row = await executor
    .updateTable('sync_queue')
    .set({
      status: 'PENDING',
      retry_count: 0,
      error_message: null,
      job_id: jobId,
      lease_expires_at: null,
      scheduled_at: sql`now()`,
      started_at: null,
      completed_at: null,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (push) {
    await insertPushJobs(executor, deps, [
      { id: jobId!, destination: row.destination as PushDestination, queueIds: [id], priority: row.priority },
    ]);
  }
  await insertLogs(executor, [queueItemLog(row, { status: 'INFO', message: `manual retry (was ${current.status})` })]);
  return row;
}

/** Items of the tenant per entity type, destination and status (the admin overview). */
export async function queueCounts(db: Executor, tenantId: string) {
  const rows = await db
    .selectFrom('sync_queue')
    .select(['entity_type', 'destination', 'status', sql<string>`count(*)`.as('count')])
    .where('tenant_id', '=', tenantId)
    .groupBy(['entity_type', 'destination', 'status'])
    .orderBy('entity_type')
    .orderBy('destination')
    .orderBy('status')
    .execute();
  return rows.map((c) => ({ ...c, count: Number(c.count) }));
}

/** Age in seconds of the tenant's oldest item still waiting (PENDING or RETRY); null when none waits. */
export async function oldestWaitingAgeSeconds(db: Executor, tenantId: string): Promise<number | null> {
  const r = await db
    .selectFrom('sync_queue')
    .select(sql<number | null>`extract(epoch from now() - min(created_at))::float8`.as('age'))
    .where('tenant_id', '=', tenantId)
    .where('status', 'in', ['PENDING', 'RETRY'])
    .executeTakeFirst();
  return r?.age ?? null;
}

/** Entity types with items PENDING for the Hub: how many and since when. */
export async function pendingHubEntities(db: Executor, tenantId: string) {
  const rows = await db
    .selectFrom('sync_queue')
    .select(['entity_type', sql<string>`count(*)`.as('count'), sql<Date>`min(created_at)`.as('oldest')])
    .where('tenant_id', '=', tenantId)
    .where('destination', '=', 'HUB')
    .where('status', '=', 'PENDING')
    .groupBy('entity_type')
    .orderBy('entity_type')
    .execute();
  return rows.map((r) => ({ entityType: r.entity_type, count: Number(r.count), oldest: new Date(r.oldest) }));
}
