/**
 * SyncQueueService (seed 000 §2.1): the durable sync_queue plus pg-boss delivery, behind one
 * object. Every method takes the executor first, so it can join the caller's transaction.
 */
import type { Kysely, Transaction } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Database, QueueEndpoint } from '../db/schema.ts';
import { enqueue, enqueueMany, type EnqueueInput } from './enqueue.ts';
import { insertPullJob, JOB_TIMING_DEFAULT, nextPullAt, type JobTiming, type PullJobData } from './jobs.ts';
import { acknowledge, dequeue, reclaimExpiredLeases, type AckOutcome, type DequeueOptions } from './lease.ts';
import { getStatus, listDead, retryItem, type DeadFilter } from './status.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export type { AckOutcome, DequeueOptions, EnqueueInput };

export function createSyncQueue(opts: { boss: PgBoss; timing?: JobTiming }) {
  const deps = { boss: opts.boss, timing: opts.timing ?? JOB_TIMING_DEFAULT };
  return {
    enqueue: (db: Executor, input: EnqueueInput) => enqueue(db, deps, input),
    enqueueMany: (db: Executor, inputs: EnqueueInput[]) => enqueueMany(db, deps, inputs),
    dequeue: (db: Executor, tenantId: string, destination: QueueEndpoint, entityType: string, o: DequeueOptions) =>
      dequeue(db, { tenantId, destination, entityType }, { ...o, boss: opts.boss }),
    acknowledge: (db: Executor, tenantId: string, outcomes: AckOutcome[], stream?: { destination: QueueEndpoint; entityType: string }) =>
      acknowledge(db, tenantId, outcomes, stream),
    getStatus: (db: Executor, tenantId: string, id: string) => getStatus(db, tenantId, id),
    retry: (db: Executor, tenantId: string, id: string) => retryItem(db, deps, tenantId, id),
    reclaimExpiredLeases: (db: Executor) => reclaimExpiredLeases(db, { boss: opts.boss }),
    /** DEAD items of one tenant, newest first (operators retry them with `retry`). */
    listDead: (db: Executor, tenantId: string, filter: DeadFilter) => listDead(db, tenantId, filter),
    /** Queues a pull of one config now; returns the run id. */
    triggerPull: (db: Executor, data: PullJobData) => insertPullJob(opts.boss, db, data),
    nextPullAt: (configId: string) => nextPullAt(opts.boss, configId),
  };
}

export type SyncQueue = ReturnType<typeof createSyncQueue>;
