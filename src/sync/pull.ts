/**
 * One scheduled pull of one entity (ERP → Hub): pre_process → select (incremental by cursor, or a
 * full snapshot) streamed in batches through the ingest path → deletions after a complete
 * snapshot → post_process. One run per (tenant, entity) at a time (a session advisory lock).
 */
import { sql, type Kysely } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Logger } from '../config/logger.ts';
import type { Database, EntityConfigRow } from '../db/schema.ts';
import { insertLogs } from '../db/sync-log.ts';
import { findTenant } from '../db/tenants.ts';
import type { ErpRegistry } from '../erp/erp-registry.ts';
import type { SyncQueue } from '../queue/sync-queue.ts';
import { emitWebhookEvents } from '../webhooks/events.ts';
import { cursorText, lookBack, maxCursor } from './cursor.ts';
import type { Queries } from './entity-config-schema.ts';
import { runPhase } from './etl-phases.ts';
import { markMissingDeleted, prepareRecord, writeBatch, type PreparedRecord } from './ingest.ts';

export const PULL_BATCH_SIZE = 1000;

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

export async function runPull(deps: PullDeps, o: { tenantId: string; configId: string; runId: string }): Promise<PullResult> {
  const config = await deps.db.selectFrom('sync_entity_config').selectAll().where('id', '=', o.configId).where('tenant_id', '=', o.tenantId).executeTakeFirst();
  const empty = { read: 0, changed: 0, deleted: 0, errors: 0 };
  if (!config || !config.enabled || config.direction === 'OUT') return { status: 'skipped', mode: 'full', ...empty, error: 'configuration missing, disabled or outbound-only' };
  const lockKey = `pull:${o.tenantId}:${config.entity_type}:${config.erp_type}`;
  return deps.db.connection().execute(async (conn) => {
    const locked = (await sql<{ ok: boolean }>`select pg_try_advisory_lock(hashtextextended(${lockKey}, 0)) as ok`.execute(conn)).rows[0]?.ok;
    if (!locked) return { status: 'skipped' as const, mode: 'full' as const, ...empty, error: 'a run of this entity is already in progress' };
    try {
      return await pullLocked(deps, conn, config, o);
    } finally {
      await sql`select pg_advisory_unlock(hashtextextended(${lockKey}, 0))`.execute(conn);
    }
  });
}

async function pullLocked(deps: PullDeps, conn: Kysely<Database>, config: EntityConfigRow, o: { tenantId: string; runId: string }): Promise<PullResult> {
  const started = new Date();
  const queries = config.queries as Queries;
  const tenant = await findTenant(conn, o.tenantId);
  const timeZone = tenant?.timezone ?? 'UTC';
  const state = await conn.selectFrom('sync_state').selectAll()
    .where('tenant_id', '=', o.tenantId).where('entity_type', '=', config.entity_type).where('erp_type', '=', config.erp_type).where('direction', '=', 'IN')
    .executeTakeFirst();
  const incremental = Boolean(queries.select_since && queries.cursor && state?.last_timestamp);
  const mode: PullResult['mode'] = incremental ? 'incremental' : 'full';
  const result: PullResult = { status: 'completed', mode, read: 0, changed: 0, deleted: 0, errors: 0 };
  const seen = new Set<string>();
  const logs: { entityId: string | null; message: string }[] = [];
  try {
    await runPhase(deps, { config, tenantId: o.tenantId, phase: 'pre_process', runId: o.runId, direction: 'IN' });
    const statement = incremental ? queries.select_since! : queries.select_all ?? queries.select_since;
    if (!statement) throw new Error(`${config.entity_type} has neither select_all nor select_since`);
    const params = incremental ? { lastSync: { type: 'datetime2' as const, value: lookBack(state!.last_timestamp!, queries.cursor!.lookback_seconds ?? 0) } } : {};
    const pool = await deps.erp.forTenant(o.tenantId, config.erp_type);
    let batch: PreparedRecord[] = [];
    let cursor: string | undefined;
    let lastId: string | undefined;
    const flush = async () => {
      const records = batch;
      batch = [];
      const r = await conn.transaction().execute((trx) => writeBatch(trx, deps, { tenantId: o.tenantId, config, records, checkpoint: { cursor, lastEntityId: lastId }, readCount: records.length }));
      result.changed += r.changed;
    };
    for await (const raw of pool.query(statement, params, { name: incremental ? 'select_since' : 'select_all' })) {
      result.read++;
      try {
        const rec = prepareRecord(raw, config, timeZone);
        batch.push(rec);
        if (mode === 'full') seen.add(rec.entityId);
        if (queries.cursor) {
          cursor = maxCursor(cursor, cursorText(raw[queries.cursor.field]));
          lastId = rec.entityId;
        }
      } catch (err) {
        result.errors++;
        logs.push({ entityId: raw[config.primary_key ?? ''] === undefined ? null : String(raw[config.primary_key ?? '']), message: (err as Error).message });
      }
      if (batch.length >= (deps.batchSize ?? PULL_BATCH_SIZE)) await flush();
    }
    await flush();
    // Only a snapshot read to its end says what is gone; a failed read never deletes.
    if (mode === 'full') result.deleted = await conn.transaction().execute((trx) => markMissingDeleted(trx, deps, { tenantId: o.tenantId, config, seen }));
    await runPhase(deps, { config, tenantId: o.tenantId, phase: 'post_process', runId: o.runId, direction: 'IN' });
  } catch (err) {
    result.status = 'failed';
    result.error = (err as Error).message;
    await sql`update sync_state set last_error = ${result.error}, updated_at = now() where tenant_id = ${o.tenantId} and entity_type = ${config.entity_type} and erp_type = ${config.erp_type} and direction = 'IN'`.execute(conn);
  }
  await insertLogs(conn, [
    ...logs.map((l) => ({ tenant_id: o.tenantId, entity_type: config.entity_type, entity_id: l.entityId, action: 'PULL', direction: 'IN' as const, status: 'FAILED' as const, message: `record skipped: ${l.message}` })),
    {
      tenant_id: o.tenantId, entity_type: config.entity_type, action: 'PULL', direction: 'IN', status: result.status === 'completed' ? (result.errors ? 'PARTIAL' : 'SUCCESS') : 'FAILED',
      phase: 'process', executed_on: 'erp', rows_affected: result.changed, started_at: started, completed_at: new Date(), duration_ms: Date.now() - started.getTime(),
      message: `${mode} pull ${result.status}: read ${result.read}, changed ${result.changed}, deleted ${result.deleted}, errors ${result.errors}`,
      error_detail: result.error ?? null, metadata: JSON.stringify({ run_id: o.runId, ...result }),
    },
  ]);
  const announced = result.changed + result.deleted;
  if (announced > 0) await emitWebhookEvents(conn, deps.boss, [{ tenantId: o.tenantId, type: 'inbound.available', data: { entity_type: config.entity_type, count: announced } }]);
  deps.logger.info({ tenant: o.tenantId, entity: config.entity_type, ...result }, 'pull finished');
  return result;
}
