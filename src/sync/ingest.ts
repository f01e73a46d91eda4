/**
 * The write path of every ERP → Hub record (pulls, and seed 001 uploads): mapping, transforms,
 * canonical hash, then per batch ONE transaction that upserts sync_data (unchanged rows are not
 * written at all), enqueues the changed ones for the Hub, and checkpoints sync_state.
 */
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { sql, type Kysely, type Transaction } from 'kysely';
import { stageTimings, timed } from '../core/stage-timing.ts';
import type { Database } from '../db/schema.ts';
import type { SnapshotKeys } from '../db/snapshot-keys.ts';
import type { SyncQueue } from '../queue/sync-queue.ts';
import { canonicalHash, canonicalJson } from './canonical-json.ts';
import { primaryKeyColumn, type EntityConfig } from './entity-config.ts';
import { applyTransforms, mapFields, type Row } from './transforms.ts';

/** Per-stage timings of the write path, for bench/ingest.ts (see core/stage-timing.ts). */
export const ingestStages = stageTimings;

export interface PreparedRecord {
  entityId: string;
  /**
   * The payload as its canonical JSON: the text hashed is the text stored (jsonb), and a batch
   * waiting to be written holds one string per record instead of the payload's object graph.
   */
  payloadJson: string;
  hash: string;
}

export interface RecordError {
  entityId: string | null;
  message: string;
}

/** Maps and transforms one ERP row; the entity id comes from the ERP primary-key column. */
export function prepareRecord(raw: Row, config: EntityConfig, timeZone: string): PreparedRecord {
  if (!ingestStages.hasSubscribers) return prepare(raw, config, timeZone);
  const t0 = performance.now();
  try {
    return prepare(raw, config, timeZone);
  } finally {
    ingestStages.publish({ stage: 'transform_hash', ms: performance.now() - t0 });
  }
}

function prepare(raw: Row, config: EntityConfig, timeZone: string): PreparedRecord {
  const pk = primaryKeyColumn(config);
  const id = pk ? raw[pk] : undefined;
  if (id === undefined || id === null || id === '')
    throw new Error(`row has no value in its primary key column ${pk ?? '(primary_key not configured)'}`);
  const payload = applyTransforms(mapFields(raw, config.field_mapping.erp_to_hub), config.transform_rules, { timeZone });
  const payloadJson = canonicalJson(payload);
  return { entityId: String(id), payloadJson, hash: canonicalHash(payloadJson) };
}

export interface BatchResult {
  changed: number;
  enqueued: number;
}

type StateKey = { tenantId: string; entityType: string; erpType: string };

/**
 * Set by a run whose entity had no sync_data row at all when it started: its batches insert
 * without ON CONFLICT, whose speculative insertion costs a fifth of the write (an extra WAL record
 * per row). The first batch that finds a key taken (a key the ERP returned twice, another writer)
 * goes back to the upsert, and so does the rest of the run.
 */
export interface FreshEntity {
  fresh: boolean;
}

/** Whether the entity has no record at all (any status, either direction): see FreshEntity. */
export async function freshEntity(db: Kysely<Database>, k: StateKey): Promise<FreshEntity> {
  const r = await sql<{ fresh: boolean }>`
    select not exists (select 1 from sync_data where tenant_id = ${k.tenantId} and entity_type = ${k.entityType} and erp_type = ${k.erpType}) as fresh`.execute(
    db,
  );
  return { fresh: r.rows[0]!.fresh };
}

/** PostgreSQL's unique violation on sync_data's record key. */
const isRecordKeyTaken = (err: unknown) => {
  const e = err as { code?: string; table?: string };
  return e.code === '23505' && e.table === 'sync_data';
};

/**
 * Writes one batch inside `trx`. A record whose hash did not change produces no UPDATE, no new
 * version and no queue item; a new one is a CREATE, a changed one an UPDATE (version + 1).
 */
export async function writeBatch(
  trx: Transaction<Database>,
  deps: { queue: SyncQueue },
  o: {
    tenantId: string;
    config: EntityConfig;
    records: PreparedRecord[];
    readCount: number;
    entity?: FreshEntity;
  },
  /**
   * A pipelined caller's turns (pull.ts): `beforeData` resolves when the sync_data statement may
   * run, `dataWritten` is told once it has, and `beforeQueue` resolves when the queue items may be
   * written. The work between them is done while waiting, off the pipeline's critical path.
   */
  turns: { beforeData?: () => Promise<void>; dataWritten?: () => void; beforeQueue?: () => Promise<void> } = {},
): Promise<BatchResult> {
  // The last version of a record within a batch wins (one statement cannot upsert a row twice).
  const unique = [...new Map(o.records.map((r) => [r.entityId, r])).values()];
  const recordset = `[${unique.map((r) => `{"entity_id":${JSON.stringify(r.entityId)},"payload":${r.payloadJson},"hash":"${r.hash}"}`).join(',')}]`;
  await turns.beforeData?.();
  const changed = unique.length ? await timed('db_write', () => writeRecords(trx, o, recordset)) : [];
  if (turns.dataWritten) {
    turns.dataWritten();
    // The next batch's data statement goes out before this batch plans its items (synchronous work).
    await yieldToIo();
  }
  const plan = deps.queue.planEnqueue(
    changed.map((r) => ({
      tenantId: o.tenantId,
      source: 'ERP',
      destination: 'HUB',
      entityType: o.config.entity_type,
      entityId: r.entity_id,
      // No payload: the queue copies it from the row just written, inside the database.
      action: r.inserted ? 'CREATE' : 'UPDATE',
      dataId: r.id,
      dataVersion: r.version,
    })),
  );
  await turns.beforeQueue?.();
  const enqueued = await timed('queue_insert', () => deps.queue.enqueuePlanned(trx, plan));
  await timed('checkpoint', () =>
    checkpoint(trx, { tenantId: o.tenantId, config: o.config, changed: changed.length, batchSize: o.readCount }),
  );
  return { changed: changed.length, enqueued: enqueued.length };
}

/** The sync_data statement of a batch: an insert while the entity is fresh, else the upsert. */
async function writeRecords(
  trx: Transaction<Database>,
  o: { tenantId: string; config: EntityConfig; entity?: FreshEntity },
  /** The batch's records as one JSON array of { entity_id, payload, hash }. */
  recordset: string,
): Promise<{ id: string; entity_id: string; version: number; inserted: boolean }[]> {
  const write = (upsert: boolean) =>
    sql<{ id: string; entity_id: string; version: number; inserted: boolean }>`
      insert into sync_data (tenant_id, config_id, entity_type, erp_type, entity_id, payload, payload_hash, sync_direction, status, synced_at)
      select ${o.tenantId}, ${o.config.id}, ${o.config.entity_type}, ${o.config.erp_type}, x.entity_id, x.payload, x.hash, 'IN', 'ACTIVE', now()
        from jsonb_to_recordset(${recordset}::jsonb)
             as x(entity_id text, payload jsonb, hash text)
      ${
        upsert
          ? sql`on conflict (tenant_id, entity_type, erp_type, entity_id) do update
             set payload = excluded.payload, payload_hash = excluded.payload_hash, version = sync_data.version + 1,
                 status = 'ACTIVE', synced_at = now(), updated_at = now(), config_id = excluded.config_id
           where sync_data.payload_hash is distinct from excluded.payload_hash or sync_data.status = 'DELETED'`
          : sql``
      }
      returning id, entity_id, version, (xmax = 0) as inserted`.execute(trx);
  if (o.entity?.fresh) {
    await sql`savepoint fresh_records`.execute(trx);
    try {
      const rows = (await write(false)).rows;
      await sql`release savepoint fresh_records`.execute(trx);
      return rows;
    } catch (err) {
      if (!isRecordKeyTaken(err)) throw err;
      await sql`rollback to savepoint fresh_records`.execute(trx);
      o.entity.fresh = false;
    }
  }
  return (await write(true)).rows;
}

/**
 * sync_state advances in the transaction of the batch it describes — never ahead of committed rows.
 * The cursor is not moved here: only a complete read commits it (commitCursor).
 */
async function checkpoint(
  trx: Transaction<Database>,
  o: { tenantId: string; config: EntityConfig; changed: number; batchSize: number },
): Promise<void> {
  await sql`
    insert into sync_state (tenant_id, entity_type, erp_type, direction, last_sync_at, last_timestamp, last_entity_id, total_synced, last_batch_size, last_error)
    values (${o.tenantId}, ${o.config.entity_type}, ${o.config.erp_type}, 'IN', now(), null, null, ${o.changed}, ${o.batchSize}, null)
    on conflict (tenant_id, entity_type, erp_type, direction) do update
       set last_sync_at = now(), last_timestamp = coalesce(excluded.last_timestamp, sync_state.last_timestamp),
           last_entity_id = coalesce(excluded.last_entity_id, sync_state.last_entity_id),
           total_synced = sync_state.total_synced + excluded.total_synced, last_batch_size = excluded.last_batch_size,
           last_error = null, updated_at = now()`.execute(trx);
}

/** A full read starts: until commitCursor, the next run knows the snapshot is unfinished and reads it whole again. */
export async function beginSnapshot(db: Kysely<Database>, k: StateKey): Promise<void> {
  await sql`
    insert into sync_state (tenant_id, entity_type, erp_type, direction, snapshot_started_at)
    values (${k.tenantId}, ${k.entityType}, ${k.erpType}, 'IN', now())
    on conflict (tenant_id, entity_type, erp_type, direction) do update set snapshot_started_at = now(), updated_at = now()`.execute(db);
}

/**
 * The read completed: the cursor (max of everything read) is committed, the snapshot is done and
 * the error cleared — in the transaction of the deletions, so neither is committed without the other.
 */
export async function commitCursor(
  trx: Transaction<Database>,
  k: StateKey,
  o: { cursor?: string; lastEntityId?: string; cursorSqlType?: string },
): Promise<void> {
  await sql`
    insert into sync_state (tenant_id, entity_type, erp_type, direction, last_sync_at, last_timestamp, last_entity_id, cursor_sql_type)
    values (${k.tenantId}, ${k.entityType}, ${k.erpType}, 'IN', now(), ${o.cursor ?? null}, ${o.lastEntityId ?? null}, ${o.cursorSqlType ?? null})
    on conflict (tenant_id, entity_type, erp_type, direction) do update
       set last_sync_at = now(), last_timestamp = coalesce(excluded.last_timestamp, sync_state.last_timestamp),
           last_entity_id = coalesce(excluded.last_entity_id, sync_state.last_entity_id),
           cursor_sql_type = coalesce(excluded.cursor_sql_type, sync_state.cursor_sql_type),
           snapshot_started_at = null, last_error = null, updated_at = now()`.execute(trx);
}

/** A failed run leaves its reason in sync_state (a row is created when the very first run fails). */
export async function recordPullError(db: Kysely<Database>, k: StateKey, error: string): Promise<void> {
  await sql`
    insert into sync_state (tenant_id, entity_type, erp_type, direction, last_error)
    values (${k.tenantId}, ${k.entityType}, ${k.erpType}, 'IN', ${error})
    on conflict (tenant_id, entity_type, erp_type, direction) do update set last_error = excluded.last_error, updated_at = now()`.execute(
    db,
  );
}

/** SQL: a sync_data row is one of the entity's live records read from the ERP (what a snapshot may delete). */
const liveRecord = (o: { tenantId: string; config: EntityConfig }) =>
  sql<boolean>`sync_data.tenant_id = ${o.tenantId} and sync_data.entity_type = ${o.config.entity_type}
    and sync_data.erp_type = ${o.config.erp_type} and sync_data.sync_direction = 'IN' and sync_data.status <> 'DELETED'`;

/** How many live records the entity has, and how many of them a complete snapshot did not contain. */
export async function countMissing(
  trx: Transaction<Database>,
  o: { tenantId: string; config: EntityConfig; seen: SnapshotKeys },
): Promise<{ live: number; gone: number }> {
  const live = liveRecord(o);
  // Two counts, not one with `count(*) filter (where not exists …)`: a NOT EXISTS in a WHERE clause
  // becomes a hash anti-join, one inside an aggregate's FILTER a probe per record (4.3 s against
  // 2.5 s for 1M records, and quadratic if the keys had no index).
  const r = await sql<{ live: string; gone: string }>`
    select (select count(*) from sync_data where ${live}) as live,
           (select count(*) from sync_data where ${live} and ${o.seen.notSeen(sql.ref('sync_data.entity_id'))}) as gone`.execute(trx);
  return { live: Number(r.rows[0]!.live), gone: Number(r.rows[0]!.gone) };
}

/** Full snapshot read completely: records not in it are DELETED (version + 1) and a DELETE goes to the Hub. */
export async function markMissingDeleted(
  trx: Transaction<Database>,
  deps: { queue: SyncQueue },
  o: { tenantId: string; config: EntityConfig; seen: SnapshotKeys },
): Promise<number> {
  const gone = (
    await sql<{ id: string; entity_id: string; version: number }>`
      update sync_data set status = 'DELETED', version = version + 1, updated_at = now(), synced_at = now()
       where ${liveRecord(o)} and ${o.seen.notSeen(sql.ref('sync_data.entity_id'))}
   returning id, entity_id, version`.execute(trx)
  ).rows;
  await deps.queue.enqueueMany(
    trx,
    gone.map((r) => ({
      tenantId: o.tenantId,
      source: 'ERP',
      destination: 'HUB',
      entityType: o.config.entity_type,
      entityId: r.entity_id,
      action: 'DELETE',
      dataId: r.id,
      dataVersion: r.version,
    })),
  );
  return gone.length;
}
