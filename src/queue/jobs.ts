/**
 * The one place that talks to pg-boss about jobs: queue names, payload types, and the only
 * calls to `insert` / `cancel`. Every call runs on the caller's Kysely executor, so a job is
 * written in the same transaction as its sync_queue row.
 */
import { CONFIG_DEFAULTS } from '../config/config.ts';
import { sql, type Kysely } from 'kysely';
import { fromKysely, type PgBoss } from 'pg-boss';
import type { Database, QueueEndpoint } from '../db/schema.ts';
import type { Executor } from '../db/connect.ts';

/**
 * Destinations delivered by the worker (push). HUB items are pulled by the Hub through leases and
 * have no job; the site agent leases its ERP items too (routes/agent-outbound.ts). PARSE and AGENT
 * stay valid sync_queue endpoints (the table's CHECK), but nothing delivers to them, so nothing may enqueue for them.
 */
export const PUSH_DESTINATIONS = ['ERP'] as const satisfies readonly QueueEndpoint[];
export type PushDestination = (typeof PUSH_DESTINATIONS)[number];

export const DEAD_LETTER_QUEUE = 'sync-dead-letter';
export const WEBHOOK_QUEUE = 'sync-webhook';
/** Pulls of one entity config (scheduled by cron, or triggered through the API). */
export const PULL_QUEUE = 'sync-pull';

export interface PullJobData {
  tenantId: string;
  configId: string;
  /** Set when a pull is re-queued (tenant at its share of pull slots): the run keeps the id the API returned. */
  runId?: string;
  /** `full`: read the whole snapshot even when the entity has a cursor (reconciliation; finds deletes). */
  mode?: 'full';
  /** The operator confirmed deletions beyond the mass-delete guard. */
  confirmDeletes?: boolean;
}

/**
 * A scheduled pull that fails is retried with exponential backoff (about 1, 2, 4, 8 min, jittered)
 * instead of waiting for its next cron time; a run triggered through the API is not retried.
 */
export const SCHEDULED_PULL_RETRY = { retryLimit: 4, retryDelay: 60, retryBackoff: true, retryDelayMax: 900 } as const;

/** A webhook delivery: the event is fixed at emission (same id and body on every attempt). */
export interface WebhookJobData {
  eventId: string;
  tenantId: string;
  type: string;
  body: string;
  /** 1-based delivery attempt. */
  attempt: number;
  /** A copy for the operator's receiver (ALERT_OPERATOR_URL) instead of the tenant's webhook. */
  operator?: true;
}

/** How often push workers look for new jobs, s (pg-boss's minimum): the most an outbound item waits before delivery starts. */
export const PUSH_POLL_SECONDS = 0.5;

export function pushQueueName(destination: PushDestination): string {
  return `sync-push-${destination.toLowerCase()}`;
}

export function isPushDestination(d: QueueEndpoint): d is PushDestination {
  return (PUSH_DESTINATIONS as readonly string[]).includes(d);
}

/**
 * Payload of a push job: the sync_queue rows it delivers, and the job id each row must still carry
 * (a fence against stale jobs). The items of one enqueue share a job, up to PUSH_JOB_MAX_ITEMS:
 * a job fetched and completed per item cost pg-boss more than the delivery itself (issue 17).
 * Jobs queued before grouping name one row as `queueId`.
 */
export type PushJobData = { jobId: string } & ({ queueIds: string[] } | { queueId: string });

/** Rows per push job at most: a bound on what one fetched job brings (a fetch takes up to the worker's batch size of jobs). */
export const PUSH_JOB_MAX_ITEMS = 10;

/** The rows a push job (or a dead letter of one) names, whichever shape it was queued in. */
export function pushJobRows(data: PushJobData): string[] {
  return 'queueIds' in data ? data.queueIds : [data.queueId];
}

/**
 * A push item that ran out of attempts: its row and the job the row must still carry. pg-boss
 * dead-letters a job it gave up on with the job's own data (PushJobData, possibly several rows).
 */
export type PushDeadLetter = PushJobData & { kind?: 'push'; reason?: string };

/** A webhook event whose retry schedule ran out: no queue row, kept for inspection. */
export interface WebhookDeadLetter {
  kind: 'webhook';
  tenantId: string;
  eventId: string;
  type: string;
  reason: string;
}

/** What the dead-letter queue holds. */
export type DeadLetterJobData = PushDeadLetter | WebhookDeadLetter;

export interface JobTiming {
  /** How long a fetched job may stay active before pg-boss considers its worker dead, seconds. */
  expireInSeconds: number;
  /** Redeliveries pg-boss itself makes after a worker died or its batch threw. */
  crashRetryLimit: number;
}

export const JOB_TIMING_DEFAULT: JobTiming = { expireInSeconds: CONFIG_DEFAULTS.JOB_EXPIRE_SECONDS, crashRetryLimit: 5 };

/** Creates the queues (pg-boss `send` to a queue that was never created returns null silently). */
export async function ensureQueues(boss: PgBoss): Promise<void> {
  await boss.createQueue(DEAD_LETTER_QUEUE, { retentionSeconds: 30 * 24 * 3600 });
  await boss.createQueue(PULL_QUEUE, { notify: true, retryLimit: 0, expireInSeconds: 6 * 3600 });
  await boss.createQueue(WEBHOOK_QUEUE, { deadLetter: DEAD_LETTER_QUEUE, notify: true, retryDelay: 5 });
  // Push queues do not NOTIFY: a transaction that notifies holds PostgreSQL's one notify lock from
  // its commit until its WAL flush, so every API enqueue waited for every other one's fsync (outbound
  // POST p99 ≈ 250 ms at 50 connections). Workers poll instead (PUSH_POLL_SECONDS). updateQueue
  // also turns it off on queues created by an earlier version.
  for (const d of PUSH_DESTINATIONS) {
    await boss.createQueue(pushQueueName(d), { deadLetter: DEAD_LETTER_QUEUE, notify: false, retryDelay: 1 });
    await boss.updateQueue(pushQueueName(d), { notify: false });
  }
}

function bossDb(executor: Executor) {
  return fromKysely(executor.withoutPlugins());
}

export interface NewPushJob {
  id: string;
  destination: PushDestination;
  queueIds: string[];
  priority: number;
  /** Omit for "now": pg-boss then uses the database clock and wakes workers through NOTIFY at once. */
  startAfter?: Date;
}

/** Jobs by push queue, in order (appended in place: copying a list per job made a 500-job batch quadratic). */
function byDestination<T extends { destination: PushDestination }>(jobs: T[]): Map<PushDestination, T[]> {
  const out = new Map<PushDestination, T[]>();
  for (const j of jobs) {
    const list = out.get(j.destination);
    if (list) list.push(j);
    else out.set(j.destination, [j]);
  }
  return out;
}

/** Inserts push jobs (ids chosen by the caller and already stored on the rows). */
export async function insertPushJobs(
  executor: Executor,
  { boss, timing }: { boss: PgBoss; timing: JobTiming },
  jobs: NewPushJob[],
): Promise<void> {
  for (const [destination, list] of byDestination(jobs)) {
    await boss.insert(
      pushQueueName(destination),
      list.map((j) => ({
        id: j.id,
        data: { jobId: j.id, queueIds: j.queueIds } satisfies PushJobData,
        priority: j.priority,
        ...(j.startAfter ? { startAfter: j.startAfter } : {}),
        expireInSeconds: timing.expireInSeconds,
        retryLimit: timing.crashRetryLimit,
        deadLetter: DEAD_LETTER_QUEUE,
      })),
      { db: bossDb(executor) },
    );
  }
}

/** A push job's rows, in SQL (`j` a pgboss.job row, either shape of PushJobData). */
const PUSH_JOB_ROWS = sql`array(select jsonb_array_elements_text(coalesce(j.data->'queueIds', jsonb_build_array(j.data->'queueId'))))::uuid[]`;

/**
 * Cancels the jobs of superseded rows that have nothing left to deliver, so no worker fetches them.
 * A job that still has a waiting row stays (its superseded rows are fenced off at claim). The jobs
 * are locked first and checked in a statement of their own: of two transactions superseding the
 * last rows of one job, the second to lock it sees the first's rows gone and cancels it.
 */
export async function cancelPushJobs(
  boss: PgBoss,
  executor: Executor,
  jobs: { destination: PushDestination; id: string }[],
): Promise<void> {
  for (const [destination, list] of byDestination(jobs)) {
    const name = pushQueueName(destination);
    const ids = [...new Set(list.map((j) => j.id))].sort();
    await sql`select 1 from pgboss.job where name = ${name} and id = any(${ids}::uuid[]) order by id for update`.execute(executor);
    const idle = await sql<{ id: string }>`
      select j.id from pgboss.job j
       where j.name = ${name} and j.id = any(${ids}::uuid[])
         and not exists (select 1 from sync_queue q
                          where q.id = any(${PUSH_JOB_ROWS}) and q.job_id = j.id and q.status in ('PENDING', 'RETRY', 'PROCESSING'))`.execute(
      executor,
    );
    if (idle.rows.length)
      await boss.cancel(
        name,
        idle.rows.map((j) => j.id),
        { db: bossDb(executor) },
      );
  }
}

/** Records an item that ran out of retries in pg-boss's dead-letter queue (where pg-boss tooling can see it). */
export async function insertDeadLetters(boss: PgBoss, executor: Executor, items: DeadLetterJobData[]): Promise<void> {
  if (items.length === 0) return;
  await boss.insert(
    DEAD_LETTER_QUEUE,
    items.map((data) => ({ data })),
    { db: bossDb(executor) },
  );
}

/** Queues webhook deliveries (in the caller's transaction, so an event exists exactly when its cause committed). */
export async function insertWebhookJobs(
  boss: PgBoss,
  executor: Executor,
  jobs: { data: WebhookJobData; startAfter?: Date }[],
): Promise<void> {
  if (jobs.length === 0) return;
  await boss.insert(
    WEBHOOK_QUEUE,
    jobs.map((j) => ({ data: j.data, retryLimit: 2, ...(j.startAfter ? { startAfter: j.startAfter } : {}) })),
    { db: bossDb(executor) },
  );
}

/** Queues a pull now (or after `startAfterSeconds`); its job id is the run id the API returns. */
export async function insertPullJob(
  executor: Executor,
  { boss, data, startAfterSeconds }: { boss: PgBoss; data: PullJobData; startAfterSeconds?: number },
): Promise<string> {
  const id = crypto.randomUUID();
  await boss.insert(PULL_QUEUE, [{ id, data, ...(startAfterSeconds ? { startAfter: startAfterSeconds } : {}) }], { db: bossDb(executor) });
  return id;
}

/**
 * Queues a pull unless the tenant already has `maxOpen` pulls queued or running (then undefined).
 * Counted and inserted under a per-tenant transaction lock, so concurrent requests cannot overshoot.
 */
export async function insertPullJobCapped(
  db: Kysely<Database>,
  { boss, data, maxOpen }: { boss: PgBoss; data: PullJobData; maxOpen: number },
): Promise<string | undefined> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`pulls:${data.tenantId}`}, 0))`.execute(trx);
    const open = await sql<{ n: string }>`
      select count(*) as n from pgboss.job
       where name = ${PULL_QUEUE} and state in ('created', 'retry', 'active') and data->>'tenantId' = ${data.tenantId}`.execute(trx);
    if (Number(open.rows[0]!.n) >= maxOpen) return undefined;
    return insertPullJob(trx, { boss, data });
  });
}

/**
 * Makes pg-boss's cron schedules match the enabled inbound configs (key = config id, and
 * `<config id>/reconcile` for the full read of an entity with a cursor): new ones
 * are scheduled, changed ones rescheduled, removed or disabled ones unscheduled — no restart.
 */
export async function reconcilePullSchedules(
  boss: PgBoss,
  wanted: { configId: string; tenantId: string; cron: string; timeZone: string; key?: string; mode?: 'full' }[],
): Promise<{ scheduled: number; removed: number }> {
  const current = await boss.getSchedules(PULL_QUEUE);
  const byKey = new Map(current.map((s) => [s.key, s]));
  let scheduled = 0;
  for (const w of wanted) {
    const key = w.key ?? w.configId;
    const have = byKey.get(key);
    byKey.delete(key);
    const retrying = (have?.options as { retryLimit?: number } | undefined)?.retryLimit === SCHEDULED_PULL_RETRY.retryLimit;
    if (have && have.cron === w.cron && have.timezone === w.timeZone && retrying) continue;
    const data: PullJobData = { tenantId: w.tenantId, configId: w.configId, ...(w.mode ? { mode: w.mode } : {}) };
    await boss.schedule(PULL_QUEUE, w.cron, data, { tz: w.timeZone, key, ...SCHEDULED_PULL_RETRY });
    scheduled++;
  }
  for (const stale of byKey.values()) await boss.unschedule(PULL_QUEUE, stale.key);
  return { scheduled, removed: byKey.size };
}

/** When a config's next scheduled pull is due, if it has a schedule. */
export async function nextPullAt(boss: PgBoss, configId: string): Promise<Date | null> {
  const s = await boss.getSchedule(PULL_QUEUE, configId);
  if (!s) return null;
  return boss.previewSchedule(s.cron, { tz: s.timezone, count: 1 })[0] ?? null;
}
