import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { timed } from '../core/stage-timing.ts';
import type { QueueAction, QueueEndpoint, QueueStatus } from '../db/schema.ts';
import type { Executor } from '../db/connect.ts';
import { IdempotencyKeyReusedError } from './errors.ts';
import { cancelPushJobs, insertPushJobs, isPushDestination, type JobTiming, type NewPushJob, type PushDestination } from './jobs.ts';

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

interface SupersededRow {
  id: string;
  job_id: string | null;
  destination: QueueEndpoint;
  action: QueueAction;
  tenant_id: string;
  entity_type: string;
  entity_id: string;
}

/** From this many items on, an enqueue locks its streams exclusively instead of each record. */
export const STREAM_LOCK_MIN_ITEMS = 64;

const coalesceKey = (i: { tenantId: string; destination: string; entityType: string; entityId: string }) =>
  JSON.stringify([i.tenantId, i.destination, i.entityType, i.entityId]);

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
  if (inputs.length === 0) return [];
  if (!executor.isTransaction) return executor.transaction().execute((trx) => enqueueMany(trx, deps, inputs));
  const trx = executor;

  // 1. Idempotency: items whose key already exists are answered from the existing row.
  const results = new Array<EnqueueResult | undefined>(inputs.length);
  const keyed = inputs.map((i, n) => [i, n] as const).filter(([i]) => i.idempotencyKey);
  if (keyed.length) {
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
  }
  const fresh = inputs.map((i, n) => ({ input: i, n, id: randomUUID() })).filter((f) => !results[f.n]);
  if (fresh.length === 0) return results as EnqueueResult[];

  // 3's statements go one per (tenant, destination, entity_type) stream.
  const streams = new Map<string, { i: EnqueueInput; ids: Set<string> }>();
  for (const f of fresh) {
    const k = JSON.stringify([f.input.tenantId, f.input.destination, f.input.entityType]);
    if (!streams.has(k)) streams.set(k, { i: f.input, ids: new Set() });
    streams.get(k)!.ids.add(f.input.entityId);
  }

  // 2. Serialise enqueues of the same records. Every enqueue first locks its streams: a large batch
  // (ingest) exclusively — one lock instead of one per record; a small one (API) shared, then its
  // records, so concurrent requests for different records of one stream do not wait for each other.
  // Keys are sorted within each level: no deadlock between two batches.
  const streamKeys = [...streams.keys()].sort();
  const exclusive = fresh.length >= STREAM_LOCK_MIN_ITEMS;
  const lockKeys = exclusive ? streamKeys : [...streamKeys, ...[...new Set(fresh.map((f) => coalesceKey(f.input)))].sort()];
  await timed('queue_insert.lock', () =>
    sql`select case when u.o > ${streamKeys.length}::int or ${exclusive}::boolean then pg_advisory_xact_lock(hashtextextended(u.k, 0))::text
                    else pg_advisory_xact_lock_shared(hashtextextended(u.k, 0))::text end
          from unnest(${lockKeys}::text[]) with ordinality as u(k, o) order by o`.execute(trx),
  );

  // 3. Supersede older waiting items of the same records.
  // One statement per stream with `entity_id = any(...)`: a plan that
  // stays an index or hash lookup however stale the table's statistics are (a join against a
  // recordset degraded into a nested loop over the whole queue).
  const superseded: SupersededRow[] = [];
  const supersede = async () => {
    for (const { i, ids } of streams.values()) {
      superseded.push(
        ...(await trx
          .updateTable('sync_queue')
          .set({ status: 'SUPERSEDED', updated_at: sql`now()`, completed_at: sql`now()` })
          .where('tenant_id', '=', i.tenantId)
          .where('destination', '=', i.destination)
          .where('entity_type', '=', i.entityType)
          .where('entity_id', '=', sql<string>`any(${[...ids]}::text[])`)
          .where('status', 'in', ['PENDING', 'RETRY'])
          .where('lease_expires_at', 'is', null)
          .returning(['id', 'job_id', 'destination', 'action', 'tenant_id', 'entity_type', 'entity_id'])
          .execute()),
      );
    }
  };
  await timed('queue_insert.supersede', supersede);
  const createdBefore = new Set(
    superseded
      .filter((r) => r.action === 'CREATE')
      .map((r) => coalesceKey({ tenantId: r.tenant_id, destination: r.destination, entityType: r.entity_type, entityId: r.entity_id })),
  );

  // Within one batch, the last item of a record wins; earlier ones are stored as SUPERSEDED.
  const lastOfRecord = new Map<string, number>();
  fresh.forEach((f, idx) => lastOfRecord.set(coalesceKey(f.input), idx));
  const rows = fresh.map((f, idx) => {
    const key = coalesceKey(f.input);
    const live = lastOfRecord.get(key) === idx;
    if (!live && f.input.action === 'CREATE') createdBefore.add(key);
    return { f, live, key };
  });

  const now = new Date();
  const jobs: NewPushJob[] = [];
  const values = rows.map(({ f, live, key }) => {
    const i = f.input;
    const action = live && createdBefore.has(key) && (i.action === 'UPDATE' || i.action === 'UPSERT') ? 'CREATE' : i.action;
    const push = live && isPushDestination(i.destination);
    const jobId = push ? randomUUID() : null;
    if (push)
      jobs.push({
        id: jobId!,
        destination: i.destination as NewPushJob['destination'],
        queueId: f.id,
        priority: i.priority ?? 0,
        startAfter: i.scheduledAt,
      });
    return {
      id: f.id,
      tenant_id: i.tenantId,
      source: i.source,
      destination: i.destination,
      entity_type: i.entityType,
      entity_id: i.entityId,
      action,
      // null: copied from the sync_data row below, in the database (no payload round trip).
      payload: i.payload === undefined && i.dataId ? null : (i.payload ?? {}),
      data_id: i.dataId ?? null,
      data_version: i.dataVersion ?? null,
      status: (live ? 'PENDING' : 'SUPERSEDED') as QueueStatus,
      priority: i.priority ?? 0,
      max_retries: i.maxRetries ?? 5,
      idempotency_key: i.idempotencyKey ?? null,
      job_id: jobId,
      scheduled_at: (i.scheduledAt ?? now).toISOString(),
      completed_at: live ? null : now.toISOString(),
    };
  });
  // One JSON parameter instead of 17 per row: a 1 000-row VALUES list spent most of an ingest batch in parse/bind.
  await timed('queue_insert.insert', () =>
    sql`
    insert into sync_queue (id, tenant_id, source, destination, entity_type, entity_id, action, payload, data_id, data_version,
                            status, priority, max_retries, idempotency_key, job_id, scheduled_at, completed_at)
    select x.id, x.tenant_id, x.source, x.destination, x.entity_type, x.entity_id, x.action, coalesce(x.payload, (select d.payload from sync_data d where d.id = x.data_id), '{}'::jsonb),
           x.data_id, x.data_version, x.status, x.priority, x.max_retries, x.idempotency_key, x.job_id, x.scheduled_at, x.completed_at
      from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as x(
             id uuid, tenant_id text, source text, destination text, entity_type text, entity_id text, action text, payload jsonb,
             data_id bigint, data_version integer, status text, priority integer, max_retries integer, idempotency_key text,
             job_id uuid, scheduled_at timestamptz, completed_at timestamptz)`.execute(trx),
  );
  await insertPushJobs(trx, deps, jobs);
  const staleJobs = superseded.filter((r) => r.job_id && isPushDestination(r.destination));
  if (staleJobs.length)
    await cancelPushJobs(
      deps.boss,
      trx,
      staleJobs.map((r) => ({ destination: r.destination as NewPushJob['destination'], id: r.job_id! })),
    );

  for (const { f, live } of rows) results[f.n] = { id: f.id, status: live ? 'PENDING' : 'SUPERSEDED', created: true };
  return results as EnqueueResult[];
}

/** Single-item form of enqueueMany. */
export async function enqueue(executor: Executor, deps: EnqueueDeps, input: EnqueueInput): Promise<EnqueueResult> {
  const [r] = await enqueueMany(executor, deps, [input]);
  return r!;
}
