import { sql, type RawBuilder } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { timed } from '../core/stage-timing.ts';
import { uuidV7 } from '../core/uuid-v7.ts';
import type { QueueAction, QueueEndpoint, QueueStatus } from '../db/schema.ts';
import type { Executor } from '../db/connect.ts';
import { IdempotencyKeyReusedError } from './errors.ts';
import { cancelPushJobs, insertPushJobs, PUSH_JOB_MAX_ITEMS, type JobTiming, type NewPushJob, type PushDestination } from './jobs.ts';

export interface EnqueueInput {
  tenantId: string;
  source: QueueEndpoint;
  /** HUB (leased by the Hub) or a destination the worker pushes to. */
  destination: 'HUB' | PushDestination;
  entityType: string;
  entityId: string;
  action: QueueAction;
  /** The item's body; left undefined with `dataId`, it is copied from that sync_data row in the database. */
  payload?: unknown;
  priority?: number;
  scheduledAt?: Date;
  maxRetries?: number;
  /** Same key, same tenant → the existing item is returned and nothing is created. */
  idempotencyKey?: string;
  /** The sync_data row (and its version) this item carries, when it comes from one. */
  dataId?: string;
  dataVersion?: number;
}

export interface EnqueueResult {
  id: string;
  status: QueueStatus;
  /** False when an item with the same idempotency key already existed. */
  created: boolean;
}

export interface EnqueueDeps {
  boss: PgBoss;
  timing: JobTiming;
}

/** From this many items on, an enqueue locks its streams exclusively instead of each record. */
export const STREAM_LOCK_MIN_ITEMS = 64;

const coalesceKey = (i: { tenantId: string; destination: string; entityType: string; entityId: string }) =>
  JSON.stringify([i.tenantId, i.destination, i.entityType, i.entityId]);

/** sync_queue's columns as enqueueMany sends them: the SQL type of one value and of an array of them. */
const QUEUE_COLUMN_TYPES = {
  id: [sql`uuid`, sql`uuid[]`],
  tenant_id: [sql`text`, sql`text[]`],
  source: [sql`text`, sql`text[]`],
  destination: [sql`text`, sql`text[]`],
  entity_type: [sql`text`, sql`text[]`],
  entity_id: [sql`text`, sql`text[]`],
  action: [sql`text`, sql`text[]`],
  upgradable: [sql`boolean`, sql`boolean[]`],
  payload: [sql`jsonb`, sql`jsonb[]`],
  data_id: [sql`bigint`, sql`bigint[]`],
  data_version: [sql`integer`, sql`integer[]`],
  status: [sql`text`, sql`text[]`],
  priority: [sql`integer`, sql`integer[]`],
  max_retries: [sql`integer`, sql`integer[]`],
  idempotency_key: [sql`text`, sql`text[]`],
  job_id: [sql`uuid`, sql`uuid[]`],
  scheduled_at: [sql`timestamptz`, sql`timestamptz[]`],
  completed_at: [sql`timestamptz`, sql`timestamptz[]`],
} as const;
type Column = keyof typeof QUEUE_COLUMN_TYPES;
const COLUMNS = Object.keys(QUEUE_COLUMN_TYPES) as Column[];

/**
 * Writes sync_queue rows and their pg-boss jobs in one transaction — the caller's when
 * `executor` is one, so a caller can write sync_data and enqueue atomically.
 *
 * Coalescing: an older item for the same (tenant, destination, entity_type, entity_id) that is
 * still PENDING or RETRY (not leased, not running) becomes SUPERSEDED. Because the newest
 * payload is the record's full state, a superseded CREATE turns a newer UPDATE/UPSERT into a
 * CREATE, so the receiver still learns the record is new.
 */
export async function enqueueMany(executor: Executor, deps: EnqueueDeps, inputs: EnqueueInput[]): Promise<EnqueueResult[]> {
  return enqueuePlanned(executor, deps, planEnqueue(inputs));
}

/**
 * An enqueue's work in Node — item ids, coalescing within the batch, job grouping, the statements'
 * parameters — apart from its statements, so that a pipelined caller (an ingest batch waiting for
 * the previous batch's commit) does it before its turn comes (issue 17).
 */
export interface EnqueuePlan {
  inputs: EnqueueInput[];
  /** Answers known before the statements: items an idempotency lookup found. */
  results: (EnqueueResult | undefined)[];
  fresh: { n: number; id: string; live: boolean }[];
  streamKeys: string[];
  lockKeys: string[];
  exclusive: boolean;
  jobs: NewPushJob[];
  /** SQL: the new rows (one unnest of the varying columns). */
  items: RawBuilder<unknown>;
  /** SQL: the waiting items of these records, by stream. */
  byStream: RawBuilder<unknown>;
}

export function planEnqueue(inputs: EnqueueInput[], known: (EnqueueResult | undefined)[] = new Array(inputs.length)): EnqueuePlan {
  // Per item, once: its id, its record's key and its stream (consecutive items of one stream, as in
  // an ingest batch, share the stream's entry). This loop and the column loop below run for every
  // ingested record: each item's values go straight into the column arrays, in one pass.
  const fresh: { input: EnqueueInput; n: number; id: string; key: string }[] = [];
  const streams = new Map<string, { i: EnqueueInput; ids: Set<string> }>();
  let stream: { i: EnqueueInput; ids: Set<string> } | undefined;
  for (let n = 0; n < inputs.length; n++) {
    if (known[n]) continue;
    const i = inputs[n]!;
    if (!stream || stream.i.tenantId !== i.tenantId || stream.i.destination !== i.destination || stream.i.entityType !== i.entityType) {
      const k = JSON.stringify([i.tenantId, i.destination, i.entityType]);
      stream = streams.get(k);
      if (!stream) streams.set(k, (stream = { i, ids: new Set() }));
    }
    stream.ids.add(i.entityId);
    fresh.push({ input: i, n, id: uuidV7(), key: coalesceKey(i) });
  }
  // Keys are sorted within each level: no deadlock between two batches (see enqueuePlanned).
  const streamKeys = [...streams.keys()].sort();
  const exclusive = fresh.length >= STREAM_LOCK_MIN_ITEMS;
  const lockKeys = exclusive ? streamKeys : [...streamKeys, ...[...new Set(fresh.map((f) => f.key))].sort()];

  // Within one batch, the last item of a record wins; earlier ones are stored as SUPERSEDED, and a
  // CREATE among them makes the live one a CREATE (the database adds older waiting CREATEs below).
  const lastOfRecord = new Map<string, number>();
  fresh.forEach((f, idx) => lastOfRecord.set(f.key, idx));
  const createdInBatch = new Set<string>();
  fresh.forEach((f, idx) => {
    if (f.input.action === 'CREATE' && lastOfRecord.get(f.key) !== idx) createdInBatch.add(f.key);
  });
  const nowIso = new Date().toISOString();
  const jobs: NewPushJob[] = [];
  // The live items of one tenant, queue, priority and start time share a job, PUSH_JOB_MAX_ITEMS at most.
  const openJobs = new Map<string, NewPushJob>();
  const jobFor = (i: EnqueueInput, destination: PushDestination, queueId: string): string => {
    const key = JSON.stringify([i.tenantId, destination, i.priority ?? 0, i.scheduledAt?.getTime() ?? null]);
    let job = openJobs.get(key);
    if (!job || job.queueIds.length >= PUSH_JOB_MAX_ITEMS) {
      job = { id: uuidV7(), destination, queueIds: [], priority: i.priority ?? 0, startAfter: i.scheduledAt };
      openJobs.set(key, job);
      jobs.push(job);
    }
    job.queueIds.push(queueId);
    return job.id;
  };
  const values = Object.fromEntries(COLUMNS.map((k) => [k, [] as unknown[]])) as Record<Column, unknown[]>;
  const planned = fresh.map((f, idx) => {
    const i = f.input;
    const isLive = lastOfRecord.get(f.key) === idx;
    const upgradable = isLive && (i.action === 'UPDATE' || i.action === 'UPSERT');
    const jobId = isLive && i.destination !== 'HUB' ? jobFor(i, i.destination, f.id) : null;
    // Typed as a whole row, so a column left out fails to compile (unnest would pad it with NULLs).
    const value: Record<Column, unknown> = {
      id: f.id,
      tenant_id: i.tenantId,
      source: i.source,
      destination: i.destination,
      entity_type: i.entityType,
      entity_id: i.entityId,
      action: upgradable && createdInBatch.has(f.key) ? 'CREATE' : i.action,
      upgradable,
      // null: copied from the sync_data row below, in the database (no payload round trip).
      payload: i.payload === undefined && i.dataId ? null : JSON.stringify(i.payload ?? {}),
      data_id: i.dataId ?? null,
      data_version: i.dataVersion ?? null,
      status: isLive ? 'PENDING' : 'SUPERSEDED',
      priority: i.priority ?? 0,
      max_retries: i.maxRetries ?? 5,
      idempotency_key: i.idempotencyKey ?? null,
      job_id: jobId,
      scheduled_at: i.scheduledAt ? i.scheduledAt.toISOString() : nowIso,
      completed_at: isLive ? null : nowIso,
    };
    for (const k of COLUMNS) values[k].push(value[k]);
    return { n: f.n, id: f.id, live: isLive };
  });
  // A column whose value is the same for every item (in an ingest batch all but id, entity_id and
  // the data reference) goes as one scalar instead of an array of copies: 2 000 items were 84 ms
  // as eighteen arrays and 67 ms as five, the rest being array parsing on both sides.
  const columns = COLUMNS.map((k) => ({
    k,
    type: QUEUE_COLUMN_TYPES[k],
    // The ids always go as the array: it is what unnest makes the rows of, one item included.
    same: k !== 'id' && values[k].every((v) => v === values[k][0]),
  }));
  const varying = columns.filter((c) => !c.same);
  const constant = columns.filter((c) => c.same);
  const items = sql`(select u.*${sql.join(
    constant.map((c) => sql`, ${values[c.k][0]}::${c.type[0]} as ${sql.ref(c.k)}`),
    sql``,
  )} from unnest(${sql.join(varying.map((c) => sql`${values[c.k]}::${c.type[1]}`))}) as u(${sql.join(varying.map((c) => sql.ref(c.k)))}))`;
  // The supersede goes by stream with `entity_id = any(...)`, a plan that stays an index lookup
  // however stale the table's statistics are (a join against a recordset degraded into a scan of
  // the whole queue).
  const byStream = sql.join(
    [...streams.values()].map(
      ({ i, ids }) =>
        sql`(q.tenant_id = ${i.tenantId} and q.destination = ${i.destination} and q.entity_type = ${i.entityType} and q.entity_id = any(${[...ids]}::text[]))`,
    ),
    sql` or `,
  );
  return { inputs, results: known, fresh: planned, streamKeys, lockKeys, exclusive, jobs, items, byStream };
}

/** Runs a planned enqueue (see enqueueMany). */
export async function enqueuePlanned(executor: Executor, deps: EnqueueDeps, planIn: EnqueuePlan): Promise<EnqueueResult[]> {
  if (planIn.inputs.length === 0) return [];
  if (!executor.isTransaction) return executor.transaction().execute((trx) => enqueuePlanned(trx, deps, planIn));
  const trx = executor;
  let plan = planIn;
  const { inputs } = plan;

  // 1. Idempotency: items whose key already exists are answered from the existing row, and the rest planned again.
  const keyed = inputs.map((i, n) => [i, n] as const).filter(([i]) => i.idempotencyKey);
  if (keyed.length) {
    const results = new Array<EnqueueResult | undefined>(inputs.length);
    const existing = await trx
      .selectFrom('sync_queue')
      .select(['id', 'status', 'tenant_id', 'idempotency_key', 'destination', 'entity_type', 'entity_id', 'action', 'payload'])
      .where((eb) => eb.or(keyed.map(([i]) => eb.and([eb('tenant_id', '=', i.tenantId), eb('idempotency_key', '=', i.idempotencyKey!)]))))
      .execute();
    const found = new Map(existing.map((r) => [`${r.tenant_id}\u0000${r.idempotency_key}`, r]));
    for (const [i, n] of keyed) {
      const row = found.get(`${i.tenantId}\u0000${i.idempotencyKey}`);
      if (!row) continue;
      // Stripe's rule: a key names one request. The stored action may be a coalesced CREATE, so
      // an UPDATE retried under its key still matches a row that became CREATE.
      const sameAction = row.action === i.action || (row.action === 'CREATE' && (i.action === 'UPDATE' || i.action === 'UPSERT'));
      // jsonb equality ignores key order and whitespace, as a resent body may differ in both.
      const same =
        row.destination === i.destination &&
        row.entity_type === i.entityType &&
        row.entity_id === i.entityId &&
        sameAction &&
        (
          await sql<{
            same: boolean;
          }>`select ${JSON.stringify(row.payload)}::jsonb = ${JSON.stringify(i.payload ?? {})}::jsonb as same`.execute(trx)
        ).rows[0]!.same;
      if (!same)
        throw new IdempotencyKeyReusedError(
          `Idempotency-Key '${i.idempotencyKey}' was already used for a different request (sync_id ${row.id}); use a new key for a new request`,
        );
      results[n] = { id: row.id, status: row.status, created: false };
    }
    if (results.some(Boolean)) plan = planEnqueue(inputs, results);
  }
  const { fresh } = plan;
  const results = [...plan.results];
  if (fresh.length === 0) return results as EnqueueResult[];

  // 2. Serialise enqueues of the same records. Every enqueue first locks its streams: a large batch
  // (ingest) exclusively — one lock instead of one per record; a small one (API) shared, then its
  // records, so concurrent requests for different records of one stream do not wait for each other.
  await timed('queue_insert.lock', () =>
    sql`select case when u.o > ${plan.streamKeys.length}::int or ${plan.exclusive}::boolean then pg_advisory_xact_lock(hashtextextended(u.k, 0))::text
                    else pg_advisory_xact_lock_shared(hashtextextended(u.k, 0))::text end
          from unnest(${plan.lockKeys}::text[]) with ordinality as u(k, o) order by o`.execute(trx),
  );

  // 3. One statement supersedes the older waiting items of these records and inserts the new ones
  // (after the locks: a statement's snapshot is taken before it would wait on one). The items go as
  // one array parameter per column (or one scalar, above), not 17 parameters per row (whose
  // parse/bind dominated a 1 000-row ingest batch), nor one JSON recordset (whose per-row key
  // lookups cost a quarter more than the arrays' unnest).
  const staleJobs = await timed(
    'queue_insert.insert',
    async () =>
      (
        await sql<{ id: string; destination: PushDestination }>`
      with superseded as (
        update sync_queue q set status = 'SUPERSEDED', updated_at = now(), completed_at = now()
         where (${plan.byStream}) and q.status in ('PENDING', 'RETRY') and q.lease_expires_at is null
        returning q.id, q.job_id, q.destination, q.action, q.tenant_id, q.entity_type, q.entity_id
      ), created as (
        select distinct tenant_id, destination, entity_type, entity_id from superseded where action = 'CREATE'
      ), inserted as (
        insert into sync_queue (id, tenant_id, source, destination, entity_type, entity_id, action, payload, data_id, data_version,
                                status, priority, max_retries, idempotency_key, job_id, scheduled_at, completed_at)
        select x.id, x.tenant_id, x.source, x.destination, x.entity_type, x.entity_id,
               case when x.upgradable and c.entity_id is not null then 'CREATE' else x.action end,
               coalesce(x.payload, (select d.payload from sync_data d where d.id = x.data_id), '{}'::jsonb),
               x.data_id, x.data_version, x.status, x.priority, x.max_retries, x.idempotency_key, x.job_id, x.scheduled_at, x.completed_at
          from ${plan.items} as x
          left join created c
            on c.tenant_id = x.tenant_id and c.destination = x.destination and c.entity_type = x.entity_type and c.entity_id = x.entity_id
      )
      -- Their pg-boss jobs are cancelled, so no worker fetches them (only push destinations have jobs).
      select job_id as id, destination from superseded where job_id is not null`.execute(trx)
      ).rows,
  );
  await insertPushJobs(trx, deps, plan.jobs);
  if (staleJobs.length) await cancelPushJobs(deps.boss, trx, staleJobs);

  for (const f of fresh) results[f.n] = { id: f.id, status: f.live ? 'PENDING' : 'SUPERSEDED', created: true };
  return results as EnqueueResult[];
}

/** Single-item form of enqueueMany. */
export async function enqueue(executor: Executor, deps: EnqueueDeps, input: EnqueueInput): Promise<EnqueueResult> {
  const [r] = await enqueueMany(executor, deps, [input]);
  return r!;
}
