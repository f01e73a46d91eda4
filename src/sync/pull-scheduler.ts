/**
 * When pulls run: queued now (a manual run, capped per tenant), queued again later (a tenant at
 * its share of pull slots), and when the next scheduled one is due. Pulls are pg-boss jobs of
 * queue/jobs.ts; they do not go through the sync_queue facade (SyncQueue holds records, not runs).
 */
import type { Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Executor } from '../db/connect.ts';
import type { Database } from '../db/schema.ts';
import { insertPullJob, insertPullJobCapped, nextPullAt, type PullJobData } from '../queue/jobs.ts';

export function createPullScheduler(o: { boss: PgBoss }) {
  return {
    /** Queues a pull of one config now; returns the run id. */
    triggerPull: (db: Executor, data: PullJobData) => insertPullJob(db, { boss: o.boss, data }),
    /** A manual run: queued unless the tenant has `maxOpen` pulls queued or running already (then undefined). */
    triggerPullCapped: (db: Kysely<Database>, data: PullJobData, maxOpen: number) =>
      insertPullJobCapped(db, { boss: o.boss, data, maxOpen }),
    /** A pull the worker could not start now (tenant at its share): queued again after `seconds`. */
    deferPull: (db: Executor, data: PullJobData, seconds: number) => insertPullJob(db, { boss: o.boss, data, startAfterSeconds: seconds }),
    /** When the config's schedule next fires (null without a schedule). */
    nextPullAt: (configId: string) => nextPullAt(o.boss, configId),
  };
}

export type PullScheduler = ReturnType<typeof createPullScheduler>;
