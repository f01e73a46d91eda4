/**
 * Hub → ERP: the worker's handler for every ERP-bound item. In ONE ERP transaction:
 * - CREATE: find_existing (found → that document is the one, nothing inserted), else the header
 *   `insert` (its OUTPUT gives the ERP id) and one `insert_item` per line with @header_id.
 * - UPDATE/UPSERT: as CREATE when the document is not in the ERP yet; when it is, the header
 *   `update` (@header_id = its ERP id) and, when the payload carries lines, `update_items`:
 *   `replace` = `delete_items` then `insert_item` per line.
 * - DELETE: `delete_items` (when configured) and `delete`, with @header_id from find_existing.
 * Actions the config cannot carry out are refused on arrival (src/http/outbound-payload.ts); the
 * PermanentErrors below only guard configs edited after an item was accepted.
 * Then the ERP id is stored on sync_queue (by the worker) and on sync_data (here, in the batch
 * transaction). The site agent (mode = agent) runs the same writeErpDocument on the statements and
 * values prepareErpDocument hands it through its lease. Fields declared `date`/`datetime` are bound as date/datetime2 parameters: a string
 * would be parsed by the login's DATEFORMAT (a Spanish login reads '2026-03-01' as 3 January).
 */
import { isSqlIdentifier } from '../core/sql-identifier.ts';
import { sql } from 'kysely';
import type { Executor } from '../db/connect.ts';
import { findEntityConfig } from '../db/entity-configs.ts';
import type { EntityConfigRow, QueueRow } from '../db/schema.ts';
import { tenantTimeZone } from '../db/tenants.ts';
import type { ErpRegistry } from '../erp/erp-registry.ts';
import type { ErpParams } from '../erp/erp-params.ts';
import type { ErpPool } from '../erp/erp-pool.ts';
import { PermanentError } from '../core/failure.ts';
import type { PushContext, PushResult } from '../queue/push-worker.ts';
import { payloadHash } from './canonical-json.ts';
import type { FieldType } from './entity-config-schema.ts';
import { tryParseEntityConfig, StoredConfigError, type EntityConfig, type StoredQueries } from './entity-config.ts';
import { applyTransforms, mapHubToErp, type Row } from './transforms.ts';

function params(row: Row): ErpParams {
  const out: ErpParams = {};
  for (const [k, v] of Object.entries(row)) {
    if (!isSqlIdentifier(k)) throw new PermanentError(`mapped field '${k}' is not a valid SQL parameter name`);
    out[k] = v;
  }
  return out;
}

/** Hub field types → the ERP parameter names they are bound as (through the mapping). */
function paramTypes(
  mapping: Record<string, string> | undefined,
  types: Partial<Record<string, FieldType>> | undefined,
): Map<string, FieldType> {
  return new Map(Object.entries(types ?? {}).flatMap(([hub, type]) => (mapping?.[hub] ? [[mapping[hub], type!] as const] : [])));
}

/** Dates as typed parameters (language-neutral); everything else as before (decimals stay exact strings). */
function typed(row: Row, types: Map<string, FieldType>): Row {
  const out: Row = { ...row };
  for (const [k, v] of Object.entries(row)) {
    const t = types.get(k);
    if (v === null || v === undefined) continue;
    if (t === 'date') out[k] = { type: 'date', value: v };
    else if (t === 'datetime') out[k] = { type: 'datetime2', value: v };
  }
  return out;
}

const nulls = (mapping: Record<string, string> | undefined): Row =>
  Object.fromEntries(Object.values(mapping ?? {}).map((target) => [target, null]));

const firstValue = (rows: Row[]) => {
  const v = rows[0] ? Object.values(rows[0])[0] : undefined;
  return v === undefined || v === null ? undefined : String(v);
};

type ErpQueries = Pick<StoredQueries, 'find_existing' | 'insert' | 'insert_item' | 'update' | 'update_items' | 'delete' | 'delete_items'>;

/** What one Hub document becomes for the ERP: the configured statements and the bound values (JSON-safe). */
export interface ErpDocument {
  entityType: string;
  action: string;
  queries: ErpQueries;
  header: Row;
  items: Row[];
  /** An UPDATE without the lines array leaves the ERP's lines alone; with it (even empty), they are replaced. */
  sentLines: boolean;
}

export interface ErpWritten {
  id: string | null;
  existed: boolean;
  lines: number;
  updated?: boolean;
  deleted?: number;
}

/** Maps and transforms a queued Hub document into what the ERP transaction binds (PermanentError when it cannot). */
export async function prepareErpDocument(db: Executor, item: QueueRow): Promise<{ config: EntityConfig; document: ErpDocument }> {
  const row = await findEntityConfig(db, { tenantId: item.tenant_id, entityType: item.entity_type, flow: 'OUT' });
  if (!row) throw new PermanentError(`${item.entity_type} is not configured for outbound sync (tenant ${item.tenant_id})`);
  const config = tryParseEntityConfig(row);
  if (config instanceof StoredConfigError) throw new PermanentError(config.message);
  const q = config.queries;
  if (item.action === 'DELETE' && !q.delete)
    throw new PermanentError(`${item.entity_type}: the ERP does not accept deletions from the Hub (no delete statement configured)`);
  if (item.action !== 'DELETE' && !q.insert) throw new PermanentError(`${item.entity_type} has no insert statement configured`);
  const tz = await tenantTimeZone(db, item.tenant_id);
  const mapping = config.field_mapping;
  const { header: mapped, items: lines } = mapHubToErp(item.payload as Row, mapping);
  // Every mapped parameter is bound, NULL when the Hub did not send it: SQL naming @x must find @x.
  const header = typed(
    { ...nulls(mapping.hub_to_erp), ...applyTransforms(mapped, config.transform_rules, { timeZone: tz }) },
    paramTypes(mapping.hub_to_erp, mapping.types),
  );
  const lineTypes = paramTypes(mapping.items?.mapping, mapping.items?.types);
  const items = lines.map((l) => typed({ ...nulls(mapping.items?.mapping), ...l }, lineTypes));
  const sentLines = mapping.items !== undefined && Array.isArray((item.payload as Row)[mapping.items.from]);
  const queries: ErpQueries = {
    find_existing: q.find_existing,
    insert: q.insert,
    insert_item: q.insert_item,
    update: q.update,
    update_items: q.update_items,
    delete: q.delete,
    delete_items: q.delete_items,
  };
  return { config, document: { entityType: item.entity_type, action: item.action, queries, header, items, sentLines } };
}

/**
 * The ERP side, in ONE ERP transaction (see the top of this file). Run by the worker and by the
 * on-site agent, so a retry after a crash between the ERP commit and the acknowledgement finds
 * the document (find_existing) instead of writing a second one.
 */
export async function writeErpDocument(pool: Pick<ErpPool, 'transaction'>, doc: ErpDocument): Promise<ErpWritten> {
  const { queries: q, header, items } = doc;
  return pool.transaction(async (tx): Promise<ErpWritten> => {
    const insertLines = async (id: string) => {
      if (items.length && !q.insert_item) throw new PermanentError(`${doc.entityType} has lines but no insert_item statement`);
      for (const [n, line] of items.entries()) {
        await tx.execute(q.insert_item!, params({ ...line, renglon: line.renglon ?? n + 1, header_id: id }), { name: 'insert_item' });
      }
    };
    const existing = q.find_existing
      ? firstValue((await tx.execute(q.find_existing, params(header), { name: 'find_existing' })).rows)
      : undefined;
    if (doc.action === 'DELETE') {
      if (!q.delete) throw new PermanentError(`${doc.entityType}: no delete statement configured`);
      if (q.delete_items && existing) await tx.execute(q.delete_items, params({ header_id: existing }), { name: 'delete_items' });
      const res = await tx.execute(q.delete, params({ ...header, header_id: existing ?? null }), { name: 'delete' });
      return { id: existing ?? null, existed: existing !== undefined, lines: 0, deleted: res.rowsAffected };
    }
    if (existing) {
      // A CREATE retried after its commit finds its own document: nothing to change.
      if (doc.action === 'CREATE') return { id: existing, existed: true, lines: 0 };
      if (!q.update) throw new PermanentError(`${doc.entityType}: the document exists in the ERP and the config has no update statement`);
      await tx.execute(q.update, params({ ...header, header_id: existing }), { name: 'update' });
      if (!doc.sentLines) return { id: existing, existed: true, lines: 0, updated: true };
      if (q.update_items !== 'replace' || !q.delete_items)
        throw new PermanentError(`${doc.entityType}: lines sent but no update_items strategy configured`);
      await tx.execute(q.delete_items, params({ header_id: existing }), { name: 'delete_items' });
      await insertLines(existing);
      return { id: existing, existed: true, lines: items.length, updated: true };
    }
    if (!q.insert) throw new PermanentError(`${doc.entityType} has no insert statement configured`);
    const id = firstValue((await tx.execute(q.insert, params(header), { name: 'insert' })).rows);
    if (!id)
      throw new PermanentError(
        `${doc.entityType}: the insert statement returned no id (add OUTPUT INSERTED.<id> INTO @t, then SELECT from @t)`,
      );
    await insertLines(id);
    return { id, existed: false, lines: items.length };
  });
}

/** Records a delivered document in sync_data (in the caller's transaction) and says what the queue stores. */
export async function recordErpSync(
  db: Executor,
  { item, config, written }: { item: QueueRow; config: Pick<EntityConfigRow, 'id' | 'erp_type'>; written: ErpWritten },
): Promise<PushResult> {
  if (item.action === 'DELETE') {
    await sql`
      update sync_data set status = 'DELETED', payload_hash = ${payloadHash(item.payload)}, synced_at = now(), updated_at = now()
       where tenant_id = ${item.tenant_id} and entity_type = ${item.entity_type} and erp_type = ${config.erp_type} and entity_id = ${item.entity_id}`.execute(
      db,
    );
    return { externalId: written.id, response: { erp_id: written.id, existed: written.existed, deleted: written.deleted ?? 0 } };
  }
  await sql`
    insert into sync_data (tenant_id, config_id, entity_type, erp_type, entity_id, payload, payload_hash, sync_direction, status, external_id, synced_at)
    values (${item.tenant_id}, ${config.id}, ${item.entity_type}, ${config.erp_type}, ${item.entity_id}, ${JSON.stringify(item.payload)}::jsonb,
            ${payloadHash(item.payload)}, 'OUT', 'SYNCED', ${written.id}, now())
    on conflict (tenant_id, entity_type, erp_type, entity_id) do update
       set payload = excluded.payload, payload_hash = excluded.payload_hash, external_id = excluded.external_id, status = 'SYNCED',
           version = sync_data.version + (case when sync_data.payload_hash = excluded.payload_hash then 0 else 1 end), synced_at = now(), updated_at = now()`.execute(
    db,
  );
  return {
    externalId: written.id,
    response: { erp_id: written.id, already_existed: written.existed, updated: written.updated ?? false, lines: written.lines },
  };
}

export function createErpPushHandler(deps: { db: Executor; erp: ErpRegistry }) {
  return async (item: QueueRow, ctx: PushContext): Promise<PushResult> => {
    const db = ctx.trx ?? deps.db;
    const { config, document } = await prepareErpDocument(db, item);
    const pool = await deps.erp.forTenant(item.tenant_id, config.erp_type);
    return recordErpSync(db, { item, config, written: await writeErpDocument(pool, document) });
  };
}
