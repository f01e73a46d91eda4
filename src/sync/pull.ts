/**
 * One scheduled pull of one entity (ERP → Hub): pre_process → select (incremental by cursor, or a
 * full snapshot) streamed in batches through the ingest path → deletions after a complete
 * snapshot → post_process. One run per (tenant, entity) at a time (a session advisory lock).
 */
import { sql, type Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Logger } from '../config/logger.ts';
import { findEntityConfigById } from '../db/entity-configs.ts';
import { findSyncState } from '../db/sync-state.ts';
import type { Database } from '../db/schema.ts';
import { insertLogs } from '../db/sync-log.ts';
import { tenantTimeZone } from '../db/tenants.ts';
import type { ErpParamType } from '../erp/erp-params.ts';
import type { ErpRegistry } from '../erp/erp-registry.ts';
import type { SyncQueue } from '../queue/sync-queue.ts';
import { emitWebhookEvents } from '../webhooks/events.ts';
import { cursorParams, cursorSqlTypeOf, cursorText, lookBack, maxCursor } from './cursor.ts';
import { flows, parseEntityConfig, primaryKeyColumn, StoredConfigError, type EntityConfig } from './entity-config.ts';
import { runPhase } from './etl-phases.ts';
import {
  beginSnapshot,
  commitCursor,
  recordPullError,
  countMissing,
  freshEntity,
  markMissingDeleted,
  prepareRecord,
  writeBatch,
  type PreparedRecord,
} from './ingest.ts';
import { openSnapshotKeys, type SnapshotKeys } from '../db/snapshot-keys.ts';
import { timed } from '../core/stage-timing.ts';
import { createBatchPipeline } from './batch-pipeline.ts';
import { clearRecordErrors, clearRecordErrorsNotIn, keepRecordErrors } from '../db/record-errors.ts';

/** Rows per batch transaction: fewer statements per record than 2 000, peak RSS still well under 256 MB (docs/queue.md). */
const PULL_BATCH_SIZE = 4000;
/** Batch transactions of one run written at once (batch-pipeline.ts). */
const BATCHES_IN_FLIGHT = 3;

export interface PullDeps {
  db: Kysely<Database>;
  queue: SyncQueue;
  boss: PgBoss;
  erp: ErpRegistry;
  logger: Logger;
  batchSize?: number;
}

export interface PullResult {
  status: 'completed' | 'skipped' | 'failed';
  mode: 'incremental' | 'full';
  read: number;
  changed: number;
  deleted: number;
  errors: number;
  error?: string;
}

export async function runPull(deps: PullDeps, o: PullOptions & { configId: string }): Promise<PullResult> {
  const row = await findEntityConfigById(deps.db, o.tenantId, o.configId);
  const empty = { read: 0, changed: 0, deleted: 0, errors: 0 };
  if (!row || !row.enabled || !flows(row, 'IN'))
    return { status: 'skipped', mode: 'full', ...empty, error: 'configuration missing, disabled or outbound-only' };
  let config: EntityConfig;
  try {
    config = parseEntityConfig(row);
  } catch (err) {
    if (err instanceof StoredConfigError) return { status: 'failed', mode: 'full', ...empty, error: err.message };
    throw err;
  }
  const lockKey = `pull:${o.tenantId}:${config.entity_type}:${config.erp_type}`;
  return deps.db.connection().execute(async (conn) => {
    const locked = (await sql<{ ok: boolean }>`select pg_try_advisory_lock(hashtextextended(${lockKey}, 0)) as ok`.execute(conn)).rows[0]
      ?.ok;
    if (!locked)
      return { status: 'skipped' as const, mode: 'full' as const, ...empty, error: 'a run of this entity is already in progress' };
    try {
      return await pullLocked(deps, { conn, config, o });
    } finally {
      await sql`select pg_advisory_unlock(hashtextextended(${lockKey}, 0))`.execute(conn);
    }
  });
}

/** The share of live records a snapshot may delete without an operator's confirmation. */
const DEFAULT_MAX_DELETE_SHARE = 0.5;

export interface PullOptions {
  tenantId: string;
  runId: string;
  /** `full` reads the whole snapshot even when a cursor exists (reconciliation: finds deletes). */
  mode?: 'full';
  /** The operator confirmed a snapshot that deletes more than the mass-delete guard allows. */
  confirmDeletes?: boolean;
}

/** Refused by the mass-delete guard: nothing was deleted and the run is FAILED until an operator confirms. */
class MassDeleteError extends Error {}

async function pullLocked(
  deps: PullDeps,
  { conn, config, o }: { conn: Kysely<Database>; config: EntityConfig; o: PullOptions },
): Promise<PullResult> {
  const started = new Date();
  const queries = config.queries;
  const timeZone = await tenantTimeZone(conn, o.tenantId);
  const key = { tenantId: o.tenantId, entityType: config.entity_type, erpType: config.erp_type };
  const state = await findSyncState(conn, { ...key, direction: 'IN' });
  // A snapshot left unfinished (dropped connection, crash) is read again whole: only a complete one commits the cursor.
  const incremental = Boolean(
    queries.select_since && queries.cursor && state?.last_timestamp && !state.snapshot_started_at && o.mode !== 'full',
  );
  const mode: PullResult['mode'] = incremental ? 'incremental' : 'full';
  const result: PullResult = { status: 'completed', mode, read: 0, changed: 0, deleted: 0, errors: 0 };
  const logs: { entityId: string | null; message: string }[] = [];
  const pkColumn = primaryKeyColumn(config) ?? '';
  let seen: SnapshotKeys | undefined;
  try {
    await runPhase(deps, { config, tenantId: o.tenantId, phase: 'pre_process', runId: o.runId, direction: 'IN' });
    // A full read without select_all runs select_since with a NULL cursor (seed 001's `@ultimaSync IS NULL`).
    const statement = incremental ? queries.select_since! : (queries.select_all ?? queries.select_since);
    if (!statement) throw new Error(`${config.entity_type} has neither select_all nor select_since`);
    const snapshot = !incremental && statement === queries.select_all;
    if (!incremental) await beginSnapshot(conn, key);
    // Every key a complete select_all read, for its deletions: in a TEMP table of this connection (bounded memory).
    seen = snapshot ? await openSnapshotKeys(conn) : undefined;
    const cursorType = queries.cursor?.sql_type ?? (state?.cursor_sql_type as ErpParamType | null) ?? 'datetime2';
    const cursorValue = incremental ? lookBack(state!.last_timestamp!, queries.cursor!.lookback_seconds ?? 0) : null;
    const params = statement === queries.select_all ? {} : cursorParams(statement, { type: cursorType, value: cursorValue });
    const pool = await deps.erp.forTenant(o.tenantId, config.erp_type);
    const entity = await freshEntity(conn, key);
    let batch: PreparedRecord[] = [];
    let refused: { entityId: string; message: string }[] = [];
    let keys: string[] = [];
    let cursor: string | undefined;
    let lastId: string | undefined;
    // Several batch transactions at once, each on a pool connection, in read order (batch-pipeline.ts).
    const pipeline = createBatchPipeline(BATCHES_IN_FLIGHT);
    // Whether a batch of this run refused a record: from then on, a batch clears its converted
    // records' errors only after the batches before it have committed (their refusals included).
    let refusedSoFar = false;
    const flush = async () => {
      const [records, errors, read] = [batch, refused, keys];
      [batch, refused, keys] = [[], [], []];
      refusedSoFar ||= errors.length > 0;
      const clearEarly = !refusedSoFar;
      await pipeline.add(async (turn) => {
        // The keys live in the run's own session (a TEMP table), outside the batch transaction.
        await seen?.add(conn, read);
        const converted = records.map((x) => x.entityId);
        // The cursor is not checkpointed per batch: a read cut short re-reads from the last committed
        // cursor, and unchanged rows re-read produce no write and no queue item (hash compare).
        const r = await deps.db.transaction().execute(async (trx) => {
          // Statements that need no turn run before this batch's turns come: off the pipeline's critical path.
          if (clearEarly) await clearRecordErrors(trx, key, converted);
          return writeBatch(
            trx,
            deps,
            { tenantId: o.tenantId, config, records, readCount: records.length, entity },
            {
              beforeData: () => turn.dataTurn,
              dataWritten: turn.dataWritten,
              beforeQueue: async () => {
                await turn.previousCommitted;
                await keepRecordErrors(trx, key, errors);
                if (!clearEarly) await clearRecordErrors(trx, key, converted);
              },
            },
          );
        });
        result.changed += r.changed;
      });
    };
    // Without a configured type, the cursor column's own type is learnt from the result metadata and kept in sync_state.
    let learntType: ErpParamType | undefined;
    const onColumns = (cols: { name: string; type: string }[]) => {
      const col = queries.cursor && cols.find((c) => c.name.toLowerCase() === queries.cursor!.field.toLowerCase());
      learntType ??= col ? cursorSqlTypeOf(col.type) : undefined;
    };
    try {
      for await (const raw of pool.query(statement, params, { name: incremental ? 'select_since' : 'select_all', onColumns })) {
        result.read++;
        const rawId = raw[pkColumn];
        // Every key read counts as seen, converted or not: a refused record is an error, never a delete.
        if (seen && rawId !== undefined && rawId !== null && rawId !== '') keys.push(String(rawId));
        try {
          const rec = prepareRecord(raw, config, timeZone);
          batch.push(rec);
          if (queries.cursor) {
            cursor = maxCursor(cursor, cursorText(raw[queries.cursor.field]));
            lastId = rec.entityId;
          }
        } catch (err) {
          result.errors++;
          const entityId = rawId === undefined || rawId === null ? null : String(rawId);
          logs.push({ entityId, message: (err as Error).message });
          if (entityId) refused.push({ entityId, message: (err as Error).message });
          // A refused row still moves the cursor: it stays listed in sync_record_error until it converts.
          if (queries.cursor) cursor = maxCursor(cursor, cursorText(raw[queries.cursor.field]));
        }
        if (batch.length + refused.length >= (deps.batchSize ?? PULL_BATCH_SIZE)) await flush();
      }
      await flush();
    } finally {
      // Whatever happened, no batch transaction is left running when the run ends.
      await pipeline.settled();
    }
    await pipeline.done();
    // The read is complete: deletions (a complete select_all only), then the cursor, in one transaction.
    result.deleted = await timed('snapshot_end', () =>
      conn.transaction().execute(async (trx) => {
        let deleted = 0;
        if (seen) {
          await seen.index(trx);
          const share = queries.max_delete_share ?? DEFAULT_MAX_DELETE_SHARE;
          const { live, gone } = await countMissing(trx, { tenantId: o.tenantId, config, seen });
          if (gone > 0 && gone > share * live && !o.confirmDeletes) {
            throw new MassDeleteError(
              `mass-delete guard: the snapshot would delete ${gone} of ${live} live ${config.entity_type} records (more than ${share * 100} %); nothing was deleted. ` +
                `If the deletions are real, confirm with POST /api/v1/sync/run?entity=${config.entity_type}&mode=full&confirm_deletes=true`,
            );
          }
          // Nothing gone (the usual snapshot): no second anti-join over the entity's records to find it again.
          if (gone > 0) deleted = await markMissingDeleted(trx, deps, { tenantId: o.tenantId, config, seen });
          await clearRecordErrorsNotIn(trx, key, seen);
        }
        await commitCursor(trx, key, { cursor, lastEntityId: lastId, cursorSqlType: queries.cursor?.sql_type ?? learntType });
        return deleted;
      }),
    );
    await runPhase(deps, { config, tenantId: o.tenantId, phase: 'post_process', runId: o.runId, direction: 'IN' });
  } catch (err) {
    result.status = 'failed';
    result.error = (err as Error).message;
    await recordPullError(conn, key, result.error);
  }
  // The connection goes back to the pool: its temp table must not outlive the run (nor hold its keys).
  await seen?.drop(conn).catch(() => {});
  await insertLogs(conn, [
    ...logs.map((l) => ({
      tenant_id: o.tenantId,
      entity_type: config.entity_type,
      entity_id: l.entityId,
      action: 'PULL',
      direction: 'IN' as const,
      status: 'FAILED' as const,
      message: `record skipped: ${l.message}`,
    })),
    {
      tenant_id: o.tenantId,
      entity_type: config.entity_type,
      action: 'PULL',
      direction: 'IN',
      status: result.status === 'completed' ? (result.errors ? 'PARTIAL' : 'SUCCESS') : 'FAILED',
      phase: 'process',
      executed_on: 'erp',
      rows_affected: result.changed,
      started_at: started,
      completed_at: new Date(),
      duration_ms: Date.now() - started.getTime(),
      message: `${mode} pull ${result.status}: read ${result.read}, changed ${result.changed}, deleted ${result.deleted}, errors ${result.errors}`,
      error_detail: result.error ?? null,
      metadata: JSON.stringify({ run_id: o.runId, ...result }),
    },
  ]);
  const announced = result.changed + result.deleted;
  if (announced > 0)
    await emitWebhookEvents(conn, deps.boss, [
      { tenantId: o.tenantId, type: 'inbound.available', data: { entity_type: config.entity_type, count: announced } },
    ]);
  deps.logger.info({ tenant: o.tenantId, entity: config.entity_type, ...result }, 'pull finished');
  return result;
}
