/**
 * Push delivery (the worker): pg-boss fetches jobs in batches; each job names its sync_queue
 * row and the job id the row must still carry. A batch is settled in ONE PostgreSQL
 * transaction — claim (row locks), handlers, outcomes, audit, follow-up jobs — so a crash at
 * any point either commits all of it or none, and pg-boss redelivers what was not completed.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Job, PgBoss } from 'pg-boss';
import type { Logger } from '../config/logger.ts';
import { timed } from '../core/stage-timing.ts';
import { AGENT_MODE_TENANTS } from '../db/erp-connections.ts';
import type { Database, NewLogRow, QueueRow } from '../db/schema.ts';
import { directionOf, insertLogs, queueItemLog } from '../db/sync-log.ts';
import { backoffDelayMs, type BackoffPolicy } from './backoff.ts';
import { isPermanent } from '../core/failure.ts';
import { isUuid } from './ids.ts';
import { uuidV7 } from '../core/uuid-v7.ts';
import {
  DEAD_LETTER_QUEUE,
  insertDeadLetters,
  insertPushJobs,
  PUSH_DESTINATIONS,
  PUSH_POLL_SECONDS,
  pushJobRows,
  pushQueueName,
  type DeadLetterJobData,
  type PushDeadLetter,
  type JobTiming,
  type NewPushJob,
  type PushDestination,
  type PushJobData,
} from './jobs.ts';

export interface PushResult {
  externalId?: string | null;
  response?: unknown;
}

export interface PushContext {
  /** The batch transaction (inside a savepoint) when the handler registered as `transactional`. */
  trx?: Transaction<Database>;
  /** 1 for the first attempt. */
  attempt: number;
}

export type PushHandler = (item: QueueRow, ctx: PushContext) => Promise<PushResult | void>;

export interface PushHandlerRegistration {
  destination: PushDestination;
  /** An entity type, or `*` for every entity type without a handler of its own. */
  entityType: string;
  handler: PushHandler;
  /** Give the handler the batch transaction so its own writes commit atomically with the outcome. */
  transactional?: boolean;
  /**
   * Commit status PROCESSING before the handlers run, so operators see slow work (ERP writes) in
   * progress. Costs one more UPDATE per batch, which fast in-database handlers can skip.
   */
  markProcessing?: boolean;
}

/** An item whose outcome is final, as committed by its batch. */
export interface SettledItem {
  row: QueueRow;
  status: 'COMPLETED' | 'DEAD';
  externalId: string | null;
  error: string | null;
}

export interface PushWorkerOptions {
  /** Runs inside the batch transaction after outcomes are written (e.g. to queue webhook events atomically). */
  afterSettle?: (trx: Transaction<Database>, settled: SettledItem[]) => Promise<void>;
  db: Kysely<Database>;
  boss: PgBoss;
  logger: Logger;
  handlers: PushHandlerRegistration[];
  /** Batches in flight at once per destination queue. */
  concurrency: number;
  batchSize: number;
  backoff: BackoffPolicy;
  timing: JobTiming;
}

/** One item's attempt, as settled by settleOutcomes: a result, or the error it failed with. */
export interface PushOutcome {
  row: QueueRow;
  startedAt?: Date;
  ms: number;
  result?: PushResult;
  error?: unknown;
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 2000);

export function createPushWorker(opts: PushWorkerOptions) {
  const handlers = new Map(opts.handlers.map((h) => [`${h.destination}\u0000${h.entityType}`, h]));

  /** A fetch: up to batchSize jobs, each naming up to PUSH_JOB_MAX_ITEMS rows, settled batchSize rows a transaction. */
  async function processJobs(jobs: Job<PushJobData>[]): Promise<void> {
    const pairs = jobs.flatMap((j) => pushJobRows(j.data).map((id) => ({ id, job: j.data.jobId })));
    for (let n = 0; n < pairs.length; n += opts.batchSize) await processBatch(pairs.slice(n, n + opts.batchSize));
  }

  async function processBatch(pairs: { id: string; job: string }[]): Promise<void> {
    if (opts.handlers.some((h) => h.markProcessing)) await markProcessing(opts.db, pairs);
    await timed('push', () =>
      opts.db.transaction().execute(async (trx) => {
        const rows = await timed('push.claim', () => claim(trx, pairs));
        const outcomes: PushOutcome[] = [];
        for (const row of rows) outcomes.push(await runOne(trx, row));
        await timed('push.settle', () => settleOutcomes(trx, outcomes, opts));
      }),
    );
  }

  async function runOne(trx: Transaction<Database>, row: QueueRow): Promise<PushOutcome> {
    const startedAt = new Date();
    const started = startedAt.getTime();
    const reg = handlers.get(`${row.destination}\u0000${row.entity_type}`) ?? handlers.get(`${row.destination}\u0000*`);
    if (!reg) return { row, ms: 0, error: new Error(`no handler registered for ${row.destination}/${row.entity_type}`) };
    if (reg.transactional) await sql`savepoint push_item`.execute(trx);
    try {
      const result = (await reg.handler(row, { trx: reg.transactional ? trx : undefined, attempt: row.retry_count + 1 })) ?? {};
      if (reg.transactional) await sql`release savepoint push_item`.execute(trx);
      return { row, startedAt, ms: Date.now() - started, result };
    } catch (error) {
      if (reg.transactional) await sql`rollback to savepoint push_item`.execute(trx);
      return { row, startedAt, ms: Date.now() - started, error };
    }
  }

  /** A job pg-boss itself gave up on (its worker kept dying): its rows become DEAD, except those that moved on. */
  async function processDeadLetters(all: Job<DeadLetterJobData>[]): Promise<void> {
    // Dead letters of webhooks (and anything else not naming a queue row) are kept for inspection only.
    const pairs = all
      .map((j) => j.data)
      .filter((d): d is PushDeadLetter => Boolean(d) && d.kind !== 'webhook')
      .flatMap((d) => pushJobRows(d).map((id) => ({ id: String(id), job: String(d.jobId) })))
      .filter((p) => isUuid(p.id) && isUuid(p.job));
    if (pairs.length === 0) return;
    const rows = await opts.db
      .updateTable('sync_queue')
      .set({
        status: 'DEAD',
        error_message: 'the worker failed repeatedly while processing this item',
        completed_at: sql`now()`,
        updated_at: sql`now()`,
      })
      .where(
        sql<boolean>`(id, job_id) in (select p.id, p.job from jsonb_to_recordset(${JSON.stringify(pairs)}::jsonb) as p(id uuid, job uuid))`,
      )
      .where('status', 'in', ['PENDING', 'RETRY', 'PROCESSING'])
      .returningAll()
      .execute();
    await insertLogs(
      opts.db,
      rows.map((row) => logRow({ row, ms: 0 }, 'DEAD', 'pg-boss dead-lettered the job')),
    );
  }

  const workers: { name: string; id: string }[] = [];
  return {
    async start(): Promise<void> {
      const destinations = new Set(opts.handlers.map((h) => h.destination));
      for (const d of PUSH_DESTINATIONS.filter((x) => destinations.has(x))) {
        const name = pushQueueName(d);
        // A short poll finds new jobs (push queues do not NOTIFY, see ensureQueues) and retries whose backoff elapsed.
        const options = {
          batchSize: opts.batchSize,
          localConcurrency: opts.concurrency,
          burstWhenBatchFull: true,
          pollingIntervalSeconds: PUSH_POLL_SECONDS,
          notifyPollingIntervalSeconds: PUSH_POLL_SECONDS,
        };
        workers.push({ name, id: await opts.boss.work<PushJobData>(name, options, processJobs) });
      }
      const options = { batchSize: 50, pollingIntervalSeconds: 5 };
      workers.push({
        name: DEAD_LETTER_QUEUE,
        id: await opts.boss.work<DeadLetterJobData>(DEAD_LETTER_QUEUE, options, processDeadLetters),
      });
    },
    /** Stops fetching; in-flight batches finish (pg-boss `stop({ graceful })` waits for them). */
    async stop(): Promise<void> {
      for (const w of workers.splice(0)) await opts.boss.offWork(w.name, { id: w.id, wait: true });
    },
  };
}

export type SettleOptions = Pick<PushWorkerOptions, 'boss' | 'backoff' | 'timing' | 'afterSettle'>;

/**
 * Writes the outcomes of attempted items in the caller's transaction: COMPLETED, RETRY with
 * backoff and a new job, or DEAD (permanent or out of retries), with sync_log lines and
 * `afterSettle`. The worker settles its batches here, and so do the site agent's acknowledgements.
 */
export async function settleOutcomes(trx: Transaction<Database>, outcomes: PushOutcome[], opts: SettleOptions): Promise<void> {
  const done = outcomes.filter((o) => !o.error);
  if (done.length) {
    // The COMPLETED update and its audit rows in one statement: the log's who-and-what columns come
    // from the updated rows, so the parameter carries only what the attempt produced.
    const now = Date.now();
    await timed('push.settle.done', () =>
      sql`
      with r as (
        select * from jsonb_to_recordset(${JSON.stringify(
          done.map((o) => ({
            id: o.row.id,
            external_id: o.result?.externalId ?? null,
            response: o.result?.response ?? null,
            started_at: o.startedAt,
            direction: directionOf(o.row.destination),
            ms: o.ms,
            log_started_at: new Date(now - o.ms),
          })),
        )}::jsonb) as r(id uuid, external_id text, response jsonb, started_at timestamptz, direction text, ms integer,
                        log_started_at timestamptz)
      ), completed as (
        update sync_queue q
           set status = 'COMPLETED', external_id = coalesce(r.external_id, q.external_id), response = r.response,
               error_message = null, started_at = coalesce(q.started_at, r.started_at), completed_at = now(), updated_at = now()
          from r
         where q.id = r.id
        returning q.id, q.tenant_id, q.entity_type, q.entity_id, q.action
      )
      insert into sync_log (tenant_id, sync_queue_id, entity_type, entity_id, action, direction, status, message,
                            response_data, duration_ms, started_at, completed_at)
      select c.tenant_id, c.id, c.entity_type, c.entity_id, c.action, r.direction, 'SUCCESS', 'delivered',
             r.response, r.ms, r.log_started_at, ${new Date(now)}::timestamptz
        from completed c join r on r.id = c.id`.execute(trx),
    );
  }
  const logs: NewLogRow[] = [];
  const retryJobs: NewPushJob[] = [];
  const dead: { queueId: string; jobId: string; reason: string }[] = [];
  // Failures are settled in one statement for the whole batch, like successes.
  const failed: {
    id: string;
    status: 'DEAD' | 'RETRY';
    retry_count: number;
    error: string;
    job_id: string | null;
    started_at: Date | null;
    scheduled_at: Date | null;
  }[] = [];
  for (const o of outcomes.filter((x) => x.error)) {
    const attempt = o.row.retry_count + 1;
    const permanent = isPermanent(o.error);
    if (permanent || attempt > o.row.max_retries) {
      failed.push({
        id: o.row.id,
        status: 'DEAD',
        retry_count: permanent ? o.row.retry_count : attempt,
        error: errorText(o.error),
        job_id: null,
        started_at: o.startedAt ?? null,
        scheduled_at: null,
      });
      dead.push({ queueId: o.row.id, jobId: o.row.job_id!, reason: errorText(o.error) });
      logs.push(logRow(o, 'DEAD', `${permanent ? 'permanent error' : `gave up after ${attempt} attempts`}: ${errorText(o.error)}`));
    } else {
      const delay = backoffDelayMs(attempt, opts.backoff);
      const jobId = uuidV7();
      const scheduledAt = new Date(Date.now() + delay);
      failed.push({
        id: o.row.id,
        status: 'RETRY',
        retry_count: attempt,
        error: errorText(o.error),
        job_id: jobId,
        started_at: o.startedAt ?? null,
        scheduled_at: scheduledAt,
      });
      retryJobs.push({
        id: jobId,
        destination: o.row.destination as PushDestination,
        queueIds: [o.row.id],
        priority: o.row.priority,
        startAfter: scheduledAt,
      });
      logs.push(logRow(o, 'RETRY', `attempt ${attempt} failed, next in ${Math.round(delay / 1000)} s: ${errorText(o.error)}`));
    }
  }
  if (failed.length) {
    // DEAD keeps its job id and schedule and is completed now; RETRY gets the new job and schedule.
    await sql`
      update sync_queue q
         set status = f.status, retry_count = f.retry_count, error_message = f.error, job_id = coalesce(f.job_id, q.job_id),
             started_at = coalesce(q.started_at, f.started_at), scheduled_at = coalesce(f.scheduled_at, q.scheduled_at),
             completed_at = case when f.status = 'DEAD' then now() else q.completed_at end, updated_at = now()
        from jsonb_to_recordset(${JSON.stringify(failed)}::jsonb)
             as f(id uuid, status text, retry_count integer, error text, job_id uuid, started_at timestamptz, scheduled_at timestamptz)
       where q.id = f.id`.execute(trx);
  }
  await insertPushJobs(trx, opts, retryJobs);
  await insertDeadLetters(opts.boss, trx, dead);
  await insertLogs(trx, logs);
  if (opts.afterSettle) {
    const deadIds = new Set(dead.map((d) => d.queueId));
    const settled: SettledItem[] = [
      ...done.map((o) => ({
        row: o.row,
        status: 'COMPLETED' as const,
        externalId: o.result?.externalId ?? o.row.external_id,
        error: null,
      })),
      ...outcomes
        .filter((o) => deadIds.has(o.row.id))
        .map((o) => ({ row: o.row, status: 'DEAD' as const, externalId: null, error: errorText(o.error) })),
    ];
    if (settled.length) await opts.afterSettle(trx, settled);
  }
}

function logRow(o: PushOutcome, status: NewLogRow['status'], message: string): NewLogRow {
  return queueItemLog(o.row, {
    status,
    message,
    duration_ms: o.ms,
    // A failed attempt keeps what was sent; a success points at sync_queue.payload through sync_queue_id.
    request_payload: o.error === undefined ? null : JSON.stringify(o.row.payload),
    response_data: o.result?.response === undefined ? null : JSON.stringify(o.result.response),
    started_at: new Date(Date.now() - o.ms),
    completed_at: new Date(),
  });
}

async function markProcessing(db: Kysely<Database>, pairs: { id: string; job: string }[]): Promise<void> {
  await sql`
    update sync_queue q set status = 'PROCESSING', started_at = coalesce(q.started_at, now()), updated_at = now()
      from jsonb_to_recordset(${JSON.stringify(pairs)}::jsonb) as p(id uuid, job uuid)
     where q.id = p.id and q.job_id = p.job and q.status in ('PENDING', 'RETRY')
       and not (q.destination = 'ERP' and q.tenant_id in (${AGENT_MODE_TENANTS}))`.execute(db);
}

/** Locks the rows whose current job is the one being run; stale jobs (superseded, replaced, done) match nothing. */
async function claim(trx: Transaction<Database>, pairs: { id: string; job: string }[]): Promise<QueueRow[]> {
  const rows = await trx
    .selectFrom('sync_queue')
    .selectAll()
    // `id = any(...)` first: the planner then looks each id up in the primary key (estimated from the
    // array's length) instead of hash-joining against every open row of the queue (81 of 98 ms a batch).
    .where('id', '=', sql<string>`any(${pairs.map((p) => p.id)}::uuid[])`)
    .where(
      sql<boolean>`(id, job_id) in (select p.id, p.job from jsonb_to_recordset(${JSON.stringify(pairs)}::jsonb) as p(id uuid, job uuid))`,
    )
    .where('status', 'in', ['PENDING', 'RETRY', 'PROCESSING'])
    // Left PENDING for the tenant's agent; its job completes without touching the row.
    .where(sql<boolean>`not (destination = 'ERP' and tenant_id in (${AGENT_MODE_TENANTS}))`)
    .orderBy('id')
    .forUpdate()
    .execute();
  return rows.sort((a, b) => b.priority - a.priority || a.created_at.getTime() - b.created_at.getTime());
}
