/**
 * SyncQueueService (seed 000 §2.1): the durable sync_queue plus pg-boss delivery, behind one
 * object. Every method takes the executor first, so it can join the caller's transaction.
 */
import type { Transaction } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Database, QueueEndpoint } from '../db/schema.ts';
import type { Executor } from '../db/connect.ts';
import { BACKOFF_DEFAULT, type BackoffPolicy } from './backoff.ts';
import { enqueue, enqueueMany, enqueuePlanned, planEnqueue, type EnqueueInput, type EnqueuePlan } from './enqueue.ts';
import { createEnqueueGroups } from './enqueue-group.ts';
import { createLeaseGroups } from './lease-group.ts';
import { JOB_TIMING_DEFAULT, type JobTiming } from './jobs.ts';
import { acknowledge, dequeue, reclaimExpiredLeases, type AckOutcome, type DequeueOptions, type OnDeadLeases } from './lease.ts';
import { findOutboundItem, getStatus, listDead, retryItem, type DeadFilter } from './status.ts';
import { settleOutcomes, type PushOutcome, type SettleOptions } from './push-worker.ts';

export type { AckOutcome, DequeueOptions, EnqueueInput };

/** `onDeadLeases`: told, in the same transaction, of Hub-bound items whose leases ran out for the last time. */
export function createSyncQueue(opts: {
  boss: PgBoss;
  timing?: JobTiming;
  onDeadLeases?: OnDeadLeases;
  /** Backoff and hook for `settle` (the composition root passes the webhook emission, a layer above). */
  backoff?: BackoffPolicy;
  afterSettle?: SettleOptions['afterSettle'];
}) {
  const deps = { boss: opts.boss, timing: opts.timing ?? JOB_TIMING_DEFAULT };
  const settleDeps = { ...deps, backoff: opts.backoff ?? BACKOFF_DEFAULT, afterSettle: opts.afterSettle };
  // Group commits per root executor (one per process in practice); inside a caller's transaction calls go straight through.
  const groups = new WeakMap<Executor, { enqueue: ReturnType<typeof createEnqueueGroups>; lease: ReturnType<typeof createLeaseGroups> }>();
  const groupsOf = (db: Executor) => {
    let g = groups.get(db);
    if (!g) groups.set(db, (g = { enqueue: createEnqueueGroups(db, deps), lease: createLeaseGroups(db) }));
    return g;
  };
  return {
    /** Outside a transaction, concurrent calls of one tenant share one (group commit, see enqueue-group.ts). */
    enqueue: (db: Executor, input: EnqueueInput) => (db.isTransaction ? enqueue(db, deps, input) : groupsOf(db).enqueue.enqueue(input)),
    enqueueMany: (db: Executor, inputs: EnqueueInput[]) => enqueueMany(db, deps, inputs),
    /** enqueueMany in two steps: its Node-side work first (see EnqueuePlan), its statements later. */
    planEnqueue: (inputs: EnqueueInput[]) => planEnqueue(inputs),
    enqueuePlanned: (db: Executor, plan: EnqueuePlan) => enqueuePlanned(db, deps, plan),
    /** Outside a transaction, concurrent leases of one stream share one (see lease-group.ts). */
    dequeue: (db: Executor, tenantId: string, destination: QueueEndpoint, entityType: string | undefined, o: DequeueOptions) => {
      const stream = { tenantId, destination, entityType };
      const options = { ...o, onDead: opts.onDeadLeases };
      return db.isTransaction ? dequeue(db, stream, options) : groupsOf(db).lease.dequeue(stream, options);
    },
    /** Settles attempts made outside the worker (the site agent's ERP writes) exactly as the worker does. */
    settle: (trx: Transaction<Database>, outcomes: PushOutcome[]) => settleOutcomes(trx, outcomes, settleDeps),
    acknowledge: (db: Executor, tenantId: string, outcomes: AckOutcome[], stream?: { destination: QueueEndpoint; entityType: string }) =>
      acknowledge(db, tenantId, outcomes, stream),
    getStatus: (db: Executor, tenantId: string, id: string) => getStatus(db, tenantId, id),
    findOutboundItem: (db: Executor, o: { tenantId: string; entityType: string; id: string }) => findOutboundItem(db, o),
    retry: (db: Executor, tenantId: string, id: string) => retryItem(db, deps, { tenantId, id }),
    reclaimExpiredLeases: (db: Executor) => reclaimExpiredLeases(db, { onDead: opts.onDeadLeases }),
    /** DEAD items of one tenant, newest first (operators retry them with `retry`). */
    listDead: (db: Executor, tenantId: string, filter: DeadFilter) => listDead(db, tenantId, filter),
  };
}

export type SyncQueue = ReturnType<typeof createSyncQueue>;
