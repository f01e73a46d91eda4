/** Issue 15: worker liveness rows (see db/migrations/0013_worker_heartbeat.sql). */
import { sql } from 'kysely';
import type { Executor } from './connect.ts';

export interface WorkerIdentity {
  workerId: string;
  hostname: string;
  pid: number;
  startedAt: Date;
}

/** Stamped with the database clock, so server and worker clocks never need to agree. */
export async function beatWorker(db: Executor, w: WorkerIdentity): Promise<void> {
  await db
    .insertInto('sync_worker_heartbeat')
    .values({ worker_id: w.workerId, hostname: w.hostname, pid: w.pid, started_at: w.startedAt, beat_at: sql<Date>`now()` })
    .onConflict((oc) => oc.column('worker_id').doUpdateSet({ beat_at: sql<Date>`now()` }))
    .execute();
}

export async function removeWorkerHeartbeat(db: Executor, workerId: string): Promise<void> {
  await db.deleteFrom('sync_worker_heartbeat').where('worker_id', '=', workerId).execute();
}

/** The newest beat and its age by the database clock, or undefined when no worker ever beat (or all stopped cleanly). */
export async function latestWorkerBeat(db: Executor): Promise<{ beatAt: Date; ageSeconds: number; workers: number } | undefined> {
  const r = await sql<{ beat_at: Date | null; age: string | null; workers: string }>`
    select max(beat_at) beat_at, extract(epoch from now() - max(beat_at))::text age, count(*)::text workers from sync_worker_heartbeat`.execute(
    db,
  );
  const row = r.rows[0];
  if (!row?.beat_at) return undefined;
  return { beatAt: row.beat_at, ageSeconds: Math.max(0, Number(row.age)), workers: Number(row.workers) };
}
