/**
 * Pull delivery (the Hub): items are leased straight from sync_queue with SKIP LOCKED, so
 * concurrent pullers never receive the same item; an un-acked item comes back after its lease.
 */
import { sql, type Transaction } from 'kysely';
import type { Database, QueueEndpoint, QueueRow } from '../db/schema.ts';
import type { Executor } from '../db/connect.ts';
import { insertLogs, queueItemLog } from '../db/sync-log.ts';

import { isUuid } from './ids.ts';

/**
 * Returns expired leases to PENDING with retry_count + 1, or DEAD past max_retries.
 * Scoped to one stream when `scope` is given (the dequeue path); global from the worker's sweep.
 * With `onDead`, the Hub-bound items that go DEAD are handed to it in the same transaction (the
 * composition root announces them as `inbound.dead` webhook events; an operator retries them).
 */
export async function reclaimExpiredLeases(
  db: Executor,
  opts: { scope?: { tenantId: string; destination: QueueEndpoint; entityType?: string }; onDead?: OnDeadLeases } = {},
): Promise<number> {
  if (opts.onDead && !db.isTransaction) return db.transaction().execute((trx) => reclaimExpiredLeases(trx, opts));
  const { scope } = opts;
  let q = db
    .updateTable('sync_queue')
    .set({
      status: sql`case when retry_count + 1 > max_retries then 'DEAD' else 'PENDING' end`,
      retry_count: sql`retry_count + 1`,
      lease_expires_at: null,
      error_message: 'lease expired before the consumer acknowledged it',
      completed_at: sql`case when retry_count + 1 > max_retries then now() else null end`,
      updated_at: sql`now()`,
    })
    .where('status', '=', 'IN_FLIGHT')
    .where('lease_expires_at', '<', sql<Date>`now()`);
  if (scope) q = q.where('tenant_id', '=', scope.tenantId).where('destination', '=', scope.destination);
  if (scope?.entityType) q = q.where('entity_type', '=', scope.entityType);
  const rows = await q
    .returning(['id', 'tenant_id', 'entity_type', 'entity_id', 'destination', 'status', 'action', 'retry_count'])
    .execute();
  const dead = rows.filter((r) => r.status === 'DEAD' && r.destination === 'HUB');
  if (opts.onDead && dead.length) await opts.onDead(db, dead);
  await insertLogs(
    db,
    rows.map((r) => queueItemLog(r, { status: r.status === 'DEAD' ? 'DEAD' : 'RETRY', message: 'lease expired' })),
  );
  return rows.length;
}

export interface DequeueOptions {
  limit: number;
  leaseSeconds: number;
  /** Also lease RETRY items whose backoff has elapsed (the site agent's ERP items, settled like the worker's). */
  includeRetry?: boolean;
  /** Told of items whose leases ran out for the last time (see reclaimExpiredLeases). */
  onDead?: OnDeadLeases;
}

/** A Hub-bound item that went DEAD because its leases kept expiring. */
export interface DeadLease {
  id: string;
  tenant_id: string;
  entity_type: string;
  entity_id: string;
  action: string;
  retry_count: number;
}

export type OnDeadLeases = (db: Executor, dead: DeadLease[]) => Promise<void>;

/** Leases up to `limit` PENDING items, by priority then age. */
export async function dequeue(
  db: Executor,
  /** Without entityType: every entity type of the destination (the site agent leases all its ERP items). */
  stream: { tenantId: string; destination: QueueEndpoint; entityType?: string },
  opts: DequeueOptions,
): Promise<{ items: QueueRow[]; leaseExpiresAt: Date }> {
  // In a transaction of its own, a lease commits without waiting for the WAL flush (which was most of
  // its time): a lease lost in a crash leaves its items PENDING, and they are leased again — the
  // redelivery at-least-once already allows; a lost reclaim is redone by the next lease or sweep.
  // Acknowledgements still commit synchronously.
  if (!db.isTransaction)
    return db.transaction().execute(async (trx) => {
      await sql`set local synchronous_commit = off`.execute(trx);
      return dequeue(trx, stream, opts);
    });
  await reclaimExpiredLeases(db, { scope: stream, onDead: opts.onDead });
  // MATERIALIZED: pick (and lock) the rows once, then update exactly those.
  const items = (
    await sql<QueueRow>`
      with picked as materialized (
        select id from sync_queue
         where tenant_id = ${stream.tenantId} and destination = ${stream.destination}
           and (${stream.entityType ?? null}::text is null or entity_type = ${stream.entityType ?? null})
           and status in ('PENDING', ${opts.includeRetry ? 'RETRY' : 'PENDING'}) and scheduled_at <= now()
         order by priority desc, created_at
         limit ${opts.limit}
         for update skip locked)
      update sync_queue q
         set status = 'IN_FLIGHT', lease_expires_at = now() + make_interval(secs => ${opts.leaseSeconds}),
             started_at = coalesce(q.started_at, now()), updated_at = now()
        from picked where q.id = picked.id
   returning q.*`.execute(db)
  ).rows;
  items.sort((a, b) => b.priority - a.priority || a.created_at.getTime() - b.created_at.getTime());
  const leaseExpiresAt = items[0]?.lease_expires_at ?? new Date(Date.now() + opts.leaseSeconds * 1000);
  return { items, leaseExpiresAt };
}

export interface AckOutcome {
  id: string;
  status: 'COMPLETED' | 'FAILED';
  response?: unknown;
  externalId?: string;
  error?: string;
}

/**
 * Settles leased items of one tenant. Ids that are unknown, of another tenant, or not leased
 * are left untouched and reported back in `unknown`.
 */
export async function acknowledge(
  db: Executor,
  tenantId: string,
  outcomes: AckOutcome[],
  stream?: { destination: QueueEndpoint; entityType: string },
): Promise<{ acknowledged: string[]; failed: string[]; unknown: string[] }> {
  const valid = outcomes.filter((o) => isUuid(o.id));
  const rows = JSON.stringify(
    valid.map((o) => ({
      id: o.id,
      status: o.status,
      response: o.response ?? null,
      external_id: o.externalId ?? null,
      error: o.error ?? null,
    })),
  );
  const updated = valid.length
    ? (
        await sql<
          Pick<QueueRow, 'id' | 'status' | 'entity_type' | 'entity_id' | 'destination' | 'action' | 'error_message' | 'started_at'>
        >`
          update sync_queue q
             set status = a.status, response = a.response, external_id = coalesce(a.external_id, q.external_id),
                 error_message = a.error, lease_expires_at = null, completed_at = now(), updated_at = now()
            from jsonb_to_recordset(${rows}::jsonb) as a(id uuid, status text, response jsonb, external_id text, error text)
           where q.id = a.id and q.tenant_id = ${tenantId} and q.status = 'IN_FLIGHT'
             and (${stream?.destination ?? null}::text is null or q.destination = ${stream?.destination ?? null})
             and (${stream?.entityType ?? null}::text is null or q.entity_type = ${stream?.entityType ?? null})
       returning q.id, q.status, q.entity_type, q.entity_id, q.destination, q.action, q.error_message, q.started_at`.execute(db)
      ).rows
    : [];
  await insertLogs(
    db,
    updated.map((r) =>
      queueItemLog(
        { ...r, tenant_id: tenantId },
        {
          status: r.status === 'COMPLETED' ? 'SUCCESS' : 'FAILED',
          message: r.status === 'COMPLETED' ? 'acknowledged by consumer' : (r.error_message ?? 'consumer reported failure'),
          duration_ms: r.started_at ? Date.now() - r.started_at.getTime() : null,
        },
      ),
    ),
  );
  const done = new Set(updated.map((r) => r.id));
  return {
    acknowledged: updated.filter((r) => r.status === 'COMPLETED').map((r) => r.id),
    failed: updated.filter((r) => r.status === 'FAILED').map((r) => r.id),
    unknown: outcomes.filter((o) => !done.has(o.id)).map((o) => o.id),
  };
}

/** Locks the given items of one tenant and destination that are still leased (IN_FLIGHT); others are simply absent. */
export async function lockLeased(
  trx: Transaction<Database>,
  tenantId: string,
  destination: QueueEndpoint,
  ids: string[],
): Promise<QueueRow[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return [];
  return trx
    .selectFrom('sync_queue')
    .selectAll()
    .where('id', 'in', valid)
    .where('tenant_id', '=', tenantId)
    .where('destination', '=', destination)
    .where('status', '=', 'IN_FLIGHT')
    .orderBy('id')
    .forUpdate()
    .execute();
}

/** Status of items after they were settled, by id. */
export async function statusesOf(db: Executor, ids: string[]): Promise<Map<string, QueueRow['status']>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('sync_queue').select(['id', 'status']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.status]));
}
