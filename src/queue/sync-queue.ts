/**
 * SyncQueueService (seed 000 §2.1): the durable sync_queue plus pg-boss delivery, behind one
 * object. Every method takes the executor first, so it can join the caller's transaction.
 */
import type { Kysely, Transaction } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Database, QueueEndpoint } from '../db/schema.ts';
import { BACKOFF_DEFAULT, type BackoffPolicy } from './backoff.ts';
import { enqueue, enqueueMany, type EnqueueInput } from './enqueue.ts';
import { insertPullJob, JOB_TIMING_DEFAULT, nextPullAt, type JobTiming, type PullJobData } from './jobs.ts';
import { acknowledge, dequeue, reclaimExpiredLeases, type AckOutcome, type DequeueOptions } from './lease.ts';
import { settleOutcomes, type PushOutcome, type SettleOptions } from './push-worker.ts';
import { findOutboundItem, getStatus, retryItem } from './status.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export type { AckOutcome, DequeueOptions, EnqueueInput };

export function createSyncQueue(opts: {
  boss: PgBoss;
  timing?: JobTiming;
  /** Backoff and hook for `settle` (the composition root passes the webhook emission, a layer above). */
  backoff?: BackoffPolicy;
  afterSettle?: SettleOptions['afterSettle'];
}) {
  const deps = { boss: opts.boss, timing: opts.timing ?? JOB_TIMING_DEFAULT };
  const settleDeps = { ...deps, backoff: opts.backoff ?? BACKOFF_DEFAULT, afterSettle: opts.afterSettle };
  return {
    enqueue: (db: Executor, input: EnqueueInput) => enqueue(db, deps, input),
    enqueueMany: (db: Executor, inputs: EnqueueInput[]) => enqueueMany(db, deps, inputs),
    dequeue: (db: Executor, tenantId: string, destination: QueueEndpoint, entityType: string | undefined, o: DequeueOptions) =>
      dequeue(db, { tenantId, destination, entityType }, o),
    /** Settles attempts made outside the worker (the site agent's ERP writes) exactly as the worker does, webhooks included. */
    settle: (trx: Transaction<Database>, outcomes: PushOutcome[]) => settleOutcomes(trx, outcomes, settleDeps),
    acknowledge: (db: Executor, tenantId: string, outcomes: AckOutcome[], stream?: { destination: QueueEndpoint; entityType: string }) =>
      acknowledge(db, tenantId, outcomes, stream),
    getStatus: (db: Executor, tenantId: string, id: string) => getStatus(db, tenantId, id),
    findOutboundItem: (db: Executor, o: { tenantId: string; entityType: string; id: string }) => findOutboundItem(db, o),
    retry: (db: Executor, tenantId: string, id: string) => retryItem(db, deps, tenantId, id),
    reclaimExpiredLeases: (db: Executor) => reclaimExpiredLeases(db),
    /** Queues a pull of one config now; returns the run id. */
    triggerPull: (db: Executor, data: PullJobData) => insertPullJob(opts.boss, db, data),
    nextPullAt: (configId: string) => nextPullAt(opts.boss, configId),
  };
}

export type SyncQueue = ReturnType<typeof createSyncQueue>;
